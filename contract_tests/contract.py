"""What the suite knows about the API, read from spec/metrics.v1.yaml and nowhere else.

The suite is black-box: it never imports the mock to learn what is correct. Operations,
the token kinds each accepts, documented statuses and environment URLs all come from the
hand-written spec, so a change to the contract changes the suite with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

SPEC_PATH = Path(__file__).resolve().parent.parent / "spec" / "metrics.v1.yaml"
TOKEN_KINDS_EXTENSION = "x-token-kinds"
_TEMPLATE_VARIABLE = re.compile(r"\{([^{}/]+)\}")


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path_template: str
    path_params: tuple[str, ...]
    # `security: [{}, ...]`: the operation may be called without a token.
    anonymous_allowed: bool
    # Token kinds ("user", "server") any of the operation's schemes accepts.
    accepted_kinds: frozenset[str]
    token_header: str
    documented_statuses: frozenset[int]
    # A sample value per path parameter, from the spec's examples.
    examples: dict[str, str]

    @property
    def success_status(self) -> int:
        return min(code for code in self.documented_statuses if 200 <= code < 300)

    def path(self, values: dict[str, str]) -> str:
        """The path with each parameter percent-encoded as one segment (a `/` becomes `%2F`)."""
        return _TEMPLATE_VARIABLE.sub(
            lambda match: quote(values[match[1]], safe=""), self.path_template
        )


@cache
def load_document() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


@cache
def operations() -> tuple[Operation, ...]:
    document = load_document()
    return tuple(
        _operation(document, template, method, definition)
        for template, item in document["paths"].items()
        for method, definition in item.items()
        if method != "parameters"
    )


def operation_by_id(operation_id: str) -> Operation:
    return next(operation for operation in operations() if operation.operation_id == operation_id)


def environments() -> dict[str, str]:
    """Environment name (the server's `description`) -> base URL."""
    return {
        server["description"]: server["url"].rstrip("/") for server in load_document()["servers"]
    }


def _operation(
    document: dict[str, Any], template: str, method: str, definition: dict[str, Any]
) -> Operation:
    schemes = document["components"]["securitySchemes"]
    security = definition.get("security", document.get("security", [{}]))
    used = [schemes[name] for alternative in security for name in alternative]
    headers = {scheme["name"] for scheme in used}
    if len(headers) != 1:
        raise ValueError(
            f"{definition['operationId']}: expected one token header, got {sorted(headers)}"
        )
    parameters = [
        *document["paths"][template].get("parameters", []),
        *definition.get("parameters", []),
    ]
    return Operation(
        operation_id=definition["operationId"],
        method=method.upper(),
        path_template=template,
        path_params=tuple(_TEMPLATE_VARIABLE.findall(template)),
        anonymous_allowed={} in security,
        accepted_kinds=frozenset(kind for scheme in used for kind in scheme[TOKEN_KINDS_EXTENSION]),
        token_header=headers.pop(),
        documented_statuses=frozenset(int(code) for code in definition["responses"]),
        examples=_path_examples(document, parameters),
    )


def _path_examples(document: dict[str, Any], parameters: list[dict[str, Any]]) -> dict[str, str]:
    examples = {}
    for parameter in parameters:
        parameter = _dereference(document, parameter)
        if parameter["in"] != "path":
            continue
        if "example" in parameter:
            examples[parameter["name"]] = str(parameter["example"])
        else:
            examples[parameter["name"]] = str(next(iter(parameter["examples"].values()))["value"])
    return examples


def _dereference(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow one local `$ref` (`#/components/...`), as the spec uses them for parameters."""
    if "$ref" not in node:
        return node
    target: Any = document
    for key in node["$ref"].removeprefix("#/").split("/"):
        target = target[key]
    return target
