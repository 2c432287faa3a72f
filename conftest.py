"""Command line, target and safety of the contract suite; hypothesis profiles.

Decided once, before any request: which environment (`--env`, `--base-url` /
`PYTEST_BASE_URL`, else the mock in-process), whether it is production (refused unless
`--allow-production`, then only the smoke set runs), and which secrets to keep out of
every report. The suite's own fixtures live in contract_tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from contract_tests import stash
from contract_tests.environments import UnknownEnvironment, choose_target
from contract_tests.redaction import Redactor
from contract_tests.summary import RunSummary

# pytester proves in tests/ that the suite fails broken servers.
pytest_plugins = ["pytester"]

CONTRACT_TESTS_DIR = Path(__file__).resolve().parent / "contract_tests"

# Profiles, chosen with hypothesis's own --hypothesis-profile. `ci` is the default: the
# same examples on every run (derandomize) and no example database, so a developer's
# dirty `.hypothesis/` never replays an old failure that a clean CI checkout would not.
_REPRODUCIBLE = {"derandomize": True, "database": None, "print_blob": False, "deadline": None}
settings.register_profile("quick", max_examples=10, **_REPRODUCIBLE)
settings.register_profile("ci", max_examples=100, **_REPRODUCIBLE)
# Thorough explores new examples on each run and prints a blob to replay a failure.
settings.register_profile(
    "thorough", max_examples=1000, database=None, print_blob=True, deadline=None
)
settings.load_profile("ci")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract", "Metrics API contract suite")
    group.addoption(
        "--env", metavar="NAME", help="environment named in the spec's servers (mock, qa1, ...)"
    )
    group.addoption(
        "--strict-auth",
        action="store_true",
        help="fail, instead of skip, the tests whose token is missing (for deploy gates)",
    )
    group.addoption(
        "--allow-production",
        action="store_true",
        help="allow api.tidepool.org; only the small smoke set runs",
    )
    group.addoption(
        "--event-prefix",
        default="contract-tests - ",
        help="prefix of every event name sent to a non-mock environment (default: %(default)r)",
    )
    group.addoption(
        "--max-rps",
        type=float,
        default=None,
        help="requests per second at most (default: 5 to remote hosts, uncapped on loopback)",
    )
    group.addoption(
        "--max-response-time",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="time budget of each answer (default: %(default)s)",
    )
    group.addoption("--summary-file", metavar="PATH", help="write the run's summary as Markdown")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "smoke: the small fixed set that may run against production")
    try:
        target = choose_target(config.getoption("env"), config.getoption("base_url"))
    except UnknownEnvironment as error:
        raise pytest.UsageError(str(error)) from None
    if target.is_production and not config.getoption("allow_production"):
        raise pytest.UsageError(
            f"refusing to test production ({target.base_url}): nothing was sent. Real users' metrics "
            "live there; pass --allow-production to run the small smoke set only."
        )
    config.stash[stash.TARGET] = target
    config.stash[stash.REDACTOR] = Redactor()
    config.stash[stash.SUMMARY] = RunSummary(environment=target.name)


def pytest_report_header(config: pytest.Config) -> str:
    target = config.stash[stash.TARGET]
    return f"contract target: {target.name} ({target.base_url or 'started in-process'})"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.stash[stash.TARGET].is_production:
        return
    kept = [item for item in items if item.get_closest_marker("smoke")]
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = kept


@pytest.fixture(scope="session")
def base_url(pytestconfig: pytest.Config) -> Iterator[str]:
    """The target's base URL; with none given, the mock served in-process for the session.

    Overrides pytest-base-url's fixture, session-scoped like it (a narrower scope breaks
    its autouse `_verify_url` with ScopeMismatch).
    """
    target = pytestconfig.stash[stash.TARGET]
    if target.base_url is not None:
        yield target.base_url
        return
    from mockserver.config import MockConfig
    from mockserver.inprocess import running_mock

    with running_mock(MockConfig()) as mock:
        yield mock.url


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Redact secrets from the report before any reporter (terminal, junit) sees it."""
    report = yield
    redactor = item.config.stash[stash.REDACTOR]
    if report.failed:
        text = str(report.longrepr)
        if redactor.redact(text) != text:
            report.longrepr = redactor.redact(text)
    report.sections = [(title, redactor.redact(content)) for title, content in report.sections]
    if CONTRACT_TESTS_DIR in item.path.parents:
        _summarise(item.config.stash[stash.SUMMARY], report)
    return report


def _summarise(summary: RunSummary, report: pytest.TestReport) -> None:
    if report.failed:
        summary.record_failure(report.nodeid, str(report.longrepr))
    elif report.skipped:
        summary.skipped[report.longrepr[2].removeprefix("Skipped: ")] += 1
    elif report.when == "call":
        summary.passed += 1


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    summary = config.stash[stash.SUMMARY]
    if config.getoption("summary_file"):
        path = Path(config.getoption("summary_file"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(summary.markdown(), encoding="utf-8")
    if summary.base_url is None and not summary.failures and not summary.skipped:
        return  # no contract test ran
    terminalreporter.section("contract summary")
    for line in summary.terminal_lines():
        terminalreporter.write_line(line)
