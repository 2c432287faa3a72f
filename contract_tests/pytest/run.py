"""What one run of the suite knows, kept in its `config.stash`, never in a module global.

A `Run` is made when pytest is configured, from the run's options: the spec it reads
(`--spec-file`, else the shipped one), the schemathesis schema of that spec, the known
drifts, the replay, the tracking plan, the redactor. The target and the summary join it
once contract tests are collected (plugin.pytest_collection_modifyitems). Two runs in one
process (pytester's in-process runs) each have their own.

The suite's test modules build their tests when pytest imports them, before any fixture
exists: `being_collected()` hands such a module the run of the config that imports it,
only while it does (plugin.pytest_make_collect_report).
"""

from __future__ import annotations

import contextlib
import datetime
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pytest
from schemathesis.schemas import BaseSchema

from contract_tests import closed_surface, drifts, plan_check, schema, spec
from contract_tests.credentials import SECRET_VARIABLES
from contract_tests.drifts import KnownDrifts
from contract_tests.environments import Target
from contract_tests.har import HarProblem
from contract_tests.plan_check import PlanCheck
from contract_tests.pytest.options import option
from contract_tests.redaction import Redactor
from contract_tests.replay import Replay
from contract_tests.replay import plan as plan_replay
from contract_tests.summary import RunSummary


@dataclass
class Run:
    spec_path: Path
    # The run's one redactor, from the start: it knows the credential variables' values
    # before any header or line is printed (logged-in tokens join it later).
    redactor: Redactor
    started: float = field(default_factory=time.monotonic)
    known_drifts: KnownDrifts | None = None
    replay: Replay | None = None
    plan: PlanCheck | None = None
    # Failed tests outside the suite: the exit status is then theirs, not the verdict's.
    other_failures: int = 0
    # Set once contract tests are collected.
    target: Target | None = None
    summary: RunSummary | None = None
    _schema: BaseSchema | None = field(default=None, repr=False)

    @cached_property
    def reading(self) -> spec.Reading:
        """The run's spec; the shipped one is read once per process."""
        if self.spec_path == spec.SPEC_PATH:
            return spec.shipped()
        return spec.read(self.spec_path)

    def schema(self) -> BaseSchema:
        """The schemathesis schema of the run's spec, loaded on first use."""
        if self._schema is None:
            self._schema = schema.load(self.spec_path)
        return self._schema

    @property
    def operations(self) -> tuple[spec.Operation, ...]:
        return self.reading.operations


RUN = pytest.StashKey[Run]()
_COLLECTING: ContextVar[Run] = ContextVar("contract_tests_collecting")


def start(config: pytest.Config, reads_spec: bool) -> Run:
    """The run of `config`; with `reads_spec`, its spec and inputs read now, each problem
    one line (at collection it would be a traceback)."""
    named = option(config, "spec-file")
    path = Path(named).resolve() if named else spec.SPEC_PATH
    if named and not path.is_file():
        raise pytest.UsageError(f"--spec-file {named}: no such file")
    run = Run(path, Redactor.from_environment(SECRET_VARIABLES))
    if reads_spec or named:
        try:
            run.reading, closed_surface.load()  # noqa: B018 (read now, refused now)
        except (spec.SpecProblem, closed_surface.ClosedSurfaceProblem) as error:
            raise pytest.UsageError(str(error)) from None
    run.known_drifts = _known_drifts(config, run)
    run.replay = _replay(config, run)
    run.plan = plan_check.check(option(config, "plan"), option(config, "plan-strict"), run.replay)
    return run


def of(config: pytest.Config) -> Run:
    return config.stash[RUN]


@contextlib.contextmanager
def collecting(run: Run) -> Iterator[None]:
    """Hand `run` to the suite's test modules that pytest imports meanwhile."""
    token = _COLLECTING.set(run)
    try:
        yield
    finally:
        _COLLECTING.reset(token)


def being_collected() -> Run:
    """The run whose collection imports the calling test module."""
    try:
        return _COLLECTING.get()
    except LookupError:
        raise RuntimeError(
            "the suite's test modules are collected by its pytest plugin "
            "(python -m contract_tests, or -p contract_tests.pytest.plugin)"
        ) from None


def _known_drifts(config: pytest.Config, run: Run) -> KnownDrifts | None:
    named = option(config, "known-drifts")
    if not named:
        return None
    path = drifts.SHIPPED_PATH if named == drifts.SHIPPED else Path(named)
    today = option(config, "known-drifts-as-of") or datetime.date.today()
    try:
        return drifts.load(path, run.operations, today)
    except drifts.DriftFileProblem as problem:
        raise pytest.UsageError(f"--known-drifts {problem}") from None


def _replay(config: pytest.Config, run: Run) -> Replay | None:
    named = option(config, "replay")
    if not named:
        return None
    try:
        return plan_replay(Path(named), run.operations)
    except HarProblem as problem:
        raise pytest.UsageError(f"--replay {problem}") from None
