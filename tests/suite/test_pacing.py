"""Requests through the suite's session are spaced to --max-rps, and time out."""

from __future__ import annotations

import time

from broken_servers import create_app, serving

from contract_tests.pacing import PacedSession


def test_requests_are_spaced_to_the_rate_cap() -> None:
    with serving(create_app()) as base_url, PacedSession(max_rps=20, timeout_s=5) as session:
        started = time.monotonic()
        for _ in range(5):
            session.get(f"{base_url}/metrics/user/u/e")
        elapsed = time.monotonic() - started

    assert elapsed >= 4 / 20


def test_every_request_gets_the_session_timeout() -> None:
    sent = {}
    session = PacedSession(max_rps=None, timeout_s=1.5)
    session.send = lambda request, **kwargs: sent.update(kwargs)  # record instead of sending

    session.get("http://127.0.0.1:1/", timeout=60)

    assert sent["timeout"] == 1.5


def test_no_request_follows_a_redirect() -> None:
    """requests' `get` asks to follow them; the session says no (test_redirects.py, over sockets)."""
    sent = {}
    session = PacedSession(max_rps=None, timeout_s=1.5)
    session.send = lambda request, **kwargs: sent.update(kwargs)

    session.get("http://127.0.0.1:1/")

    assert sent["allow_redirects"] is False
