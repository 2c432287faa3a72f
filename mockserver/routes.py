"""The URL map: one rule per spec operation (endpoint = operationId) plus the mock's own
(own_api.py), which arrive with their endpoints set.

The map is matched against the raw, still percent-encoded path (see uri.py), so the
default converter's `[^/]+` keeps a `%2F` inside the segment it belongs to.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from werkzeug.routing import Map, Rule

from .spec import TEMPLATE_VARIABLE, Operation

# How alike (0..1, difflib's ratio) a path must be to a served one to be offered as a hint.
NEAREST_ROUTE_MIN_SCORE = 0.75
# A variable of a Werkzeug rule, `<name>` or `<converter:name>`.
_OWN_VARIABLE = re.compile(r"<(?:\w+:)?(\w+)>")


def operation_rule(operation: Operation) -> Rule:
    """`/metrics/user/{userId}/{eventName}` -> `/metrics/user/<p0>/<p1>`.

    Variables are renamed by position because an OpenAPI parameter name need not be a
    Python identifier, which Werkzeug requires; `path_arguments` maps them back.
    """
    counter = iter(range(len(operation.path_params)))
    rule = Rule(
        TEMPLATE_VARIABLE.sub(lambda _: f"<p{next(counter)}>", operation.path_template),
        endpoint=operation.operation_id,
        methods=[operation.method],
    )
    # Werkzeug answers HEAD wherever GET is allowed; the spec lists every method served,
    # so HEAD on a Metrics path is 405 and records nothing unless the spec says otherwise.
    if operation.method != "HEAD":
        rule.methods.discard("HEAD")
    return rule


def path_arguments(operation: Operation, matched: dict[str, str]) -> dict[str, str]:
    """The matched (still encoded) path values, keyed by the spec's parameter names."""
    return {name: matched[f"p{index}"] for index, name in enumerate(operation.path_params)}


def build_map(operations: tuple[Operation, ...], own_rules: list[Rule]) -> Map:
    # No slash merging: `//x` is a different path, and a redirect would hide the mistake.
    return Map([*(operation_rule(op) for op in operations), *own_rules], merge_slashes=False)


def nearest_route(url_map: Map, raw_path: str, operations: Mapping[str, Operation]) -> str | None:
    """The served path most like `raw_path` (`GET /metrics/thisuser/{eventName}`), if any
    is like it at all: a hint for a 404, the way WireMock reports near misses.

    Each rule is compared with the path after its variables take the path's own segments,
    so only the fixed parts count. A Metrics operation is named by its spec's path
    (`{eventName}` rather than `<p0>`).
    """
    segments = raw_path.split("/")
    best, best_score = None, NEAREST_ROUTE_MIN_SCORE
    for rule in url_map.iter_rules():
        parts = rule.rule.split("/")
        filled = [
            segments[index] if "<" in part and index < len(segments) else part
            for index, part in enumerate(parts)
        ]
        score = difflib.SequenceMatcher(None, raw_path, "/".join(filled)).ratio()
        if score > best_score:
            operation = operations.get(rule.endpoint)
            template = operation.path_template if operation else openapi_path(rule.rule)
            best, best_score = f"{'/'.join(sorted(rule.methods - {'HEAD'}))} {template}", score
    return best


def openapi_path(rule: str) -> str:
    """A Werkzeug rule spelled as an OpenAPI path: `/auth/token/<token>` -> `/auth/token/{token}`."""
    return _OWN_VARIABLE.sub(r"{\1}", rule)
