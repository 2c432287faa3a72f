"""Against a mock: what its journal shows (`GET /__mock/events`), and a shown event compared with what was sent.

Two kinds of case read it: the journal checks (test_recorded_events.py), which send
requests of their own making, and each replayed request (test_replay.py), which must be
recorded exactly as the consumer sent it. A difference is a `ContractViolation` naming the
rule of the part shown wrongly: R5 for the names in the path, R4 for the query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contract_tests.credentials import Credential
from contract_tests.failures import ContractViolation, Problem
from contract_tests.rules import R4, R5, Rule
from contract_tests.spec import Operation
from contract_tests.suite import Sent, Suite

# What a mock shows in place of a credential-named query parameter's value.
MASK = "***"


class RecordedEvents:
    """What the target's journal shows, read through `GET /__mock/events`."""

    def __init__(self, suite: Suite) -> None:
        self.suite = suite

    def named(self, event_name: str, since: int = 0) -> list[dict[str, Any]]:
        """Every page of the listing (`next`, when the journal holds more than one)."""
        response = self.suite.http.get(
            f"{self.suite.base_url}/__mock/events",
            params={"eventName": event_name, "since": str(since)},
        )
        events = []
        while True:
            response.raise_for_status()
            body = response.json()
            events += body["events"]
            if not body.get("next"):
                return events
            response = self.suite.http.get(f"{self.suite.base_url}{body['next']}")

    def last_id(self, event_name: str) -> int:
        return max((event["id"] for event in self.named(event_name)), default=0)


def in_order(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def recorded_wrongly(
    operation: Operation, credential: Credential, sent: Sent, rule: Rule, expected, got
) -> ContractViolation:
    problem = Problem((rule.id,), f"{expected!r} in the journal", f"{got!r}")
    return ContractViolation(operation.operation_id, str(credential), (problem,), sent.curl)


@dataclass(frozen=True)
class AsSent:
    """What a journal must show of one request: its event name decoded, its query's values
    in order, and its target (path and query) exactly as it went out."""

    event_name: str
    query: dict[str, list[str]]
    target: str

    def problems(self, event: dict[str, Any]) -> list[Problem]:
        """Each part `event` shows otherwise, under the rule of that part."""
        shown_target = str(event.get("target"))
        shown_query = event.get("query")
        parts = [
            (R5, "eventName", self.event_name, event.get("eventName")),
            (R4, "query", masked_like(self.query, shown_query), shown_query),
            (R5, "target's path", _path(self.target), _path(shown_target)),
            (
                R4,
                "target's query",
                _query_masked_like(self.target, shown_target),
                _query(shown_target),
            ),
        ]
        return [
            Problem((rule.id,), f"{part} {expected!r} in the journal", repr(got))
            for rule, part, expected, got in parts
            if got != expected
        ]


def check_recorded_as_sent(
    journal: RecordedEvents,
    expected: AsSent,
    since: int,
    operation: Operation,
    credential: Credential,
    sent: Sent,
) -> None:
    """Raise unless the journal shows, among the events named like `expected` after `since`,
    one exactly as sent.

    Among, not the only one: under `-n`, another worker may send a request with the same
    name at the same moment (a recording often repeats one). Counting what one request
    records is test_recorded_events.py's job, with names of its own.
    """
    __tracebackhide__ = True
    events = journal.named(expected.event_name, since=since)
    if not events:
        raise recorded_wrongly(operation, credential, sent, R5, "one event", events)
    found = [expected.problems(event) for event in events]
    if all(found):
        raise ContractViolation(operation.operation_id, str(credential), tuple(found[0]), sent.curl)


def masked_like(sent: dict[str, list[str]], shown: Any) -> dict[str, list[str]]:
    """What was sent, with each value the journal shows as the mock's mask taken as
    masked: a mock shows no credential-named value (`?access_token=`), and which names
    it masks is the mock's own tests' business; every other value must match exactly."""
    if not isinstance(shown, dict):
        return sent
    return {
        name: [
            MASK if index < len(shown.get(name) or []) and shown[name][index] == MASK else value
            for index, value in enumerate(values)
        ]
        for name, values in sent.items()
    }


def _query_masked_like(sent_target: str, shown_target: str) -> str:
    """The sent target's query, with the items the journal shows masked taken as masked."""
    sent, shown = _query(sent_target).split("&"), _query(shown_target).split("&")
    return "&".join(
        shown[index]
        if index < len(shown) and shown[index] == f"{item.partition('=')[0]}={MASK}"
        else item
        for index, item in enumerate(sent)
    )


def _path(target: str) -> str:
    return target.partition("?")[0]


def _query(target: str) -> str:
    return target.partition("?")[2]
