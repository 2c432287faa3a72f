"""The one HTTP session every request of the suite goes through: paced, timed out, counted.

Remote environments are shared with real users, so requests to them are capped at
`--max-rps`; loopback servers are not capped. Every request has a timeout, so a server
that hangs fails the run instead of stalling the deploy gate.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import requests


class PacedSession(requests.Session):
    def __init__(self, max_rps: float | None, timeout_s: float) -> None:
        super().__init__()
        self._interval = 0.0 if not max_rps else 1.0 / max_rps
        self._timeout_s = timeout_s
        self._lock = threading.Lock()
        self._next_at = 0.0

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Every request passes here, whether built by `request` or prepared by the caller
        (a replayed request target, sent exactly as recorded)."""
        kwargs["timeout"] = self._timeout_s  # also over the default schemathesis passes
        with self._lock:
            now = time.monotonic()
            wait = self._next_at - now
            self._next_at = max(now, self._next_at) + self._interval
        if wait > 0:
            time.sleep(wait)
        return super().send(request, **kwargs)
