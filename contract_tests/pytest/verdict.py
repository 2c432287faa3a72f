"""The run's exit status, decided here only.

    0  the contract holds
    1  the contract is broken (a rule named, with a curl), or --plan-strict and
       requests off the tracking plan
    4  could not verify: a wrong or missing target, an unreachable one, a credential
       problem, or no test ran

`session_status` sets pytest's exit status from the summary when contract tests ran (a
run of this checkout's own tests beside the suite keeps pytest's, when one of those
failed); `command_status` folds pytest's other statuses (interrupted, internal error, no
tests collected, usage error) into 4 for `python -m contract_tests`, which imports this
module before pytest starts: it imports nothing of the suite.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from contract_tests.summary import RunSummary

HOLDS, BROKEN, NOT_VERIFIED = 0, 1, 4


def ran_the_suite(config: pytest.Config, summary: RunSummary | None) -> bool:
    """Contract tests were collected, to be run (not just listed)."""
    return summary is not None and not config.option.collectonly


def session_status(
    session: pytest.Session, summary: RunSummary | None, other_failures: int
) -> None:
    """1 only for a broken contract (or a strict plan), 4 when nothing was verified."""
    if not ran_the_suite(session.config, summary) or other_failures:
        return
    if summary.failures:
        return
    if summary.not_verified or (session.exitstatus == pytest.ExitCode.OK and not summary.passed):
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
    elif summary.fails_the_plan and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def command_status(pytest_status: int) -> int:
    """What `python -m contract_tests` exits with: pytest's statuses folded into three."""
    return pytest_status if pytest_status in (HOLDS, BROKEN) else NOT_VERIFIED
