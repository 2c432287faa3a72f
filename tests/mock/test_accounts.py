"""mockserver.auth.accounts: who may log in, from an accounts file or by default."""

import pytest

from mockserver.auth.accounts import (
    DEFAULT_SERVER_SECRET,
    SERVER,
    USER,
    Accounts,
    AccountsError,
    Principal,
    basic_credentials,
    derive_userid,
)

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
    assert basic_credentials(header) == expected


def test_usernames_are_matched_without_regard_to_case(accounts_file):
    listed = Accounts.from_file(accounts_file)
    assert listed.user_login("ALICE@example.ORG", "alice-password").id == "0d4f6a93b2"
    assert listed.user_login("ALICE@example.ORG", "ALICE-PASSWORD") is None
    anyone = Accounts()
    assert anyone.user_login("Bob@Example.org", "x") == anyone.user_login("bob@example.org", "y")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "users:\n  - {username: A@x.org, password: a}\n  - {username: a@X.org, password: b}\n",
            "users entry 2: username 'a@X.org' is listed twice",
        ),
        (
            "servers:\n  - {name: w, secret: a}\n  - {name: w, secret: b}\n",
            "servers entry 2: server 'w' is listed twice",
        ),
        (
            "users:\n  - {username: a, password: a, token: t}\n"
            "servers:\n  - {name: w, secret: b, token: t}\n",
            "servers entry 1: its token is already the token of another account",
        ),
    ],
)
def test_an_ambiguous_accounts_file_is_refused(tmp_path, text, message):
    path = tmp_path / "accounts.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AccountsError, match=message):
        Accounts.from_file(path)
