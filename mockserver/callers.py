"""Who may call what: the requests the mock refuses by where they come from.

CORS (cors.py) decides only what a page may *read*; a request a page sends blindly still
arrives and acts. A developer browses the web while the mock runs, so before answering,
the mock refuses what it can tell comes from a page or a machine it does not serve:

- Its own API (/__mock: the journal, the refusals, the status, the inspector) answers the
  mock's own pages (same origin) and pages of this machine (loopback origins) only,
  whatever --cors-origin says. A cross-site request that carries no `Origin` is refused
  too (`Sec-Fetch-Site`), except the developer following a link to a page (a top-level
  navigation, which `frame-ancestors 'none'` keeps out of frames). Its clears are
  `DELETE`s, a method no page can send to another origin without a preflight, and the
  preflight of a foreign page is refused here.
- The Metrics and auth routes (and what passes through to an upstream): with a
  --cors-origin narrower than `*`, requests from other origins are refused, so a page
  cannot record events it may not read the answers of.
- With --host 0.0.0.0 others on the network reach the mock: they may read its journal,
  but its state changes (the clears) answer only clients on this machine, unless
  --allow-remote-changes says otherwise.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from urllib.parse import urlsplit

from . import errors

# The mock's own endpoints; the rest are the Metrics API's, the auth routes, or the upstream's.
OWN_PREFIX = "/__mock"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Sent with every answer the mock makes itself: no page may frame it (against a tricked
# click on "Clear journal"), and no browser may guess a type it did not say. The rest of
# the policy is the inspector's: its scripts and styles come from the mock only.
SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
)


def is_own_path(raw_path: str) -> bool:
    return raw_path == OWN_PREFIX or raw_path.startswith(OWN_PREFIX + "/")


def is_loopback_origin(origin: str) -> bool:
    """A page served from this machine: localhost, *.localhost or a loopback address."""
    try:
        host = urlsplit(origin).hostname or ""
    except ValueError:
        return False
    return is_loopback_host(host)


def is_loopback_host(host: str) -> bool:
    """A name or an address of this machine only (what `--host` may bind to privately)."""
    return host == "localhost" or host.endswith(".localhost") or _is_loopback_address(host)


def is_loopback_client(remote_addr: str | None) -> bool:
    """A client on this machine. Every server on a socket names the client; only a caller
    in the same process (Werkzeug's test client) names none, and it is on this machine."""
    return remote_addr is None or _is_loopback_address(remote_addr)


def refusal(
    method: str,
    raw_path: str,
    headers,
    environ: dict,
    allows_origin: Callable[[str], bool] | None,
    allow_remote_changes: bool,
) -> str | None:
    """Why the request is refused (403), or None. `allows_origin(origin)`: the
    --cors-origin policy of the Metrics and auth routes (cors.CorsPolicy.allows); None
    when it is `*`."""
    origin = headers.get("Origin")
    cross_site = headers.get("Sec-Fetch-Site") == "cross-site"
    own_page = origin is not None and is_own_origin(environ, origin)
    if is_own_path(raw_path):
        if origin is not None and not (own_page or is_loopback_origin(origin)):
            return errors.FOREIGN_PAGE.format(origin=origin)
        navigation = method == "GET" and headers.get("Sec-Fetch-Mode") == "navigate"
        if origin is None and cross_site and not navigation:
            return errors.FOREIGN_PAGE.format(origin="another site")
        if (
            method not in SAFE_METHODS
            and not allow_remote_changes
            and not is_loopback_client(environ.get("REMOTE_ADDR"))
        ):
            return errors.REMOTE_CHANGE
        return None
    if allows_origin is None:
        return None
    if origin is not None and not (own_page or allows_origin(origin)):
        return errors.ORIGIN_NOT_ALLOWED.format(origin=origin)
    if origin is None and cross_site:
        return errors.ORIGIN_NOT_ALLOWED.format(origin="another site")
    return None


def is_own_origin(environ: dict, origin: str) -> bool:
    """A page of the mock itself: its origin is the one the browser asked the mock at."""
    own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
    return origin.lower() == own.lower()


def _is_loopback_address(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
