"""Where the mock listens: the address checked before serving, and the URLs to print.

A port already taken, or an address that is not this machine's, would otherwise surface
as the server's error and a traceback; here it is one line that says what to do. The
URLs printed are ones a person can open: `[::1]` in brackets, and for `0.0.0.0` the
addresses a phone on the same network would use.
"""

from __future__ import annotations

import errno
import ipaddress
import socket

try:  # POSIX; Windows has no per-process limit on sockets to raise
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None

ALL_INTERFACES = ("0.0.0.0", "::")
# macOS reports no hard limit but refuses more than its own ceiling (kern.maxfilesperproc).
UNLIMITED_CEILING = 1 << 20
# Descriptors a worker keeps for other things than connections (the journal, the pool...).
RESERVED_FDS = 64


class ListenError(OSError):
    """The mock cannot listen where it was asked to; the message says why and what to do."""


def bind_address(host: str, port: int) -> str:
    """`host:port` as servers take it, with an IPv6 address in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def check_address(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise ListenError(
                    f"port {port} on {host} is in use, most likely by another mock: stop it, "
                    "or start this one with another --port"
                ) from None
            raise ListenError(
                f"cannot listen on {host} port {port}: {error.strerror or error} "
                "(--host takes an address of this machine, e.g. 127.0.0.1, ::1 or 0.0.0.0)"
            ) from None


def urls(host: str, port: int) -> tuple[str, list[str]]:
    """The URL to use on this machine, and those other machines would use (for 0.0.0.0)."""
    if host not in ALL_INTERFACES:
        return f"http://{bind_address(host, port)}", []
    local = "::1" if host == "::" else "127.0.0.1"
    return f"http://{bind_address(local, port)}", [
        f"http://{bind_address(address, port)}" for address in _network_addresses()
    ]


def _network_addresses() -> list[str]:
    """This machine's own addresses that are not loopback, from its host name."""
    try:
        _, _, addresses = socket.gethostbyname_ex(socket.gethostname())
    except OSError:
        return []
    return sorted(
        {address for address in addresses if not ipaddress.ip_address(address).is_loopback}
    )


def raise_open_files_limit() -> int | None:
    """Raise this process's open-files limit as far as the system allows, so that slow and
    idle clients do not run a worker out of descriptors, and return the connections a
    worker may then hold (None where there is no such limit, on Windows).

    Linux reports a hard limit that setrlimit accepts; macOS reports none (unlimited) while
    refusing anything above its own ceiling, and starts with a soft limit of 256. So the
    highest value the system accepts is searched for, by halving the range between the
    current limit and the hard one (or `UNLIMITED_CEILING`); where it accepts none, the old
    limit stays.
    """
    if resource is None:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY:
        accepted, refused = soft, (UNLIMITED_CEILING if hard == resource.RLIM_INFINITY else hard)
        while accepted < refused:
            wanted = (accepted + refused + 1) // 2
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            except (ValueError, OSError):
                refused = wanted - 1
            else:
                accepted = wanted
        soft = accepted
    if soft == resource.RLIM_INFINITY:
        soft = UNLIMITED_CEILING
    return max(1, soft - RESERVED_FDS)
