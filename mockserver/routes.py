"""The URL map: one rule per spec operation (endpoint = operationId) plus the mock's own
(own_api.py), which arrive with their endpoints set.

The map is matched against the raw, still percent-encoded path (see uri.py), so the
default converter's `[^/]+` keeps a `%2F` inside the segment it belongs to.
"""

from __future__ import annotations

from werkzeug.routing import Map, Rule

from .spec import TEMPLATE_VARIABLE, Operation


def operation_rule(operation: Operation) -> Rule:
    """`/metrics/user/{userId}/{eventName}` -> `/metrics/user/<p0>/<p1>`.

    Variables are renamed by position because an OpenAPI parameter name need not be a
    Python identifier, which Werkzeug requires; `path_arguments` maps them back.
    """
    counter = iter(range(len(operation.path_params)))
    rule = TEMPLATE_VARIABLE.sub(lambda _: f"<p{next(counter)}>", operation.path_template)
    return Rule(rule, endpoint=operation.operation_id, methods=[operation.method])


def path_arguments(operation: Operation, matched: dict[str, str]) -> dict[str, str]:
    """The matched (still encoded) path values, keyed by the spec's parameter names."""
    return {name: matched[f"p{index}"] for index, name in enumerate(operation.path_params)}


def build_map(operations: tuple[Operation, ...], own_rules: list[Rule]) -> Map:
    # No slash merging: `//x` is a different path, and a redirect would hide the mistake.
    return Map([*(operation_rule(op) for op in operations), *own_rules], merge_slashes=False)
