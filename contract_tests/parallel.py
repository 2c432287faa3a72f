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
from dataclasses import fields, is_dataclass, replace
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

import pytest

from contract_tests.summary import RunSummary

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


def as_data(value: Any) -> Any:
    """The summary (or any of its parts) as the builtin types xdist's channel carries,
    derived from its dataclasses, so a field added to them crosses without a change here."""
    if is_dataclass(value):
        return {item.name: as_data(getattr(value, item.name)) for item in fields(value)}
    if isinstance(value, dict):  # counters, whose keys may be tuples or dataclasses
        return [[as_data(key), as_data(count)] for key, count in value.items()]
    if isinstance(value, list | tuple):
        return [as_data(item) for item in value]
    return value


# The types a field of the summary may have besides the containers below; any other is
# refused, so that a new field of a new type cannot cross rebuilt as something else.
SCALARS = (str, int, float, bool)


def from_data(kind: Any, data: Any) -> Any:
    """The inverse of `as_data`, led by the type hints of the dataclasses: a dataclass,
    Counter, list, tuple, `X | None` or a scalar; any other type raises TypeError."""
    origin, arguments = get_origin(kind), get_args(kind)
    if is_dataclass(kind):
        hints = get_type_hints(kind)
        return kind(**{name: from_data(hints[name], value) for name, value in data.items()})
    if origin is Counter:
        return Counter({from_data(arguments[0], key): count for key, count in data})
    if origin is list:
        return [from_data(arguments[0], item) for item in data]
    if origin is tuple:
        each = arguments[:1] * len(data) if arguments[1:] == (...,) else arguments
        return tuple(from_data(hint, item) for hint, item in zip(each, data, strict=True))
    if origin in (Union, UnionType):
        present = [hint for hint in arguments if hint is not NoneType]
        if len(arguments) != 2 or len(present) != 1:
            raise TypeError(f"cannot hand over a {kind}: only `X | None` is known")
        return None if data is None else from_data(present[0], data)
    if kind in SCALARS and isinstance(data, kind):
        return data
    raise TypeError(f"cannot hand over a {kind!r} as {type(data).__name__}")


def merged(summary: RunSummary | None, data: dict[str, Any], started: float) -> RunSummary:
    """`summary` with a worker's data added; the first worker's data starts it."""
    worker = from_data(RunSummary, data)
    if summary is None:
        return replace(worker, started=started)
    if worker.base_url:
        # Without a target each worker serves its own mock: every URL is named.
        urls = {*(summary.base_url or "").split(", "), worker.base_url} - {""}
        summary.base_url = ", ".join(sorted(urls))
    summary.cases.update(worker.cases)
    summary.answers.update(worker.answers)
    summary.failures += worker.failures
    # Each worker checks the target and the credentials itself: one reason, said once.
    summary.not_verified += [r for r in worker.not_verified if r not in summary.not_verified]
    summary.skipped.update(worker.skipped)
    summary.passed += worker.passed
    summary.excused += worker.excused
    return summary
