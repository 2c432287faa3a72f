"""The contract suite fails every deliberately broken server, naming exactly the rules, and passes correct ones.

Each server runs on 127.0.0.1 over a real socket; the suite runs against it in a
subprocess, exactly as a pipeline runs it: `python -m contract_tests --base-url URL`
with the tokens the server knows in the environment. Against the mock with a broken
journal, only contract_tests/test_recorded_events.py runs, and the suite logs in to the
mock as it always does. A suite that cannot fail is worth nothing, so this is where its
power is proven, one break per rule; and a suite that fails correct servers is worth as
little, so correct servers are run with the thorough profile too, from a fixed seed, so
that two runs of the tests give the same outcomes; exploring new seeds is the scheduled
workflow's job (.github/workflows/explore.yml), which shows the seed it drew.

Starting the suite costs seconds of imports, so the runs go in parallel, one per core,
and each test below asserts on its own run's result (pytester's RunResult).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml
from broken_servers import (
    BREAKS,
    INTERMITTENT,
    JOURNAL_BREAKS,
    SERVER_TOKEN,
    USER_TOKEN,
    Break,
    Target,
    mock_target,
    reference_target,
)
from shown_markdown import as_text

from contract_tests import closed_surface
from contract_tests.credentials import Credential
from contract_tests.rules import accepted_credentials, accepts
from contract_tests.spec import SPEC_PATH, operations

ROOT = Path(__file__).resolve().parents[2]
CORRECT = "keeps_the_contract"
CORRECT_MOCK = "keeps_the_journal"
MODIFIED = "keeps_a_modified_contract"
UNTIMED_S = 60.0
ALL_BREAKS: dict[str, Break] = {**BREAKS, INTERMITTENT.name: INTERMITTENT, **JOURNAL_BREAKS}
# Thorough runs against correct servers, from a fixed seed: one generated-case test each
# (a whole thorough run takes minutes; the README's figures come from whole runs with
# several seeds).
THOROUGH_SEED = "20261201"
THOROUGH = {
    f"{CORRECT}_thorough": "test_RecordMetricsEventForNamedUser_with_no_token",
    f"{CORRECT_MOCK}_thorough": "test_RecordMetricsEventForServer_with_server_token",
}
# A contract where each operation's security differs from the real one: /metrics/user
# needs a token of either kind, /metrics/thisuser takes either kind through two
# alternatives, and /metrics/server may also be called without a token.
MODIFIED_SECURITY = {
    "/metrics/user/{userId}/{eventName}": [{"anyToken": []}],
    "/metrics/thisuser/{eventName}": [{"userToken": []}, {"serverToken": []}],
    "/metrics/server/{serverName}/{eventName}": [{}, {"serverToken": []}],
}
MODIFIED_ACCEPTED = {
    "user": {"user", "server"},
    "thisuser": {"user", "server"},
    "server": {None, "user", "server"},
}


def modified_spec(directory: Path) -> Path:
    document = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    for template, security in MODIFIED_SECURITY.items():
        document["paths"][template]["get"]["security"] = security
    path = directory / "modified.v1.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def targets(workdir: Path) -> dict[str, tuple[Target, tuple[str, ...]]]:
    """Each run: its target and the options of its run (besides --base-url)."""
    servers = {CORRECT: reference_target(), CORRECT_MOCK: mock_target(suite_options=())}
    thorough = ("--hypothesis-profile=thorough", f"--hypothesis-seed={THOROUGH_SEED}", "-k")
    quick = ("--hypothesis-profile=quick",)
    runs = {
        # The long runs first, so that both cores stay busy until the end.
        **{
            name: (servers[name.removesuffix("_thorough")], (*thorough, test))
            for name, test in THOROUGH.items()
        },
        **{name: (reference_target(brk), (*quick, "-x")) for name, brk in BREAKS.items()},
        INTERMITTENT.name: (reference_target(INTERMITTENT), (*quick, "-x")),
        CORRECT: (reference_target(), quick),
        MODIFIED: (
            reference_target(accepted=MODIFIED_ACCEPTED),
            (*quick, f"--spec-file={modified_spec(workdir)}"),
        ),
        **{name: (mock_target(brk), (*quick, "-x")) for name, brk in JOURNAL_BREAKS.items()},
        CORRECT_MOCK: (mock_target(), quick),
    }
    return runs


def run_suite(base_url: str, workdir: Path, target: Target, *options: str) -> pytest.RunResult:
    """`python -m contract_tests --base-url URL` in a subprocess, in its own directory."""
    environ = {
        name: value for name, value in os.environ.items() if not name.startswith("TIDEPOOL_")
    }
    environ.update(target.tokens)
    environ.pop("PYTEST_BASE_URL", None)
    # Let pytest cache its assertion-rewritten modules: without the cache each run spends
    # seconds rewriting schemathesis and hypothesis again.
    environ.pop("PYTHONDONTWRITEBYTECODE", None)
    environ["PYTHONPATH"] = str(ROOT)
    command = [
        sys.executable,
        "-m",
        "contract_tests",
        f"--base-url={base_url}",
        "-p",
        "no:cacheprovider",
        f"--junitxml={workdir / 'junit.xml'}",
        f"--summary-file={workdir / 'summary.md'}",
        # No timed assertion in the project's tests: on a loaded machine any answer may be
        # slow. Only the slow server's run asks for a budget (its options come later).
        f"--max-response-time={UNTIMED_S}",
        *target.suite_options,
        *options,
    ]
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=workdir, env=environ, capture_output=True, text=True, timeout=300
    )
    return pytest.RunResult(
        done.returncode,
        done.stdout.splitlines(),
        done.stderr.splitlines(),
        time.monotonic() - started,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[pytest.RunResult, Path, str]]:
    """Each server's run: (result, its directory, the server's base URL)."""
    planned = targets(tmp_path_factory.mktemp("specs"))
    with ExitStack() as stack, ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futures = {}
        for name, (target, options) in planned.items():
            base_url = stack.enter_context(target.serve())
            workdir = tmp_path_factory.mktemp(name)
            futures[name] = (
                pool.submit(run_suite, base_url, workdir, target, *options),
                workdir,
                base_url,
            )
        return {
            name: (future.result(), workdir, base_url)
            for name, (future, workdir, base_url) in futures.items()
        }


def first_failure_rules(junit: Path) -> tuple[str, ...]:
    """The rules JUnit records, as data, for the first failed test."""
    for case in ET.parse(junit).getroot().iter("testcase"):
        if case.find("failure") is not None:
            properties = {p.get("name"): p.get("value") for p in case.iter("property")}
            return tuple(properties["rules"].split(", "))
    return ()


@pytest.mark.parametrize("brk", ALL_BREAKS.values(), ids=ALL_BREAKS)
def test_the_suite_fails_a_broken_server_naming_exactly_the_rules(runs, brk: Break) -> None:
    result, workdir, _ = runs[brk.name]
    output = "\n".join(result.outlines + result.errlines)

    assert result.ret == 1, output
    assert first_failure_rules(workdir / "junit.xml") == brk.rules, output
    result.stdout.fnmatch_lines([f"FAILED * [[]{', '.join(brk.rules)}*]", "    curl -X GET *"])
    assert "Verdict: the contract is BROKEN" in output
    junit = (workdir / "junit.xml").read_text(encoding="utf-8")
    for secret in (USER_TOKEN, SERVER_TOKEN):
        assert secret not in output
        assert secret not in junit


def test_an_intermittent_answer_is_named_so_without_hypothesis_dumps(runs) -> None:
    result, _, _ = runs[INTERMITTENT.name]
    output = "\n".join(result.outlines + result.errlines)

    result.stdout.fnmatch_lines(["FAILED * [[]R4, R5, R6; intermittent: * of * attempts]"])
    for noise in ("Flaky", "ExceptionGroup", "Falsifying", "Traceback", "+-+"):
        assert noise not in output, output


def test_the_suite_passes_a_server_that_keeps_the_contract(runs) -> None:
    result, workdir, base_url = runs[CORRECT]

    assert result.ret == 0, "\n".join(result.outlines)
    # One property test per operation and accepted credential, the auth matrix, the named
    # edges, the closed surface; the reference server keeps no journal, so only the
    # journal tests are skipped.
    outcomes = result.parseoutcomes()
    accepted = sum(len(accepted_credentials(operation)) for operation in operations())
    closed = len(closed_surface.cases(operations(), closed_surface.load(), "gateway"))
    assert outcomes["passed"] == accepted * (1 + 15) + len(operations()) * len(Credential) + closed
    assert "failed" not in outcomes
    summary = as_text((workdir / "summary.md").read_text(encoding="utf-8"))
    assert f"| Base URL | {base_url} |" in summary
    assert "| Verdict | the contract holds |" in summary
    for operation in operations():
        for credential in accepted_credentials(operation):
            assert f"{operation.operation_id} with {credential} (" in summary


def test_rules_follow_a_modified_spec_and_pass_a_server_that_keeps_it(runs) -> None:
    result, workdir, _ = runs[MODIFIED]

    assert result.ret == 0, "\n".join(result.outlines + result.errlines)
    summary = as_text((workdir / "summary.md").read_text(encoding="utf-8"))
    assert "| Verdict | the contract holds |" in summary
    assert "RecordMetricsEventForServer with no token (" in summary
    assert "RecordMetricsEventForLoggedInUser with a server token (" in summary


def test_the_journal_checks_pass_the_real_mock_served_like_the_broken_ones(runs) -> None:
    result, _, _ = runs[CORRECT_MOCK]

    assert result.ret == 0, "\n".join(result.outlines)
    outcomes = result.parseoutcomes()
    rejected = sum(
        not accepts(operation, credential)
        for operation in operations()
        for credential in Credential
    )
    assert outcomes["passed"] == 1 + rejected, outcomes
    assert "failed" not in outcomes and "skipped" not in outcomes


@pytest.mark.parametrize("run", THOROUGH)
def test_a_thorough_run_raises_no_false_failure(runs, run) -> None:
    result, workdir, _ = runs[run]

    assert result.ret == 0, "\n".join(result.outlines)
    summary = as_text((workdir / "summary.md").read_text(encoding="utf-8"))
    assert "| Profile | thorough |" in summary
    assert f"| Seed | {THOROUGH_SEED} |" in summary, summary
    assert "| Verdict | the contract holds |" in summary
