"""mockserver.routes: the URL map, matched on raw paths."""

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from mockserver.config import DEFAULT_SPEC_PATH
from mockserver.own_api import own_rules
from mockserver.routes import build_map, operation_rule, path_arguments
from mockserver.spec import Operation, load_spec


@pytest.fixture(scope="module")
def adapter():
    return build_map(load_spec(DEFAULT_SPEC_PATH).operations, own_rules()).bind("mock")


def test_a_rule_per_operation_with_the_operation_id_as_endpoint():
    operation = Operation(
        "Op", "GET", "/a/{first-name}/b/{x}", ("first-name", "x"), (), frozenset({200})
    )
    rule = operation_rule(operation)
    assert (rule.rule, rule.endpoint, rule.methods) == ("/a/<p0>/b/<p1>", "Op", {"GET"})
    assert path_arguments(operation, {"p0": "v0", "p1": "v1"}) == {"first-name": "v0", "x": "v1"}


def test_an_encoded_slash_stays_inside_its_segment(adapter):
    assert adapter.match("/metrics/user/a%2Fb/c%2Fd", "GET") == (
        "RecordMetricsEventForNamedUser",
        {"p0": "a%2Fb", "p1": "c%2Fd"},
    )


@pytest.mark.parametrize(
    "path",
    ["/metrics/user/a/b/c", "/metrics/user/a/b/", "/metrics/user//b", "/metrics/thisuser/"],
)
def test_other_shapes_are_not_found(adapter, path):
    with pytest.raises(NotFound):
        adapter.match(path, "GET")


def test_a_wrong_method_lists_the_allowed_ones(adapter):
    with pytest.raises(MethodNotAllowed) as raised:
        adapter.match("/metrics/thisuser/e", "POST")
    assert set(raised.value.valid_methods) == {"GET"}


def test_the_mocks_own_rules_are_present(adapter):
    assert adapter.match("/auth/login", "POST")[0] == "Login"
    assert adapter.match("/auth/login", "GET")[0] == "RefreshSession"
    assert adapter.match("/__mock/events", "DELETE")[0] == "ClearEvents"
    assert (
        adapter.match("/__mock", "GET")[0] == adapter.match("/__mock/", "GET")[0] == "GetInspector"
    )


def test_maps_can_be_built_more_than_once():
    operations = load_spec(DEFAULT_SPEC_PATH).operations
    assert build_map(operations, own_rules()).bind("a").match("/__mock/status")[0] == "GetStatus"
    assert build_map(operations, own_rules()).bind("b").match("/__mock/status")[0] == "GetStatus"
