"""A mock that forwards metrics is tested as the environment behind it, not as a mock."""

from __future__ import annotations

import pytest
from broken_servers import REFERENCE_TOKENS, create_app, recorded, serving

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
