"""Runs spread over pytest-xdist workers (`-n auto`): one seed, one summary, one verdict.

Each worker runs part of the tests against the target (with no target given, against its
own in-process mock) and keeps its own RunSummary. The controller runs no test, so the
workers hand theirs over as plain data when they finish (xdist's `workeroutput`, the
channel pytest-cov uses too) and the controller merges them into the one summary that the
terminal, `--summary-file` and the exit status read; the workers write no file. Every
worker draws from the controller's seed, which the summary shows and a rerun replays.
Without `-n`, none of these hooks is called.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from contract_tests.failures import Attempts, Problem, Violation
from contract_tests.summary import DriftEntry, Excused, Failed, RunSummary

SEED_KEY = "contract_tests_hypothesis_seed"
SUMMARY_KEY = "contract_tests_summary"
OTHER_FAILURES_KEY = "contract_tests_other_failures"


class NotVerified(Exception):
    """The target is unreachable or a credential wrong: the session stops at its first test."""


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def is_controller(config: pytest.Config) -> bool:
    """Whether this process hands the tests out to xdist workers (and runs none)."""
    return config.getoption("dist", "no") != "no" and not is_worker(config)


def runs_suite(config: pytest.Config, suite_dir: Path, only: bool = False) -> bool:
    """Whether the run's arguments name the suite (a path in it, or `--pyargs contract_tests`);
    with `only`, whether they name nothing else."""
    named = [_names(config, arg, suite_dir) for arg in config.args]
    return bool(named) and all(named) if only else any(named)


def _names(config: pytest.Config, arg: str, suite_dir: Path) -> bool:
    name = arg.split("::")[0]
    if config.option.pyargs and name.split(".")[0] == suite_dir.name:
        return True
    path = (config.invocation_params.dir / name).resolve()
    return path == suite_dir or suite_dir in path.parents


def controller_seed(config: pytest.Config) -> str | None:
    """On a worker, the seed the controller drew for the whole run (None elsewhere)."""
    return getattr(config, "workerinput", {}).get(SEED_KEY)


def hand_over(config: pytest.Config, summary: RunSummary | None, other_failures: int) -> None:
    """On a worker at its end: what it ran, as data the controller can merge."""
    if is_worker(config):
        config.workeroutput[OTHER_FAILURES_KEY] = other_failures
        if summary is not None:
            config.workeroutput[SUMMARY_KEY] = as_data(summary)


def as_data(summary: RunSummary) -> dict[str, Any]:
    """The summary as the builtin types that xdist's channel carries."""
    return {
        "environment": summary.environment,
        "spec": summary.spec,
        "profile": summary.profile,
        "seed": summary.seed,
        "base_url": summary.base_url,
        "cases": [[*key, count] for key, count in summary.cases.items()],
        "answers": dict(summary.answers),
        "failures": [asdict(failure) for failure in summary.failures],
        "not_verified": list(summary.not_verified),
        "skipped": dict(summary.skipped),
        "passed": summary.passed,
        "drift_entries": [asdict(entry) for entry in summary.drift_entries],
        "notes": list(summary.notes),
        "excused": [asdict(excused) for excused in summary.excused],
    }


def merged(summary: RunSummary | None, data: dict[str, Any], started: float) -> RunSummary:
    """`summary` with a worker's data added; the first worker's data starts it."""
    if summary is None:
        summary = RunSummary(
            environment=data["environment"],
            spec=data["spec"],
            profile=data["profile"],
            seed=data["seed"],
            started=started,
            drift_entries=[DriftEntry(**entry) for entry in data["drift_entries"]],
            notes=list(data["notes"]),
        )
    if data["base_url"]:
        # Without a target each worker serves its own mock: every URL is named.
        urls = {*(summary.base_url or "").split(", "), data["base_url"]} - {""}
        summary.base_url = ", ".join(sorted(urls))
    summary.cases.update({(op, credential): n for op, credential, n in data["cases"]})
    summary.answers.update(Counter(data["answers"]))
    summary.failures += [_failed(failure) for failure in data["failures"]]
    # Each worker checks the target and the credentials itself: one reason, said once.
    summary.not_verified += [r for r in data["not_verified"] if r not in summary.not_verified]
    summary.skipped.update(Counter(data["skipped"]))
    summary.passed += data["passed"]
    summary.excused += [
        Excused(**{**excused, "rules": tuple(excused["rules"])}) for excused in data["excused"]
    ]
    return summary


def _failed(data: dict[str, Any]) -> Failed:
    violation = data["violation"]
    return Failed(
        test=data["test"],
        rerun=data["rerun"],
        violation=Violation(
            operation_id=violation["operation_id"],
            credential=violation["credential"],
            problems=tuple(Problem(**problem) for problem in violation["problems"]),
            curl=violation["curl"],
            attempts=Attempts(**violation["attempts"]) if violation["attempts"] else None,
        ),
    )
