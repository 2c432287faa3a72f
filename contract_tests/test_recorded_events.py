"""Against a mock only: the journal shows each accepted event exactly as it was sent.

`GET /__mock/events` is the mock's record of what it accepted. Frontend developers read it
to see what their client sent, so it must show the decoded name, every query value in
order (repeated names, empty values, non-ASCII), the user id from the path or the token
and the server name, and nothing at all for a request that was rejected.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from contract_tests.credentials import Credential
from contract_tests.journal import RecordedEvents, in_order, masked_like, recorded_wrongly
from contract_tests.pytest.run import being_collected
from contract_tests.rules import R4, R5, accepted_credentials, accepts, auth_rule
from contract_tests.spec import Operation
from contract_tests.suite import EVENT_NAME_PARAM, Suite
from contract_tests.summary import skip

names = st.text(min_size=1, max_size=40)
query_items = st.lists(st.tuples(st.text(max_size=12), st.text(max_size=12)), max_size=6)
# Repeated names are the interesting case, so some lists reuse one name.
queries = st.one_of(
    query_items,
    st.builds(lambda name, values: [(name, v) for v in values], names, st.lists(st.text())),
)
OPERATIONS = being_collected().operations
ACCEPTED = [
    (operation, credential)
    for operation in OPERATIONS
    for credential in accepted_credentials(operation)
]
# What this module exists for (a repeated name, an empty value, reserved characters, `+`,
# non-ASCII), sent first for each operation and credential on every run.
SENT_AS_IS = {
    "name": "contract-tests + journal / 100% é",
    "other": "a/b c+ü",
    "query": [("a", "1"), ("a", ""), ("a", "1"), ("é x+", "ü&=/")],
}


def for_each_accepted_credential_sent_as_is(test):
    for accepted in ACCEPTED:
        test = example(accepted=accepted, **SENT_AS_IS)(test)
    return test


@pytest.fixture(scope="session")
def recorded(suite: Suite) -> RecordedEvents:
    if not suite.is_mock:
        skip(
            "the target keeps no journal (GET /__mock/events); "
            "journal checks run against a mock only",
            gap=False,
        )
    return RecordedEvents(suite)


def path_values(operation: Operation, name: str, other: str) -> dict[str, str]:
    return {param: name if param == EVENT_NAME_PARAM else other for param in operation.path_params}


@for_each_accepted_credential_sent_as_is
@given(accepted=st.sampled_from(ACCEPTED), name=names, other=names, query=queries)
def test_each_accepted_event_is_recorded_exactly_as_sent(
    recorded: RecordedEvents,
    suite: Suite,
    accepted: tuple[Operation, Credential],
    name: str,
    other: str,
    query: list[tuple[str, str]],
) -> None:
    operation, credential = accepted
    before = recorded.last_id(name)
    sent = suite.expect(operation, credential, path_values(operation, name, other), query)

    events = recorded.named(name, since=before)
    if len(events) != 1:
        raise recorded_wrongly(operation, credential, sent, R5, "one event", events)
    event = events[0]
    expected = {
        "operationId": operation.operation_id,
        "eventName": name,
        **{param: other for param in ("userId", "serverName") if param in operation.path_params},
    }
    shown = {key: event.get(key) for key in expected}
    if shown != expected:
        raise recorded_wrongly(operation, credential, sent, R5, expected, shown)
    # A credential-named value (`?apikey=`) the mock shows masked, as journal.py takes it.
    expected_query = masked_like(in_order(query), event.get("query"))
    if event.get("query") != expected_query:
        raise recorded_wrongly(operation, credential, sent, R4, expected_query, event.get("query"))
    # With a user token and no user in the path, the token's user, as the auth service
    # named it when the suite checked the token.
    by_token = credential is Credential.USER and "userId" not in operation.path_params
    if by_token and event.get("userId") != suite.tokens.user_id:
        rule = auth_rule(operation)
        raise recorded_wrongly(
            operation, credential, sent, rule, suite.tokens.user_id, event.get("userId")
        )


REJECTED_REQUESTS = [
    pytest.param(operation, credential, id=f"{operation.operation_id}-{credential.key}")
    for operation in OPERATIONS
    for credential in Credential
    if not accepts(operation, credential)
]


@pytest.mark.parametrize(("operation", "credential"), REJECTED_REQUESTS)
def test_a_rejected_request_records_nothing(
    recorded: RecordedEvents, suite: Suite, operation: Operation, credential: Credential
) -> None:
    name = f"contract-tests - rejected - {operation.operation_id} - {credential}"
    before = recorded.last_id(name)
    sent = suite.expect(
        operation,
        credential,
        path_values(operation, name, "contract-tests"),
        [("a", "1")],
    )
    events = recorded.named(name, since=before)
    if events:
        raise recorded_wrongly(operation, credential, sent, auth_rule(operation), [], events)
