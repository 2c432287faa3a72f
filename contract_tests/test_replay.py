"""With `--replay FILE.har`: each recorded Metrics API request, sent again as recorded and judged.

Collected only when the option is given (pytest/plugin.py, pytest_ignore_collect). The cases come
from replay.plan, one per recorded request, named after it (entry number, method, path and
query as recorded); a request the spec does not accept reports why and fails nothing.
"""

from __future__ import annotations

import pytest

from contract_tests.journal import RecordedEvents, check_recorded_as_sent
from contract_tests.pytest.run import RUN
from contract_tests.replay import ReplayCase
from contract_tests.suite import Suite
from contract_tests.summary import skip


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    cases = metafunc.config.stash[RUN].replay.cases
    metafunc.parametrize("replayed", cases, ids=[case.name for case in cases])


def test_a_recorded_request_keeps_the_contract(suite: Suite, replayed: ReplayCase) -> None:
    if replayed.outside is not None:
        skip(f"a consumer outside the contract: {replayed.name}: {replayed.outside}", gap=False)
    operation, credential = replayed.operation, replayed.credential
    journal = RecordedEvents(suite) if suite.is_mock else None
    expected = replayed.as_sent(operation)
    since = journal.last_id(expected.event_name) if journal else 0
    sent = suite.send_as_recorded(operation, credential, replayed.recorded.target)
    suite.judge(operation, credential, sent)
    if journal is not None and operation.is_success(sent.response.status_code):
        check_recorded_as_sent(journal, expected, since, operation, credential, sent)
