"""mockserver.spec: what the mock reads from an OpenAPI document (not the spec's content
itself, which tests/spec/test_metrics_spec.py checks)."""

import copy
from pathlib import Path

import pytest
import yaml

from mockserver.config import DEFAULT_SPEC_PATH
from mockserver.spec import SpecError, load_spec


@pytest.fixture(scope="module")
def document() -> dict:
    return yaml.safe_load(DEFAULT_SPEC_PATH.read_text(encoding="utf-8"))


def write(tmp_path: Path, document: dict) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_the_metrics_spec_yields_its_three_operations():
    spec = load_spec(DEFAULT_SPEC_PATH)
    operations = {op.operation_id: op for op in spec.operations}
    assert set(operations) == {
        "RecordMetricsEventForNamedUser",
        "RecordMetricsEventForLoggedInUser",
        "RecordMetricsEventForServer",
    }
    named = operations["RecordMetricsEventForNamedUser"]
    assert (named.method, named.path_template) == ("GET", "/metrics/user/{userId}/{eventName}")
    assert named.path_params == ("userId", "eventName")
    assert named.documented_statuses == {200, 401} and named.success_status == 200
    assert spec.title == "Tidepool Metrics API" and spec.token_headers == {
        "X-Tidepool-Session-Token"
    }


def test_security_alternatives_carry_the_token_kinds_of_x_token_kinds():
    operations = {op.operation_id: op for op in load_spec(DEFAULT_SPEC_PATH).operations}
    named = operations["RecordMetricsEventForNamedUser"].security
    assert named[0] == () and {s.name for s in named[1]} == {"anyToken"}
    assert named[1][0].token_kinds == {"user", "server"}
    (this_user,) = operations["RecordMetricsEventForLoggedInUser"].security
    assert [s.token_kinds for s in this_user] == [{"user"}]
    (server,) = operations["RecordMetricsEventForServer"].security
    assert [s.token_kinds for s in server] == [{"server"}]


def test_path_level_refs_are_followed(tmp_path, document):
    changed = copy.deepcopy(document)
    # OpenAPI 3.0 has no components/pathItems: a path item may be kept in an extension.
    changed["components"]["x-path-items"] = {
        "moved": changed["paths"].pop("/metrics/thisuser/{eventName}")
    }
    changed["paths"]["/metrics/thisuser/{eventName}"] = {"$ref": "#/components/x-path-items/moved"}
    ids = {op.operation_id for op in load_spec(write(tmp_path, changed)).operations}
    assert "RecordMetricsEventForLoggedInUser" in ids


def test_global_security_applies_where_an_operation_has_none(tmp_path, document):
    changed = copy.deepcopy(document)
    changed["security"] = [{"serverToken": []}]
    del changed["paths"]["/metrics/thisuser/{eventName}"]["get"]["security"]
    operations = {op.operation_id: op for op in load_spec(write(tmp_path, changed)).operations}
    (alternative,) = operations["RecordMetricsEventForLoggedInUser"].security
    assert [scheme.name for scheme in alternative] == ["serverToken"]


def _without_token_kinds(document):
    del document["components"]["securitySchemes"]["userToken"]["x-token-kinds"]


def _basic_scheme(document):
    document["components"]["securitySchemes"]["userToken"] = {"type": "http", "scheme": "basic"}


def _unknown_scheme(document):
    document["paths"]["/metrics/thisuser/{eventName}"]["get"]["security"] = [{"nope": []}]


def _no_operation_id(document):
    del document["paths"]["/metrics/thisuser/{eventName}"]["get"]["operationId"]


def _no_success_response(document):
    del document["paths"]["/metrics/thisuser/{eventName}"]["get"]["responses"]["200"]


def _remote_ref(document):
    document["paths"]["/metrics/thisuser/{eventName}"] = {"$ref": "other.yaml#/paths/x"}


def _cyclic_refs(document):
    operation = document["paths"]["/metrics/thisuser/{eventName}"]["get"]
    operation["responses"]["200"] = {"$ref": "#/components/responses/A"}
    document["components"]["responses"]["A"] = {"$ref": "#/components/responses/B"}
    document["components"]["responses"]["B"] = {"$ref": "#/components/responses/A"}


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (_without_token_kinds, "x-token-kinds"),
        (_basic_scheme, "only apiKey schemes"),
        (_unknown_scheme, "unknown security scheme 'nope'"),
        (_no_operation_id, "needs an operationId"),
        (_no_success_response, "no 2xx response"),
        (_remote_ref, "a \\$ref leads nowhere: other.yaml"),
        (_cyclic_refs, "its \\$refs form a cycle"),
    ],
)
def test_what_the_mock_cannot_serve_is_refused_with_the_reason(
    tmp_path, document, break_it, message
):
    broken = copy.deepcopy(document)
    break_it(broken)
    with pytest.raises(SpecError, match=message):
        load_spec(write(tmp_path, broken))


def test_a_file_that_is_not_openapi_is_refused(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(SpecError, match="not an OpenAPI document"):
        load_spec(path)
