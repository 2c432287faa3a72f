"""The structural changes between two specs, as the suite reads them: what a request meets.

Only what decides whether a request is accepted is compared: the operations (method and
path), the credentials each accepts (its `security`), and each parameter's place,
requiredness, style and schema, with descriptions, summaries, titles and examples left
out. So a change of wording is no change. Each change says whether it may refuse a
request that the old spec accepted (`breaking`) and which recorded requests touch it
(`touches`), so that the report can say who would notice, or that nobody was seen to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contract_tests.credentials import Credential
from contract_tests.rules import accepted_credentials
from contract_tests.spec import Operation, Reading

# Keys that describe and decide nothing, at any depth of a parameter.
WORDS = frozenset({"description", "summary", "title", "example", "examples", "deprecated"})
# The credentials the matrix sends, as a change names them.
SENT_CREDENTIALS = (Credential.NONE, Credential.USER, Credential.SERVER)
ANY_QUERY = "*"


@dataclass(frozen=True)
class Change:
    route: str  # `GET /metrics/user/{userId}/{eventName}`
    what: str
    breaking: bool
    # Which recorded requests of the route it touches: every one (None), those sent with
    # these credentials, or those that carry this query parameter (ANY_QUERY: any query).
    credentials: frozenset[Credential] | None = None
    query_name: str | None = None


def route(operation: Operation) -> str:
    return f"{operation.method} {operation.path_template}"


def changes(old: Reading, new: Reading) -> list[Change]:
    before = {route(op): op for op in old.operations}
    after = {route(op): op for op in new.operations}
    found = [Change(r, "operation removed", True) for r in before if r not in after]
    found += [Change(r, "operation added", False) for r in after if r not in before]
    for name in before.keys() & after.keys():
        found += _security(name, before[name], after[name])
        found += _parameters(name, old.parameters(before[name]), new.parameters(after[name]))
        if before[name].success_status != after[name].success_status:
            found.append(
                Change(
                    name,
                    f"success is {after[name].success_status}, was {before[name].success_status}",
                    False,
                )
            )
    return sorted(found, key=lambda change: (change.route, change.what))


def _security(name: str, before: Operation, after: Operation) -> list[Change]:
    accepted = set(accepted_credentials(before)), set(accepted_credentials(after))
    gone = [c for c in SENT_CREDENTIALS if c in accepted[0] - accepted[1]]
    came = [c for c in SENT_CREDENTIALS if c in accepted[1] - accepted[0]]
    found = []
    if gone:
        words = " or ".join(str(c) for c in gone)
        found.append(Change(name, f"no longer accepts {words}", True, frozenset(gone)))
    if came:
        words = " or ".join(str(c) for c in came)
        found.append(Change(name, f"now accepts {words}", False, frozenset(came)))
    return found


def _parameters(name: str, before: list[dict], after: list[dict]) -> list[Change]:
    old = {(p["in"], p["name"]): _meaning(p) for p in before}
    new = {(p["in"], p["name"]): _meaning(p) for p in after}
    found = []
    for key in sorted(old.keys() | new.keys()):
        place, param = key
        label = f"{place} parameter {param}"
        query_name = _query_name(place, param, new.get(key) or old[key])
        if key not in new:
            found.append(Change(name, f"{label} removed", False, query_name=query_name))
        elif key not in old:
            required = bool(new[key].get("required"))
            what = f"{label} added, {'required' if required else 'optional'}"
            found.append(Change(name, what, required, query_name=None if required else query_name))
        elif old[key] != new[key]:
            what = f"{label} changed: {', '.join(_differing(old[key], new[key]))}"
            found.append(Change(name, what, True, query_name=query_name))
    return found


def _query_name(place: str, name: str, parameter: dict[str, Any]) -> str | None:
    """The query name whose requests a change of this parameter touches (None: all)."""
    if place != "query":
        return None
    return ANY_QUERY if parameter.get("schema", {}).get("type") == "object" else name


def _meaning(node: Any) -> Any:
    """A parameter without the keys that only describe it."""
    if isinstance(node, dict):
        return {
            k: _meaning(v) for k, v in node.items() if k not in WORDS and not k.startswith("x-")
        }
    if isinstance(node, list):
        return [_meaning(v) for v in node]
    return node


def _differing(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs, as `schema.maxLength` (None -> 100)."""
    found = []
    for key in sorted(old.keys() | new.keys()):
        if isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
            found += [f"{key}.{inner}" for inner in _differing(old[key], new[key])]
        elif old.get(key) != new.get(key):
            found.append(f"{key} ({_short(old.get(key))} -> {_short(new.get(key))})")
    return found


def _short(value: Any) -> str:
    text = "none" if value is None else str(value)
    return text if len(text) <= 40 else text[:37] + "..."
