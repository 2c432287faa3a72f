"""The suite's own reading of the contract: operations, security and servers, from the spec.

The suite is black-box: it never imports the mock to learn what is correct. Operations,
the token kinds each accepts, documented statuses and environment URLs all come from the
hand-written spec, so a change to the contract changes the suite with it. The names of
the facts (`success_status`, `documented_statuses`, `path_template`, ...) are the ones the
mock's spec reader uses, but the two readers stay separate on purpose.

`SPEC_PATH` is the one place the suite locates the spec; `--spec-file` selects another
copy for a run (`select`), before any test module reads the operations. Any spelling
OpenAPI 3.0 allows reads the same: path-level parameters (an operation's own override
them by name and location), `$ref` chains, `default` and range (`2XX`) responses, `x-`
extensions. A document that is not a valid OpenAPI 3.0 one, or that this reading cannot
serve, is a `SpecProblem` whose one line names the place.
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
from openapi_spec_validator import OpenAPIV30SpecValidator, validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from referencing.exceptions import Unresolvable


def shipped_file(name: str) -> Path:
    """The copy of spec/`name` an installed package carries (pyproject.toml), else the
    checkout's own."""
    here = Path(__file__).resolve().parent
    return next(path for path in (here / name, here.parent / "spec" / name) if path.is_file())


SPEC_PATH = shipped_file("metrics.v1.yaml")
TOKEN_KINDS_EXTENSION = "x-token-kinds"
# The keys of a path item that are operations; the others (summary, servers, x-...) are not.
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# How deep a parameter is copied with its `$ref`s followed: a recursive schema is compared
# and validated as far as this (spec_change).
MAX_DEPTH = 32
# A `{name}` in a path template; the one definition of the pattern in the suite.
PATH_TEMPLATE_VARIABLE = re.compile(r"\{([^{}/]+)\}")
# Segments that clients and proxies remove or collapse unless they are percent-encoded.
DOT_SEGMENTS = {".": "%2E", "..": "%2E%2E"}

_selected = SPEC_PATH


class SpecProblem(ValueError):
    """The spec cannot be read as a contract; the message is one line naming the place."""


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
    # Statuses the spec numbers, and the hundreds of its ranges (`2XX` is 2). `default`
    # documents none: it describes the answers the spec does not number (README, R6).
    documented_statuses: frozenset[int]
    documented_ranges: frozenset[int]
    # A sample value per path parameter, from the spec's examples.
    examples: dict[str, str]

    @property
    def success_status(self) -> int:
        """The success the mock answers and the suite asks for: the lowest numbered 2xx,
        else the first of a `2XX` range."""
        numbered = [code for code in self.documented_statuses if 200 <= code < 300]
        return min(numbered, default=200)

    def documents(self, status: int) -> bool:
        return status in self.documented_statuses or status // 100 in self.documented_ranges

    def is_success(self, status: int) -> bool:
        return 200 <= status < 300 and self.documents(status)

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
    """The selected spec, validated as OpenAPI 3.0 (openapi-spec-validator)."""
    where = str(_selected)
    try:
        document = yaml.safe_load(_selected.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise SpecProblem(f"{where}: cannot be read: {type(error).__name__}") from None
    if not isinstance(document, dict):
        raise SpecProblem(f"{where}: not an OpenAPI document (not a mapping)")
    try:
        validate(document, cls=OpenAPIV30SpecValidator)
    except OpenAPIValidationError as error:
        # The validator's message may go on with the schema and the instance: its first line.
        message = error.message.strip().splitlines()[0]
        raise SpecProblem(f"{where}: {error.json_path}: {message}") from None
    except Unresolvable as error:
        raise SpecProblem(f"{where}: a $ref leads nowhere: {error.ref}") from None
    except RecursionError:  # the validator follows references without counting them
        raise SpecProblem(f"{where}: its $refs form a cycle") from None
    return document


def fingerprint() -> str:
    """The spec's title, version and a short hash of the file, for the run's summary."""
    info = load_document()["info"]
    digest = hashlib.sha256(_selected.read_bytes()).hexdigest()[:12]
    return f"{info['title']} {info['version']} (sha256 {digest})"


@cache
def operations() -> tuple[Operation, ...]:
    document = load_document()
    found = tuple(
        _operation(document, template, method, item)
        for template, reference in document["paths"].items()
        for item in (_resolve(document, reference),)
        for method in METHODS
        if method in item
    )
    if not found:
        raise SpecProblem(f"{_selected}: paths: no operation to test")
    return found


def operation_by_id(operation_id: str) -> Operation:
    return next(operation for operation in operations() if operation.operation_id == operation_id)


@dataclass(frozen=True)
class Reading:
    """One spec file read whole, to compare with another (spec_change.py)."""

    path: Path
    document: dict[str, Any]
    operations: tuple[Operation, ...]

    def parameters(self, operation: Operation) -> list[dict[str, Any]]:
        """The operation's parameters as OpenAPI applies them, every `$ref` followed."""
        item = _resolve(self.document, self.document["paths"][operation.path_template])
        definition = item[operation.method.lower()]
        return [
            _resolved_deep(self.document, parameter, MAX_DEPTH)
            for parameter in _parameters(self.document, item, definition)
        ]


def reading_of(path: Path) -> Reading:
    """`path` read as the suite reads its spec, the run's own selection left as it was."""
    previous = _selected
    select(path)
    try:
        return Reading(path, load_document(), operations())
    finally:
        select(previous)


def _resolved_deep(document: dict[str, Any], node: Any, depth: int) -> Any:
    node = _resolve(document, node)
    if depth == 0:  # a recursive schema: compared and validated as far as this
        return node
    if isinstance(node, dict):
        return {key: _resolved_deep(document, value, depth - 1) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolved_deep(document, value, depth - 1) for value in node]
    return node


def environments() -> dict[str, str]:
    """Environment name (the server's `description`) -> base URL. A server without a
    description has no name, so `--env` cannot choose it (the mock reads them alike)."""
    return {
        server["description"]: server["url"].rstrip("/")
        for server in load_document().get("servers", [])
        if isinstance(server.get("description"), str)
    }


def _operation(
    document: dict[str, Any], template: str, method: str, item: dict[str, Any]
) -> Operation:
    definition = item[method]
    where = f"{_selected}: paths.{template}.{method}"
    schemes = {
        name: _resolve(document, scheme)
        for name, scheme in document.get("components", {}).get("securitySchemes", {}).items()
    }
    security = definition.get("security", document.get("security", [{}]))
    undefined = {name for alternative in security for name in alternative} - set(schemes)
    if undefined:
        raise SpecProblem(f"{where}.security: no security scheme named {sorted(undefined)}")
    headers = {schemes[name]["name"] for alternative in security for name in alternative}
    # Anonymous only: the token header is still the one the schemes share.
    headers = headers or {scheme["name"] for scheme in schemes.values()}
    if len(headers) != 1:
        raise SpecProblem(f"{where}: expected one token header, got {sorted(headers)}")
    if "operationId" not in definition:
        raise SpecProblem(f"{where}: every operation needs an operationId")
    codes = [str(code) for code in definition["responses"] if str(code) != "default"]
    return Operation(
        operation_id=definition["operationId"],
        method=method.upper(),
        path_template=template,
        path_params=tuple(PATH_TEMPLATE_VARIABLE.findall(template)),
        security=tuple(
            tuple(frozenset(schemes[name].get(TOKEN_KINDS_EXTENSION, ())) for name in alternative)
            for alternative in security
        ),
        token_header=headers.pop(),
        documented_statuses=frozenset(int(code) for code in codes if code.isdigit()),
        documented_ranges=frozenset(int(code[0]) for code in codes if not code.isdigit()),
        examples=_path_examples(document, _parameters(document, item, definition)),
    )


def _parameters(
    document: dict[str, Any], item: dict[str, Any], definition: dict[str, Any]
) -> list[dict[str, Any]]:
    """The path item's parameters with the operation's own in place of any of the same
    name and location, as OpenAPI says."""
    by_place = {}
    for parameter in (*item.get("parameters", []), *definition.get("parameters", [])):
        parameter = _resolve(document, parameter)
        by_place[parameter["name"], parameter["in"]] = parameter
    return list(by_place.values())


def _path_examples(document: dict[str, Any], parameters: list[dict[str, Any]]) -> dict[str, str]:
    examples = {}
    for parameter in parameters:
        if parameter["in"] != "path":
            continue
        if "example" in parameter:
            examples[parameter["name"]] = str(parameter["example"])
        elif parameter.get("examples"):
            first = _resolve(document, next(iter(parameter["examples"].values())))
            examples[parameter["name"]] = str(first["value"])
    return examples


def _resolve(document: dict[str, Any], node: Any) -> Any:
    """Follow a chain of local `$ref`s (`#/components/...`), however long, to the node it
    ends at; one that comes back to itself is refused, in the words the mock uses."""
    followed = set()
    while isinstance(node, dict) and "$ref" in node:
        reference = node["$ref"]  # local: the validator resolved every one (load_document)
        if reference in followed:
            raise SpecProblem(f"{_selected}: its $refs form a cycle")
        followed.add(reference)
        node = document
        for key in reference[2:].split("/"):
            node = node[key.replace("~1", "/").replace("~0", "~")]
    return node
