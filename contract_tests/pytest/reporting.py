"""Each test's report: redacted, a contract violation as its own text and data.

A violation (failures.Violation) reaches the summary and JUnit's properties as data; any
other failure of a contract test is a reason the run could not verify; a skip counts with
its reason; every section of every report passes through the run's redactor and escaper.
A run of the suite alone prints each failure once, in the summary: pytest's own
tracebacks and short summary come back with -v (JUnit and --summary-file have all).
The contract summary is the last thing printed, after pytest's own count, so that the
verdict and what its exit status means end the run; `--summary-file` writes it as
Markdown (never on a worker).
"""

from __future__ import annotations

from itertools import takewhile
from pathlib import Path

import pytest

from contract_tests import escaping, parallel, summary_text
from contract_tests.failures import find_violation
from contract_tests.pytest.options import option
from contract_tests.pytest.rerun import rerun_command
from contract_tests.pytest.run import Run
from contract_tests.pytest.verdict import ran_the_suite
from contract_tests.summary import Excused, Failed, RunSummary, SkipReason, SuiteSkip

# pytest's short-summary letters for what the contract summary lists itself: failed,
# errors (a run that could not verify), skipped.
SUMMARIZED = "fEs"


def report(item: pytest.Item, call: pytest.CallInfo, report: pytest.TestReport, run: Run) -> None:
    """Redact `report` of a contract test; turn a contract violation into its own text and data."""
    redactor, summary = run.redactor, run.summary
    if report.when == "call":
        item.user_properties += _known_drifts_matched(item.nodeid, summary)
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
        summary.failures.append(Failed(report.nodeid, rerun_command(item, run), violation))
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


def keep_violation_text(node: pytest.Item, call: pytest.CallInfo, report, run: Run) -> None:
    """Keep the violation's own text: other plugins rewrite reports of exception groups."""
    if getattr(report, "contract_violation", False):
        violation = find_violation(call.excinfo.value).shown(run.redactor.redact)
        report.longrepr = escaping.lines(violation.text())


def _known_drifts_matched(test: str, summary: RunSummary) -> list[tuple[str, str]]:
    """Each known drift that matched answers of this test, once, as JUnit properties. The
    suite records each match with the test's node id; this test's are the last ones."""
    newest_first = takewhile(lambda excused: excused.test == test, reversed(summary.excused))
    first_met: dict[int, Excused] = {}
    for excused in reversed(list(newest_first)):
        first_met.setdefault(excused.drift, excused)
    entries = {entry.number: entry for entry in summary.drift_entries}
    properties = []
    for excused in first_met.values():
        entry = entries[excused.drift]
        state = "expired, not excused" if excused.expired else "excused"
        properties.append(
            (
                "known drift",
                f"{', '.join(excused.rules)} {state}: known drift {entry.number}, "
                f"{entry.label}: {entry.reason} (until {entry.until})",
            )
        )
    return properties


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


def quiet_pytest_detail(config: pytest.Config, runs_suite_only: bool) -> None:
    """In a run of the suite alone, no pytest traceback or short summary unless -v."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    quiet = config.option.verbose <= 0 and config.option.tbstyle == "auto"
    if reporter is None or not quiet or not runs_suite_only:
        return
    config.option.tbstyle = "no"
    reporter.reportchars = "".join(c for c in reporter.reportchars if c not in SUMMARIZED)


def write_summary_file(config: pytest.Config, run: Run) -> None:
    if not ran_the_suite(config, run.summary) or parallel.is_worker(config):
        return
    if option(config, "summary-file"):
        path = Path(option(config, "summary-file"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(summary_text.markdown(run.summary, run.redactor.redact), encoding="utf-8")


def print_summary(session: pytest.Session, run: Run) -> None:
    config = session.config
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or not ran_the_suite(config, run.summary) or parallel.is_worker(config):
        return
    reporter.section("contract summary")
    others = run.other_failures
    status = None if others else session.exitstatus
    lines = summary_text.terminal_lines(run.summary, status, run.redactor.redact)
    if others:  # a run of this checkout's own tests beside the suite
        lines.append(
            f"exit {int(session.exitstatus)}: {others} test{'s' if others > 1 else ''} "
            "outside the contract suite failed (pytest's summary above names them)"
        )
    for line in lines:
        reporter.write_line(line)
