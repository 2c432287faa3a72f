"""Read an OpenAPI document into the few facts the mock serves from.

Everything the mock knows about the Metrics API comes through here: which paths and
methods exist, what each operation is called, which tokens it accepts and which status
codes it documents. Nothing about the API is written anywhere else in the package.
Any spelling OpenAPI 3.0 allows reads the same (`$ref` chains, path-level keys that are
not methods, `default` and `2XX` responses, `x-` extensions); a document that is not
valid OpenAPI 3.0 is refused with one line naming the place (openapi-spec-validator).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .known_valid import remember_valid, was_valid

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
TOKEN_KINDS_EXTENSION = "x-token-kinds"
# A `{name}` in a path template; group 1 is the name.
TEMPLATE_VARIABLE = re.compile(r"\{([^{}/]+)\}")


class SpecError(ValueError):
    """The document says something the mock cannot serve; the message says what and where."""


@dataclass(frozen=True)
class TokenScheme:
    """A security scheme: a header carrying a session token of certain kinds."""

    name: str
    header: str
    token_kinds: frozenset[str]


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path_template: str
    # Path parameter names in the order they appear in the template.
    path_params: tuple[str, ...]
    # The alternatives of the `security` list; an empty tuple is `{}` (anonymous allowed).
    security: tuple[tuple[TokenScheme, ...], ...]
    # The statuses the spec numbers, and the hundreds digit of its ranges (`2XX`: 2);
    # `default` documents no status, it describes the answers not numbered (README, R6).
    documented_statuses: frozenset[int]
    documented_ranges: frozenset[int] = frozenset()

    # Cached: read on every request, and an Operation never changes.
    @functools.cached_property
    def success_status(self) -> int:
        """The status the mock answers: the lowest numbered 2xx, else 200 of a `2XX`."""
        return min((code for code in self.documented_statuses if 200 <= code < 300), default=200)

    def documents(self, status: int) -> bool:
        return status in self.documented_statuses or status // 100 in self.documented_ranges

    def is_success(self, status: int) -> bool:
        return 200 <= status < 300 and self.documents(status)

    @functools.cached_property
    def token_headers(self) -> frozenset[str]:
        """Every header one of the operation's schemes reads a token from."""
        return frozenset(scheme.header for alternative in self.security for scheme in alternative)


@dataclass(frozen=True)
class ApiSpec:
    path: Path
    title: str
    version: str
    operations: tuple[Operation, ...]
    # Environment name (a server's `description`) -> its URL, as `--upstream NAME` takes it.
    servers: Mapping[str, str] = field(default_factory=dict)

    @property
    def token_headers(self) -> frozenset[str]:
        """Every header that carries a token for some operation."""
        return frozenset().union(*(operation.token_headers for operation in self.operations))


def load_spec(path: Path) -> ApiSpec:
    text = Path(path).read_bytes()
    document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(document, dict):
        raise SpecError(f"{path}: not an OpenAPI document (not a mapping)")
    if not was_valid(text):
        _validate(document, path)
        remember_valid(text)
    schemes = _token_schemes(document)
    operations = tuple(
        _operation(document, schemes, template, method, _resolve(document, item)[method])
        for template, item in document["paths"].items()
        for method in HTTP_METHODS
        if method in _resolve(document, item)
    )
    if not operations:
        raise SpecError(f"{path}: no operations to serve (its 'paths' list none)")
    info = document.get("info", {})
    # A server without a description has no name: `--upstream` cannot choose it (the
    # suite's --env reads them alike).
    servers = {
        server["description"]: str(server.get("url"))
        for server in document.get("servers") or []
        if isinstance(server, dict) and isinstance(server.get("description"), str)
    }
    return ApiSpec(
        Path(path), str(info.get("title", "")), str(info.get("version", "")), operations, servers
    )


def _resolve(document: dict[str, Any], node: Any) -> Any:
    """Follow local `$ref`s (`#/a/b`), however many, until a node that is not a reference;
    a chain that comes back to itself is refused, in the words the suite uses."""
    followed = set()
    while isinstance(node, dict) and "$ref" in node:
        reference = node["$ref"]  # local: the validator resolved every one (load_spec)
        if reference in followed:
            raise SpecError(f"its $refs form a cycle: {reference}")
        followed.add(reference)
        node = document
        for key in reference[2:].split("/"):
            node = node[key.replace("~1", "/").replace("~0", "~")]
    return node


def _validate(document: dict, path: Path) -> None:
    """Refuse a document that is not valid OpenAPI 3.0, in one line naming the place."""
    from openapi_spec_validator import OpenAPIV30SpecValidator  # slow to import: when needed
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
    from referencing.exceptions import Unresolvable

    try:
        OpenAPIV30SpecValidator(document).validate()
    except OpenAPIValidationError as error:
        # The validator's message may go on with the schema and the instance: its first line.
        message = error.message.strip().splitlines()[0]
        raise SpecError(f"{path}: {error.json_path}: {message}") from None
    except Unresolvable as error:
        raise SpecError(f"{path}: a $ref leads nowhere: {error.ref}") from None
    except RecursionError:  # the validator follows references without counting them
        raise SpecError(f"{path}: its $refs form a cycle") from None


def _token_schemes(document: dict[str, Any]) -> dict[str, TokenScheme]:
    declared = document.get("components", {}).get("securitySchemes", {})
    schemes = {}
    for name, scheme in declared.items():
        scheme = _resolve(document, scheme)
        if scheme.get("type") != "apiKey" or scheme.get("in") != "header":
            raise SpecError(f"security scheme {name!r}: only apiKey schemes in a header are served")
        kinds = scheme.get(TOKEN_KINDS_EXTENSION)
        if not kinds:
            raise SpecError(
                f"security scheme {name!r}: say which tokens it accepts with "
                f"{TOKEN_KINDS_EXTENSION}: [user], [server] or [user, server]"
            )
        schemes[name] = TokenScheme(name, scheme["name"], frozenset(kinds))
    return schemes


def _operation(
    document: dict[str, Any],
    schemes: dict[str, TokenScheme],
    template: str,
    method: str,
    operation: dict[str, Any],
) -> Operation:
    where = f"{method.upper()} {template}"
    if "operationId" not in operation:
        raise SpecError(f"{where}: every operation needs an operationId")
    requirements = operation.get("security", document.get("security", [{}]))
    try:
        security = tuple(
            tuple(schemes[name] for name in alternative) for alternative in requirements
        )
    except KeyError as error:
        raise SpecError(f"{where}: unknown security scheme {error.args[0]!r}") from None
    keys = [str(key) for key in operation.get("responses", {}) if key != "default"]
    codes = frozenset(int(key) for key in keys if key.isdigit())
    ranges = frozenset(int(key[0]) for key in keys if not key.isdigit())
    if not any(200 <= code < 300 for code in codes) and 2 not in ranges:
        raise SpecError(f"{where}: no 2xx response to answer with")
    return Operation(
        operation_id=operation["operationId"],
        method=method.upper(),
        path_template=template,
        path_params=tuple(TEMPLATE_VARIABLE.findall(template)),
        security=security,
        documented_statuses=codes,
        documented_ranges=ranges,
    )
