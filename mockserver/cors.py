"""CORS, so that a web app on another origin (blip on http://localhost:3000) can use the mock.

Every response carries the allowed origin and exposes the session-token header (the app
reads it after login); `OPTIONS` on any route answers the browser's preflight. The
origins allowed are `*` (any page), a list (`--cors-origin`, repeatable), or `loopback`:
any page served from this machine, the default when the mock passes requests through to
a real environment, whose data and the developer's session must not reach any site.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from .callers import is_loopback_origin
from .config import ANY_ORIGIN, LOOPBACK_ORIGINS

# Request headers a browser app sends besides the spec's token headers.
EXTRA_ALLOWED_HEADERS = ("Authorization", "X-Tidepool-Trace-Session", "Prefer", "Content-Type")
PREFLIGHT_MAX_AGE_S = 600


def parse_origin(text: str) -> str:
    """`*`, `loopback`, or one origin as browsers send it: `scheme://host[:port]`, no path."""
    if text in (ANY_ORIGIN, LOOPBACK_ORIGINS):
        return text
    try:
        parts = urlsplit(text)
        # `.port` raises ValueError for a port that is not a number from 0 to 65535.
        valid = (
            parts.scheme in ("http", "https")
            and bool(parts.hostname)
            and not (parts.path or parts.query or parts.fragment)
            and parts.username is None
            and (parts.port or 0) >= 0
        )
    except ValueError:
        valid = False
    if not valid:
        raise ValueError(
            f"{text!r} is not an origin: give scheme://host[:port] with no path "
            f"(e.g. http://localhost:3000), {ANY_ORIGIN!r} or {LOOPBACK_ORIGINS!r}"
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"


class CorsPolicy:
    def __init__(self, origins: Iterable[str], token_headers: Iterable[str]) -> None:
        token_headers = sorted(set(token_headers))
        self.origins = tuple(origins)
        self._allowed_headers = ", ".join([*token_headers, *EXTRA_ALLOWED_HEADERS])
        self._exposed_headers = ", ".join(token_headers)

    @property
    def allows_any(self) -> bool:
        return ANY_ORIGIN in self.origins

    def allows(self, origin: str | None) -> bool:
        if origin is None:
            return False
        if ANY_ORIGIN in self.origins or origin.lower() in self.origins:
            return True
        return LOOPBACK_ORIGINS in self.origins and is_loopback_origin(origin)

    def headers(self, origin: str | None) -> list[tuple[str, str]]:
        """Added to every response, errors included, so a browser app can read them.

        With a list, the request's own `Origin` is echoed if allowed, and nothing lets a
        page on another origin read the answer.
        """
        if ANY_ORIGIN in self.origins:
            return [
                ("Access-Control-Allow-Origin", ANY_ORIGIN),
                ("Access-Control-Expose-Headers", self._exposed_headers),
            ]
        headers = [("Vary", "Origin")]
        if origin is not None and self.allows(origin):
            headers += [
                ("Access-Control-Allow-Origin", origin),
                ("Access-Control-Expose-Headers", self._exposed_headers),
            ]
        return headers

    def preflight_headers(
        self, methods: Iterable[str], requested_headers: str = ""
    ) -> list[tuple[str, str]]:
        """`requested_headers`: those a browser asks for on a path that passes through to an
        upstream, whose own API may need headers the mock does not know (upstream.py)."""
        allowed = ", ".join(sorted({*methods, "OPTIONS"}))
        allowed_headers = ", ".join(filter(None, [self._allowed_headers, requested_headers]))
        return [
            ("Allow", allowed),
            ("Access-Control-Allow-Methods", allowed),
            ("Access-Control-Allow-Headers", allowed_headers),
            ("Access-Control-Max-Age", str(PREFLIGHT_MAX_AGE_S)),
        ]
