"""The contract suite's pytest plugin: pytest's hooks, in the order pytest calls them.

Each hook hands its step to the module of its concern (this package's map says which),
so the run's control flow reads here, top to bottom. Loaded by the repository's
conftest.py (`pytest_plugins`), by `-p contract_tests.pytest.plugin` as `python -m
contract_tests` does, or, where the package is installed, by its `pytest11` entry point
of the same name. Nothing here acts unless contract tests are collected: other tests run
the same with or without the suite's options (its Hypothesis profiles and seed included).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from contract_tests import parallel, plan_check
from contract_tests.pytest import gate, options, profiles, reporting, target, verdict, xdist
from contract_tests.pytest.fixtures import contract_base_url, suite  # noqa: F401 (registered)
from contract_tests.pytest.run import RUN, collecting, start
from contract_tests.summary import DriftEntry, RunSummary

SUITE_DIR = Path(__file__).resolve().parents[1]
REPLAY_MODULE = SUITE_DIR / "test_replay.py"


def is_suite(item: pytest.Item) -> bool:
    return SUITE_DIR in item.path.parents


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser, options.PREFIX)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """The gate's settings, the run's state read once, the guards of pytest-base-url's
    options; before Hypothesis and junitxml configure themselves, the profile and paths."""
    config.addinivalue_line("markers", "smoke: the small fixed set that may run against production")
    gate.configure(config)
    runs_suite = parallel.runs_suite(config, SUITE_DIR)
    config.stash[RUN] = start(config, reads_spec=runs_suite)
    target.refuse_url_options(config, runs_suite)
    profiles.configure(config)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    target.refuse_early(config, config.stash[RUN], parallel.runs_suite(config, SUITE_DIR))
    reporting.quiet_pytest_detail(config, parallel.runs_suite(config, SUITE_DIR, only=True))


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The replay's cases exist only when --replay names a file."""
    if collection_path == REPLAY_MODULE and config.stash[RUN].replay is None:
        return True
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> None:
    """The suite's default profile, loaded before its test modules apply their settings."""
    if SUITE_DIR in file_path.parents and not parent.config.getoption("hypothesis_profile"):
        profiles.use_suite_profiles(default=True)


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    """The suite's test modules build their tests from the run that imports them (run.py)."""
    if isinstance(collector, pytest.Module) and SUITE_DIR in collector.path.parents:
        with collecting(collector.config.stash[RUN]):
            return (yield)
    return (yield)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Decide the target once contract tests are collected, before any of them runs."""
    if not any(is_suite(item) for item in items):
        return
    run = config.stash[RUN]
    run.target = target.allowed_target(config, run)
    profile, seed = profiles.name_and_seed(config)
    known = run.known_drifts
    run.summary = RunSummary(
        environment=run.target.name,
        spec=run.reading.fingerprint(),
        profile=profile,
        seed=seed,
        drift_entries=[
            DriftEntry(d.number, d.label(), d.reason, d.until.isoformat(), d.expired(known.today))
            for d in (known.drifts if known else ())
        ],
        notes=run.replay.notes() if run.replay else [],
    )
    plan_check.report(run.plan, run.summary)
    if run.target.is_production:
        target.smoke_only(config, items, is_suite)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """The Suite records what known drifts match with the node id of the test sending."""
    if is_suite(item) and "suite" in item.funcargs:
        item.funcargs["suite"].test = item.nodeid


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    report = yield
    run = item.config.stash[RUN]
    if is_suite(item):
        reporting.report(item, call, report, run)
    elif report.failed:
        run.other_failures += 1
    return report


@pytest.hookimpl(trylast=True)
def pytest_exception_interact(node: pytest.Item, call: pytest.CallInfo, report) -> None:
    reporting.keep_violation_text(node, call, report, node.config.stash[RUN])


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    xdist.hand_out_seed(node)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    xdist.take_worker_output(node)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    reporting.write_summary_file(config, config.stash[RUN])


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> Iterator[None]:
    """The verdict's exit status first; the summary after everything pytest prints."""
    run = session.config.stash[RUN]
    parallel.hand_over(session.config, run.summary, run.other_failures)
    verdict.session_status(session, run.summary, run.other_failures)
    result = yield
    reporting.print_summary(session, run)
    return result
