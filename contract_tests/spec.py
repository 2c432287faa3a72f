"""The suite's own reading of the contract: operations, security and servers, from the spec.

The suite is black-box: it never imports the mock to learn what is correct. Operations,
the token kinds each accepts, documented statuses and environment URLs all come from the
hand-written spec, so a change to the contract changes the suite with it. The names of
the facts (`success_status`, `documented_statuses`, `path_template`, ...) are the ones the
mock's spec reader uses, but the two readers stay separate on purpose.

`SPEC_PATH` is the one place the suite locates the spec; `--spec-file` selects another
copy for a run (`select`), before any test module reads the operations.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

# The copy an installed package carries (pyproject.toml), else the checkout's spec/.
SPEC_PATH = next(
    path
    for path in (
        Path(__file__).resolve().parent / "metrics.v1.yaml",
        Path(__file__).resolve().parent.parent / "spec" / "metrics.v1.yaml",
    )
    if path.is_file()
)
TOKEN_KINDS_EXTENSION = "x-token-kinds"
# A `{name}` in a path template; the one definition of the pattern in the suite.
PATH_TEMPLATE_VARIABLE = re.compile(r"\{([^{}/]+)\}")
# Segments that clients and proxies remove or collapse unless they are percent-encoded.
DOT_SEGMENTS = {".": "%2E", "..": "%2E%2E"}

_selected = SPEC_PATH


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path_template: str
    path_params: tuple[str, ...]
    # The operation's `security` alternatives; each is the token kinds of every scheme it
    # names (an empty alternative, `{}`, is a request without a token).
    security: tuple[tuple[frozenset[str], ...], ...]
    token_header: str
    documented_statuses: frozenset[int]
    # A sample value per path parameter, from the spec's examples.
    examples: dict[str, str]

    @property
    def success_status(self) -> int:
        return min(code for code in self.documented_statuses if 200 <= code < 300)

    @property
    def anonymous_allowed(self) -> bool:
        return () in self.security

    def accepts_kind(self, kind: str) -> bool:
        """Whether a valid token of `kind` meets one alternative (any, where none is needed)."""
        return any(all(kind in kinds for kinds in alternative) for alternative in self.security)

    def path(self, values: dict[str, str]) -> str:
        """The path with each value percent-encoded as one segment (`/` as `%2F`, `.` as `%2E`)."""
        return PATH_TEMPLATE_VARIABLE.sub(
            lambda match: encode_segment(values[match[1]]), self.path_template
        )


def encode_segment(value: str) -> str:
    return DOT_SEGMENTS.get(value) or quote(value, safe="")


def select(path: Path) -> None:
    """Read the contract from `path` from now on (a modified copy of the spec, for one run)."""
    global _selected
    _selected = path.resolve()
    load_document.cache_clear()
    operations.cache_clear()


def selected_path() -> Path:
    return _selected


@cache
def load_document() -> dict[str, Any]:
    return yaml.safe_load(_selected.read_text(encoding="utf-8"))


def fingerprint() -> str:
    """The spec's title, version and a short hash of the file, for the run's summary."""
    info = load_document()["info"]
    digest = hashlib.sha256(_selected.read_bytes()).hexdigest()[:12]
    return f"{info['title']} {info['version']} (sha256 {digest})"


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
    headers = {schemes[name]["name"] for alternative in security for name in alternative}
    # Anonymous only: the token header is still the one the schemes share.
    headers = headers or {scheme["name"] for scheme in schemes.values()}
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
        path_params=tuple(PATH_TEMPLATE_VARIABLE.findall(template)),
        security=tuple(
            tuple(frozenset(schemes[name][TOKEN_KINDS_EXTENSION]) for name in alternative)
            for alternative in security
        ),
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
