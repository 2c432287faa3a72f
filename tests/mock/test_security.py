"""mockserver.auth.security: each operation's `security` alternatives, applied to a request."""

import pytest

from mockserver.auth.accounts import SERVER, USER, Accounts, Principal
from mockserver.auth.security import Unauthorized, authorize
from mockserver.auth.tokens import Tokens
from mockserver.config import DEFAULT_SPEC_PATH
from mockserver.spec import Operation, TokenScheme, load_spec

KEY = b"k" * 32
TOKEN = "X-Tidepool-Session-Token"


@pytest.fixture(scope="module")
def operations():
    return {op.operation_id: op for op in load_spec(DEFAULT_SPEC_PATH).operations}


@pytest.mark.parametrize(
    ("operation_id", "token_kind", "allowed"),
    [
        ("RecordMetricsEventForNamedUser", None, True),
        ("RecordMetricsEventForNamedUser", USER, True),
        ("RecordMetricsEventForNamedUser", SERVER, True),
        ("RecordMetricsEventForNamedUser", "invalid", False),
        ("RecordMetricsEventForLoggedInUser", None, False),
        ("RecordMetricsEventForLoggedInUser", USER, True),
        ("RecordMetricsEventForLoggedInUser", SERVER, False),
        ("RecordMetricsEventForLoggedInUser", "invalid", False),
        ("RecordMetricsEventForServer", None, False),
        ("RecordMetricsEventForServer", USER, False),
        ("RecordMetricsEventForServer", SERVER, True),
        ("RecordMetricsEventForServer", "invalid", False),
    ],
)
def test_authorize_applies_rules_r1_to_r3_from_the_spec(
    operations, operation_id, token_kind, allowed
):
    tokens = Tokens(Accounts(), KEY)
    principals = {USER: Principal(USER, "u", "u", ("u",)), SERVER: Principal(SERVER, "s")}
    headers = {}
    if token_kind == "invalid":
        headers[TOKEN] = "invalid"
    elif token_kind is not None:
        headers[TOKEN] = tokens.issue(principals[token_kind])
    if allowed:
        assert authorize(operations[operation_id], headers, tokens.identify) == principals.get(
            token_kind
        )
    else:
        with pytest.raises(Unauthorized):
            authorize(operations[operation_id], headers, tokens.identify)


def test_the_principal_of_the_alternative_met_is_returned_not_the_first_token_sent():
    user_only = TokenScheme("userOnly", "X-User-Token", frozenset({USER}))
    server_only = TokenScheme("serverOnly", "X-Server-Token", frozenset({SERVER}))
    operation = Operation("Op", "GET", "/x", (), ((user_only,), (server_only,)), frozenset({200}))
    tokens = Tokens(Accounts(), KEY)
    worker = Principal(SERVER, "worker")
    headers = {
        "X-User-Token": tokens.issue(Principal(SERVER, "other")),
        "X-Server-Token": tokens.issue(worker),
    }
    assert authorize(operation, headers, tokens.identify) == worker


@pytest.mark.parametrize(
    ("token_kind", "reason"),
    [(None, "No session token"), ("invalid", "not valid"), (SERVER, "of a kind")],
)
def test_a_refusal_says_why(operations, token_kind, reason):
    tokens = Tokens(Accounts(), KEY)
    headers = {}
    if token_kind == "invalid":
        headers[TOKEN] = "invalid"
    elif token_kind is not None:
        headers[TOKEN] = tokens.issue(Principal(SERVER, "s"))
    with pytest.raises(Unauthorized, match=reason):
        authorize(operations["RecordMetricsEventForLoggedInUser"], headers, tokens.identify)
