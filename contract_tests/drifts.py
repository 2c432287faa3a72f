"""Known drifts: breaks of the contract a team has accepted for now, each with a reason and an end.

A service that breaks the contract today (Tidepool's does, in two ways) would keep a deploy
gate red on every deploy, and a team in that position switches the gate off, missing the
next break too. `--known-drifts FILE` lists what is known instead: each entry names the
operations, credentials and answer (expected and got status) it excuses, a condition on
the request where the operations alone would be too broad, a reason and an `until` date.
An entry may name routes outside the spec by their path templates (`paths`) instead: it
excuses their closed-surface answers (closed_surface.py), a 2xx of status `got`, and
nothing else.

An entry excuses one response at a time (suite.Suite.expect asks `excuse` before a failure
is raised), and only when the status is the one problem with that response: a slow or
wrong-bodied answer, or another status, still fails. Rule ids are not matched on: they are
shown beside the drift, as the suite computed them (a condition on the path blames the
path, R5, where a query could otherwise be at fault too). Past its `until` an entry excuses
nothing, and the summary says it expired. `spec/known-drifts.yaml` describes Tidepool's
service as it is; the package carries a copy (pyproject.toml), which `shipped` names.

An entry must not be able to excuse a working contract: one without operations, or
naming all of them, needs a `when` that does not hold for the plain cases of the
operations it covers (`path-segment-longer-than: 0` is too broad), and an `until` more
than a year after the day of the run (`--known-drifts-as-of`) is refused.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from contract_tests.credentials import Credential
from contract_tests.environments import DEFAULT_EVENT_PREFIX, EVENT_NAME_PARAM
from contract_tests.spec import Operation, shipped_file

# `--known-drifts shipped` names this file, wherever the suite is installed.
SHIPPED, SHIPPED_PATH = "shipped", shipped_file("known-drifts.yaml")
FIELDS = {"operations", "paths", "credentials", "expected", "got", "when", "reason", "until"}
CONDITIONS = {"path-segment-longer-than"}
# The longest an entry may be accepted for, from the day of the run.
LONGEST_ACCEPTANCE = datetime.timedelta(days=366)


class DriftFileProblem(Exception):
    """The known-drifts file cannot be used; the message is one line naming file and entry."""


@dataclass(frozen=True)
class Drift:
    number: int  # its place in the file, from 1
    operations: frozenset[str]  # empty: every operation
    credentials: frozenset[Credential]
    expected: int | None  # None for an entry of `paths`: any status but 2xx was due
    got: int
    # A request path segment (percent-encoded, as sent) longer than this; None: any request.
    segment_longer_than: int | None
    reason: str
    until: datetime.date
    # Routes outside the spec (closed surface), by path template; empty: the spec's operations.
    paths: frozenset[str] = frozenset()

    def expired(self, today: datetime.date) -> bool:
        return today > self.until

    def matches(
        self,
        operation_id: str,
        credential: Credential,
        url: str,
        expected: int | None,
        got: int,
        route: str | None = None,
    ) -> bool:
        if self.paths or route is not None:
            return route in self.paths and got == self.got and credential in self.credentials
        if (expected, got) != (self.expected, self.got) or credential not in self.credentials:
            return False
        if self.operations and operation_id not in self.operations:
            return False
        if self.segment_longer_than is None:
            return True
        segments = urlsplit(url).path.split("/")
        return any(len(segment) > self.segment_longer_than for segment in segments)

    @property
    def blames_the_path(self) -> bool:
        """Its condition is on the path: the answers it matches are the path's doing (R5),
        not the query's, without one more request to tell."""
        return self.segment_longer_than is not None

    def label(self) -> str:
        """What it excuses, in one line."""
        where = ", ".join(sorted(self.operations or self.paths)) or "every operation"
        credentials = ", ".join(sorted(str(credential) for credential in self.credentials))
        condition = (
            f", a path segment over {self.segment_longer_than} characters as sent"
            if self.segment_longer_than is not None
            else ""
        )
        instead = "no 2xx" if self.expected is None else self.expected
        return f"{where} with {credentials}{condition}: {self.got} instead of {instead}"


@dataclass(frozen=True)
class KnownDrifts:
    path: Path
    drifts: tuple[Drift, ...]
    today: datetime.date

    def excuse(
        self,
        operation_id: str,
        credential: Credential,
        url: str,
        expected: int | None,
        got: int,
        route: str | None = None,
    ) -> Drift | None:
        """The entry that describes this answer: one in force if any (it excuses the answer),
        else an expired one (which no longer does, and the summary says so); else None."""
        matching = [
            d for d in self.drifts if d.matches(operation_id, credential, url, expected, got, route)
        ]
        return min(matching, key=lambda drift: drift.expired(self.today), default=None)

    def in_force(self, drift: Drift | None) -> bool:
        return drift is not None and not drift.expired(self.today)


def load(path: Path, operations: Iterable[Operation], today: datetime.date) -> KnownDrifts:
    """Read and check the file; raise DriftFileProblem with one line for anything wrong."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DriftFileProblem(f"{path}: cannot read it ({error.strerror})") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise DriftFileProblem(f"{path}: not YAML{where}") from None
    entries = document.get("known-drifts") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise DriftFileProblem(f"{path}: expected a mapping with a `known-drifts` list")
    by_id = {operation.operation_id: operation for operation in operations}
    drifts = tuple(
        _drift(path, number, entry, by_id, today) for number, entry in enumerate(entries, 1)
    )
    return KnownDrifts(path, drifts, today)


def plain_path(operation: Operation) -> str:
    """The path of an operation's plain case: the spec's example names, the event name
    prefixed as the suite sends it to an environment."""
    values = {
        name: operation.examples.get(name, "contract-tests") for name in operation.path_params
    }
    if EVENT_NAME_PARAM in values:
        values[EVENT_NAME_PARAM] = DEFAULT_EVENT_PREFIX + values[EVENT_NAME_PARAM]
    return operation.path(values)


def _drift(
    path: Path, number: int, entry: Any, by_id: dict[str, Operation], today: datetime.date
) -> Drift:
    known = frozenset(by_id)

    def problem(text: str) -> DriftFileProblem:
        return DriftFileProblem(f"{path}: entry {number}: {text}")

    checked_entry(entry, FIELDS, problem)
    paths = frozenset(_names(entry.get("paths", []), problem, "paths"))
    if paths:
        return _closed_surface_drift(entry, number, paths, problem, today)
    for name in ("expected", "got", "reason", "until"):
        if name not in entry:
            raise problem(f"`{name}` is missing")
    operations = frozenset(_names(entry.get("operations", []), problem, "operations"))
    strangers = sorted(operations - known)
    if strangers:
        raise problem(
            f"unknown operation {strangers[0]!r} (the spec has {', '.join(sorted(known))})"
        )
    credentials = _credentials(entry, problem)
    when = entry.get("when") or {}
    if not isinstance(when, dict) or set(when) - CONDITIONS:
        raise problem(f"`when` takes only {', '.join(sorted(CONDITIONS))}")
    longer_than = when.get("path-segment-longer-than")
    if longer_than is not None:
        if not isinstance(longer_than, int) or isinstance(longer_than, bool) or longer_than < 0:
            raise problem("`path-segment-longer-than` must be a number of characters")
        covered = [by_id[name] for name in sorted(operations)] or list(by_id.values())
        plain = max((plain_path(op) for op in covered), key=_longest_segment)
        if _longest_segment(plain) > longer_than:
            raise problem(
                f"too broad: `path-segment-longer-than: {longer_than}` holds for plain requests "
                f"(a segment of {_longest_segment(plain)} characters in {plain}); it would "
                "excuse a working service"
            )
    if longer_than is None and operations in (frozenset(), known):
        raise problem(
            "too broad: it would excuse that answer from every operation; "
            "name the operations or add a `when` condition"
        )
    statuses = [entry["expected"], entry["got"]]
    if not all(isinstance(status, int) and 100 <= status <= 599 for status in statuses):
        raise problem("`expected` and `got` must be HTTP statuses")
    if entry["expected"] == entry["got"]:
        raise problem("`expected` and `got` are the same status: nothing to excuse")
    return Drift(
        number=number,
        operations=operations,
        credentials=credentials,
        expected=entry["expected"],
        got=entry["got"],
        segment_longer_than=longer_than,
        reason=_reason(entry, problem),
        until=_until(entry, problem, today),
    )


def checked_entry(entry: Any, fields: set[str], problem) -> None:
    """An entry of one of the suite's YAML lists is a mapping of known fields only
    (also closed_surface.py); `problem` makes the exception that names the entry."""
    if not isinstance(entry, dict):
        raise problem("expected a mapping")
    unknown = sorted(set(entry) - fields)
    if unknown:
        raise problem(f"unknown field {unknown[0]!r} (fields: {', '.join(sorted(fields))})")


def _closed_surface_drift(
    entry: dict, number: int, paths: frozenset[str], problem, today: datetime.date
) -> Drift:
    """An entry naming routes outside the spec: only `got` (a 2xx), credentials, reason, until."""
    for name in ("got", "reason", "until"):
        if name not in entry:
            raise problem(f"`{name}` is missing")
    for name in ("operations", "expected", "when"):
        if name in entry:
            raise problem(f"`{name}` does not go with `paths` (a route outside the spec)")
    if not all(path.startswith("/") for path in paths):
        raise problem("`paths` must be path templates starting with /")
    if not isinstance(entry["got"], int) or not 200 <= entry["got"] <= 299:
        raise problem("`got` of a route outside the spec must be the 2xx it answers")
    return Drift(
        number=number,
        operations=frozenset(),
        credentials=_credentials(entry, problem),
        expected=None,
        got=entry["got"],
        segment_longer_than=None,
        reason=_reason(entry, problem),
        until=_until(entry, problem, today),
        paths=paths,
    )


def _credentials(entry: dict, problem) -> frozenset[Credential]:
    keys = [credential.key for credential in Credential]
    names = _names(entry.get("credentials", keys), problem, "credentials")
    wrong = [name for name in names if Credential.by_key(name) is None]
    if wrong:
        raise problem(f"unknown credential {wrong[0]!r} (one of {', '.join(keys)})")
    return frozenset(Credential.by_key(name) for name in names)


def _reason(entry: dict, problem) -> str:
    reason = entry["reason"]
    if not isinstance(reason, str) or not reason.strip():
        raise problem("`reason` must say why the drift is accepted")
    return " ".join(reason.split())


def _until(entry: dict, problem, today: datetime.date) -> datetime.date:
    """A drift is accepted for a year at most from the day of the run."""
    until = _date(entry["until"], problem)
    if until > today + LONGEST_ACCEPTANCE:
        raise problem(
            f"`until` {until} is more than a year after {today}: accept a drift for a year at "
            "most, and renew it then if it must stay"
        )
    return until


def _longest_segment(path: str) -> int:
    return max(len(segment) for segment in path.split("/"))


def _names(value: Any, problem, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise problem(f"`{field}` must be a list of names")
    return value


def _date(value: Any, problem) -> datetime.date:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise problem(f"`until` must be a date (YYYY-MM-DD), not {value!r}") from None
