"""Which passed-through requests lie on the closed surface, which must never record an event.

With `--forward-metrics` the mock judges what the upstream does with requests the spec
does not list, as the contract suite does (README, "The contract in brief": closed
surface): a method that writes (POST, PUT, PATCH, DELETE) on a path of the spec, or a
route of `closed-surface.yaml` beside the spec (gateway scope: the mock stands where a
gateway does, so the service's unprefixed aliases are other services' paths here). The
mock's own reading of that file, kept apart from the suite's (contract_tests/closed_surface.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..spec import TEMPLATE_VARIABLE, Operation

FILE_NAME = "closed-surface.yaml"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
RULE = "closed surface"


@dataclass(frozen=True)
class Outside:
    """A request on the closed surface: the route it hit and the operation whose event it
    would record, with its path values still encoded, keyed by the spec's names."""

    route: str
    operation: Operation
    raw_values: dict[str, str]


class ClosedSurface:
    def __init__(self, spec_path: Path, operations: tuple[Operation, ...]) -> None:
        self._operations = operations
        by_id = {operation.operation_id: operation for operation in operations}
        self._listed = [
            (
                route["path"],
                {m.upper() for m in route.get("methods", ["GET"])},
                by_id[route["records-as"]],
            )
            for route in _listed_routes(spec_path.parent / FILE_NAME)
            if route.get("scope", "gateway") == "gateway" and route.get("records-as") in by_id
        ]

    def find(self, method: str, raw_path: str) -> Outside | None:
        """The closed-surface route `method raw_path` is on, or None."""
        if method in WRITE_METHODS:
            for operation in self._operations:
                values = _match(operation.path_template, raw_path)
                if values is not None:
                    return Outside(operation.path_template, operation, values)
        for template, methods, operation in self._listed:
            values = _match(template, raw_path) if method in methods else None
            if values is not None:
                return Outside(template, operation, values)
        return None


def _listed_routes(path: Path) -> list[dict]:
    """The file's entries; none when the file is absent (a spec of one's own, elsewhere).
    The contract suite refuses a malformed file; here one is read as far as it is usable."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return []
    entries = document.get("closed-surface") if isinstance(document, dict) else None
    return [e for e in entries or [] if isinstance(e, dict) and isinstance(e.get("path"), str)]


def _match(template: str, raw_path: str) -> dict[str, str] | None:
    parts, segments = template.split("/"), raw_path.split("/")
    if len(parts) != len(segments):
        return None
    values = {}
    for part, segment in zip(parts, segments, strict=True):
        variable = TEMPLATE_VARIABLE.fullmatch(part)
        if variable and segment:
            values[variable[1]] = segment
        elif part != segment:
            return None
    return values
