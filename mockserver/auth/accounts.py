"""Who may log in: the accounts file, or anyone, and what a login says about who they are.

Accounts file (`--accounts FILE`, YAML); only the accounts listed can log in:

    users:
      - username: alice@example.org      # required
        password: alice-password         # required
        userid: 0d4f6a93b2               # optional; default derived from the username
        emails: [alice@example.org]      # optional; default [username]
        token: ci-alice-token            # optional fixed session token, for CI
    servers:
      - name: clinic-worker              # required
        secret: clinic-worker-secret     # required
        token: ci-clinic-worker-token    # optional fixed server token, for CI

Without a file, any non-empty username logs in with any password, and any server name
logs in with DEFAULT_SERVER_SECRET.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

USER = "user"
SERVER = "server"
DEFAULT_SERVER_SECRET = "mock-server-secret"
EXAMPLE_USERNAME = "demo@example.org"
EXAMPLE_SERVER_NAME = "mock-server"


class AccountsError(ValueError):
    """The accounts file is not in the documented format; the message says where."""


@dataclass(frozen=True)
class Principal:
    """Who a token speaks for: a user (id = userid) or a server (id = server name)."""

    kind: str
    id: str
    username: str = ""
    emails: tuple[str, ...] = ()

    def login_body(self) -> dict[str, Any]:
        return {"userid": self.id, "username": self.username, "emails": list(self.emails)}

    def token_data(self) -> dict[str, Any]:
        """What Tidepool's auth service says of a token: whose it is, and if a server's."""
        return {"userid": self.id, "isserver": self.kind == SERVER}


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(username, password) from an `Authorization: Basic ...` header, None if unusable.

    Written here because Werkzeug's parser raises on non-ASCII input instead of refusing it.
    """
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip().encode("ascii"), validate=True).decode("utf-8")
    except (UnicodeError, binascii.Error):
        return None
    username, colon, password = decoded.partition(":")
    return (username, password) if colon else None


def derive_userid(username: str) -> str:
    """10 hex digits, the same for the same username on every run and machine."""
    return hashlib.sha256(username.encode("utf-8")).hexdigest()[:10]


def _user(username: str, userid: str | None = None, emails: list[str] | None = None) -> Principal:
    return Principal(USER, userid or derive_userid(username), username, tuple(emails or [username]))


@dataclass(frozen=True)
class Accounts:
    """The accounts that may log in; `None` for users or servers means anyone may."""

    # username, case-folded -> (password, principal)
    users: Mapping[str, tuple[str, Principal]] | None = None
    # server name -> secret
    servers: Mapping[str, str] | None = None
    fixed_tokens: Mapping[str, Principal] | None = None
    source: Path | None = None

    @classmethod
    def from_file(cls, path: Path) -> Accounts:
        with open(path, encoding="utf-8") as stream:
            document = yaml.safe_load(stream) or {}
        if not isinstance(document, dict) or set(document) - {"users", "servers"}:
            raise AccountsError(f"{path}: expected a mapping with 'users' and 'servers' lists")
        users: dict[str, tuple[str, Principal]] = {}
        servers: dict[str, str] = {}
        fixed_tokens: dict[str, Principal] = {}
        for where, entry in _entries(
            path, document, "users", {"username", "password"}, {"userid", "emails", "token"}
        ):
            principal = _user(str(entry["username"]), entry.get("userid"), entry.get("emails"))
            if _login_name(principal.username) in users:
                raise AccountsError(f"{where}: username {principal.username!r} is listed twice")
            users[_login_name(principal.username)] = (str(entry["password"]), principal)
            _add_fixed_token(fixed_tokens, where, entry, principal)
        for where, entry in _entries(path, document, "servers", {"name", "secret"}, {"token"}):
            principal = Principal(SERVER, str(entry["name"]))
            if principal.id in servers:
                raise AccountsError(f"{where}: server {principal.id!r} is listed twice")
            servers[principal.id] = str(entry["secret"])
            _add_fixed_token(fixed_tokens, where, entry, principal)
        return cls(users, servers, fixed_tokens, Path(path))

    def user_login(self, username: str, password: str) -> Principal | None:
        if self.users is None:
            return _user(_login_name(username)) if username else None
        password_and_user = self.users.get(_login_name(username))
        if password_and_user and hmac.compare_digest(password_and_user[0], password):
            return password_and_user[1]
        return None

    def server_login(self, name: str, secret: str) -> Principal | None:
        expected = DEFAULT_SERVER_SECRET if self.servers is None else self.servers.get(name)
        if name and expected is not None and hmac.compare_digest(expected, secret):
            return Principal(SERVER, name)
        return None

    def describe(self) -> dict[str, Any]:
        """What /__mock/status and the start banner show: names, never passwords or tokens."""
        return {
            "accountsFile": str(self.source) if self.source else None,
            "users": None
            if self.users is None
            else sorted(principal.username for _, principal in self.users.values()),
            "servers": None if self.servers is None else sorted(self.servers),
            "serverSecret": DEFAULT_SERVER_SECRET if self.servers is None else None,
        }


def _login_name(username: str) -> str:
    """Usernames are e-mail addresses, matched without regard to case, as Tidepool does."""
    return username.casefold()


def _add_fixed_token(
    fixed_tokens: dict[str, Principal], where: str, entry: dict, principal: Principal
) -> None:
    if "token" not in entry:
        return
    token = str(entry["token"])
    if token in fixed_tokens:
        raise AccountsError(f"{where}: its token is already the token of another account")
    fixed_tokens[token] = principal


def _entries(
    path: Path, document: dict, key: str, required: set[str], optional: set[str]
) -> list[tuple[str, dict]]:
    """The entries of one list, each with where it is (for messages), checked for keys."""
    entries = document.get(key) or []
    checked = []
    for number, entry in enumerate(entries, 1):
        where = f"{path}: {key} entry {number}"
        if not isinstance(entry, dict) or not required <= set(entry):
            raise AccountsError(f"{where}: needs {', '.join(sorted(required))}")
        if set(entry) - required - optional:
            raise AccountsError(
                f"{where}: unknown keys {', '.join(sorted(set(entry) - required - optional))}"
            )
        checked.append((where, entry))
    return checked
