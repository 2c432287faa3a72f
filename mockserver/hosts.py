"""Which `Host` a request may name: the mock's defence against DNS rebinding.

A web page on any site can make the browser resolve a name of its own to 127.0.0.1 and
then read the answers of a server there, as if same-origin. The request still names the
attacker's host in `Host`, so, like webpack-dev-server and Vite, the mock answers only
requests that name it by an address (an IP literal cannot be rebound), as `localhost`, or
by a name it was started on or told to accept (`--host`, `--allowed-host`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

# Characters that cannot appear in a host and port, but could confuse a URL parser.
_NOT_IN_A_HOST = set("@/\\?# ")


class HostPolicy:
    def __init__(self, names: Iterable[str]) -> None:
        self.names = frozenset(_normal(name) for name in names)

    def allows(self, host_header: str | None) -> bool:
        """Whether a request whose `Host` is `host_header` may be answered.

        No `Host` at all (HTTP/1.0) is allowed: browsers always send one.
        """
        if host_header is None:
            return True
        if not host_header or _NOT_IN_A_HOST & set(host_header):
            return False
        host = _without_port(host_header)
        if host == "localhost" or host.endswith(".localhost") or host in self.names:
            return True
        try:
            ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return False
        return True


def _without_port(host_header: str) -> str:
    if host_header.startswith("["):  # [::1]:8009
        return _normal(host_header.partition("]")[0] + "]")
    return _normal(host_header.rpartition(":")[0] if ":" in host_header else host_header)


def _normal(name: str) -> str:
    """Host names compare without case and without a trailing dot."""
    return name.strip().lower().rstrip(".")
