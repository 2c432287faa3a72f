"""The hand-written contract states rules R1-R6 in a form that tools read.

The mock and the contract suite are both driven by spec/metrics.v1.yaml, so a rule
that the spec fails to express is a rule that neither of them enforces.
"""

from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

SPEC_PATH = Path(__file__).resolve().parents[2] / "spec" / "metrics.v1.yaml"
TOKEN_HEADER = "X-Tidepool-Session-Token"

OPERATIONS = {
    # operationId: (path, security requirements the operation must list)
    "RecordMetricsEventForNamedUser": (
        "/metrics/user/{userId}/{eventName}",
        [{}, {"anyToken": []}],
    ),
    "RecordMetricsEventForLoggedInUser": ("/metrics/thisuser/{eventName}", [{"userToken": []}]),
    "RecordMetricsEventForServer": (
        "/metrics/server/{serverName}/{eventName}",
        [{"serverToken": []}],
    ),
}

ENVIRONMENTS = {
    "mock": "http://127.0.0.1:8009",
    "integration": "https://external.integration.tidepool.org",
    "production": "https://api.tidepool.org",
    "dev1": "https://dev1.dev.tidepool.org",
    "qa1": "https://qa1.development.tidepool.org",
    "qa2": "https://qa2.development.tidepool.org",
    "redocly-mock": "https://tidepool.redocly.app/_mock/reference/metrics.v1",
}


@pytest.fixture(scope="module")
def spec():
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


def resolve(spec, node):
    """Follow one local `$ref`, as the spec uses them for shared parameters and responses."""
    ref = node.get("$ref")
    if ref is None:
        return node
    target = spec
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return target


def operation(spec, operation_id):
    path, _ = OPERATIONS[operation_id]
    return spec["paths"][path], spec["paths"][path]["get"]


def parameters(spec, operation_id):
    path_item, op = operation(spec, operation_id)
    return [resolve(spec, p) for p in path_item.get("parameters", []) + op.get("parameters", [])]


def test_spec_is_valid_openapi(spec):
    validate(spec)


def test_exactly_three_get_operations_with_tidepools_operation_ids(spec):
    found = {
        op["operationId"]: (path, method)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method != "parameters"
    }
    assert found == {op_id: (path, "get") for op_id, (path, _) in OPERATIONS.items()}


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_security_per_operation(spec, operation_id):
    """R1-R3: /user allows no token or any valid one, /thisuser a user token, /server a server one."""
    _, op = operation(spec, operation_id)
    assert op["security"] == OPERATIONS[operation_id][1]


def test_security_schemes_share_the_session_token_header(spec):
    schemes = spec["components"]["securitySchemes"]
    assert set(schemes) == {"anyToken", "userToken", "serverToken"}
    for scheme in schemes.values():
        assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", TOKEN_HEADER)


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_responses_are_200_with_no_body_and_401(spec, operation_id):
    """R6: success carries no body; every operation documents its 401."""
    _, op = operation(spec, operation_id)
    responses = {code: resolve(spec, r) for code, r in op["responses"].items()}
    assert set(responses) == {"200", "401"}
    assert "content" not in responses["200"]


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_free_form_query_is_declared(spec, operation_id):
    """R4: an exploded free-form object, so generators send arbitrary names and values."""
    query = [p for p in parameters(spec, operation_id) if p["in"] == "query"]
    assert len(query) == 1
    (param,) = query
    assert param["required"] is False
    assert (param["style"], param["explode"]) == ("form", True)
    assert param["schema"]["type"] == "object"
    assert param["schema"]["additionalProperties"] == {"type": "string"}


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_path_names_are_free_form_and_non_empty(spec, operation_id):
    """R1, R5: names and user ids are only required to be non-empty, so no tool expects a 400."""
    path, _ = OPERATIONS[operation_id]
    for param in (p for p in parameters(spec, operation_id) if p["in"] == "path"):
        assert "{" + param["name"] + "}" in path
        assert param["required"] is True
        assert param["schema"] == {"type": "string", "minLength": 1}


def test_slash_in_names_is_decided_and_documented(spec):
    """R5: a name containing `%2F` has one documented meaning."""
    description = spec["components"]["parameters"]["eventName"]["description"]
    assert "%2F" in description


def test_servers_are_listed_by_environment_name(spec):
    assert {s["description"]: s["url"] for s in spec["servers"]} == ENVIRONMENTS
