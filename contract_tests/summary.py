"""The end-of-run summary: what was tested, where, how much, the verdict and what broke.

A deploy gate's log is read by someone who did not write the suite; the summary says which
environment and contract were tested, with which profile and seed, how many cases each
operation and credential got, the verdict, and for each failure the rules it broke, a
curl that reproduces it (token redacted) and the command that reruns exactly that test.
The failures come as data (failures.Violation), never parsed back out of report text. The
same summary is written as Markdown with --summary-file, for CI job summaries.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from contract_tests.failures import Violation

HOLDS = "the contract holds"
BROKEN = "the contract is BROKEN"
NOTHING = "not verified: no contract test ran"
# A skip reason that starts so is a check that does not apply to this target (the journal
# of a real environment), not a gap in what was verified.
NOT_APPLICABLE = "not applicable"


@dataclass(frozen=True)
class Failed:
    test: str
    rerun: str
    violation: Violation


@dataclass
class RunSummary:
    environment: str
    spec: str
    profile: str
    seed: str
    base_url: str | None = None
    # (operation id, credential) -> requests sent.
    cases: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: list[Failed] = field(default_factory=list)
    # Why nothing could be verified (credentials, unreachable, an error of the suite).
    not_verified: list[str] = field(default_factory=list)
    # Skip reason -> how many tests it skipped.
    skipped: Counter[str] = field(default_factory=Counter)
    passed: int = 0
    started: float = field(default_factory=time.monotonic)

    def record_case(self, operation_id: str, credential: str) -> None:
        self.cases[operation_id, credential] += 1

    @property
    def verdict(self) -> str:
        if self.failures:
            return BROKEN
        if self.not_verified:
            return f"not verified: {self.not_verified[0]}"
        if not self.passed:
            return NOTHING
        gaps = sum(n for reason, n in self.skipped.items() if not reason.startswith(NOT_APPLICABLE))
        if gaps:
            return f"{HOLDS} for what ran ({gaps} tests skipped: not verified in full)"
        return HOLDS

    def _facts(self) -> list[tuple[str, str]]:
        covered = ", ".join(
            f"{operation} with {credential} ({count})"
            for (operation, credential), count in sorted(self.cases.items())
        )
        return [
            ("Environment", self.environment),
            ("Base URL", self.base_url or "not started"),
            ("Spec", self.spec),
            ("Profile", self.profile),
            ("Seed", self.seed),
            ("Duration", f"{time.monotonic() - self.started:.1f} s"),
            ("Cases per operation and credential", covered or "none"),
            ("Cases generated", str(self.cases.total())),
            (
                "Tests",
                f"{self.passed} passed, {len(self.failures)} failed, {self.skipped.total()} skipped",
            ),
            ("Verdict", self.verdict),
        ]

    def terminal_lines(self) -> list[str]:
        lines = [f"{name}: {value}" for name, value in self._facts()]
        for failure in self.failures:
            lines.append(f"FAILED {failure.test} [{_rules(failure.violation)}]")
            lines.append(f"    {failure.violation.curl}")
            lines.append(f"    rerun: {failure.rerun}")
        lines += [f"NOT VERIFIED {reason}" for reason in self.not_verified[1:]]
        lines += [f"SKIPPED ({count}) {reason}" for reason, count in self.skipped.items()]
        return lines

    def markdown(self) -> str:
        lines = ["# Contract test summary", "", "| | |", "|---|---|"]
        lines += [f"| {name} | {value} |" for name, value in self._facts()]
        if self.failures:
            lines += ["", "## Failures", ""]
            for failure in self.failures:
                violation = failure.violation
                lines.append(f"- `{failure.test}`: {_rules(violation)}")
                lines += [
                    f"  - {', '.join(p.rules)}: expected {p.expected}, got {p.got}"
                    for p in violation.problems
                ]
                lines += ["", "  ```sh", f"  {violation.curl}", f"  {failure.rerun}", "  ```"]
        if self.not_verified:
            lines += ["", "## Not verified", ""]
            lines += [f"- {reason}" for reason in self.not_verified]
        if self.skipped:
            lines += ["", "## Skipped (not verified)", ""]
            lines += [f"- {count} test(s): {reason}" for reason, count in self.skipped.items()]
        return "\n".join(lines) + "\n"


def _rules(violation: Violation) -> str:
    rules = ", ".join(violation.rules)
    return f"{rules}; {violation.attempts}" if violation.intermittent else rules
