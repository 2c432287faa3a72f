"""The suite is safe to point anywhere: wrong names, production, dead hosts, missing tokens.

Each case runs the suite in a pytest subprocess (pytester), as a user would, and checks
that it stops with one clear message before doing harm, or skips and fails as documented.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from broken_servers import SERVER_TOKEN, create_app, serving

from contract_tests.contract import environments, operations
from contract_tests.rules import Credential

SUITE_DIR = str(Path(__file__).resolve().parents[2] / "contract_tests")


@pytest.fixture
def run_suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    """Run the suite in a subprocess with no credentials but those a test sets."""
    for name in (
        "TIDEPOOL_SESSION_TOKEN",
        "TIDEPOOL_SERVER_TOKEN",
        "TIDEPOOL_USERNAME",
        "TIDEPOOL_PASSWORD",
    ):
        monkeypatch.delenv(name, raising=False)
    for name in ("TIDEPOOL_SERVER_NAME", "TIDEPOOL_SERVER_SECRET", "PYTEST_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    # Let pytest cache its assertion-rewritten modules (seconds per run otherwise).
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    return lambda *args: pytester.runpytest_subprocess(
        SUITE_DIR, "-p", "no:cacheprovider", *args, timeout=300
    )


def test_an_unknown_environment_is_a_usage_error_listing_the_valid_names(run_suite) -> None:
    result = run_suite("--env", "qa3")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*unknown environment 'qa3'*{', '.join(environments())}*"])


@pytest.mark.parametrize(
    "target", [("--env", "production"), ("--base-url", "https://api.tidepool.org/")]
)
def test_production_is_refused_before_any_request(run_suite, target) -> None:
    result = run_suite(*target)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*refusing to test production*nothing was sent*--allow-production*"]
    )
    assert "collected" not in result.stdout.str()


def test_allowed_production_runs_only_the_smoke_set(run_suite) -> None:
    result = run_suite("--env", "production", "--allow-production", "--collect-only", "-q")

    assert result.ret == pytest.ExitCode.OK
    smoke = len(operations()) * len(Credential)
    result.stdout.fnmatch_lines([f"{smoke}/* tests collected (* deselected)*"])
    assert "test_properties" not in result.stdout.str()


def test_an_unreachable_target_is_one_clear_error(run_suite) -> None:
    with serving(create_app()) as base_url:
        pass  # the port is free again: nothing listens there now
    result = run_suite(f"--base-url={base_url}")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    output = result.stdout.str() + result.stderr.str()
    assert output.count(f"cannot reach {base_url}") == 1, output
    assert "Traceback" not in output


def test_missing_tokens_skip_with_the_variables_to_set(
    run_suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIDEPOOL_SERVER_TOKEN", SERVER_TOKEN)
    with serving(create_app()) as base_url:
        result = run_suite(f"--base-url={base_url}", "-k", "auth_matrix", "-rs")

    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "SKIPPED*no user token: set TIDEPOOL_SESSION_TOKEN, or TIDEPOOL_USERNAME and TIDEPOOL_PASSWORD"
        ]
    )
    # One skip per operation: its user-token cell.
    assert result.parseoutcomes()["skipped"] == len(operations())


def test_strict_auth_fails_the_tests_whose_token_is_missing(
    run_suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIDEPOOL_SERVER_TOKEN", SERVER_TOKEN)
    with serving(create_app()) as base_url:
        result = run_suite(f"--base-url={base_url}", "-k", "auth_matrix", "--strict-auth")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*--strict-auth: no user token: set TIDEPOOL_SESSION_TOKEN*"])
    assert result.parseoutcomes()["failed"] == len(operations())
    assert "skipped" not in result.parseoutcomes()
