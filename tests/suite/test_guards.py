"""The suite is safe to point anywhere: wrong names, production, dead hosts, bad credentials.

Each case runs `python -m contract_tests` in a subprocess, as a pipeline would (under
recorded_network.py, which records every connection begun), and checks that it stops with
one clear line and the right exit status before doing harm (4: could not verify), or skips
as documented. No case sends a request anywhere but 127.0.0.1.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import recorded_network
from broken_servers import REFERENCE_TOKENS, SERVER_TOKEN, USER_TOKEN, create_app, serving
from production_spellings import PRODUCTION_SPELLINGS

from contract_tests.credentials import Credential
from contract_tests.spec import environments, operations

ROOT = Path(__file__).resolve().parents[2]
NOT_VERIFIED = 4


def output_of(result: pytest.RunResult) -> str:
    return result.stdout.str() + result.stderr.str()


def test_an_unknown_environment_is_refused_listing_the_valid_names(run_suite) -> None:
    result = run_suite("--env", "qa3")

    assert result.ret == NOT_VERIFIED
    result.stderr.fnmatch_lines([f"*unknown environment 'qa3'*{', '.join(environments())}*"])


@pytest.mark.parametrize(
    "target",
    [("--env", "production"), ("--base-url", "https://API.tidepool.org.:443/v1")],
)
def test_production_is_refused_before_any_request(run_suite, connections_begun, target) -> None:
    result = run_suite(*target)

    assert result.ret == NOT_VERIFIED
    result.stderr.fnmatch_lines(
        ["*refusing to test production*nothing was sent*--allow-production*"]
    )
    result.stdout.fnmatch_lines(["*no tests ran*"])
    assert connections_begun() == []


@pytest.mark.parametrize(("url", "said"), PRODUCTION_SPELLINGS)
def test_every_spelling_of_production_is_one_line_before_any_connection(
    run_suite, connections_begun, monkeypatch: pytest.MonkeyPatch, url: str, said: str
) -> None:
    """With the pipeline's tokens set, as when the harm would be greatest."""
    for name, token in REFERENCE_TOKENS.items():
        monkeypatch.setenv(name, token)
    result = run_suite("--gate", "--base-url", url)

    assert result.ret == NOT_VERIFIED
    errors = [line for line in result.stderr.lines if line.startswith("ERROR: ")]
    assert len(errors) == 1 and said in errors[0], result.stderr.str()
    assert "--base-url" in errors[0] or "--allow-production" in errors[0]
    assert "Traceback" not in output_of(result)
    assert connections_begun() == []


def test_the_recorder_sees_the_connections_of_a_run(run_suite, connections_begun) -> None:
    """The runs above begin no connection, and here is one that does (else `== []` proves nothing)."""
    with serving(create_app()) as base_url:
        result = run_suite(f"--base-url={base_url}", "-k", "auth_matrix")

    assert result.ret == 0, output_of(result)
    assert f"127.0.0.1 {base_url.rpartition(':')[2]}" in connections_begun()


def test_tokens_are_not_sent_in_clear_text_to_a_remote_host(
    run_suite, connections_begun, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIDEPOOL_SESSION_TOKEN", USER_TOKEN)
    with serving(create_app()) as base_url:
        result = run_suite(
            f"--base-url={base_url.replace('127.0.0.1', recorded_network.REMOTE_LOOKING)}"
        )

    assert result.ret == NOT_VERIFIED
    result.stderr.fnmatch_lines(
        [
            f"ERROR: refusing to send credentials (TIDEPOOL_SESSION_TOKEN) in clear text to "
            f"{recorded_network.REMOTE_LOOKING}: nothing was sent*--allow-http-with-tokens*"
        ]
    )
    assert USER_TOKEN not in output_of(result)
    assert connections_begun() == []


def test_clear_text_to_a_remote_host_runs_when_meant(
    run_suite, connections_begun, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, token in REFERENCE_TOKENS.items():
        monkeypatch.setenv(name, token)
    with serving(create_app()) as base_url:
        remote = base_url.replace("127.0.0.1", recorded_network.REMOTE_LOOKING)
        result = run_suite(f"--base-url={remote}", "--allow-http-with-tokens", "-k", "auth_matrix")

    assert result.ret == 0, output_of(result)
    assert f"{recorded_network.REMOTE_LOOKING} {base_url.rpartition(':')[2]}" in connections_begun()


def test_two_targets_are_refused_outside_the_gate_too(run_suite) -> None:
    result = run_suite("--env", "qa2", "--base-url", "http://127.0.0.1:1")

    assert result.ret == NOT_VERIFIED
    result.stderr.fnmatch_lines(["ERROR: two targets: --env qa2 (*) and --base-url *; give one*"])
    result.stdout.fnmatch_lines(["*no tests ran*"])


def test_a_base_url_with_a_password_is_refused_without_showing_it(run_suite) -> None:
    result = run_suite("--base-url", "https://qa:a-password@api.tidepool.org/")

    assert result.ret == NOT_VERIFIED
    result.stderr.fnmatch_lines(["ERROR: --base-url must not carry a user or password*"])
    assert "a-password" not in output_of(result)


def test_a_password_in_the_ini_files_base_url_is_refused_before_any_header_prints_it(
    run_suite, pytester: pytest.Pytester
) -> None:
    pytester.makeini("[pytest]\nbase_url = https://qa:ini-password@qa1.example.org/\n")

    result = run_suite("-c", str(pytester.path / "tox.ini"))

    assert result.ret == NOT_VERIFIED
    result.stderr.fnmatch_lines(["ERROR: --base-url must not carry a user or password*"])
    assert "ini-password" not in output_of(result)


def test_allowed_production_runs_only_the_smoke_set(run_suite) -> None:
    result = run_suite("--env", "production", "--allow-production", "--collect-only", "-q")

    assert result.ret == 0
    smoke = len(operations()) * len(Credential)
    result.stdout.fnmatch_lines([f"{smoke}/* tests collected (* deselected)*"])
    assert "test_properties" not in result.stdout.str()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ((), "no target: set ENV*or BASE_URL"),
        (
            ("--env", "qa1", "--base-url", "http://127.0.0.1:1"),
            "both ENV*and BASE_URL*exactly one*",
        ),
        (("--env", ""), "no target*"),
    ],
)
def test_the_gate_demands_exactly_one_target(run_suite, args, said) -> None:
    result = run_suite("--gate", *args)

    assert result.ret == NOT_VERIFIED
    result.stderr.fnmatch_lines([f"ERROR: contract gate: {said}; nothing was sent."])
    assert result.stdout.str() == ""


def test_an_unreachable_target_is_one_clear_line(run_suite) -> None:
    with serving(create_app()) as base_url:
        pass  # the port is free again: nothing listens there now
    result = run_suite(f"--base-url={base_url}")

    assert result.ret == NOT_VERIFIED
    output = output_of(result)
    assert f"Verdict: not verified: cannot reach {base_url}" in output, output
    assert "Traceback" not in output


def test_a_stale_token_is_a_credential_problem_not_a_broken_contract(
    run_suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIDEPOOL_SESSION_TOKEN", "an-expired-user-token")
    monkeypatch.setenv("TIDEPOOL_SERVER_TOKEN", SERVER_TOKEN)
    with serving(create_app()) as base_url:
        result = run_suite(f"--base-url={base_url}", "--summary-file=summary.md")

    assert result.ret == NOT_VERIFIED
    output = output_of(result)
    assert (
        "Verdict: not verified: credentials: TIDEPOOL_SESSION_TOKEN is not a valid token" in output
    )
    assert "BROKEN" not in output and "an-expired-user-token" not in output
    assert "Cases generated: 0" in output  # not a single metrics request


def test_missing_tokens_skip_with_the_variables_to_set(
    run_suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIDEPOOL_SERVER_TOKEN", SERVER_TOKEN)
    with serving(create_app()) as base_url:
        result = run_suite(f"--base-url={base_url}", "-k", "auth_matrix", "-rs")

    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "SKIPPED*no user token: set TIDEPOOL_SESSION_TOKEN, or TIDEPOOL_USERNAME and TIDEPOOL_PASSWORD"
        ]
    )
    # One skip per operation: its user-token cell.
    assert result.parseoutcomes()["skipped"] == len(operations())
    result.stdout.fnmatch_lines(["Verdict: the contract holds for what ran (* skipped*"])


def test_strict_auth_refuses_to_run_when_a_kind_of_token_is_missing(
    run_suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIDEPOOL_SERVER_TOKEN", SERVER_TOKEN)
    with serving(create_app()) as base_url:
        result = run_suite(f"--base-url={base_url}", "--strict-auth")

    assert result.ret == NOT_VERIFIED
    result.stdout.fnmatch_lines(
        [
            "Verdict: not verified: credentials: --strict-auth: no user token: set TIDEPOOL_SESSION_TOKEN*"
        ]
    )
    assert "BROKEN" not in output_of(result)


def test_the_mocks_own_tests_ignore_the_suites_options(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        str(ROOT / "tests" / "mock" / "test_uri.py"),
        "--env",
        "nosuch",
        "--base-url",
        "https://api.tidepool.org",
        "-p",
        "no:cacheprovider",
        "-q",
        timeout=300,
    )

    assert result.ret == 0, output_of(result)
    assert "contract summary" not in output_of(result)
