"""The contract suite fails every deliberately broken server, naming the rule, and passes a correct one.

Each server runs on 127.0.0.1 over a real socket; the suite runs against it in a pytest
subprocess, exactly as a user would run it:
`python -m pytest contract_tests --base-url http://127.0.0.1:PORT` with the tokens the
server knows in the environment. Against the mock with a broken journal, only
contract_tests/test_journal.py runs, and the suite logs in to the mock as it always does.
A suite that cannot fail is worth nothing, so this is where its power is proven, one
break per rule.

Starting the suite costs seconds of imports, so the runs go in parallel, one per core,
and each test below asserts on its own run's result (pytester's RunResult).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest
from broken_servers import (
    BREAKS,
    JOURNAL_BREAKS,
    SERVER_TOKEN,
    USER_TOKEN,
    Break,
    Target,
    mock_target,
    reference_target,
)

from contract_tests.contract import operations
from contract_tests.rules import Credential, accepts

ROOT = Path(__file__).resolve().parents[2]
CORRECT = "keeps_the_contract"
CORRECT_MOCK = "keeps_the_journal"
ALL_BREAKS: dict[str, Break] = {**BREAKS, **JOURNAL_BREAKS}
# The short journal runs last, so that both cores stay busy until the end.
TARGETS = {
    **{name: reference_target(brk) for name, brk in BREAKS.items()},
    CORRECT: reference_target(),
    **{name: mock_target(brk) for name, brk in JOURNAL_BREAKS.items()},
    CORRECT_MOCK: mock_target(),
}


def run_suite(base_url: str, workdir: Path, target: Target, *options: str) -> pytest.RunResult:
    """`python -m pytest contract_tests --base-url URL` in a subprocess, in its own directory."""
    environ = {
        name: value for name, value in os.environ.items() if not name.startswith("TIDEPOOL_")
    }
    environ.update(target.tokens)
    # Let pytest cache its assertion-rewritten modules: without the cache each run spends
    # seconds rewriting schemathesis and hypothesis again.
    environ.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [
        sys.executable,
        "-m",
        "pytest",
        *(str(ROOT / path) for path in target.suite_paths),
        f"--base-url={base_url}",
        "--hypothesis-profile=quick",
        "-p",
        "no:cacheprovider",
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
    with ExitStack() as stack, ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futures = {}
        for name, target in TARGETS.items():
            base_url = stack.enter_context(target.serve())
            workdir = tmp_path_factory.mktemp(name)
            # A broken server: -x, the first failure is proof enough (and the slow one fails fast).
            if name not in ALL_BREAKS:
                options = [f"--summary-file={workdir / 'summary.md'}"]
            else:
                options = [
                    "-x",
                    f"--junitxml={workdir / 'junit.xml'}",
                    *ALL_BREAKS[name].suite_options,
                ]
            futures[name] = (
                pool.submit(run_suite, base_url, workdir, target, *options),
                workdir,
                base_url,
            )
        return {
            name: (future.result(), workdir, base_url)
            for name, (future, workdir, base_url) in futures.items()
        }


@pytest.mark.parametrize("brk", ALL_BREAKS.values(), ids=ALL_BREAKS)
def test_the_suite_fails_a_broken_server_naming_the_rule(runs, brk: Break) -> None:
    result, workdir, _ = runs[brk.name]
    output = "\n".join(result.outlines + result.errlines)

    assert result.ret == pytest.ExitCode.TESTS_FAILED, output
    assert brk.rule in output, f"the failure does not name {brk.rule}:\n{output}"
    assert "curl -X GET" in output, output
    junit = (workdir / "junit.xml").read_text(encoding="utf-8")
    for secret in (USER_TOKEN, SERVER_TOKEN):
        assert secret not in output
        assert secret not in junit


def test_the_suite_passes_a_server_that_keeps_the_contract(runs) -> None:
    result, workdir, base_url = runs[CORRECT]

    assert result.ret == pytest.ExitCode.OK, "\n".join(result.outlines)
    # Each operation's property test and auth matrix passed; the reference server keeps no
    # journal, so only the journal tests may be skipped.
    outcomes = result.parseoutcomes()
    assert outcomes["passed"] == len(operations()) * (1 + len(Credential)), outcomes
    assert "failed" not in outcomes
    result.stdout.re_match_lines(
        [r"SKIPPED .*test_journal\.py.*journal checks run against a mock only"]
    )
    summary = (workdir / "summary.md").read_text(encoding="utf-8")
    assert f"| Base URL | {base_url} |" in summary
    assert all(operation.operation_id in summary for operation in operations())
    assert "the contract holds" in summary


def test_the_journal_checks_pass_the_real_mock_served_like_the_broken_ones(runs) -> None:
    result, _, _ = runs[CORRECT_MOCK]

    assert result.ret == pytest.ExitCode.OK, "\n".join(result.outlines)
    outcomes = result.parseoutcomes()
    rejected = sum(
        not accepts(operation, credential)
        for operation in operations()
        for credential in Credential
    )
    assert outcomes == {"passed": 1 + rejected}, outcomes
