"""Traffic -> a draft plan, or what traffic adds to a plan and where it contradicts it.

The draft is a plan `reader.parse` accepts, for a person to edit: a client per event-name
convention (platform-client's `<source> - `, the mobile app's `tidepool-`, a server's
name in `/metrics/server/{serverName}/...`; names of none of these go to a client
`unprefixed` that recognises its listed names only), each event with how often it was
seen, each property with the shape of its values (the narrowest type that accepts all of
them), how often it was present (`required` when always), and `repeats` when sent more
than once in one event. It flags what looks wrong: an empty value, a name over the
router's limit percent-encoded as sent, a name still percent-encoded after decoding, the
same event spelled two ways.

It keeps shapes only, never a value: ids, e-mail addresses, `clinicId` or `patientID`
cannot reach the file. The contract suite's own events (seen.Seen.is_the_suites) are left
out.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from tracking_plan.reader import ROUTER_LIMIT, TYPES, Plan
from tracking_plan.seen import Seen
from tracking_plan.verdict import judge

# Narrowest first: the first type that accepts every value seen is the property's.
INFERRED = ("boolean", "yes-no", "integer", "number")
SOURCE_PREFIX = re.compile(
    r"([^-]+?) - "
)  # platform-client: `<source> - <event>`, no dash in source
DASH_PREFIX = re.compile(r"([a-z]+)-(?=\S)")  # the mobile app: `tidepool-<event>`
UNPREFIXED = "unprefixed"
STILL_ENCODED = re.compile(r"%[0-9A-Fa-f]{2}")


@dataclass
class _Property:
    present: int = 0
    repeats: bool = False
    empty: int = 0
    valued: int = 0
    types: set[str] = field(default_factory=lambda: set(INFERRED))


@dataclass
class _Event:
    count: int = 0
    longest: int = 0
    properties: dict[str, _Property] = field(default_factory=lambda: defaultdict(_Property))


def client_of(seen: Seen) -> tuple[str, dict[str, str] | None]:
    """The client a draft puts `seen` under, and how that client is recognised."""
    if seen.server_name is not None:
        return f"server {seen.server_name}", {"server_name": re.escape(seen.server_name)}
    for convention in (SOURCE_PREFIX, DASH_PREFIX):
        match = convention.match(seen.name)
        if match:
            return match[1], {"name_prefix": match[0]}
    return UNPREFIXED, None


def draft(traffic: Iterable[Seen], max_name_length: int = ROUTER_LIMIT) -> dict[str, Any]:
    """The draft plan learned from `traffic`, as the YAML document to write."""
    clients: dict[tuple[str, str], tuple[dict | None, dict[str, _Event]]] = {}
    for seen in traffic:
        if seen.is_the_suites:
            continue
        name, recognised_by = client_of(seen)
        _, events = clients.setdefault((name, repr(recognised_by)), (recognised_by, {}))
        _learn(events.setdefault(seen.name, _Event()), seen)
    spellings = _spellings(name for _, events in clients.values() for name in events)
    # Clients recognised by their names only come last: they never take another's events.
    ordered = sorted(clients.items(), key=lambda item: item[1][0] is None)
    return {
        "max_name_length": max_name_length,
        "clients": [
            {
                "name": name,
                **({"recognised_by": recognised_by} if recognised_by else {}),
                **_hoisted(
                    [
                        _drafted(event_name, event, spellings, max_name_length)
                        for event_name, event in events.items()
                    ]
                ),
            }
            for (name, _), (recognised_by, events) in ordered
        ],
    }


def _hoisted(events: list[dict]) -> dict[str, Any]:
    """A client's `properties` (platform-client's sourceVersion): each that all its events,
    two or more, send alike, always, taken out of each event; and its `events`."""
    first, *rest = events
    common = {
        name: dict(prop, seen="in every event")
        for name, prop in first.get("properties", {}).items()
        if rest
        and prop["required"]
        and all(
            {**e.get("properties", {}).get(name, {}), "seen": ""} == {**prop, "seen": ""}
            for e in events
        )
    }
    for event in events:
        kept = {n: p for n, p in event.pop("properties", {}).items() if n not in common}
        if kept:
            event["properties"] = kept
        event["seen"] = event.pop("seen")  # last, after the properties
    return {**({"properties": common} if common else {}), "events": events}


def _learn(event: _Event, seen: Seen) -> None:
    event.count += 1
    event.longest = max(event.longest, len(seen.sent_name))
    for name, count in seen.counts().items():
        learned = event.properties[name]
        learned.present += 1
        learned.repeats |= count > 1
    for name, value in seen.properties:
        learned = event.properties[name]
        if value == "":
            learned.empty += 1
        else:
            learned.valued += 1
            learned.types = {t for t in learned.types if TYPES[t][0].fullmatch(value)}


def _drafted(name: str, event: _Event, spellings: dict[str, list[str]], limit: int) -> dict:
    flags = []
    if event.longest > limit:
        flags.append(
            f"the name is {event.longest} characters percent-encoded as sent, over {limit}: "
            "Tidepool's router answers 404"
        )
    if STILL_ENCODED.search(name):
        flags.append("the name is still percent-encoded after decoding: encoded twice?")
    others = [other for other in spellings[_spelling_key(name)] if other != name]
    flags += [f"the same event as {other!r}, spelled another way?" for other in others]
    properties = {}
    for prop_name, learned in sorted(event.properties.items()):
        if learned.empty:
            flags.append(f"{prop_name} was empty in {learned.empty} of {event.count}")
        inferred = (t for t in INFERRED if t in learned.types and learned.valued)
        kind = next(inferred, "string")
        properties[prop_name] = {
            "required": learned.present == event.count,
            "type": kind,
            **({"repeats": True} if learned.repeats else {}),
            "seen": f"in {learned.present} of {event.count}",
        }
    return {
        "name": name,
        **({"properties": properties} if properties else {}),
        "seen": {"count": event.count, **({"flags": flags} if flags else {})},
    }


def _spelling_key(name: str) -> str:
    """What two spellings of one event share: letters and digits, case folded, decoded."""
    return re.sub(r"[\W_]", "", unquote(unquote(name)).casefold())


def _spellings(names: Iterable[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for name in names:
        found[_spelling_key(name)].append(name)
    return found


def changes(plan: Plan, traffic: Iterable[Seen], today: datetime.date | None = None) -> list[str]:
    """One line per event and reason where `traffic` adds to `plan` or contradicts it,
    with how often; nothing for what the plan already says."""
    counted: Counter[tuple[bool, str, str]] = Counter()
    for seen in traffic:
        if seen.is_the_suites:
            continue
        for reason in judge(plan, seen, today).reasons:
            counted[not reason.adds, seen.name, reason.text] += 1
    return [
        f"{'contradicts' if contradicts else 'adds'}: {name!r} ({n}): {text}"
        for (contradicts, name, text), n in sorted(counted.items(), key=lambda item: item[0][0])
    ]
