"""Where the mock listens: the address checked before serving, and the URLs to print.

A port already taken, or an address that is not this machine's, would otherwise surface
as gunicorn's retries and a traceback; here it is one line that says what to do. The
URLs printed are ones a person can open: `[::1]` in brackets, and for `0.0.0.0` the
addresses a phone on the same network would use.
"""

from __future__ import annotations

import errno
import ipaddress
import socket

ALL_INTERFACES = ("0.0.0.0", "::")


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
