"""The `suite` fixture: everything the contract tests need about the target, built once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from contract_tests import stash
from contract_tests.credentials import LoginFailed, obtain_tokens
from contract_tests.pacing import PacedSession
from contract_tests.suite import Suite, Unreachable, probe

# A request that takes this much longer than the budget is abandoned (it has failed already).
TIMEOUT_MARGIN_S = 10.0


@pytest.fixture(scope="session")
def suite(pytestconfig: pytest.Config, base_url: str) -> Iterator[Suite]:
    config = pytestconfig
    target, redactor, summary = (
        config.stash[stash.TARGET],
        config.stash[stash.REDACTOR],
        config.stash[stash.SUMMARY],
    )
    summary.base_url = base_url
    budget_s = config.getoption("max_response_time")
    http = PacedSession(
        target.max_rps(config.getoption("max_rps")), timeout_s=budget_s + TIMEOUT_MARGIN_S
    )
    try:
        is_mock = probe(http, base_url)
        mock_status = http.get(f"{base_url}/__mock/status").json() if is_mock else None
        tokens = obtain_tokens(http, base_url, mock_status=mock_status, redactor=redactor)
    except (Unreachable, LoginFailed) as error:
        pytest.exit(redactor.redact(str(error)), returncode=pytest.ExitCode.USAGE_ERROR)
    with http:
        yield Suite(
            base_url=base_url,
            http=http,
            tokens=tokens,
            is_mock=is_mock,
            event_prefix=config.getoption("event_prefix"),
            budget_s=budget_s,
            strict_auth=config.getoption("strict_auth"),
            summary=summary,
        )
