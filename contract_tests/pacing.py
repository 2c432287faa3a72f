"""The one HTTP session every request of the suite goes through: paced, timed out, never redirected.

Remote environments are shared with real users, so requests to them are capped at
`--max-rps`; loopback servers are not capped. The cap is the whole run's: under
pytest-xdist each worker paces its own session at its share of it (WORKER_COUNT), so
that `-n 4` sends no more than a serial run would. Every request has a timeout, so a server
that hangs fails the run instead of stalling the deploy gate. No request follows a
redirect: requests would carry `X-Tidepool-Session-Token` (it strips only
`Authorization`) to whatever host a 3xx names, so a 3xx is the answer, judged as such.
It reads neither proxy variables nor `.netrc` (network.py). Every request names the suite in its `User-Agent` (USER_AGENT), which the mock's journal
keeps: its inspector can hide the suite's events without their names being changed.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from typing import Any

import requests

from contract_tests.network import Route

# What the mock's inspector recognises (spec/mockserver.v1.yaml, Event.userAgent).
USER_AGENT = "tidepool-metrics-contract (the contract suite)"
# Set by pytest-xdist in each worker: how many workers share the run.
WORKER_COUNT = "PYTEST_XDIST_WORKER_COUNT"


def workers_sharing(environ: Mapping[str, str] = os.environ) -> int:
    """How many processes send the run's requests at once: xdist's workers, else one."""
    try:
        return max(1, int(environ.get(WORKER_COUNT, "1")))
    except ValueError:
        return 1


class PacedSession(requests.Session):
    def __init__(self, max_rps: float | None, timeout_s: float, route: Route | None = None) -> None:
        super().__init__()
        # Neither proxy variables nor .netrc: network.route decides the proxies.
        self.trust_env = False
        route = route or Route()
        self.proxies, self.verify = dict(route.proxies), route.verify
        self.cap(max_rps)
        self._timeout_s = timeout_s
        self._lock = threading.Lock()
        self._next_at = 0.0
        self.headers["User-Agent"] = USER_AGENT

    def cap(self, max_rps: float | None) -> None:
        """At most `max_rps` requests per second from now on, for the whole run: this
        process's share of it (None: uncapped)."""
        self._interval = 0.0 if not max_rps else workers_sharing() / max_rps

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Every request passes here, whether built by `request` or prepared by the caller
        (a replayed request target, sent exactly as recorded)."""
        kwargs["timeout"] = self._timeout_s  # also over the default schemathesis passes
        kwargs["allow_redirects"] = False  # also over `get`'s default of True
        with self._lock:
            now = time.monotonic()
            wait = self._next_at - now
            self._next_at = max(now, self._next_at) + self._interval
        if wait > 0:
            time.sleep(wait)
        return super().send(request, **kwargs)
