"""mockserver.auth.tokens: issued tokens identify their principal, under one shared key."""

import pytest

from mockserver.auth.accounts import SERVER, USER, Accounts, Principal
from mockserver.auth.tokens import Tokens, shared_signing_key

KEY = b"k" * 32
FIXED_TOKENS_YAML = """
users:
  - {username: alice@example.org, password: pw, userid: 0d4f6a93b2, token: ci-alice-token}
servers:
  - {name: clinic-worker, secret: worker-secret, token: ci-worker-token}
"""


@pytest.fixture
def accounts_file(tmp_path):
    path = tmp_path / "accounts.yaml"
    path.write_text(FIXED_TOKENS_YAML, encoding="utf-8")
    return path


def test_fixed_tokens_from_the_file_identify_their_accounts(accounts_file):
    tokens = Tokens(Accounts.from_file(accounts_file), KEY)
    assert tokens.identify("ci-alice-token").id == "0d4f6a93b2"
    assert tokens.identify("ci-worker-token") == Principal(SERVER, "clinic-worker")


def test_an_issued_token_identifies_its_principal_and_is_new_each_time():
    tokens = Tokens(Accounts(), KEY)
    alice = Principal(USER, "0d4f6a93b2", "alice", ("alice@example.org",))
    first, second = tokens.issue(alice), tokens.issue(alice)
    assert first != second
    assert tokens.identify(first) == tokens.identify(second) == alice


def test_a_token_is_valid_under_the_same_key_only():
    token = Tokens(Accounts(), KEY).issue(Principal(SERVER, "s"))
    assert Tokens(Accounts(), KEY).identify(token) == Principal(SERVER, "s")
    assert Tokens(Accounts(), b"other" * 8).identify(token) is None


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
    tokens = Tokens(Accounts(), KEY)
    assert tokens.identify(forge(tokens.issue(Principal(USER, "u", "u", ("u",))))) is None


def test_the_signing_key_is_made_once_per_database_and_kept(tmp_path):
    key = shared_signing_key(tmp_path / "journal.sqlite3")
    assert len(key) == 32 and shared_signing_key(tmp_path / "journal.sqlite3") == key
    assert shared_signing_key(tmp_path / "other.sqlite3") != key
