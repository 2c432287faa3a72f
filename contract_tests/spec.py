"""The suite's own reading of the contract: operations, security and servers, from the spec.

The suite is black-box: it never imports the mock to learn what is correct. Operations,
the token kinds each accepts, documented statuses and environment URLs all come from the
hand-written spec, so a change to the contract changes the suite with it. The names of
the facts (`success_status`, `documented_statuses`, `path_template`, ...) are the ones the
mock's spec reader uses, but the two readers stay separate on purpose.

`SPEC_PATH` is the one place the suite locates the spec; `read` reads any copy into a
`Reading`, which a run keeps in its own state (`--spec-file` names another copy), so two
runs in one process never share a selection. `shipped()` is the suite's own spec, read
once. Any spelling
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
# How deep a parameter's schema is copied with its `$ref`s followed (a recursive schema
# is compared and validated as far as this).
MAX_DEPTH = 32
# A `{name}` in a path template; the one definition of the pattern in the suite.
PATH_TEMPLATE_VARIABLE = re.compile(r"\{([^{}/]+)\}")
# Segments that clients and proxies remove or collapse unless they are percent-encoded.
DOT_SEGMENTS = {".": "%2E", "..": "%2E%2E"}


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
    # documents none: it describes the answers the spec does not number (docs/contract.md, R6).
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


@dataclass(frozen=True)
class Reading:
    """One spec file read whole: its document and its operations."""

    path: Path
    document: dict[str, Any]
    operations: tuple[Operation, ...]

    def operation_by_id(self, operation_id: str) -> Operation:
        return next(op for op in self.operations if op.operation_id == operation_id)

    @property
    def environments(self) -> dict[str, str]:
        """Environment name (the server's `description`) -> base URL. A server without a
        description has no name, so `--env` cannot choose it (the mock reads them alike)."""
        return {
            server["description"]: server["url"].rstrip("/")
            for server in self.document.get("servers", [])
            if isinstance(server.get("description"), str)
        }

    def fingerprint(self) -> str:
        """The spec's title, version and a short hash of the file, for the run's summary."""
        info = self.document["info"]
        digest = hashlib.sha256(self.path.read_bytes()).hexdigest()[:12]
        return f"{info['title']} {info['version']} (sha256 {digest})"

    def parameters(self, operation: Operation) -> list[dict[str, Any]]:
        """The operation's parameters as OpenAPI applies them, every `$ref` followed."""
        item = _resolve(self.document, self.document["paths"][operation.path_template], self.path)
        definition = item[operation.method.lower()]
        return [
            _resolved_deep(self.document, parameter, MAX_DEPTH, self.path)
            for parameter in _parameters(self.document, item, definition, self.path)
        ]


def read(path: Path) -> Reading:
    """The spec at `path`, validated as OpenAPI 3.0 (openapi-spec-validator) and read."""
    where = path.resolve()  # as errors name it
    document = _document(where)
    found = tuple(
        _operation(document, template, method, item, where)
        for template, reference in document["paths"].items()
        for item in (_resolve(document, reference, where),)
        for method in METHODS
        if method in item
    )
    if not found:
        raise SpecProblem(f"{where}: paths: no operation to test")
    return Reading(path, document, found)


@cache
def shipped() -> Reading:
    """The suite's own spec (SPEC_PATH), read once: it does not change while a process runs."""
    return read(SPEC_PATH)


def operations() -> tuple[Operation, ...]:
    """The shipped spec's operations (a run reads its own spec: pytest/run.py)."""
    return shipped().operations


def operation_by_id(operation_id: str) -> Operation:
    return shipped().operation_by_id(operation_id)


def environments() -> dict[str, str]:
    """The shipped spec's environments: name -> base URL."""
    return shipped().environments


def _document(path: Path) -> dict[str, Any]:
    where = str(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
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


def _resolved_deep(document: dict[str, Any], node: Any, depth: int, where: Path) -> Any:
    node = _resolve(document, node, where)
    if depth == 0:  # a recursive schema: compared and validated as far as this
        return node
    if isinstance(node, dict):
        return {k: _resolved_deep(document, v, depth - 1, where) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolved_deep(document, value, depth - 1, where) for value in node]
    return node


def _operation(
    document: dict[str, Any], template: str, method: str, item: dict[str, Any], path: Path
) -> Operation:
    definition = item[method]
    where = f"{path}: paths.{template}.{method}"
    schemes = {
        name: _resolve(document, scheme, path)
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
        examples=_path_examples(document, _parameters(document, item, definition, path), path),
    )


def _parameters(
    document: dict[str, Any], item: dict[str, Any], definition: dict[str, Any], where: Path
) -> list[dict[str, Any]]:
    """The path item's parameters with the operation's own in place of any of the same
    name and location, as OpenAPI says."""
    by_place = {}
    for parameter in (*item.get("parameters", []), *definition.get("parameters", [])):
        parameter = _resolve(document, parameter, where)
        by_place[parameter["name"], parameter["in"]] = parameter
    return list(by_place.values())


def _path_examples(
    document: dict[str, Any], parameters: list[dict[str, Any]], where: Path
) -> dict[str, str]:
    examples = {}
    for parameter in parameters:
        if parameter["in"] != "path":
            continue
        if "example" in parameter:
            examples[parameter["name"]] = str(parameter["example"])
        elif parameter.get("examples"):
            first = _resolve(document, next(iter(parameter["examples"].values())), where)
            examples[parameter["name"]] = str(first["value"])
    return examples


def _resolve(document: dict[str, Any], node: Any, where: Path) -> Any:
    """Follow a chain of local `$ref`s (`#/components/...`), however long, to the node it
    ends at; one that comes back to itself is refused, in the words the mock uses."""
    followed = set()
    while isinstance(node, dict) and "$ref" in node:
        reference = node["$ref"]  # local: the validator resolved every one (_document)
        if reference in followed:
            raise SpecProblem(f"{where}: its $refs form a cycle")
        followed.add(reference)
        node = document
        for key in reference[2:].split("/"):
            node = node[key.replace("~1", "/").replace("~0", "~")]
    return node
