"""A failing case is sent twice more to tell flaky from broken: counted, and never in production.

A stand-in that breaks R3 records each metrics request it gets; the summary's "Requests
sent" (after the cases generated) must equal that count. Production is played by the same stand-in, named as the
`production` server of a spec copy: there each request goes out once.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from broken_servers import BREAKS, REFERENCE_TOKENS, create_app, recorded, serving
from spec_copies import with_production_at

BROKEN = BREAKS["server_accepts_user_token"]
BROKEN_CONTRACT = 1


def metrics_request(request) -> tuple[str, str, str | None] | None:
    if not request.path.startswith("/metrics/"):
        return None
    return (
        request.method,
        request.environ["RAW_URI"],
        request.headers.get("X-Tidepool-Session-Token"),
    )


@pytest.fixture
def with_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in REFERENCE_TOKENS.items():
        monkeypatch.setenv(name, value)


def requests_sent(output: str) -> int:
    (count,) = re.findall(r"^Cases generated: \d+ \((\d+) requests sent\)$", output, re.M)
    return int(count)


def test_the_second_and_third_sending_are_counted(run_suite, with_tokens) -> None:
    app, seen = recorded(create_app(BROKEN), metrics_request)
    with serving(app) as base_url:
        result = run_suite(f"--base-url={base_url}", "-k", "auth_matrix")

    assert result.ret == BROKEN_CONTRACT, result.stdout.str()
    sent = [request for request in seen if request]
    assert max(Counter(sent).values()) == 3  # the failing case, sent three times
    assert requests_sent(result.stdout.str()) == len(sent)


def test_production_gets_each_request_once(run_suite, with_tokens, pytester) -> None:
    app, seen = recorded(create_app(BROKEN), metrics_request)
    with serving(app) as base_url:
        copy = with_production_at(pytester.path, base_url)
        result = run_suite(f"--spec-file={copy}", f"--base-url={base_url}", "--allow-production")

    output = result.stdout.str()
    assert result.ret == BROKEN_CONTRACT, output
    assert "Environment: production" in output
    sent = [request for request in seen if request]
    assert sent and max(Counter(sent).values()) == 1
    assert requests_sent(output) == len(sent)
    assert "R3" in output
