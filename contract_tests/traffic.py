"""What consumers really sent, read under one spec: which operation, and would it accept it.

spec_change.py reads each recorded Metrics API request under the old spec and the new
one. The reading is the suite's own: the operation and credential as `--replay` finds
them (replay.case_of: the path's shape, the method, the token kind, the spec's
`security`), then each parameter's schema applied to the values as sent (path values
percent-decoded, query values as a form decodes them), with the OpenAPI 3.0 dialect
(openapi-schema-validator, which the spec validator already uses). A refusal is said in
words that name the parameter and the constraint, never the value, which may identify a
person.

Shown examples hide what identifies a person or grants access: the user id in the path
becomes `{userId}`, and the values of query names like `clinicId`, `patientID`, `email`
or `token` become [Filtered]; the report passes through the suite's redaction besides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from openapi_schema_validator import OAS30Validator

from contract_tests.credentials import Credential
from contract_tests.environments import EVENT_NAME_PARAM
from contract_tests.har import Recorded
from contract_tests.redaction import FILTERED
from contract_tests.replay import case_of
from contract_tests.spec import PATH_TEMPLATE_VARIABLE, Operation, Reading

# Query names whose values identify a person or grant access; matched anywhere in a name.
PRIVATE_NAME = re.compile(
    r"(user|patient|clinic|clinician|account|member|person)[\W_]*id|e[\W_]*mail|birth|phone|"
    r"token|secret|passw|session|auth|api[\W_]*key|signature",
    re.IGNORECASE,
)
# Path parameters whose values identify a person.
PRIVATE_PATH_PARAMS = frozenset({"userId"})
SERVER_NAME_PARAM = "serverName"
# An event name's `<client> - ` prefix, by the spec's convention (`blip - Viewed ...`).
CLIENT_PREFIX = re.compile(r"^([^-]{1,40}?) - ")


@dataclass(frozen=True)
class Read:
    """One recorded request as one spec reads it."""

    operation: Operation | None
    credential: Credential
    refused: str | None  # why the spec refuses it; None: accepted

    @property
    def accepted(self) -> bool:
        return self.refused is None


def read(recorded: Recorded, reading: Reading) -> Read:
    case = case_of(recorded, reading.operations)
    if case.outside is not None or case.operation is None:
        return Read(case.operation, case.credential, case.outside)
    operation = case.operation
    return Read(operation, case.credential, _schema_problem(recorded, operation, reading))


def path_values(recorded: Recorded, operation: Operation) -> dict[str, str]:
    """The path's values by parameter name, percent-decoded."""
    parts = operation.path_template.split("/")
    return {
        match[1]: unquote(segment)
        for part, segment in zip(parts, recorded.path.split("/"), strict=True)
        if (match := PATH_TEMPLATE_VARIABLE.fullmatch(part))
    }


def client_of(recorded: Recorded, operation: Operation | None) -> str:
    """Who sent it: the event name's `<source> - ` prefix, else the server's name, else the
    User-Agent's product, else `unknown client`."""
    values = path_values(recorded, operation) if operation is not None else {}
    prefix = CLIENT_PREFIX.match(values.get(EVENT_NAME_PARAM, ""))
    if prefix:
        return prefix[1].strip()
    if values.get(SERVER_NAME_PARAM):
        return f"server {values[SERVER_NAME_PARAM]}"
    return recorded.user_agent.split(" ")[0][:60] or "unknown client"


def shown(recorded: Recorded, operation: Operation | None) -> str:
    """The request as an example may show it: method, path and query as recorded, with
    what identifies a person or grants access hidden."""
    path = recorded.path
    if operation is not None:
        parts = operation.path_template.split("/")
        segments = zip(parts, recorded.path.split("/"), strict=True)
        path = "/".join(_hidden(part) or segment for part, segment in segments)
    items = [item.partition("=") for item in recorded.query.split("&") if item]
    query = "&".join(
        name + eq + (FILTERED if PRIVATE_NAME.search(unquote(name)) else value)
        for name, eq, value in items
    )
    return f"{recorded.method} {path}" + (f"?{query}" if query else "")


def _hidden(part: str) -> str | None:
    """`{userId}` for a template part whose value identifies a person; else None."""
    match = PATH_TEMPLATE_VARIABLE.fullmatch(part)
    return part if match and match[1] in PRIVATE_PATH_PARAMS else None


def private_values(recorded: Recorded, operation: Operation | None) -> set[str]:
    """Values in this request that identify a person, to redact wherever else they appear
    (an event name that carries a user id)."""
    values = path_values(recorded, operation) if operation is not None else {}
    found = {values[name] for name in PRIVATE_PATH_PARAMS if name in values}
    query = parse_qsl(recorded.query, keep_blank_values=True)
    return found | {value for name, value in query if PRIVATE_NAME.search(name)}


def _schema_problem(recorded: Recorded, operation: Operation, reading: Reading) -> str | None:
    """The first parameter whose schema the request does not meet, in words; else None."""
    values = path_values(recorded, operation)
    query = parse_qsl(recorded.query, keep_blank_values=True)
    parameters = reading.parameters(operation)
    named = {p["name"] for p in parameters if p["in"] == "query" and not _free_form(p)}
    for parameter in parameters:
        name, place, schema = parameter["name"], parameter["in"], parameter.get("schema", {})
        if place == "path":
            sent = [values.get(name, "")]
        elif place == "query" and _free_form(parameter):
            sent = [{n: v} for n, v in query if n not in named]
        elif place == "query":
            sent = [v for n, v in query if n == name]
            if not sent and parameter.get("required"):
                return f"query parameter {name} is required and was not sent"
        else:
            continue  # headers and cookies: not kept by every recorder
        for value in sent:
            broken = _broken_keyword(_typed(value, schema), schema)
            if broken:
                return f"{place} parameter {name} does not meet its schema ({broken})"
    return None


def _free_form(parameter: dict[str, Any]) -> bool:
    """An object in the query, exploded: it takes the query's names and values as its own."""
    return parameter.get("schema", {}).get("type") == "object" and parameter.get("explode", True)


def _typed(value: Any, schema: dict[str, Any]) -> Any:
    """A value as sent (text) in the type its schema names, where it reads as one."""
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except (TypeError, ValueError):
        return value
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def _broken_keyword(value: Any, schema: dict[str, Any]) -> str | None:
    """The first schema keyword `value` breaks and its bound (`maxLength 100`); never the value."""
    error = next(iter(OAS30Validator(schema).iter_errors(value)), None)
    if error is None:
        return None
    bound = error.validator_value
    shown_bound = bound if isinstance(bound, int | float | str) and len(str(bound)) < 60 else "…"
    return f"{error.validator} {shown_bound}"
