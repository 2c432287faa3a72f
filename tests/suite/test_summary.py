"""The terminal summary stays short whatever broke, and names a cause every answer shared."""

from __future__ import annotations

from contract_tests.failures import Problem, Violation
from contract_tests.summary import BROKEN, Failed, RunSummary
from contract_tests.summary_text import EXIT_MEANINGS, MAX_SHOWN, terminal_lines


def failed(operation: str, got: str = "500", test: str = "test_x") -> Failed:
    problem = Problem(("R5",), "200", got)
    return Failed(test, f"rerun {test}", Violation(operation, "no token", (problem,), "curl x"))


def a_summary() -> RunSummary:
    return RunSummary(environment="qa2", spec="Metrics 1.0", profile="ci", seed="7")


def test_failures_that_say_the_same_are_one_entry() -> None:
    summary = a_summary()
    summary.failures += [failed("Op", test=f"test_{n}") for n in range(3)] + [failed("Other")]

    lines = terminal_lines(summary, 1)

    entries = [line for line in lines if line.startswith("FAILED ")]
    assert entries == [
        "FAILED Op with no token: expected 200, got 500 (3 tests alike) [R5]",
        "FAILED Other with no token: expected 200, got 500 [R5]",
    ]
    assert lines.count("    rerun: rerun test_0") == 1 and "    rerun: rerun test_1" not in lines


def test_however_many_distinct_failures_the_list_is_bounded() -> None:
    summary = a_summary()
    summary.failures += [failed(f"Op{n}") for n in range(MAX_SHOWN * 3)]

    lines = terminal_lines(summary, 1)

    assert sum(line.startswith("FAILED ") for line in lines) == MAX_SHOWN
    assert f"... and {MAX_SHOWN * 2} more distinct failures ({MAX_SHOWN * 2} tests)" in "\n".join(
        lines
    )
    assert lines[-2:] == [f"Verdict: {BROKEN}", EXIT_MEANINGS[1]]


def test_a_cause_every_answer_shared_is_one_line() -> None:
    summary = a_summary()
    for answer in ("500", "503", "500"):
        summary.record_answer(answer)
    assert summary.common_cause() == "every request was answered 500 or 503: is the service up?"

    refused = a_summary()
    refused.record_answer("ConnectionError")
    assert refused.common_cause() == "every request was refused or cut off: is the service up?"


def test_no_cause_is_claimed_when_answers_differ() -> None:
    mixed = a_summary()
    for answer in ("500", "200"):
        mixed.record_answer(answer)
    assert mixed.common_cause() is None


def test_a_cause_is_claimed_beside_tests_that_pass_whatever_the_service_does() -> None:
    """The closed surface's tests pass on a service that answers 500 to everything (no
    2xx); every request was still answered 500, and the line says so."""
    some_passed = a_summary()
    some_passed.record_answer("500")
    some_passed.passed = 1
    assert some_passed.common_cause() == "every request was answered 500: is the service up?"
