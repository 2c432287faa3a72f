"""A broken rule as data: which rules, what was expected, what came, and the request.

Every check of the suite (generated cases, the auth matrix, the named edges, the journal)
raises `ContractViolation`; the plugin reads its fields for the terminal summary, the
Markdown summary and JUnit, so no reporter recovers a rule from the wording of a message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one answer, and the rules it breaks."""

    rules: tuple[str, ...]
    expected: str
    got: str


@dataclass(frozen=True)
class Attempts:
    """How often the same request broke the contract when it was sent again."""

    failed: int
    sent: int

    @property
    def intermittent(self) -> bool:
        return self.failed < self.sent

    def __str__(self) -> str:
        return f"intermittent: {self.failed} of {self.sent} attempts"


class ContractViolation(AssertionError):
    """Raised by a test when an answer breaks the contract; carries the facts, not prose."""

    def __init__(
        self,
        operation_id: str,
        credential: str,
        problems: tuple[Problem, ...],
        curl: str,
        attempts: Attempts | None = None,
    ) -> None:
        self.facts = Violation(operation_id, credential, problems, curl, attempts)
        super().__init__(self.facts.text())


@dataclass(frozen=True)
class Violation:
    operation_id: str
    credential: str
    problems: tuple[Problem, ...]
    curl: str
    attempts: Attempts | None = None

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(rule for problem in self.problems for rule in problem.rules))

    @property
    def intermittent(self) -> bool:
        return self.attempts is not None and self.attempts.intermittent

    def with_attempts(self, attempts: Attempts) -> Violation:
        return replace(self, attempts=attempts)

    def shown(self, redact: Callable[[str], str]) -> Violation:
        """This violation with what the target chose (what came, the request) redacted."""
        problems = tuple(
            replace(p, expected=redact(p.expected), got=redact(p.got)) for p in self.problems
        )
        return replace(self, problems=problems, curl=redact(self.curl))

    def text(self) -> str:
        heading = f"{', '.join(self.rules)}: {self.operation_id} with {self.credential}"
        if self.intermittent:
            heading += f" ({self.attempts})"
        lines = [heading]
        lines += [
            f"- {', '.join(p.rules)}: expected {p.expected}, got {p.got}" for p in self.problems
        ]
        lines.append(f"Reproduce with:\n  {self.curl}")
        return "\n".join(lines)


def find_violation(error: BaseException) -> Violation | None:
    """The first violation in `error`, looking inside exception groups (Hypothesis's Flaky).

    A group that Hypothesis raised because a failure did not happen again on replay is an
    intermittent answer: one more attempt that passed.
    """
    if isinstance(error, ContractViolation):
        return error.facts
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            found = find_violation(inner)
            if found is not None:
                if _is_flaky(error) and not found.intermittent:
                    failed = found.attempts.failed if found.attempts else 1
                    sent = found.attempts.sent if found.attempts else 1
                    found = found.with_attempts(Attempts(failed, sent + 1))
                return found
    return None


def _is_flaky(group: BaseExceptionGroup) -> bool:
    from hypothesis.errors import FlakyFailure

    return isinstance(group, FlakyFailure)
