"""One reading of a tracking plan: a YAML file, read into frozen values, or one line naming the place.

The schema (docs/tracking-plan.md shows a whole plan, examples/tracking-plan.yaml a real one):

    max_name_length: 100        # optional: Tidepool's router answers 404 to a longer event
                                # name, counted on the percent-encoded path segment as sent
    clients:                    # in file order: an event belongs to the first that recognises it
      - name: blip
        recognised_by:          # optional; every key given must match:
          name_prefix: "blip - "        #   the event name starts with it
          server_name: REGEX            #   /metrics/server/{serverName}/...: the name matches
          user_agent: REGEX             #   the request's User-Agent contains a match
          properties: {source: REGEX}   #   a value of each named property matches
                                # without it, a client recognises only the names of its events
        properties: {NAME: PROPERTY}    # sent with each of its events (platform-client's sourceVersion)
        events:
          - name: "blip - Logged In"    # or `pattern: REGEX`, matching the whole name
            source: "tidepool-org/blip@3e21ac2 app/redux/utils/trackingMiddleware.js"
            until: 2026-06-30           # optional: deprecated, off the plan after that day
            properties: {NAME: PROPERTY}
            seen: ...                   # what `learn` saw (counts, flags); no verdict reads it

A PROPERTY is a mapping: `required` (default false), `type` (TYPES below; default string)
or `pattern` (a REGEX the whole value matches), `repeats` (sent more than once, as blip's
`roles`; default false), `seen` (learn's record). No property may be empty, whatever it says.
REGEX is a Python regular expression.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# Tidepool's router (highwater) answers 404 to a path parameter longer than this.
ROUTER_LIMIT = 100
# What each type accepts, as a whole value, and how a reason names it.
TYPES = {
    "string": (re.compile(r".+", re.DOTALL), "a string"),
    "boolean": (re.compile(r"true|false"), "a boolean sent as true/false"),
    "yes-no": (re.compile(r"y|n"), "a boolean sent as y/n"),
    "integer": (re.compile(r"-?[0-9]+"), "an integer"),
    "number": (re.compile(r"-?[0-9]+(\.[0-9]+)?"), "a number"),
}
PLAN_KEYS = {"max_name_length", "clients"}
CLIENT_KEYS = {"name", "recognised_by", "properties", "events"}
RECOGNITION_KEYS = {"name_prefix", "server_name", "user_agent", "properties"}
EVENT_KEYS = {"name", "pattern", "source", "until", "properties", "seen"}
PROPERTY_KEYS = {"required", "type", "pattern", "repeats", "seen"}


class PlanProblem(ValueError):
    """The plan cannot be read; the message is one line naming the file and the place."""


@dataclass(frozen=True)
class Property:
    name: str
    accepts: re.Pattern[str]
    described: str  # what it accepts, as a reason says it ("a boolean sent as true/false")
    required: bool = False
    repeats: bool = False


@dataclass(frozen=True)
class Event:
    name: str | None
    pattern: re.Pattern[str] | None
    properties: dict[str, Property]
    until: datetime.date | None = None
    source: str = ""

    @property
    def label(self) -> str:
        return self.name if self.name is not None else f"/{self.pattern.pattern}/"

    def matches(self, name: str) -> bool:
        return name == self.name if self.pattern is None else bool(self.pattern.fullmatch(name))


@dataclass(frozen=True)
class Recognition:
    name_prefix: str | None = None
    server_name: re.Pattern[str] | None = None
    user_agent: re.Pattern[str] | None = None
    properties: dict[str, re.Pattern[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Client:
    name: str
    recognised_by: Recognition | None
    properties: dict[str, Property]
    events: tuple[Event, ...]


@dataclass(frozen=True)
class Plan:
    clients: tuple[Client, ...]
    max_name_length: int = ROUTER_LIMIT


def load(path: Path) -> Plan:
    """The plan in `path`; PlanProblem, in one line, for anything it cannot use."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PlanProblem(f"{path}: cannot read it ({error.strerror})") from None
    except UnicodeDecodeError:
        raise PlanProblem(f"{path}: not UTF-8 text, so not a plan") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "cannot be parsed"
        raise PlanProblem(f"{path}: not YAML ({problem}{where})") from None
    try:
        return parse(document)
    except PlanProblem as problem:
        raise PlanProblem(f"{path}: {problem}") from None


def parse(document: Any) -> Plan:
    """A plan from its YAML document; PlanProblem names the place (`clients[0].events[2]`)."""
    plan = _mapping(document, "the plan", PLAN_KEYS)
    limit = plan.get("max_name_length", ROUTER_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise PlanProblem(f"max_name_length: {limit!r} is not a positive whole number")
    clients = _list(plan.get("clients"), "clients")
    return Plan(tuple(_client(c, f"clients[{n}]") for n, c in enumerate(clients)), limit)


def _client(document: Any, place: str) -> Client:
    client = _mapping(document, place, CLIENT_KEYS)
    name = _text(client.get("name"), f"{place}.name")
    recognition = client.get("recognised_by")
    events = _list(client.get("events", []), f"{place}.events")
    return Client(
        name=name,
        recognised_by=None if recognition is None else _recognition(recognition, place),
        properties=_properties(client.get("properties", {}), f"{place}.properties"),
        events=tuple(_event(e, f"{place}.events[{n}]") for n, e in enumerate(events)),
    )


def _recognition(document: Any, place: str) -> Recognition:
    place = f"{place}.recognised_by"
    given = _mapping(document, place, RECOGNITION_KEYS)
    if not given:
        raise PlanProblem(f"{place}: empty: name at least one of {', '.join(RECOGNITION_KEYS)}")
    prefix = given.get("name_prefix")
    patterns = _mapping(given.get("properties", {}), f"{place}.properties", None)
    return Recognition(
        name_prefix=None if prefix is None else _text(prefix, f"{place}.name_prefix"),
        server_name=_optional_regex(given.get("server_name"), f"{place}.server_name"),
        user_agent=_optional_regex(given.get("user_agent"), f"{place}.user_agent"),
        properties={
            name: _regex(value, f"{place}.properties.{name}") for name, value in patterns.items()
        },
    )


def _event(document: Any, place: str) -> Event:
    event = _mapping(document, place, EVENT_KEYS)
    if ("name" in event) == ("pattern" in event):
        raise PlanProblem(f"{place}: give exactly one of `name` and `pattern`")
    name = event.get("name")
    return Event(
        name=None if name is None else _text(name, f"{place}.name"),
        pattern=_optional_regex(event.get("pattern"), f"{place}.pattern"),
        properties=_properties(event.get("properties", {}), f"{place}.properties"),
        until=_date(event.get("until"), f"{place}.until"),
        source=str(event.get("source", "")),
    )


def _properties(document: Any, place: str) -> dict[str, Property]:
    properties = _mapping(document, place, None)
    return {name: _property(name, value, f"{place}.{name}") for name, value in properties.items()}


def _property(name: str, document: Any, place: str) -> Property:
    given = _mapping(document, place, PROPERTY_KEYS)
    if "type" in given and "pattern" in given:
        raise PlanProblem(f"{place}: give `type` or `pattern`, not both")
    if "pattern" in given:
        pattern = _regex(given["pattern"], f"{place}.pattern")
        accepts, described = pattern, f"matching /{pattern.pattern}/"
    else:
        kind = given.get("type", "string")
        if kind not in TYPES:
            raise PlanProblem(
                f"{place}.type: unknown type {kind!r} (known: {', '.join(TYPES)}; "
                "or give a `pattern`)"
            )
        accepts, described = TYPES[kind]
    return Property(
        name=name,
        accepts=accepts,
        described=described,
        required=_flag(given.get("required", False), f"{place}.required"),
        repeats=_flag(given.get("repeats", False), f"{place}.repeats"),
    )


def _mapping(document: Any, place: str, keys: set[str] | None) -> dict[str, Any]:
    """A mapping with text keys; with `keys`, only those."""
    if document is None and keys is None:
        return {}
    if not isinstance(document, dict):
        raise PlanProblem(f"{place}: expected a mapping, got {_kind(document)}")
    for key in document:
        if not isinstance(key, str):
            raise PlanProblem(f"{place}: key {key!r} is not text")
        if keys is not None and key not in keys:
            raise PlanProblem(f"{place}: unknown key {key!r} (known: {', '.join(sorted(keys))})")
    return document


def _list(document: Any, place: str) -> list[Any]:
    if not isinstance(document, list):
        raise PlanProblem(f"{place}: expected a list, got {_kind(document)}")
    return document


def _text(value: Any, place: str) -> str:
    if not isinstance(value, str) or not value:
        raise PlanProblem(f"{place}: expected non-empty text, got {_kind(value)}")
    return value


def _flag(value: Any, place: str) -> bool:
    if not isinstance(value, bool):
        raise PlanProblem(f"{place}: expected true or false, got {_kind(value)}")
    return value


def _regex(value: Any, place: str) -> re.Pattern[str]:
    try:
        return re.compile(_text(value, place))
    except re.error as error:
        raise PlanProblem(f"{place}: the pattern {value!r} does not compile ({error})") from None


def _optional_regex(value: Any, place: str) -> re.Pattern[str] | None:
    return None if value is None else _regex(value, place)


def _date(value: Any, place: str) -> datetime.date | None:
    if value is None or (
        isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)
    ):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise PlanProblem(f"{place}: {value!r} is not a date (YYYY-MM-DD)") from None


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"{value!r}" if value else "empty text"
    return type(value).__name__
