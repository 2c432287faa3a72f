"""Requests through the suite's session are spaced to --max-rps, and time out."""

from __future__ import annotations

import time

import pytest
import requests
from broken_servers import (
    REFERENCE_TOKENS,
    TOKEN_HEADER,
    USER_TOKEN,
    create_app,
    listening,
    recorded,
    redirecting,
    serving,
)

from contract_tests.pacing import USER_AGENT, WORKER_COUNT, PacedSession, workers_sharing

# The whole run's cap in the two-worker run, and the window its requests are counted in.
RUN_MAX_RPS = 4.0
WINDOW_S = 2.0


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


@pytest.mark.parametrize(
    ("given", "workers"), [(None, 1), ("4", 4), ("0", 1), ("four", 1)], ids=str
)
def test_each_xdist_worker_paces_its_share_of_the_run(given, workers) -> None:
    assert workers_sharing({} if given is None else {WORKER_COUNT: given}) == workers


def test_two_workers_together_keep_the_runs_max_rps(run_suite, monkeypatch) -> None:
    """A stand-in counts every request it gets from `-n 2` (logins and checks included):
    no window holds more than the cap allows the run, plus the one request each worker
    may send at once (a per-worker cap sends about twice as many)."""
    for name, value in REFERENCE_TOKENS.items():
        monkeypatch.setenv(name, value)
    app, arrivals = recorded(create_app(), what=lambda request: time.monotonic())
    with serving(app) as base_url:
        result = run_suite(
            f"--base-url={base_url}", f"--max-rps={RUN_MAX_RPS}", "-n", "2", "-k", "auth_matrix"
        )

    assert result.ret == 0, result.stdout.str()
    most = max(sum(start <= at < start + WINDOW_S for at in arrivals) for start in arrivals)
    assert len(arrivals) > 2 * RUN_MAX_RPS * WINDOW_S  # long enough for a window to fill
    assert most <= RUN_MAX_RPS * WINDOW_S + 2, (most, len(arrivals))
