"""An event against the plan: on-plan, off-plan or no-plan, with the reasons.

The plan-wide rules hold for every event, whichever client sent it: a name longer than
`max_name_length` percent-encoded as sent (Tidepool's router answers 404 and the event is
lost), an empty value. A client's rules hold for the events it recognises (the first
client in file order that does): the name must be one of its events, each required
property present, each property one the plan names, sent once unless it `repeats`, of its
type or pattern, and the event not past its `until`. An event no client recognises and no
plan-wide rule refuses is `no-plan`: the plan says nothing about it.

Each reason says whether the traffic adds to the plan (an event or property it does not
name) or contradicts it (anything else): `learn` with an existing plan shows both apart.
Reasons never quote a value, which may identify a person.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from tracking_plan.reader import Client, Event, Plan, Property
from tracking_plan.seen import Seen

ON_PLAN, OFF_PLAN, NO_PLAN = "on-plan", "off-plan", "no-plan"


@dataclass(frozen=True)
class Reason:
    text: str
    adds: bool = False  # the plan does not name it yet (else the traffic contradicts it)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Verdict:
    verdict: str
    reasons: tuple[Reason, ...] = ()
    client: str | None = None

    @property
    def is_off_plan(self) -> bool:
        return self.verdict == OFF_PLAN

    def to_json(self) -> dict:
        """As the mock's listing shows it: `{"verdict": ..., "reasons": [...]}`."""
        return {"verdict": self.verdict, "reasons": [reason.text for reason in self.reasons]}


def judge(plan: Plan, seen: Seen, today: datetime.date | None = None) -> Verdict:
    reasons = _plan_wide(plan, seen)
    client = next((c for c in plan.clients if recognises(c, seen)), None)
    if client is None:
        if reasons:
            return Verdict(OFF_PLAN, tuple(reasons))
        return Verdict(NO_PLAN, (Reason("no client of the plan recognises it", adds=True),))
    event = next((e for e in client.events if e.matches(seen.name)), None)
    if event is None:
        reasons.append(Reason(f"{client.name} has no event {seen.name!r} in the plan", adds=True))
    else:
        reasons += _against(event, client, seen, today or datetime.date.today())
    return Verdict(OFF_PLAN if reasons else ON_PLAN, tuple(reasons), client.name)


def recognises(client: Client, seen: Seen) -> bool:
    """Whether `seen` is `client`'s: every condition of its `recognised_by` holds, or
    without one, the name is one of its events'."""
    rule = client.recognised_by
    if rule is None:
        return any(event.matches(seen.name) for event in client.events)
    values = {name: [v for k, v in seen.properties if k == name] for name in rule.properties}
    return (
        (rule.name_prefix is None or seen.name.startswith(rule.name_prefix))
        and (rule.server_name is None or bool(rule.server_name.fullmatch(seen.server_name or "")))
        and (rule.user_agent is None or bool(rule.user_agent.search(seen.user_agent)))
        and all(
            any(pattern.fullmatch(value) for value in values[name])
            for name, pattern in rule.properties.items()
        )
    )


def _plan_wide(plan: Plan, seen: Seen) -> list[Reason]:
    reasons = []
    if len(seen.sent_name) > plan.max_name_length:
        reasons.append(
            Reason(
                f"the name is {len(seen.sent_name)} characters percent-encoded as sent, over "
                f"the plan's {plan.max_name_length}: Tidepool's router answers 404 and loses it"
            )
        )
    empty = sorted({name for name, value in seen.properties if value == ""})
    reasons += [Reason(f"{name} is empty") for name in empty]
    return reasons


def _against(event: Event, client: Client, seen: Seen, today: datetime.date) -> list[Reason]:
    planned: dict[str, Property] = {**client.properties, **event.properties}
    counts = seen.counts()
    reasons = [
        Reason(f"{name} is required, and missing")
        for name, prop in planned.items()
        if prop.required and name not in counts
    ]
    for name, count in counts.items():
        prop = planned.get(name)
        if prop is None:
            reasons.append(Reason(f"{name} is not in the plan of {event.label!r}", adds=True))
            continue
        if count > 1 and not prop.repeats:
            reasons.append(Reason(f"{name} is sent {count} times; the plan has it once"))
        values = [value for key, value in seen.properties if key == name and value != ""]
        if any(not prop.accepts.fullmatch(value) for value in values):
            reasons.append(Reason(f"{name} is not {prop.described}"))
    if event.until is not None and today > event.until:
        reasons.append(Reason(f"deprecated: {event.label!r} was in the plan until {event.until}"))
    return reasons
