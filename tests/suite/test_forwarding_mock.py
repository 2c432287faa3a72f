"""A mock that forwards metrics is tested as the environment behind it, not as a mock; a
mock of another version than the suite's is not tested at all."""

from __future__ import annotations

import json

import pytest
from broken_servers import (
    REFERENCE_TOKENS,
    Break,
    create_app,
    journal_mock,
    recorded,
    serving,
)

from contract_tests import __version__
from mockserver.config import MockConfig
from mockserver.running import running_mock

NOT_VERIFIED = 4
PREFIX = "contract-tests%20-%20"


@pytest.fixture
def with_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, token in REFERENCE_TOKENS.items():
        monkeypatch.setenv(name, token)


def test_a_forwarding_mock_gets_the_prefix_and_the_real_tokens_only_once_checked(
    run_suite, with_tokens
) -> None:
    environment, reached = recorded(create_app())
    with serving(environment) as upstream:
        config = MockConfig(upstream=upstream, forward_metrics=True)
        with running_mock(config) as mock:
            result = run_suite(f"--base-url={mock.url}", "-k", "auth_matrix")

    output = result.stdout.str() + result.stderr.str()
    metrics = [target for target in reached if target.startswith("/metrics/")]
    assert metrics, output
    unprefixed = [target for target in metrics if PREFIX not in target]
    assert unprefixed == []
    result.stdout.fnmatch_lines(["NOTE The mock forwards metrics to 127.0.0.1: tested as it"])


def test_a_mock_forwarding_to_production_is_refused_before_any_metrics_request(
    run_suite, connections_begun, with_tokens
) -> None:
    config = MockConfig(
        upstream="https://api.tidepool.org", forward_metrics=True, allow_production=True
    )
    with running_mock(config) as mock:
        result = run_suite(f"--base-url={mock.url}", "--allow-production")

    assert result.ret == NOT_VERIFIED
    result.stdout.fnmatch_lines(
        ["Verdict: not verified: the mock at * forwards metrics to production (api.tidepool.org)*"]
    )
    assert not any("api.tidepool.org" in line for line in connections_begun())
    assert "Cases generated: 0" in result.stdout.str()


def _stating_version(version: str | None) -> Break:
    """The real mock, but its status states `version` (None: no version at all)."""

    def change(mock, request, answer):
        if request.path == "/__mock/status" and answer.status_code == 200:
            body = answer.get_json()
            body.pop("version")
            answer.set_data(json.dumps(body | ({"version": version} if version else {})))
        return answer

    return Break(f"mock_{version}", (), change)


@pytest.mark.parametrize(
    ("version", "shown"), [("0.0.9", "version '0.0.9'"), (None, "of no stated version")]
)
def test_a_mock_of_another_version_is_refused_naming_both(run_suite, version, shown) -> None:
    with journal_mock(_stating_version(version)) as mock:
        app, reached = recorded(mock)
        with serving(app) as base_url:
            result = run_suite(f"--base-url={base_url}")

    assert result.ret == NOT_VERIFIED
    (verdict,) = [line for line in result.stdout.lines if line.startswith("Verdict: ")]
    assert f"is {shown}, this suite version {__version__!r}" in verdict, verdict
    assert [target for target in reached if target.startswith("/metrics/")] == []


def test_the_mock_states_its_version(run_suite) -> None:
    """The same mock, of the suite's version, is tested as a mock."""
    with running_mock(MockConfig()) as mock:
        result = run_suite(f"--base-url={mock.url}", "-k", "auth_matrix")

    assert result.ret == 0, result.stdout.str()
