"""The contract suite's pytest plugin: options, target, production guard, profiles, fixtures, reports.

Loaded by the repository's conftest.py (`pytest_plugins`), by `-p contract_tests.plugin`
as `python -m contract_tests` does, or, where the package is installed, by its `pytest11`
entry point of the same name. Nothing here acts unless contract tests are collected: other
tests run the same with or without the suite's options (its Hypothesis profiles and seed
included). Once they are, the target is decided before any request (`--base-url` /
`PYTEST_BASE_URL`, else `--env`, else the mock in-process), production is refused unless `--allow-production` (and then
only the smoke set runs), credentials over plain http:// to a host that is not loopback
are refused unless `--allow-http-with-tokens`, credentials are checked, and every report
passes through the redactor. Failures reach the summary and JUnit as data (failures.Violation).
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import random
import shlex
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.errors import InvalidArgument

from contract_tests import (
    closed_surface,
    drifts,
    escaping,
    forwarding,
    network,
    parallel,
    plan_check,
    replay,
    spec,
)
from contract_tests.credentials import (
    SECRET_VARIABLES,
    VARIABLES,
    CredentialProblem,
    check_credentials,
    log_out,
)
from contract_tests.environments import (
    DEFAULT_EVENT_PREFIX,
    BadTarget,
    Target,
    choose_target,
    secret_part,
)
from contract_tests.failures import find_violation
from contract_tests.har import HarProblem
from contract_tests.pacing import PacedSession
from contract_tests.redaction import Redactor
from contract_tests.suite import Suite, Unreachable, probe
from contract_tests.summary import DriftEntry, Failed, RunSummary, SkipReason, SuiteSkip

SUITE_DIR = Path(__file__).resolve().parent
# A request that takes this much longer than the budget is abandoned (it has failed already).
TIMEOUT_MARGIN_S = 10.0
DEFAULT_PROFILE = "ci"
# What pytest prints when the suite stops a run that cannot verify anything.
STOPPED = "stopped before any metrics request: see the verdict below"

TARGET = pytest.StashKey[Target]()
REDACTOR = pytest.StashKey[Redactor]()
SUMMARY = pytest.StashKey[RunSummary]()
# Failed tests outside the suite: the exit status is then theirs, not the verdict's.
OTHER_FAILURES = pytest.StashKey[int]()
# When the run began: the duration of a run spread over xdist workers (parallel.py).
STARTED = pytest.StashKey[float]()
KNOWN_DRIFTS = pytest.StashKey["drifts.KnownDrifts | None"]()
REPLAY = pytest.StashKey["replay.Replay | None"]()
PLAN = pytest.StashKey["plan_check.PlanCheck | None"]()
REPLAY_MODULE = SUITE_DIR / "test_replay.py"

# Profiles, chosen with hypothesis's own --hypothesis-profile. `ci` is the default: the
# same examples on every run (derandomize) and no example database, so a developer's
# dirty `.hypothesis/` never replays an old failure that a clean CI checkout would not.
# None prints Hypothesis's blob: the summary gives the seed and the curl instead.
_REPRODUCIBLE = {"derandomize": True, "database": None, "print_blob": False, "deadline": None}
SUITE_PROFILES = ("quick", DEFAULT_PROFILE, "thorough")


def use_suite_profiles(default: bool) -> None:
    """Register the suite's profiles (and load `ci` if `default`), only once the suite runs
    or one is named: Hypothesis has a `ci` profile of its own, which it loads on CI
    machines, and other tests where the package is installed keep it."""
    settings.register_profile("quick", max_examples=10, **_REPRODUCIBLE)
    settings.register_profile(DEFAULT_PROFILE, max_examples=100, **_REPRODUCIBLE)
    # Thorough explores new examples on each run, from the seed the summary shows. Said
    # outright: a profile inherits from the one loaded, and on CI machines Hypothesis has
    # loaded its own `ci` profile, which derandomizes.
    settings.register_profile(
        "thorough",
        max_examples=1000,
        derandomize=False,
        database=None,
        print_blob=False,
        deadline=None,
    )
    if default:
        settings.load_profile(DEFAULT_PROFILE)


# The suite's options, each registered as `--tidepool-NAME` by this plugin, which loads
# itself wherever the package is installed, so that no other project's `--env` or
# `--spec-file` meets it; the short `--NAME` is added only where the suite is run on
# purpose (short_options.py). Both spellings set the same `tidepool_NAME` destination.
OPTIONS: dict[str, dict] = {
    "env": {"metavar": "NAME", "help": "environment named in the spec's servers (mock, qa1, ...)"},
    "strict-auth": {
        "action": "store_true",
        "help": "refuse to run (exit 4), instead of skipping, when a kind of token is missing",
    },
    "allow-production": {
        "action": "store_true",
        "help": "allow api.tidepool.org; only the small smoke set runs",
    },
    "allow-http-with-tokens": {
        "action": "store_true",
        "help": "send credentials over plain http:// to a host that is not loopback",
    },
    "event-prefix": {
        "default": DEFAULT_EVENT_PREFIX,
        "help": "prefix of every event name sent to a non-mock environment (default: %(default)r)",
    },
    "max-rps": {
        "type": float,
        "help": "requests per second at most (default: 5 to remote hosts, uncapped on loopback)",
    },
    "max-response-time": {
        "type": float,
        "default": 2.0,
        "metavar": "SECONDS",
        "help": "time budget of each answer (default: %(default)s)",
    },
    "summary-file": {"metavar": "PATH", "help": "write the run's summary as Markdown"},
    "spec-file": {
        "metavar": "PATH",
        "help": f"the contract to test (default: {spec.SPEC_PATH.name} of this suite)",
    },
    "known-drifts": {
        "metavar": "PATH",
        "help": f"breaks of the contract accepted until a date (YAML); {drifts.SHIPPED!r}: "
        "the file shipped with the suite, for Tidepool's environments",
    },
    "known-drifts-as-of": {
        "metavar": "YYYY-MM-DD",
        "type": datetime.date.fromisoformat,
        "help": "judge the known drifts' `until` as of this day (default: today), "
        "to rerun a past gate as it ran",
    },
    "closed-surface": {
        "choices": ("gateway", "service"),
        "default": "gateway",
        "help": "service: also the unprefixed routes of the metrics service itself (default: %(default)s)",
    },
    "replay": {
        "metavar": "FILE.har",
        "help": "also send each Metrics API request recorded in this HAR file, as recorded",
    },
    **plan_check.OPTIONS,
}
PREFIX = "tidepool-"
# Options of a whole run, which a rerun of one test does not repeat (its target is its URL).
RUN_ONLY = ("env", "summary-file")


def add_options(parser: pytest.Parser, prefix: str) -> None:
    """Register every suite option as `--{prefix}NAME`, with the destination both share."""
    group = parser.getgroup("contract", "Metrics API contract suite")
    for name, keywords in OPTIONS.items():
        group.addoption(f"--{prefix}{name}", dest=dest(name), **keywords)


def dest(name: str) -> str:
    return (PREFIX + name).replace("-", "_")


def option(config: pytest.Config, name: str):
    """The value of the suite's option `name` (as in OPTIONS), whichever spelling set it."""
    return config.getoption(dest(name))


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser, PREFIX)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Before Hypothesis configures itself: the suite's profile it is to load, if one is
    named, and for a random one a seed that the summary can show, if none is given (under
    xdist, the controller's)."""
    config.addinivalue_line("markers", "smoke: the small fixed set that may run against production")
    _start_redacting(config)
    if option(config, "spec-file"):
        path = Path(option(config, "spec-file"))
        if not path.is_file():
            raise pytest.UsageError(f"--spec-file {path}: no such file")
        spec.select(path)
    if option(config, "spec-file") or parallel.runs_suite(config, SUITE_DIR):
        try:  # read now: at collection, a file it cannot read would be a traceback
            spec.operations(), closed_surface.load()
        except (spec.SpecProblem, closed_surface.ClosedSurfaceProblem) as error:
            raise pytest.UsageError(str(error)) from None
    config.stash[KNOWN_DRIFTS] = _known_drifts(config)
    config.stash[REPLAY] = _replay(config)
    config.stash[PLAN] = plan_check.check(
        option(config, "plan"), option(config, "plan-strict"), config.stash[REPLAY]
    )
    # The ini file's base_url too: pytest-base-url copies it to the option, maybe later.
    secret = secret_part(config.getoption("base_url") or config.getini("base_url") or "")
    if secret and parallel.runs_suite(config, SUITE_DIR):
        # Refused here, before any report header could print it; a run that does not name
        # the suite is another project's business (collecting the suite refuses it later).
        raise pytest.UsageError(f"--base-url must not carry {secret}")
    if config.getoption("verify_base_url", False) and parallel.runs_suite(config, SUITE_DIR):
        # pytest-base-url's check is a GET that follows redirects to any host, where
        # requests hands it the ~/.netrc credentials for that host.
        raise pytest.UsageError(
            "--verify-base-url (or VERIFY_BASE_URL) is refused: its check follows redirects, "
            "with ~/.netrc credentials, to any host; the suite reaches the target itself "
            "before any test and follows none"
        )
    named = config.getoption("hypothesis_profile")
    if named in SUITE_PROFILES:
        use_suite_profiles(default=False)
    try:
        profile = settings.get_profile(named or DEFAULT_PROFILE)
    except InvalidArgument:
        raise pytest.UsageError(
            f"unknown --hypothesis-profile {named!r}; the suite's are quick, ci, thorough"
        ) from None
    # A seed only for the suite's random profile: other tests' profiles are not ours.
    random_suite_profile = named in SUITE_PROFILES and not profile.derandomize
    if random_suite_profile and config.getoption("hypothesis_seed") is None:
        seed = parallel.controller_seed(config) or str(random.randrange(2**32))
        config.option.hypothesis_seed = seed
    config.stash[OTHER_FAILURES] = 0
    config.stash[STARTED] = time.monotonic()


def _start_redacting(config: pytest.Config) -> None:
    """The run's one redactor, from the start: it knows the credential variables' values
    before any header or line is printed (logged-in tokens join it later)."""
    config.stash[REDACTOR] = Redactor.from_environment(SECRET_VARIABLES)


def _known_drifts(config: pytest.Config) -> drifts.KnownDrifts | None:
    named = option(config, "known-drifts")
    if not named:
        return None
    path = drifts.SHIPPED_PATH if named == drifts.SHIPPED else Path(named)
    today = option(config, "known-drifts-as-of") or datetime.date.today()
    try:
        return drifts.load(path, spec.operations(), today)
    except drifts.DriftFileProblem as problem:
        raise pytest.UsageError(f"--known-drifts {problem}") from None


def _replay(config: pytest.Config) -> replay.Replay | None:
    named = option(config, "replay")
    if not named:
        return None
    try:
        return replay.plan(Path(named), spec.operations())
    except HarProblem as problem:
        raise pytest.UsageError(f"--replay {problem}") from None


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The replay's cases exist only when --replay names a file."""
    if collection_path == REPLAY_MODULE and config.stash.get(REPLAY, None) is None:
        return True
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> None:
    """The suite's default profile, loaded before its test modules apply their settings."""
    if SUITE_DIR in file_path.parents and not parent.config.getoption("hypothesis_profile"):
        use_suite_profiles(default=True)


def _is_suite(item: pytest.Item) -> bool:
    return SUITE_DIR in item.path.parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Decide the target once contract tests are collected, before any of them runs."""
    if not any(_is_suite(item) for item in items):
        return
    target = _allowed_target(config)
    profile = config.getoption("hypothesis_profile") or DEFAULT_PROFILE
    seed = config.getoption("hypothesis_seed")
    config.stash[TARGET] = target
    config.stash[SUMMARY] = RunSummary(
        environment=target.name,
        spec=spec.fingerprint(),
        profile=profile,
        seed=f"derandomized by profile {profile}" if seed is None else str(seed),
        drift_entries=_drift_entries(config.stash[KNOWN_DRIFTS]),
        notes=config.stash[REPLAY].notes() if config.stash[REPLAY] else [],
    )
    plan_check.report(config.stash[PLAN], config.stash[SUMMARY])
    if target.is_production:
        kept = [item for item in items if not _is_suite(item) or item.get_closest_marker("smoke")]
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


def _drift_entries(known: drifts.KnownDrifts | None) -> list[DriftEntry]:
    if known is None:
        return []
    return [
        DriftEntry(d.number, d.label(), d.reason, d.until.isoformat(), d.expired(known.today))
        for d in known.drifts
    ]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """xdist's controller collects nothing: it refuses a wrong target before any worker
    starts (an error in a worker's collection would be an internal error)."""
    if parallel.is_controller(session.config) and parallel.runs_suite(session.config, SUITE_DIR):
        _allowed_target(session.config)
    _quiet_pytest_detail(session.config)


def _allowed_target(config: pytest.Config) -> Target:
    try:
        target = choose_target(option(config, "env"), config.getoption("base_url"))
    except BadTarget as error:
        raise pytest.UsageError(str(error)) from None
    if target.is_production and not option(config, "allow-production"):
        raise pytest.UsageError(
            f"refusing to test production ({target.host}): nothing was sent. Real users' "
            "metrics live there; pass --allow-production to run the small smoke set only."
        )
    given = [name for name in VARIABLES if os.environ.get(name)]
    if target.in_clear_text and given and not option(config, "allow-http-with-tokens"):
        raise pytest.UsageError(
            f"refusing to send credentials ({', '.join(given)}) in clear text to {target.host}: "
            "nothing was sent. Use https://, or pass --allow-http-with-tokens if you mean it."
        )
    return target


NO_TARGET_NO_MOCK = (
    "no target given (--base-url or --env) and the mock, which the suite tests by default, "
    "is not installed: name a target, or pip install tidepool-metrics-mock"
)


@pytest.fixture(scope="session")
def contract_base_url(pytestconfig: pytest.Config) -> Iterator[str]:
    """The target's base URL; with none given, the mock (`python -m mockserver`, as `make
    mock` runs it) on a free port for the session."""
    target = pytestconfig.stash[TARGET]
    if target.base_url is not None:
        yield target.base_url
        return
    try:  # the mock is a distribution of its own, installed beside the suite or not
        from mockserver.config import MockConfig
        from mockserver.running import running_mock
    except ImportError:
        raise pytest.UsageError(NO_TARGET_NO_MOCK) from None

    with running_mock(MockConfig(spec_path=spec.selected_path())) as mock:
        yield mock.url


@pytest.fixture(scope="session")
def suite(request: pytest.FixtureRequest, contract_base_url: str) -> Iterator[Suite]:
    """Everything the contract tests need about the target: reached, credentials checked."""
    config = request.config
    target, redactor, summary = config.stash[TARGET], config.stash[REDACTOR], config.stash[SUMMARY]
    summary.base_url = contract_base_url
    summary.started = time.monotonic()
    budget_s = option(config, "max-response-time")
    route = network.route(contract_base_url, is_loopback=target.is_loopback)
    summary.notes += route.notes
    http = PacedSession(
        target.max_rps(option(config, "max-rps")), budget_s + TIMEOUT_MARGIN_S, route
    )
    try:
        is_mock = probe(http, contract_base_url)
        upstream = forwarding.metrics_upstream(http, contract_base_url) if is_mock else None
        if upstream is not None:  # a forwarding mock: the environment behind it
            is_mock = False
            http.cap(upstream.max_rps(option(config, "max-rps")))
            summary.notes.append(f"The mock forwards metrics to {upstream.host}: tested as it")
        tokens = check_credentials(
            http,
            contract_base_url,
            is_mock=is_mock,
            strict=option(config, "strict-auth"),
            redactor=redactor,
        )
    except (Unreachable, CredentialProblem, forwarding.ForwardsToProduction) as error:
        kind = "credentials: " if isinstance(error, CredentialProblem) else ""
        reason = kind + redactor.redact(str(error))
        summary.not_verified.append(reason)
        # The first test errors with the reason (the one entry CI's JUnit view shows) and
        # the run stops there (under xdist, each worker's); only the verdict repeats it.
        request.session.shouldfail = STOPPED
        raise parallel.NotVerified(reason) from None
    with http:
        yield Suite(
            base_url=contract_base_url,
            http=http,
            tokens=tokens,
            is_mock=is_mock,
            redactor=redactor,
            event_prefix=option(config, "event-prefix"),
            budget_s=budget_s,
            summary=summary,
            known_drifts=config.stash[KNOWN_DRIFTS],
        )
        log_out(http, contract_base_url, tokens)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Redact every report; turn a contract violation into its own text and data."""
    report = yield
    if not _is_suite(item):
        if report.failed:
            item.config.stash[OTHER_FAILURES] += 1
        return report
    redactor, summary = item.config.stash[REDACTOR], item.config.stash[SUMMARY]
    if report.when == "call":
        _name_excused(item, summary)
    violation = find_violation(call.excinfo.value) if report.failed and call.excinfo else None
    if violation is not None:
        # Redacted as it enters the summary: under xdist, only this worker knows the
        # tokens it logged in for.
        violation = violation.shown(redactor.redact)
        report.longrepr = escaping.lines(violation.text())
        report.contract_violation = True
        item.user_properties += [
            (name, escaping.one_line(value))
            for name, value in (
                ("rules", ", ".join(violation.rules)),
                ("expected", "; ".join(problem.expected for problem in violation.problems)),
                ("got", "; ".join(problem.got for problem in violation.problems)),
                ("curl", violation.curl),
                *((("attempts", str(violation.attempts)),) if violation.intermittent else ()),
            )
        ]
        summary.failures.append(Failed(report.nodeid, _rerun(item), violation))
    elif report.failed and isinstance(call.excinfo.value, parallel.NotVerified):
        report.longrepr = str(call.excinfo.value)  # already redacted, and in the summary
    elif report.failed:
        report.longrepr = escaping.lines(redactor.redact(str(report.longrepr)))
        summary.not_verified.append(
            f"{report.nodeid} could not run: {redactor.redact(_first_line(call))}"
        )
    elif report.skipped:
        summary.skipped[_skip_reason(call, report)] += 1
    elif report.when == "call":
        summary.passed += 1
    report.sections = [
        (title, escaping.lines(redactor.redact(content))) for title, content in report.sections
    ]
    return report


@pytest.hookimpl(trylast=True)
def pytest_exception_interact(node: pytest.Item, call: pytest.CallInfo, report) -> None:
    """Keep the violation's own text: other plugins rewrite reports of exception groups."""
    if getattr(report, "contract_violation", False):
        violation = find_violation(call.excinfo.value).shown(node.config.stash[REDACTOR].redact)
        report.longrepr = escaping.lines(violation.text())


def _name_excused(item: pytest.Item, summary: RunSummary) -> None:
    """The answers known drifts matched during this test: named after it, in its JUnit too."""
    entries = {entry.number: entry for entry in summary.drift_entries}
    shown = set()
    for index, excused in enumerate(summary.excused):
        if excused.test:
            continue
        summary.excused[index] = dataclasses.replace(excused, test=item.nodeid)
        if excused.drift not in shown:
            shown.add(excused.drift)
            entry = entries[excused.drift]
            state = "expired, not excused" if excused.expired else "excused"
            item.user_properties.append(
                (
                    "known drift",
                    f"{', '.join(excused.rules)} {state}: known drift {entry.number}, "
                    f"{entry.label}: {entry.reason} "
                    f"(until {entry.until})",
                )
            )


def _skip_reason(call: pytest.CallInfo, report: pytest.TestReport) -> SkipReason:
    """The suite's own skips carry their reason; any other skip (a plugin's, a marker's)
    is a gap, in its own words."""
    error = call.excinfo.value if call.excinfo else None
    if isinstance(error, SuiteSkip):
        return error.reason
    return SkipReason(report.longrepr[2].removeprefix("Skipped: "))


def _first_line(call: pytest.CallInfo) -> str:
    error = call.excinfo.value if call.excinfo else None
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


def _rerun(item: pytest.Item) -> str:
    """The command that runs exactly this test again, from any directory: the interpreter
    that ran it, `-m contract_tests` (from a checkout, with the checkout on PYTHONPATH), the
    test by its absolute path, the same target, profile, seed and every suite option that
    was changed from its default."""
    config, target = item.config, item.config.stash[TARGET]
    # A generated-case test is one item per function, named by schemathesis with brackets
    # that pytest cannot select it by: its function's name selects it.
    test = f"{item.path}::{item.name if hasattr(item, 'callspec') else item.originalname}"
    words = [sys.executable, "-m", "contract_tests", test]
    if target.base_url is not None:
        words.append(f"--base-url={target.base_url}")
    for name, keywords in OPTIONS.items():
        value = option(config, name)
        if name in RUN_ONLY or value in (None, False, keywords.get("default")):
            continue
        if isinstance(value, str) and Path(value).exists():
            value = Path(value).resolve()  # a file named relative to the run's directory
        words.append(f"--{name}" if value is True else f"--{name}={value}")
    words.append(f"--hypothesis-profile={config.stash[SUMMARY].profile}")
    if config.getoption("hypothesis_seed") is not None:
        words.append(f"--hypothesis-seed={config.getoption('hypothesis_seed')}")
    # From a checkout (not installed), the package is importable only with its root on the path.
    installed = SUITE_DIR.parent.name in ("site-packages", "dist-packages")
    path = "" if installed else f"PYTHONPATH={shlex.quote(str(SUITE_DIR.parent))} "
    return path + shlex.join(words)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """xdist's controller: every worker draws from the run's one seed (parallel.py)."""
    node.workerinput[parallel.SEED_KEY] = node.config.getoption("hypothesis_seed")


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """xdist's controller: a finished worker's summary joins the run's (parallel.py)."""
    config, output = node.config, getattr(node, "workeroutput", {})
    config.stash[OTHER_FAILURES] += output.pop(parallel.OTHER_FAILURES_KEY, 0)
    if parallel.SUMMARY_KEY in output:
        data = output.pop(parallel.SUMMARY_KEY)
        config.stash[SUMMARY] = parallel.merged(
            config.stash.get(SUMMARY, None), data, config.stash[STARTED]
        )


def _ran_the_suite(config: pytest.Config) -> bool:
    """Contract tests were collected, to be run (not just listed)."""
    return SUMMARY in config.stash and not config.option.collectonly


def _verdict_status(session: pytest.Session) -> None:
    """The verdict's exit status: 1 only for a broken contract, 4 when nothing was verified."""
    config = session.config
    parallel.hand_over(config, config.stash.get(SUMMARY, None), config.stash[OTHER_FAILURES])
    if not _ran_the_suite(config) or config.stash[OTHER_FAILURES]:
        return
    summary = config.stash[SUMMARY]
    if summary.failures:
        return
    if summary.not_verified or (session.exitstatus == pytest.ExitCode.OK and not summary.passed):
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
    elif summary.fails_the_plan and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    if not _ran_the_suite(config):
        return
    if option(config, "summary-file") and not parallel.is_worker(config):
        path = Path(option(config, "summary-file"))
        path.parent.mkdir(parents=True, exist_ok=True)
        markdown = config.stash[SUMMARY].markdown(config.stash[REDACTOR].redact)
        path.write_text(markdown, encoding="utf-8")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> Iterator[None]:
    """The verdict's exit status first; the summary after everything pytest prints (its
    count included), so that the verdict and what its exit status means end the run."""
    _verdict_status(session)
    result = yield
    config = session.config
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and _ran_the_suite(config) and not parallel.is_worker(config):
        reporter.section("contract summary")
        others = config.stash[OTHER_FAILURES]
        lines = config.stash[SUMMARY].terminal_lines(
            None if others else session.exitstatus, config.stash[REDACTOR].redact
        )
        if others:  # a run of this checkout's own tests beside the suite
            lines.append(
                f"exit {int(session.exitstatus)}: {others} test{'s' if others > 1 else ''} "
                "outside the contract suite failed (pytest's summary above names them)"
            )
        for line in lines:
            reporter.write_line(line)
    return result


# pytest's short-summary letters for what the contract summary lists itself: failed,
# errors (a run that could not verify), skipped.
SUMMARIZED = "fEs"


def _quiet_pytest_detail(config: pytest.Config) -> None:
    """A run of the suite alone prints each failure once, in the summary: pytest's own
    tracebacks and short summary come back with -v (JUnit and --summary-file have all)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    quiet = config.option.verbose <= 0 and config.option.tbstyle == "auto"
    if reporter is None or not quiet or not parallel.runs_suite(config, SUITE_DIR, only=True):
        return
    config.option.tbstyle = "no"
    reporter.reportchars = "".join(c for c in reporter.reportchars if c not in SUMMARIZED)
