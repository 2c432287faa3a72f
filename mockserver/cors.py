"""CORS, so that a web app on another origin (blip on http://localhost:3000) can use the mock.

Every response carries the allowed origin and exposes the session-token header (the app
reads it after login); `OPTIONS` on any route answers the browser's preflight.
"""

from __future__ import annotations

from collections.abc import Iterable

# Request headers a browser app sends besides the spec's token headers.
EXTRA_ALLOWED_HEADERS = ("Authorization", "X-Tidepool-Trace-Session", "Prefer", "Content-Type")
PREFLIGHT_MAX_AGE_S = 600


class CorsPolicy:
    def __init__(self, origin: str, token_headers: Iterable[str]) -> None:
        token_headers = sorted(set(token_headers))
        self.origin = origin
        self._allowed_headers = ", ".join([*token_headers, *EXTRA_ALLOWED_HEADERS])
        self._exposed_headers = ", ".join(token_headers)

    def headers(self) -> list[tuple[str, str]]:
        """Added to every response, errors included, so a browser app can read them."""
        headers = [
            ("Access-Control-Allow-Origin", self.origin),
            ("Access-Control-Expose-Headers", self._exposed_headers),
        ]
        if self.origin != "*":
            headers.append(("Vary", "Origin"))
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
