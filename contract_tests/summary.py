"""The end-of-run summary as data: what was tested, where, how much, the verdict, what broke.

A deploy gate's log is read by someone who did not write the suite; the summary says which
environment and contract were tested, with which profile and seed, how many cases each
operation and credential got, the verdict, and for each failure the rules it broke, a
curl that reproduces it (token redacted) and the command that reruns exactly that test.
The failures come as data (failures.Violation), never parsed back out of report text.
summary_text.py shows it in the terminal and as Markdown (--summary-file).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import NoReturn

import pytest

from contract_tests.environments import IN_PROCESS_MOCK
from contract_tests.failures import Violation

HOLDS = "the contract holds"
BROKEN = "the contract is BROKEN"
NOTHING = "not verified: no contract test ran"
# An answer every request got, by what it suggests (an error's name where no answer came).
_ALIKE = {
    "404": "every request was answered 404: is the base URL right? A path after the host "
    "(such as /metrics) puts every request under it",
    "401": "every request was answered 401: are the tokens for this environment, and of "
    "the kind each variable names?",
    "ConnectionError": "every request was refused or cut off: is the service up?",
    "ReadTimeout": "every request timed out: is the service up, or stuck?",
    "ConnectTimeout": "every connection timed out: is the host right and reachable?",
}


@dataclass(frozen=True)
class SkipReason:
    """Why tests were skipped, and whether that leaves a gap in what the verdict covers
    (a kind of token not given) or not (a check that does not apply to this target)."""

    text: str
    gap: bool = True

    def __str__(self) -> str:
        return self.text if self.gap else f"not applicable: {self.text}"


class SuiteSkip(pytest.skip.Exception):
    """pytest's skip, carrying its reason as data for the summary."""

    def __init__(self, reason: SkipReason) -> None:
        super().__init__(str(reason))
        self.reason = reason


def skip(text: str, *, gap: bool) -> NoReturn:
    raise SuiteSkip(SkipReason(text, gap))


@dataclass(frozen=True)
class Failed:
    test: str
    rerun: str
    violation: Violation


@dataclass(frozen=True)
class DriftEntry:
    """An entry of the known-drifts file, as the summary shows it (drifts.Drift as data)."""

    number: int
    label: str
    reason: str
    until: str
    expired: bool


@dataclass(frozen=True)
class Excused:
    """One answer that an entry matched: excused, or failed since the entry expired."""

    drift: int
    expired: bool
    rules: tuple[str, ...]
    curl: str
    # The node id of the test that sent the request.
    test: str


@dataclass
class RunSummary:
    environment: str
    spec: str
    profile: str
    seed: str
    base_url: str | None = None
    # (operation id, credential) -> requests sent.
    cases: Counter[tuple[str, str]] = field(default_factory=Counter)
    # Status (as text), or the error's name when no answer came -> how many requests got it.
    answers: Counter[str] = field(default_factory=Counter)
    failures: list[Failed] = field(default_factory=list)
    # Why nothing could be verified (credentials, unreachable, an error of the suite).
    not_verified: list[str] = field(default_factory=list)
    # Skip reason -> how many tests it skipped.
    skipped: Counter[SkipReason] = field(default_factory=Counter)
    passed: int = 0
    # The known-drifts file's entries, and the answers they matched.
    drift_entries: list[DriftEntry] = field(default_factory=list)
    excused: list[Excused] = field(default_factory=list)
    # Lines about the run's inputs that the reader should see (what a replay sent).
    notes: list[str] = field(default_factory=list)
    # --plan: each replayed request off the tracking plan, one line each; with
    # --plan-strict they make a run whose contract holds exit 1 (plan_check.py).
    off_plan: list[str] = field(default_factory=list)
    plan_strict: bool = False
    started: float = field(default_factory=time.monotonic)

    def record_case(self, operation_id: str, credential: str) -> None:
        self.cases[operation_id, credential] += 1

    def record_answer(self, answer: str) -> None:
        self.answers[answer] += 1

    def common_cause(self) -> str | None:
        """One line when every request was answered alike (all 5xx, all 404, all 401,
        all refused, all timed out), named even beside tests that passed: those that
        expect such an answer (a 401, or no 2xx from the closed surface) pass whatever
        the service does, and a service that keeps the contract answers 200 to some."""
        only = next(iter(self.answers)) if len(self.answers) == 1 else None
        if not self.answers:
            return None
        if all(answer.isdigit() and int(answer) >= 500 for answer in self.answers):
            statuses = " or ".join(sorted(self.answers))
            return f"every request was answered {statuses}: is the service up?"
        return _ALIKE.get(only or "")

    @property
    def verdict(self) -> str:
        if self.failures:
            return BROKEN
        if self.not_verified:
            return f"not verified: {self.not_verified[0]}"
        if not self.passed:
            return NOTHING
        gaps = sum(n for reason, n in self.skipped.items() if reason.gap)
        holds = HOLDS
        if self.environment == IN_PROCESS_MOCK:
            holds += " in the in-process mock (no service was tested)"
        excused = len({e.drift for e in self.excused if not e.expired})
        if excused:
            holds += f", except {excused} known drift{'s' if excused > 1 else ''}"
        if gaps:
            holds += f" for what ran ({gaps} tests skipped: not verified in full)"
        if self.fails_the_plan:
            off = len(self.off_plan)
            holds += f"; {off} request{'s' if off > 1 else ''} off the plan"
        return holds

    @property
    def fails_the_plan(self) -> bool:
        """--plan-strict, and requests off the plan: exit 1 though the contract holds."""
        return self.plan_strict and bool(self.off_plan)

    def drift_lines(self) -> list[tuple[str, str | None]]:
        """Per entry: a line saying what became of it, and an example request (or None)."""
        lines: list[tuple[str, str | None]] = []
        for entry in self.drift_entries:
            matched = [e for e in self.excused if e.drift == entry.number]
            rules = ", ".join(dict.fromkeys(rule for e in matched for rule in e.rules))
            tests = len({e.test for e in matched})
            seen = f"{len(matched)} answers in {tests} tests"
            name = f"known drift {entry.number}"
            if entry.expired:
                line = f"EXPIRED {name} (until {entry.until}): it excuses nothing now: " + (
                    f"{rules} failed ({seen})" if matched else "not seen this run"
                )
            elif matched:
                line = f"KNOWN DRIFT {entry.number} [{rules}] ({seen}): {entry.reason} (until {entry.until})"
            else:
                line = f"NOT SEEN this run: {name}: remove it when the service is fixed"
            example = min((e.curl for e in matched), key=len, default=None)
            lines.append((f"{line}; it matches {entry.label}", example))
        return lines

    def facts(self) -> list[tuple[str, str]]:
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
            # With every metrics request, a failing case's second and third sending included.
            ("Cases generated", f"{self.cases.total()} ({self.answers.total()} requests sent)"),
            (
                "Tests",
                f"{self.passed} passed, {len(self.failures)} failed, {self.skipped.total()} skipped",
            ),
            ("Verdict", self.verdict),
        ]
