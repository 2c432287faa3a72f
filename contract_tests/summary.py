"""The end-of-run summary: what was tested, where, how much, and what broke.

A deploy gate's log is read by someone who did not write the suite; the summary says in a
few lines which environment was tested, how many generated cases each operation got, and
each failure with the rule it broke and a curl that reproduces it (token redacted). The
same summary is written as Markdown with --summary-file, for CI job summaries.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

_RULE = re.compile(r"\b(R[1-6]|time budget)\b")


@dataclass(frozen=True)
class FailureNote:
    test: str
    rules: tuple[str, ...]
    curl: str | None


@dataclass
class RunSummary:
    environment: str
    base_url: str | None = None
    cases: Counter[str] = field(default_factory=Counter)
    failures: list[FailureNote] = field(default_factory=list)
    # Skip reason -> how many tests it skipped.
    skipped: Counter[str] = field(default_factory=Counter)
    passed: int = 0

    def record_case(self, operation_id: str) -> None:
        self.cases[operation_id] += 1

    def record_failure(self, test: str, report_text: str) -> None:
        rules = tuple(dict.fromkeys(_RULE.findall(report_text)))
        # In pytest's report an assertion's lines start with its "E" marker.
        lines = (line.strip().removeprefix("E").strip() for line in report_text.splitlines())
        curl = next((line for line in lines if line.startswith("curl -X ")), None)
        self.failures.append(FailureNote(test, rules, curl))

    @property
    def verdict(self) -> str:
        if self.failures:
            return "the contract is BROKEN"
        if not self.passed:
            return "nothing was verified"
        return "the contract holds" + (
            " (with skipped tests: not verified in full)" if self.skipped else ""
        )

    def _facts(self) -> list[tuple[str, str]]:
        covered = (
            ", ".join(f"{name} ({count})" for name, count in sorted(self.cases.items())) or "none"
        )
        return [
            ("Environment", self.environment),
            ("Base URL", self.base_url or "not started"),
            ("Operations covered (requests sent)", covered),
            ("Cases generated", str(sum(self.cases.values()))),
            (
                "Tests",
                f"{self.passed} passed, {len(self.failures)} failed, {self.skipped.total()} skipped",
            ),
            ("Verdict", self.verdict),
        ]

    def terminal_lines(self) -> list[str]:
        lines = [f"{name}: {value}" for name, value in self._facts()]
        for failure in self.failures:
            lines.append(f"FAILED {failure.test} [{', '.join(failure.rules) or 'no rule named'}]")
            if failure.curl:
                lines.append(f"    {failure.curl}")
        lines += [f"SKIPPED ({count}) {reason}" for reason, count in self.skipped.items()]
        return lines

    def markdown(self) -> str:
        lines = ["# Contract test summary", "", "| | |", "|---|---|"]
        lines += [f"| {name} | {value} |" for name, value in self._facts()]
        if self.failures:
            lines += ["", "## Failures", ""]
            for failure in self.failures:
                lines.append(f"- `{failure.test}`: {', '.join(failure.rules) or 'no rule named'}")
                if failure.curl:
                    lines += ["", "  ```sh", f"  {failure.curl}", "  ```"]
        if self.skipped:
            lines += ["", "## Skipped (not verified)", ""]
            lines += [f"- {count} test(s): {reason}" for reason, count in self.skipped.items()]
        return "\n".join(lines) + "\n"
