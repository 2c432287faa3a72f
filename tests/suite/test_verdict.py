"""What a person reads at the end of a run: the verdict last, once, and commands that run.

Each run is `python -m contract_tests` in a subprocess against a server on 127.0.0.1, as
a pipeline runs it. A red run (every answer 500), a green one (the reference server) and
one that verifies nothing (no server) must each end with the verdict and what its exit
status means; the red one lists each distinct failure once, says what every answer had
in common, and gives rerun commands that work from another directory.
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from broken_servers import (
    REFERENCE_TOKENS,
    SERVER_TOKEN,
    USER_TOKEN,
    Answer,
    Break,
    create_app,
    serving,
)
from werkzeug.wrappers import Request, Response

from contract_tests.credentials import VARIABLES
from contract_tests.pytest.fixtures import STOPPED
from contract_tests.summary_text import EXIT_MEANINGS, IN_PROCESS_HOLDS

ROOT = Path(__file__).resolve().parents[2]
# A red run of the default profile is read on one screen or two, whatever broke.
RED_RUN_LINES = 150


@Request.application
def answers_500(request: Request) -> Response:
    return Response("boom", status=500)


@pytest.fixture
def run_suite(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """`python -m contract_tests ARGS` from the checkout: (exit status, output lines)."""
    for name in (*VARIABLES, "PYTEST_BASE_URL", "PYTEST_ADDOPTS"):
        monkeypatch.delenv(name, raising=False)

    def run(*args: str, cwd: Path = ROOT) -> tuple[int, list[str]]:
        done = subprocess.run(
            [sys.executable, "-m", "contract_tests", "-p", "no:cacheprovider", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=600,
        )
        return done.returncode, (done.stdout + done.stderr).splitlines()

    return run


def test_a_red_run_ends_with_its_verdict_and_each_distinct_failure_once(run_suite) -> None:
    with serving(answers_500) as base_url:
        status, lines = run_suite(f"--base-url={base_url}", "--max-response-time=60")

    output = "\n".join(lines)
    assert status == 1, output
    assert len(lines) <= RED_RUN_LINES, output
    assert lines[-3:] == [
        "Every request was answered 500: is the service up?",
        "Verdict: the contract is BROKEN",
        EXIT_MEANINGS[1],
    ], output
    failed = [line for line in lines if line.startswith("FAILED ")]
    assert len(failed) == len(set(failed)), "a failure was listed twice"
    # The 11 named edges in the path are answered alike, so they are one entry at most.
    alike = [int(n) for n in re.findall(r"\((\d+) tests alike\)", output)]
    assert alike and max(alike) >= 11, output
    for pytest_detail in ("= FAILURES =", "short test summary info", "Reproduce with:"):
        assert pytest_detail not in output


def test_with_v_pytests_own_detail_is_back(run_suite) -> None:
    with serving(answers_500) as base_url:
        status, lines = run_suite(f"--base-url={base_url}", "-v", "-k", "test_auth_matrix")

    output = "\n".join(lines)
    assert status == 1, output
    assert "= FAILURES =" in output and "Reproduce with:" in output
    assert lines[-1] == EXIT_MEANINGS[1]


def test_a_rerun_command_runs_from_another_directory(run_suite, tmp_path: Path) -> None:
    with serving(answers_500) as base_url:
        _, lines = run_suite(f"--base-url={base_url}", "--hypothesis-profile=quick")
        reruns = [line.removeprefix("    rerun: ") for line in lines if "rerun: " in line]
        assert reruns, "\n".join(lines)
        done = subprocess.run(
            ["/bin/sh", "-c", reruns[-1]],
            cwd=tmp_path,
            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
            capture_output=True,
            text=True,
            timeout=600,
        )

    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Tests: 0 passed, 1 failed, 0 skipped" in output
    assert "--hypothesis-profile=quick" in reruns[-1]
    assert re.match(
        rf"PYTHONPATH=\S+ {re.escape(sys.executable)} -m contract_tests '?/", reruns[-1]
    )


def test_a_green_run_ends_with_its_verdict(run_suite, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDEPOOL_SESSION_TOKEN", USER_TOKEN)
    monkeypatch.setenv("TIDEPOOL_SERVER_TOKEN", SERVER_TOKEN)
    with serving(create_app()) as base_url:
        status, lines = run_suite(
            f"--base-url={base_url}", "--hypothesis-profile=quick", "--max-response-time=60"
        )

    assert status == 0, "\n".join(lines)
    assert lines[-1] == EXIT_MEANINGS[0]
    assert lines[-2].startswith("Verdict: the contract holds")


def test_a_run_that_verifies_nothing_says_why_once_and_junit_shows_it(
    run_suite, tmp_path: Path
) -> None:
    with serving(answers_500) as base_url:
        pass  # nothing listens there any more
    junit = tmp_path / "junit.xml"
    status, lines = run_suite(f"--base-url={base_url}", f"--junitxml={junit}")

    output = "\n".join(lines)
    reason = f"cannot reach {base_url}"
    assert status == 4, output
    assert lines[-2].startswith(f"Verdict: not verified: {reason}"), output
    assert lines[-1] == EXIT_MEANINGS[4]
    assert output.count(reason) == 1, output
    assert STOPPED in output and "_pytest.outcomes.Exit" not in output
    suite = ET.parse(junit).getroot().find("testsuite")
    assert (suite.get("errors"), suite.get("tests")) == ("1", "1")
    (error,) = suite.iter("error")
    assert reason in error.get("message")


def test_a_run_beside_other_failing_tests_says_the_contract_is_not_what_failed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`make test` runs this checkout's own tests and the suite in one pytest: when one of
    its own fails, the last line must not blame the service for the exit status."""
    for name in (*VARIABLES, "PYTEST_BASE_URL", "PYTEST_ADDOPTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TIDEPOOL_SESSION_TOKEN", USER_TOKEN)
    monkeypatch.setenv("TIDEPOOL_SERVER_TOKEN", SERVER_TOKEN)
    other = tmp_path / "test_other.py"
    other.write_text("def test_of_the_checkout_that_fails():\n    assert False\n")
    with serving(create_app()) as base_url:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--rootdir={ROOT}"]
            + [str(other), str(ROOT / "contract_tests" / "test_auth_matrix.py")]
            + [f"--base-url={base_url}", "--max-response-time=60"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
    lines = (done.stdout + done.stderr).splitlines()

    assert done.returncode == 1, "\n".join(lines)
    assert lines[-2].startswith("Verdict: the contract holds"), "\n".join(lines)
    assert lines[-1].startswith("exit 1: 1 test outside the contract suite failed")
    assert EXIT_MEANINGS[1] not in lines


def test_a_run_against_the_in_process_mock_never_says_deploy(run_suite) -> None:
    status, lines = run_suite("-k", "auth_matrix")

    output = "\n".join(lines)
    assert status == 0, output
    assert "deploy" not in output
    assert lines[-2:] == [
        "Verdict: the contract holds in the in-process mock (no service was tested)",
        IN_PROCESS_HOLDS,
    ]


# A gateway that refuses every metrics request's token (one of another environment).
REFUSES_EVERY_TOKEN = Break("refuses_every_token", (), lambda call, answer: Answer(401))


@pytest.mark.parametrize(
    ("brk", "path", "cause"),
    [
        (None, "/metrics", "Every request was answered 404: is the base URL right? A path after*"),
        (REFUSES_EVERY_TOKEN, "", "Every request was answered 401: are the tokens for this*"),
    ],
)
def test_answers_that_all_failed_alike_name_the_likely_cause(
    run_suite, monkeypatch, brk, path, cause
) -> None:
    if brk is not None:
        for name, token in REFERENCE_TOKENS.items():
            monkeypatch.setenv(name, token)
    with serving(create_app(brk)) as base_url:
        status, lines = run_suite(
            f"--base-url={base_url}{path}", "-k", "auth_matrix", "--max-response-time=60"
        )

    output = "\n".join(lines)
    assert status == 1, output
    assert fnmatch.fnmatch(lines[-3], cause), output
