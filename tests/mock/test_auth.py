"""mockserver.auth: accounts, tokens and each operation's security requirements."""

import pytest

from mockserver.auth import (
    DEFAULT_SERVER_SECRET,
    SERVER,
    USER,
    Accounts,
    AccountsError,
    Authority,
    Principal,
    Unauthorized,
    derive_userid,
)
from mockserver.config import DEFAULT_SPEC_PATH
from mockserver.spec import load_spec

KEY = b"k" * 32
TOKEN = "X-Tidepool-Session-Token"
ACCOUNTS_YAML = """
users:
  - username: alice@example.org
    password: alice-password
    userid: 0d4f6a93b2
    emails: [alice@example.org, a@example.org]
    token: ci-alice-token
  - username: bob
    password: bob-password
servers:
  - name: clinic-worker
    secret: worker-secret
    token: ci-worker-token
"""


@pytest.fixture(scope="module")
def operations():
    return {op.operation_id: op for op in load_spec(DEFAULT_SPEC_PATH).operations}


@pytest.fixture
def accounts_file(tmp_path):
    path = tmp_path / "accounts.yaml"
    path.write_text(ACCOUNTS_YAML, encoding="utf-8")
    return path


def test_userid_is_ten_hex_digits_stable_per_username():
    assert derive_userid("alice@example.org") == derive_userid("alice@example.org")
    assert derive_userid("alice@example.org") != derive_userid("bob@example.org")
    assert len(derive_userid("x")) == 10 and int(derive_userid("x"), 16) >= 0


def test_by_default_any_username_logs_in_with_any_password():
    principal = Accounts().user_login("someone@example.org", "whatever")
    assert principal == Principal(
        USER, derive_userid("someone@example.org"), "someone@example.org", ("someone@example.org",)
    )
    assert Accounts().user_login("", "whatever") is None


def test_by_default_any_server_logs_in_with_the_documented_secret():
    assert Accounts().server_login("any-server", DEFAULT_SERVER_SECRET) == Principal(
        SERVER, "any-server"
    )
    assert Accounts().server_login("any-server", "wrong") is None
    assert Accounts().server_login("", DEFAULT_SERVER_SECRET) is None


def test_an_accounts_file_lets_only_its_accounts_in(accounts_file):
    accounts = Accounts.from_file(accounts_file)
    alice = accounts.user_login("alice@example.org", "alice-password")
    assert alice == Principal(
        USER, "0d4f6a93b2", "alice@example.org", ("alice@example.org", "a@example.org")
    )
    assert accounts.user_login("bob", "bob-password").id == derive_userid("bob")
    assert accounts.user_login("bob", "bob-password").emails == ("bob",)
    assert accounts.user_login("alice@example.org", "wrong") is None
    assert accounts.user_login("mallory", "alice-password") is None
    assert accounts.server_login("clinic-worker", "worker-secret") == Principal(
        SERVER, "clinic-worker"
    )
    assert accounts.server_login("clinic-worker", DEFAULT_SERVER_SECRET) is None
    assert accounts.server_login("other", "worker-secret") is None


def test_fixed_tokens_from_the_file_identify_their_accounts(accounts_file):
    authority = Authority(Accounts.from_file(accounts_file), KEY)
    assert authority.identify("ci-alice-token").id == "0d4f6a93b2"
    assert authority.identify("ci-worker-token") == Principal(SERVER, "clinic-worker")


def test_describe_names_accounts_but_never_passwords_or_tokens(accounts_file):
    described = Accounts.from_file(accounts_file).describe()
    assert described == {
        "accountsFile": str(accounts_file),
        "users": ["alice@example.org", "bob"],
        "servers": ["clinic-worker"],
        "serverSecret": None,
    }
    assert Accounts().describe()["serverSecret"] == DEFAULT_SERVER_SECRET


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a list\n", "expected a mapping"),
        ("admins: []\n", "expected a mapping"),
        ("users:\n  - username: a\n", "needs password, username"),
        ("users:\n  - {username: a, password: b, role: admin}\n", "unknown keys role"),
        ("servers:\n  - {name: a}\n", "servers entry 1: needs name, secret"),
    ],
)
def test_a_malformed_accounts_file_is_refused_with_where(tmp_path, text, message):
    path = tmp_path / "accounts.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AccountsError, match=message):
        Accounts.from_file(path)


def test_an_issued_token_identifies_its_principal_and_is_new_each_time():
    authority = Authority(Accounts(), KEY)
    alice = Principal(USER, "0d4f6a93b2", "alice", ("alice@example.org",))
    first, second = authority.issue(alice), authority.issue(alice)
    assert first != second
    assert authority.identify(first) == authority.identify(second) == alice


def test_a_token_is_valid_under_the_same_key_only():
    token = Authority(Accounts(), KEY).issue(Principal(SERVER, "s"))
    assert Authority(Accounts(), KEY).identify(token) == Principal(SERVER, "s")
    assert Authority(Accounts(), b"other" * 8).identify(token) is None


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "eyJ" + token[3:],
        lambda token: token.split(".")[0],
        lambda token: "",
        lambda token: "not a token",
        lambda token: "é.ü",
        lambda token: "....",
        lambda token: "%%%.***",
    ],
)
def test_a_forged_or_garbled_token_is_invalid(forge):
    authority = Authority(Accounts(), KEY)
    assert authority.identify(forge(authority.issue(Principal(USER, "u", "u", ("u",))))) is None


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
    authority = Authority(Accounts(), KEY)
    principals = {USER: Principal(USER, "u", "u", ("u",)), SERVER: Principal(SERVER, "s")}
    headers = {}
    if token_kind == "invalid":
        headers[TOKEN] = "invalid"
    elif token_kind is not None:
        headers[TOKEN] = authority.issue(principals[token_kind])
    if allowed:
        assert authority.authorize(operations[operation_id], headers) == principals.get(token_kind)
    else:
        with pytest.raises(Unauthorized):
            authority.authorize(operations[operation_id], headers)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Basic YWxpY2U6cHc6d2l0aDpjb2xvbnM=", ("alice", "pw:with:colons")),
        ("basic w6l0w6k6cMOpc3Nz", ("été", "pésss")),
        ("Basic OnB3", ("", "pw")),
        (None, None),
        ("Bearer YWxpY2U6cHc=", None),
        ("Basic YWxpY2U=", None),  # no colon
        ("Basic %%%\xff", None),  # not base64, not even ASCII: Werkzeug's parser raises here
        ("Basic /w==", None),  # base64 of a byte that is not UTF-8
    ],
)
def test_basic_credentials_are_parsed_strictly(header, expected):
    from mockserver.auth import basic_credentials

    assert basic_credentials(header) == expected
