"""The summary shown: in the terminal, last and short whatever broke, and as Markdown.

In the terminal it is the last thing printed: failures that say the same thing (same
operation, credential, rules, expected and got) are one entry with one curl and one
rerun, at most MAX_SHOWN entries are listed, and when every answer failed the same way
one line names the likely cause instead of letting the reader infer it from dozens of
entries. The verdict and what its exit status means are the last lines. The Markdown
(--summary-file, for CI job summaries) lists every failure.

Every line passes through the run's redactor, then the escaper (escaping.py): a target
or a HAR controls bodies, Locations, paths and methods that failures quote, and a token
it reflects, or an escape sequence, Markdown or HTML it sends, must not reach the reader
as such. Each terminal line is one line; each Markdown value is text.
"""

from __future__ import annotations

from collections.abc import Callable

from contract_tests.environments import IN_PROCESS_MOCK
from contract_tests.escaping import markdown_text, one_line
from contract_tests.failures import Violation
from contract_tests.summary import Failed, RunSummary

# The run's redactor (redaction.Redactor.redact); `str` where none is known.
Redact = Callable[[str], str]
# Distinct failures listed in the terminal; the rest are counted (all are in the files).
MAX_SHOWN = 20
# What each exit status of a suite run tells the person reading it.
EXIT_MEANINGS = {
    0: "exit 0: the contract holds; deploy",
    1: "exit 1: the service broke the rules named above; each entry has a curl and a rerun",
    4: "exit 4: nothing was decided; fix what the verdict names, the service is not to blame",
}
OFF_PLAN_EXIT = (
    "exit 1: the contract holds, but the client sent requests off the tracking plan "
    "(--plan-strict); the OFF PLAN lines above name them"
)
# What exit 0 means when no service was tested.
IN_PROCESS_HOLDS = (
    "exit 0: the contract holds in the in-process mock only; no service was tested: "
    "give --env NAME or --base-url URL (make contract ENV=...) to judge one"
)


def terminal_lines(
    summary: RunSummary, exit_status: int | None = None, redact: Redact = str
) -> list[str]:
    """The facts, the failures grouped, what was skipped; the verdict and its exit last,
    each line redacted and escaped."""
    return [one_line(redact(line)) for line in _terminal_lines(summary, exit_status)]


def _terminal_lines(summary: RunSummary, exit_status: int | None) -> list[str]:
    facts = summary.facts()
    lines = [f"{name}: {value}" for name, value in facts[:-1]]
    lines += [f"NOTE {note}" for note in summary.notes]
    groups = grouped(summary.failures)
    for failures in groups[:MAX_SHOWN]:
        first = failures[0]
        alike = f" ({len(failures)} tests alike)" if len(failures) > 1 else ""
        lines.append(f"FAILED {_said(first.violation)}{alike} [{_rules(first.violation)}]")
        lines.append(f"    {first.violation.curl}")
        lines.append(f"    rerun: {first.rerun}")
    if len(groups) > MAX_SHOWN:
        hidden = sum(len(failures) for failures in groups[MAX_SHOWN:])
        lines.append(
            f"... and {len(groups) - MAX_SHOWN} more distinct failures ({hidden} tests): "
            "-v, --junitxml or --summary-file list every one"
        )
    for line, example in summary.drift_lines():
        lines += [line, *([f"    e.g. {example}"] if example else [])]
    lines += [f"NOT VERIFIED {reason}" for reason in summary.not_verified[1:]]
    lines += [f"SKIPPED ({count}) {reason}" for reason, count in summary.skipped.items()]
    lines += [f"OFF PLAN {line}" for line in summary.off_plan]
    cause = summary.common_cause()
    if cause:
        lines.append(cause[:1].upper() + cause[1:])
    lines.append(f"{facts[-1][0]}: {facts[-1][1]}")
    if exit_status == 1 and not summary.failures and summary.fails_the_plan:
        lines.append(OFF_PLAN_EXIT)
    elif exit_status == 0 and summary.environment == IN_PROCESS_MOCK:
        lines.append(IN_PROCESS_HOLDS)
    elif exit_status in EXIT_MEANINGS:
        lines.append(EXIT_MEANINGS[exit_status])
    return lines


def markdown(summary: RunSummary, redact: Redact = str) -> str:
    """The summary as Markdown: every value redacted and shown as text, every line of
    a code block redacted and escaped (a block's lines start with two spaces, never
    with its fence)."""

    def text(value: object) -> str:
        return markdown_text(redact(str(value)))

    def code(*commands: str) -> list[str]:
        return ["", "  ```sh", *(f"  {one_line(redact(c))}" for c in commands), "  ```"]

    lines = ["# Contract test summary", "", "| | |", "|---|---|"]
    lines += [f"| {name} | {text(value)} |" for name, value in summary.facts()]
    if summary.notes:
        lines += ["", "## Notes", ""]
        lines += [f"- {text(note)}" for note in summary.notes]
    cause = summary.common_cause()
    if cause:
        lines += ["", text(cause[:1].upper() + cause[1:])]
    if summary.failures:
        lines += ["", "## Failures", ""]
        for failure in summary.failures:
            violation = failure.violation
            lines.append(f"- {text(failure.test)}: {text(_rules(violation))}")
            lines += [
                f"  - {text(', '.join(p.rules))}: expected {text(p.expected)}, got {text(p.got)}"
                for p in violation.problems
            ]
            lines += code(violation.curl, failure.rerun)
    if summary.drift_entries:
        lines += ["", "## Known drifts", ""]
        for line, example in summary.drift_lines():
            lines.append(f"- {text(line)}")
            lines += code(example) if example else []
    if summary.not_verified:
        lines += ["", "## Not verified", ""]
        lines += [f"- {text(reason)}" for reason in summary.not_verified]
    if summary.off_plan:
        lines += ["", "## Off the tracking plan", ""]
        lines += [f"- {text(line)}" for line in summary.off_plan]
    if summary.skipped:
        lines += ["", "## Skipped (not verified)", ""]
        lines += [f"- {count} test(s): {text(reason)}" for reason, count in summary.skipped.items()]
    return "\n".join(lines) + "\n"


def grouped(failures: list[Failed]) -> list[list[Failed]]:
    """Failures that say the same thing, together, in the order they first came."""
    groups: dict[tuple, list[Failed]] = {}
    for failure in failures:
        violation = failure.violation
        key = (violation.operation_id, violation.credential, violation.problems)
        groups.setdefault(key, []).append(failure)
    return list(groups.values())


def _said(violation: Violation) -> str:
    problems = "; ".join(f"expected {p.expected}, got {p.got}" for p in violation.problems)
    return f"{violation.operation_id} with {violation.credential}: {problems}"


def _rules(violation: Violation) -> str:
    rules = ", ".join(violation.rules)
    return f"{rules}; {violation.attempts}" if violation.intermittent else rules
