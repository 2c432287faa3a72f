"""One event as it was seen on the wire: what a verdict and `learn` read, wherever it came from.

The mock's journal (an event's JSON, `from_journal`), a HAR entry (traffic.py) and the
suite's replayed requests (contract_tests/plan_check.py) each make one. The name is kept
twice: decoded, as the plan names events, and as sent, percent-encoded, which is what
Tidepool's router counts against its limit. Properties are the query's pairs in order, as
a form decodes them (`+` is a space), repeats and empty values included.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

# What the contract suite's own events carry: the prefix of their names (its default
# --event-prefix) or, against a mock, where it sends no prefix, its User-Agent.
SUITE_NAME_PREFIX = "contract-tests - "
SUITE_USER_AGENT = "tidepool-metrics-contract"


@dataclass(frozen=True)
class Seen:
    name: str
    sent_name: str  # the path segment as sent, percent-encoded
    properties: tuple[tuple[str, str], ...] = ()
    server_name: str | None = None
    user_agent: str = ""

    @classmethod
    def from_journal(cls, event: Mapping[str, Any]) -> Seen:
        """An event as the mock's journal lists it (GET /__mock/events, spec: Event)."""
        name = str(event.get("eventName") or "")
        query = event.get("query") or {}
        return cls(
            name=name,
            sent_name=_segment_as_sent(str(event.get("target") or ""), name),
            properties=tuple(
                (key, str(value)) for key, values in query.items() for value in values
            ),
            server_name=event.get("serverName"),
            user_agent=str(event.get("userAgent") or ""),
        )

    @property
    def is_the_suites(self) -> bool:
        return self.name.startswith(SUITE_NAME_PREFIX) or self.user_agent.startswith(
            SUITE_USER_AGENT
        )

    def counts(self) -> Counter[str]:
        """How many times each property was sent."""
        return Counter(name for name, _ in self.properties)

    def first_value(self, name: str) -> str | None:
        return next((value for key, value in self.properties if key == name), None)


def _segment_as_sent(target: str, name: str) -> str:
    """The segment of `target`'s path that decodes to `name` (the last such), as sent; the
    name encoded as a browser would when the target does not say."""
    path = target.partition("?")[0]
    for segment in reversed(path.split("/")):
        if unquote(segment) == name:
            return segment
    return quote(name, safe="")
