"""Nothing outside the spec records an event: its paths' writing methods, the listed routes.

The cases come from closed_surface.cases, for the run's `--closed-surface` (gateway, or
service for the unprefixed aliases too). A 2xx fails with the rule "closed surface", named
after the method and route, unless it is HEAD or a preflight's OPTIONS, or a known drift
names the route by its path. Against a mock, no case may add an event to its journal.
"""

from __future__ import annotations

import pytest

from contract_tests import closed_surface
from contract_tests.failures import ContractViolation, Problem
from contract_tests.journal import RecordedEvents
from contract_tests.pytest.options import option
from contract_tests.pytest.run import RUN
from contract_tests.rules import CLOSED_SURFACE
from contract_tests.suite import EVENT_NAME_PARAM, Suite


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    scope = option(metafunc.config, "closed-surface")
    operations = metafunc.config.stash[RUN].operations
    cases = closed_surface.cases(operations, closed_surface.load(), scope)
    metafunc.parametrize("case", cases, ids=[case.id for case in cases])


def test_nothing_outside_the_spec_records_an_event(
    suite: Suite, case: closed_surface.ClosedCase
) -> None:
    operation, credential = case.operation, case.credential
    name = f"closed surface - {case.id}"
    journal = RecordedEvents(suite) if suite.is_mock else None
    since = journal.last_id(name) if journal else 0
    values = {**operation.examples, EVENT_NAME_PARAM: name}
    sent = suite.send(operation, credential, values, headers=case.headers)
    if not case.may_succeed:
        suite.refuse_outside(operation, credential, sent, case.route)
    recorded = journal.named(name, since) if journal else []
    if recorded:
        problem = Problem((CLOSED_SURFACE.id,), "no event in the journal", f"{len(recorded)}")
        raise ContractViolation(operation.operation_id, str(credential), (problem,), sent.curl)
