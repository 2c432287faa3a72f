"""Against a mock only: the journal shows each accepted event exactly as it was sent.

`GET /__mock/events` is the mock's record of what it accepted. Frontend developers read it
to see what their client sent, so it must show the decoded name, every query value in
order (repeated names, empty values, non-ASCII), the user id from the path or the token
and the server name, and nothing at all for a request that was rejected.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from contract_tests.contract import Operation, operations
from contract_tests.rules import REJECTED, Credential, accepted_credentials, accepts, auth_rule
from contract_tests.suite import EVENT_NAME_PARAM, Suite, pick

names = st.text(min_size=1, max_size=40)
query_items = st.lists(st.tuples(st.text(max_size=12), st.text(max_size=12)), max_size=6)
# Repeated names are the interesting case, so some lists reuse one name.
queries = st.one_of(
    query_items,
    st.builds(lambda name, values: [(name, v) for v in values], names, st.lists(st.text())),
)
# What this module exists for (a repeated name, an empty value, reserved characters, `+`,
# non-ASCII), sent first for each operation on every run, whatever hypothesis draws.
SENT_AS_IS = {
    "name": "contract-tests + journal / 100% é",
    "other": "a/b c+ü",
    "query": [("a", "1"), ("a", ""), ("a", "1"), ("é x+", "ü&=/")],
}


def for_each_operation_sent_as_is(test):
    for operation in operations():
        test = example(operation=operation, **SENT_AS_IS)(test)
    return test


class Journal:
    def __init__(self, suite: Suite) -> None:
        self.suite = suite

    def events(self, event_name: str, since: int = 0) -> list[dict[str, Any]]:
        response = self.suite.http.get(
            f"{self.suite.base_url}/__mock/events",
            params={"eventName": event_name, "since": str(since)},
        )
        response.raise_for_status()
        return response.json()["events"]

    def last_id(self, event_name: str) -> int:
        return max((event["id"] for event in self.events(event_name)), default=0)


@pytest.fixture(scope="session")
def journal(suite: Suite) -> Journal:
    if not suite.is_mock:
        pytest.skip(
            "the target keeps no journal (GET /__mock/events): journal checks run against a mock only"
        )
    return Journal(suite)


def path_values(operation: Operation, name: str, other: str) -> dict[str, str]:
    return {param: name if param == EVENT_NAME_PARAM else other for param in operation.path_params}


def in_order(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


@for_each_operation_sent_as_is
@given(operation=st.sampled_from(operations()), name=names, other=names, query=queries)
def test_each_accepted_event_is_recorded_exactly_as_sent(
    journal: Journal,
    suite: Suite,
    operation: Operation,
    name: str,
    other: str,
    query: list[tuple[str, str]],
) -> None:
    credential = pick(suite.usable(accepted_credentials(operation)), {"name": name})
    before = journal.last_id(name)
    response, curl = suite.send(
        operation, path_values(operation, name, other), suite.tokens.header_for(credential), query
    )
    assert response.status_code == operation.success_status, (
        f"{auth_rule(operation)}\nReproduce with:\n  {curl}"
    )

    recorded = journal.events(name, since=before)
    assert len(recorded) == 1, (
        f"R4, R5: expected one recorded event, got {recorded}\nReproduce with:\n  {curl}"
    )
    event = recorded[0]
    assert event.get("operationId") == operation.operation_id, (
        f"R4, R5: recorded as {event}\n  {curl}"
    )
    assert event.get("query") == in_order(query), (
        f"R4: query recorded not as sent: {event}\n  {curl}"
    )
    sent_names = {
        param: other for param in ("userId", "serverName") if param in operation.path_params
    }
    sent_names["eventName"] = name
    assert {key: event.get(key) for key in sent_names} == sent_names, (
        f"R5: names recorded not as sent: {event}\n  {curl}"
    )
    if credential is Credential.USER and "userId" not in operation.path_params:
        # The token's user; any user when the token came from the environment (no login named it).
        user_id = event.get("userId")
        message = f"R2: the user id comes from the token, recorded {user_id!r}\n  {curl}"
        assert user_id and user_id == (suite.tokens.user_id or user_id), message


REJECTED_REQUESTS = [
    pytest.param(operation, credential, id=f"{operation.operation_id}-{credential.name.lower()}")
    for operation in operations()
    for credential in Credential
    if not accepts(operation, credential)
]


@pytest.mark.parametrize(("operation", "credential"), REJECTED_REQUESTS)
def test_a_rejected_request_records_nothing(
    journal: Journal, suite: Suite, operation: Operation, credential
) -> None:
    headers = suite.require(credential)
    name = f"contract-tests - rejected - {operation.operation_id} - {credential}"
    before = journal.last_id(name)
    response, curl = suite.send(
        operation, path_values(operation, name, "contract-tests"), headers, [("a", "1")]
    )
    assert response.status_code == REJECTED, f"{auth_rule(operation)}\nReproduce with:\n  {curl}"
    assert journal.events(name, since=before) == [], (
        f"{auth_rule(operation)}: a rejected event was recorded\n  {curl}"
    )
