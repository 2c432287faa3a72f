"""Requests through the suite's session are spaced to --max-rps, and time out."""

from __future__ import annotations

import time

import requests
from broken_servers import TOKEN_HEADER, USER_TOKEN, create_app, listening, redirecting, serving

from contract_tests.pacing import USER_AGENT, PacedSession


def test_requests_are_spaced_to_the_rate_cap() -> None:
    with serving(create_app()) as base_url, PacedSession(max_rps=20, timeout_s=5) as session:
        started = time.monotonic()
        for _ in range(5):
            session.get(f"{base_url}/metrics/user/u/e")
        elapsed = time.monotonic() - started

    assert elapsed >= 4 / 20


def test_every_request_gets_the_session_timeout() -> None:
    sent = {}

    def record(request: requests.PreparedRequest, **kwargs) -> requests.Response:
        sent.update(kwargs)  # instead of sending
        response = requests.Response()
        response.status_code, response.request = 200, request
        return response

    session = PacedSession(max_rps=None, timeout_s=1.5)
    session.get_adapter("http://").send = record

    session.get("http://127.0.0.1:1/", timeout=60)

    assert sent["timeout"] == 1.5


def test_no_request_follows_a_redirect() -> None:
    """requests' `get` asks to follow them; the session says no (test_redirects.py: every kind)."""
    with (
        listening() as (elsewhere, seen),
        serving(redirecting(create_app(), "/", elsewhere)) as base_url,
        PacedSession(max_rps=None, timeout_s=5) as session,
    ):
        response = session.get(f"{base_url}/metrics/thisuser/e", headers={TOKEN_HEADER: USER_TOKEN})

    assert (response.status_code, seen) == (307, [])


def test_every_request_names_the_suite_in_its_user_agent() -> None:
    session = PacedSession(max_rps=None, timeout_s=5)
    prepared = session.prepare_request(requests.Request("GET", "http://127.0.0.1:1/x"))
    assert prepared.headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("tidepool-metrics-contract")
