"""The closed surface: what no spec lists must not record an event.

A gate that tests only the documented operations passes a deployment where a route
outside them is open: Tidepool's metrics service registers `/metrics/noauth/...`, with no
token check, when it runs with NOAUTH, and answers unprefixed aliases of its three routes.
So the suite sends what the spec does not list and fails any 2xx, naming its own rule:
the methods that write (POST, PUT, PATCH, DELETE) on every path of the spec, and each
route of `spec/closed-surface.yaml` (which says where each was found). HEAD and a CORS
preflight's OPTIONS may succeed, as HTTP and browsers expect; against a mock, no request
of these may add an event to its journal, HEAD included.

Routes of `scope: service` (the unprefixed aliases) are checked only with `--closed-surface
service`, against the metrics service itself: behind a gateway those paths belong to
other services or to the web app. A malformed file is a `ClosedSurfaceProblem`, one line.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from contract_tests.credentials import Credential
from contract_tests.drifts import checked_entry
from contract_tests.rules import accepted_credentials
from contract_tests.spec import PATH_TEMPLATE_VARIABLE, Operation, shipped_file

SHIPPED_PATH = shipped_file("closed-surface.yaml")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Methods that may succeed on a path of the spec, as long as they record nothing.
HARMLESS_METHODS = ("HEAD", "OPTIONS")
GATEWAY, SERVICE = "gateway", "service"
SCOPES = (GATEWAY, SERVICE)
FIELDS = {"path", "methods", "records-as", "scope", "found"}
# A listed route is sent with each of these; a kind of token not given skips its case.
LISTED_CREDENTIALS = (Credential.NONE, Credential.USER, Credential.SERVER)
# What a browser's preflight asks before a metrics request.
PREFLIGHT_HEADERS = {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"}


class ClosedSurfaceProblem(Exception):
    """The closed-surface file cannot be used; the message is one line naming the place."""


@dataclass(frozen=True)
class Route:
    """A route the spec does not list, and where it was found."""

    path: str
    methods: tuple[str, ...]
    scope: str
    found: str


@dataclass(frozen=True)
class ClosedCase:
    """One request outside the spec: sent as `operation` (the method and path it uses)."""

    operation: Operation
    credential: Credential
    # Whether a 2xx is allowed (HEAD, a preflight); the journal must not grow either way.
    may_succeed: bool
    listed: Route | None = None

    @property
    def route(self) -> str:
        return self.operation.path_template

    @property
    def id(self) -> str:
        where = "listed " if self.listed else ""
        kind = self.credential.key
        return f"{where}{self.operation.method} {self.route} {kind}"

    @property
    def headers(self) -> dict[str, str]:
        return PREFLIGHT_HEADERS if self.operation.method == "OPTIONS" else {}


@cache
def load(path: Path = SHIPPED_PATH) -> tuple[Route, ...]:
    """The listed routes; ClosedSurfaceProblem (one line) for anything wrong."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ClosedSurfaceProblem(f"{path}: cannot read it ({error.strerror})") from None
    except yaml.YAMLError:
        raise ClosedSurfaceProblem(f"{path}: not YAML") from None
    entries = document.get("closed-surface") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ClosedSurfaceProblem(f"{path}: expected a mapping with a `closed-surface` list")
    return tuple(_route(path, number, entry) for number, entry in enumerate(entries, 1))


def _route(path: Path, number: int, entry: Any) -> Route:
    def problem(text: str) -> ClosedSurfaceProblem:
        return ClosedSurfaceProblem(f"{path}: entry {number}: {text}")

    checked_entry(entry, FIELDS, problem)
    template = entry.get("path")
    if not isinstance(template, str) or not template.startswith("/"):
        raise problem("`path` must be a path template starting with /")
    methods = entry.get("methods", ["GET"])
    if not isinstance(methods, list) or not methods or not all(isinstance(m, str) for m in methods):
        raise problem("`methods` must be a list of HTTP methods")
    scope = entry.get("scope", GATEWAY)
    if scope not in SCOPES:
        raise problem(f"`scope` must be one of {', '.join(SCOPES)}, not {scope!r}")
    found = entry.get("found")
    if not isinstance(found, str) or not found.strip():
        raise problem("`found` must say where the route was found")
    return Route(template, tuple(m.upper() for m in methods), scope, " ".join(found.split()))


def cases(
    operations: tuple[Operation, ...], routes: tuple[Route, ...], scope: str
) -> list[ClosedCase]:
    """Every request of the closed surface for a run of `scope` (gateway or service)."""
    planned = []
    for operation in operations:
        for method in (*WRITE_METHODS, *HARMLESS_METHODS):
            sent_as = _as(operation, method)
            harmless = method in HARMLESS_METHODS
            credentials = (
                (Credential.NONE,) if method == "OPTIONS" else accepted_credentials(operation)
            )
            planned += [ClosedCase(sent_as, c, may_succeed=harmless) for c in credentials]
    examples = {name: value for op in operations for name, value in op.examples.items()}
    token_header = operations[0].token_header
    for route in routes:
        if route.scope == SERVICE and scope != SERVICE:
            continue
        for method in route.methods:
            listed = _listed(route, method, examples, token_header)
            planned += [ClosedCase(listed, c, False, route) for c in LISTED_CREDENTIALS]
    return planned


def _as(operation: Operation, method: str) -> Operation:
    return dataclasses.replace(
        operation, operation_id=f"{method} {operation.path_template}", method=method
    )


def _listed(route: Route, method: str, examples: dict[str, str], token_header: str) -> Operation:
    """A listed route as an operation the suite can send: no security, nothing documented."""
    names = tuple(PATH_TEMPLATE_VARIABLE.findall(route.path))
    return Operation(
        operation_id=f"{method} {route.path}",
        method=method,
        path_template=route.path,
        path_params=names,
        security=(),
        token_header=token_header,
        documented_statuses=frozenset(),
        documented_ranges=frozenset(),
        examples={name: examples.get(name, "contract-tests") for name in names},
    )
