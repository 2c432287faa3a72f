"""`-n 2` (pytest-xdist) gives the verdict, exit status, summary and counts of a serial run.

Each target is run twice, `python -m contract_tests` as a pipeline runs it, once serially
and once over two xdist workers: the in-process mock (each worker serves its own), the
reference environment with a broken rule, and a dead port. The summaries must agree on
everything but the duration and the mock's addresses; the workers must not write the
summary file themselves. The data the workers hand to the controller is checked on its
own first, through execnet's serializer, the one xdist's channel uses.
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, fields
from pathlib import Path

import execnet
import pytest
from broken_servers import BREAKS, REFERENCE_TOKENS, create_app, serving
from shown_markdown import as_text

from contract_tests.failures import Attempts, Problem, Violation
from contract_tests.parallel import as_data, from_data, merged
from contract_tests.summary import DriftEntry, Excused, Failed, RunSummary, SkipReason

ROOT = Path(__file__).resolve().parents[2]
BROKEN = BREAKS["server_accepts_user_token"]
PARALLEL = ("-n", "2")
# Facts of the summary that differ between any two runs.
VARYING = ("Duration", "Base URL")


def a_summary() -> RunSummary:
    summary = RunSummary(environment="qa2", spec="Metrics 1.0", profile="ci", seed="7")
    summary.base_url = "http://127.0.0.1:1"
    summary.record_case("RecordMetricsEventForServer", "a user token")
    summary.answers["200"] += 1
    summary.passed = 3
    summary.skipped[SkipReason("no journal", gap=False)] += 2
    summary.skipped[SkipReason("no server token")] += 1
    summary.not_verified.append("cannot reach it")
    problem = Problem(("R3",), "401", "200")
    violation = Violation("RecordMetricsEventForServer", "a user token", (problem,), "curl x")
    summary.failures.append(Failed("test_x", "rerun x", violation.with_attempts(Attempts(1, 3))))
    summary.drift_entries.append(DriftEntry(1, "gateway", "a 403", "2030-01-01", False))
    summary.excused.append(Excused(1, False, ("R3", "R6"), "curl y", "test_y"))
    summary.notes.append("replayed 3 requests")
    summary.off_plan.append("entry 5: GET /metrics/thisuser/x?y=: y is empty")
    summary.plan_strict = True
    return summary


def test_every_field_of_a_workers_summary_survives_the_channel() -> None:
    original = a_summary()
    unset = RunSummary(environment="", spec="", profile="", seed="", started=0.0)
    for item in fields(RunSummary):  # the sample sets every field, a new one too
        assert getattr(original, item.name) != getattr(unset, item.name), item.name

    data = execnet.loads(execnet.dumps(as_data(original)))

    assert from_data(RunSummary, data) == original


@dataclass(frozen=True)
class Ambiguous:
    count: int | str


@dataclass(frozen=True)
class Unknown:
    body: bytes


@pytest.mark.parametrize(
    ("kind", "value"), [(Ambiguous, Ambiguous("3")), (Unknown, Unknown(b"ok"))]
)
def test_a_field_of_a_type_the_hand_over_does_not_know_is_refused(kind, value) -> None:
    """Rebuilt by guess, `"3"` would come back as whatever the first type made of it."""
    with pytest.raises(TypeError, match="cannot hand over"):
        from_data(kind, execnet.loads(execnet.dumps(as_data(value))))


def test_a_workers_summary_crosses_the_channel_and_adds_up() -> None:
    data = execnet.loads(execnet.dumps(as_data(a_summary())))

    total = merged(merged(None, data, started=0.0), data, started=0.0)

    original = a_summary()
    assert total.cases == original.cases + original.cases
    assert total.passed == 6
    assert total.skipped == original.skipped + original.skipped
    assert total.failures == original.failures * 2
    # Both workers check the target themselves: the reason is given once.
    assert total.not_verified == ["cannot reach it"]
    assert (total.environment, total.spec, total.profile, total.seed) == (
        "qa2",
        "Metrics 1.0",
        "ci",
        "7",
    )
    assert total.verdict == original.verdict


def run(workdir: Path, base_url: str | None, tokens: dict[str, str], *options: str):
    """`python -m contract_tests` in its own directory; (exit status, summary, output)."""
    environ = {
        name: value for name, value in os.environ.items() if not name.startswith("TIDEPOOL_")
    }
    environ.pop("PYTEST_BASE_URL", None)
    environ.pop("PYTHONDONTWRITEBYTECODE", None)
    environ.update(tokens, PYTHONPATH=str(ROOT))
    summary = workdir / "summary.md"
    command = [sys.executable, "-m", "contract_tests", "-p", "no:cacheprovider"]
    command += [f"--base-url={base_url}"] if base_url else []
    command += ["--hypothesis-profile=quick", f"--summary-file={summary}", *options]
    done = subprocess.run(
        command, cwd=workdir, env=environ, capture_output=True, text=True, timeout=300
    )
    text = summary.read_text(encoding="utf-8") if summary.exists() else ""
    return done.returncode, text, done.stdout + done.stderr


def facts(summary: str) -> dict[str, str]:
    """The summary table's rows, their values as text (the Markdown shows them escaped)."""
    rows = re.findall(r"^\| ([^|]+) \| (.*) \|$", summary, re.M)
    return {name: as_text(value) for name, value in rows if name.strip() and name not in VARYING}


TARGETS = {
    "mock": (lambda: nullcontext(None), {}),
    "broken": (lambda: serving(create_app(BROKEN)), REFERENCE_TOKENS),
    "unreachable": (lambda: nullcontext("http://127.0.0.1:9"), {}),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, bool], tuple]:
    """(target, parallel) -> (exit status, summary, output); two runs at a time."""
    with ExitStack() as stack, ThreadPoolExecutor(max_workers=2) as pool:
        futures = {}
        for name, (serve, tokens) in TARGETS.items():
            base_url = stack.enter_context(serve())
            for parallel in (False, True):
                workdir = tmp_path_factory.mktemp(f"{name}-{'n2' if parallel else 'serial'}")
                options = PARALLEL if parallel else ()
                futures[name, parallel] = pool.submit(run, workdir, base_url, tokens, *options)
        return {key: future.result() for key, future in futures.items()}


@pytest.mark.parametrize(
    ("target", "status", "verdict"),
    [
        ("mock", 0, "the contract holds in the in-process mock (no service was tested)"),
        ("broken", 1, "the contract is BROKEN"),
        ("unreachable", 4, "not verified: cannot reach http://127.0.0.1:9 *"),
    ],
)
def test_two_workers_give_the_serial_runs_verdict_summary_and_counts(
    runs, target, status, verdict
) -> None:
    serial_status, serial, serial_output = runs[target, False]
    parallel_status, parallel, parallel_output = runs[target, True]

    assert serial_status == status, serial_output
    assert parallel_status == status, parallel_output
    assert fnmatch.fnmatchcase(facts(parallel)["Verdict"], verdict), parallel
    assert facts(parallel) == facts(serial)
    assert "Cases per operation and credential" in facts(parallel)
    if target == "broken":
        assert "## Failures" in parallel
        assert parallel.split("## Failures")[1] == serial.split("## Failures")[1]
    for secret in REFERENCE_TOKENS.values():
        assert secret not in parallel_output


def test_each_worker_serves_its_own_mock_and_the_summary_names_both(runs) -> None:
    _, parallel, _ = runs["mock", True]

    (urls,) = re.findall(r"^\| Base URL \| (.*) \|$", parallel, re.M)
    assert len(set(urls.split(", "))) == 2, urls


def test_a_wrong_target_is_refused_before_any_worker_starts(tmp_path: Path) -> None:
    status, summary, output = run(tmp_path, "ftp://x", {}, *PARALLEL)

    assert status == 4, output
    assert "must be an http:// or https:// URL" in output
    assert "INTERNALERROR" not in output
    assert not summary
