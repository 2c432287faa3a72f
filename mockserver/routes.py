"""The URL map: one rule per spec operation (endpoint = operationId) plus the mock's own.

The map is matched against the raw, still percent-encoded path (see uri.py), so the
default converter's `[^/]+` keeps a `%2F` inside the segment it belongs to.
"""

from __future__ import annotations

import re

from werkzeug.routing import Map, Rule

from .spec import Operation

_TEMPLATE_VARIABLE = re.compile(r"\{[^{}/]+\}")

# The mock's own API, documented in spec/mockserver.v1.yaml; endpoint -> handler `on_<endpoint>`.
MOCK_RULES = (
    Rule("/auth/login", endpoint="user_login", methods=["POST"]),
    Rule("/auth/login", endpoint="session_refresh", methods=["GET"]),
    Rule("/auth/serverlogin", endpoint="server_login", methods=["POST"]),
    Rule("/__mock/status", endpoint="status", methods=["GET"]),
    Rule("/__mock/events", endpoint="events", methods=["GET"]),
    Rule("/__mock/events", endpoint="clear_events", methods=["DELETE"]),
    Rule("/__mock", endpoint="inspector", methods=["GET"], strict_slashes=False),
    Rule("/__mock/static/<path:filename>", endpoint="static", methods=["GET"]),
)


def operation_rule(operation: Operation) -> Rule:
    """`/metrics/user/{userId}/{eventName}` -> `/metrics/user/<p0>/<p1>`.

    Variables are renamed by position because an OpenAPI parameter name need not be a
    Python identifier, which Werkzeug requires; `path_arguments` maps them back.
    """
    counter = iter(range(len(operation.path_params)))
    rule = _TEMPLATE_VARIABLE.sub(lambda _: f"<p{next(counter)}>", operation.path_template)
    return Rule(rule, endpoint=operation.operation_id, methods=[operation.method])


def path_arguments(operation: Operation, matched: dict[str, str]) -> dict[str, str]:
    """The matched (still encoded) path values, keyed by the spec's parameter names."""
    return {name: matched[f"p{index}"] for index, name in enumerate(operation.path_params)}


def build_map(operations: tuple[Operation, ...]) -> Map:
    # No slash merging: `//x` is a different path, and a redirect would hide the mistake.
    # A Rule belongs to one Map, hence the fresh copies (`empty()`) of the mock's own rules.
    rules = [*(operation_rule(op) for op in operations), *(rule.empty() for rule in MOCK_RULES)]
    return Map(rules, merge_slashes=False)
