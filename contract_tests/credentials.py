"""The tokens the suite sends, each checked with the environment's auth service first.

A deploy gate passes tokens in `TIDEPOOL_SESSION_TOKEN` / `TIDEPOOL_SERVER_TOKEN`; a QA
run may pass credentials instead, which log in once per session (and log out at the end,
or as soon as the check fails). `--strict-auth` refuses a missing kind before any login,
so that a refused run opens no session in a shared environment.
Against the mock the suite logs in through the mock's own login, with any username and
the server secret the mock states in `GET /__mock/status`. Invalid tokens are made up here.

Before any metrics request, each token is checked the way Tidepool's services check one
(shoreline, served by the gateway under /auth): `GET /auth/token` says whether it is valid
and whether it is a server token; a user token must also give its user (`GET /auth/user`,
as Tidepool's web client does after login). A stale secret, a failed login or a token of
the wrong kind is one line naming the variable: the run could not verify the contract,
which is not the same as the contract being broken.
"""

from __future__ import annotations

import contextlib
import enum
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

import requests

from contract_tests.redaction import Redactor, shown_location

TOKEN_HEADER = "X-Tidepool-Session-Token"
SERVER_NAME_HEADER = "X-Tidepool-Server-Name"
SERVER_SECRET_HEADER = "X-Tidepool-Server-Secret"
DEMO_USERNAME = "contract-tests@example.org"
DEMO_PASSWORD = "contract-tests"
DEMO_SERVER_NAME = "contract-tests"
SECRET_VARIABLES = (
    "TIDEPOOL_SESSION_TOKEN",
    "TIDEPOOL_SERVER_TOKEN",
    "TIDEPOOL_PASSWORD",
    "TIDEPOOL_SERVER_SECRET",
)
# Every variable the suite reads credentials from.
VARIABLES = (
    "TIDEPOOL_SESSION_TOKEN",
    "TIDEPOOL_SERVER_TOKEN",
    "TIDEPOOL_USERNAME",
    "TIDEPOOL_PASSWORD",
    "TIDEPOOL_SERVER_NAME",
    "TIDEPOOL_SERVER_SECRET",
)


class Credential(enum.StrEnum):
    """What a request carries in the token header: its text reads in a sentence ("with a
    user token"), its `key` is how files, HARs, test ids and options name it."""

    NONE = "no token"
    INVALID = "an invalid token"
    USER = "a user token"
    SERVER = "a server token"

    @property
    def key(self) -> str:
        """none, invalid, user or server: the one spelling outside a sentence."""
        return self.name.lower()

    @classmethod
    def by_key(cls, key: object) -> Credential | None:
        """The credential a file or a HAR names by its key; None for any other value."""
        return next((credential for credential in cls if credential.key == key), None)

    @property
    def token_kind(self) -> str | None:
        """The spec's token kind (x-token-kinds) of a valid token of this credential."""
        return self.key if self in (Credential.USER, Credential.SERVER) else None


HOW_TO_SET = {
    Credential.USER: "set TIDEPOOL_SESSION_TOKEN, or TIDEPOOL_USERNAME and TIDEPOOL_PASSWORD",
    Credential.SERVER: "set TIDEPOOL_SERVER_TOKEN, or TIDEPOOL_SERVER_NAME and TIDEPOOL_SERVER_SECRET",
}


# Per kind of token: the variable of a ready token, else the variables of a login.
SOURCES = {
    Credential.USER: ("TIDEPOOL_SESSION_TOKEN", ("TIDEPOOL_USERNAME", "TIDEPOOL_PASSWORD")),
    Credential.SERVER: (
        "TIDEPOOL_SERVER_TOKEN",
        ("TIDEPOOL_SERVER_NAME", "TIDEPOOL_SERVER_SECRET"),
    ),
}


class CredentialProblem(Exception):
    """A credential is missing, refused or of the wrong kind; the message names the variable."""


@dataclass(frozen=True)
class Tokens:
    """A token per credential kind; a kind without a token has the reason in `missing`."""

    tokens: dict[Credential, str] = field(default_factory=dict)
    missing: dict[Credential, str] = field(default_factory=dict)
    # The user id the user token belongs to, as the auth service told.
    user_id: str | None = None
    # Tokens the suite logged in for itself, to log out when the run ends.
    sessions: tuple[str, ...] = ()

    def header_for(self, credential: Credential) -> dict[str, str]:
        """The request headers that carry `credential` (empty for no token)."""
        if credential is Credential.NONE:
            return {}
        return {TOKEN_HEADER: self.tokens[credential]}


@dataclass(frozen=True)
class _Given:
    token: str
    source: str  # what the user set, as named in an error
    logged_in: bool


def check_credentials(
    http: requests.Session,
    base_url: str,
    *,
    is_mock: bool,
    strict: bool,
    redactor: Redactor,
    environ: Mapping[str, str] = os.environ,
) -> Tokens:
    """The tokens to send, each valid and of its kind; raise CredentialProblem otherwise.

    `environ`: where the variables are read (parity.py gives each target its own)."""
    for name in SECRET_VARIABLES:
        redactor.register(environ.get(name))
    auth = _Auth(http, base_url, redactor)
    mock_secret = auth.mock_server_secret() if is_mock else None
    demo = {
        Credential.USER: (DEMO_USERNAME, DEMO_PASSWORD) if is_mock else None,
        Credential.SERVER: (DEMO_SERVER_NAME, mock_secret) if mock_secret else None,
    }
    login = {Credential.USER: auth.user_login, Credential.SERVER: auth.server_login}
    sources = {
        credential: _source(
            environ.get(token_variable),
            tuple(environ.get(name) for name in login_variables),
            demo[credential],
        )
        for credential, (token_variable, login_variables) in SOURCES.items()
    }
    missing = {credential: HOW_TO_SET[credential] for credential, s in sources.items() if not s}
    if strict and missing:  # decided before any login, which would open a session
        credential, how = next(iter(missing.items()))
        raise CredentialProblem(f"--strict-auth: no {credential.token_kind} token: {how}")
    given: dict[Credential, _Given] = {}
    try:
        for credential, (token_variable, _) in SOURCES.items():
            source = sources[credential]
            if isinstance(source, str):
                given[credential] = _Given(source, token_variable, logged_in=False)
            elif source:
                given[credential] = login[credential](*source)
        return _checked(auth, given, missing, redactor)
    except BaseException:
        # The run stops here (a refused credential, an interrupt): the sessions opened so
        # far are closed first.
        for g in given.values():
            if g.logged_in:
                auth.log_out(g.token)
        raise


def _source(
    token: str | None, credentials: tuple[str | None, ...], demo: tuple[str, str | None] | None
) -> str | tuple[str, str] | None:
    """A given token, else a login's (name, secret) pair, else None."""
    if token:
        return token
    for pair in (credentials, demo):
        if pair and all(pair):
            return pair
    return None


def _checked(
    auth: _Auth,
    given: dict[Credential, _Given],
    missing: dict[Credential, str],
    redactor: Redactor,
) -> Tokens:
    """The tokens, once each is known valid and of its kind."""
    tokens = {Credential.INVALID: "contract-tests-invalid-" + secrets.token_hex(16)}
    user_id = None
    for credential, g in given.items():
        kind, token_user = auth.token_kind(g)
        if kind != credential.token_kind:
            raise CredentialProblem(
                f"{g.source} is a {kind} token; {credential} is needed there"
                + (" (are the two token variables swapped?)" if not g.logged_in else "")
            )
        if credential is Credential.USER:
            user_id = auth.user_of(g) or token_user
        tokens[credential] = g.token
    for token in tokens.values():
        redactor.register(token)
    opened = tuple(g.token for g in given.values() if g.logged_in)
    return Tokens(tokens, missing, user_id, opened)


@dataclass
class _Auth:
    """The environment's auth service, as shoreline serves it under /auth."""

    http: requests.Session
    base_url: str
    redactor: Redactor

    def mock_server_secret(self) -> str | None:
        source, path = "the mock's server secret", "/__mock/status"
        credentials = self._json(self._call("GET", path, source), source, path).get("credentials")
        secret = credentials.get("serverSecret") if isinstance(credentials, dict) else None
        self.redactor.register(secret)
        return secret

    def user_login(self, username: str, password: str) -> _Given:
        source = f"the login as TIDEPOOL_USERNAME {username!r}"
        response = self._call("POST", "/auth/login", source, auth=(username, password))
        return _Given(self._token_of(response, source, "TIDEPOOL_PASSWORD"), source, True)

    def server_login(self, name: str, secret: str) -> _Given:
        source = f"the server login as TIDEPOOL_SERVER_NAME {name!r}"
        headers = {SERVER_NAME_HEADER: name, SERVER_SECRET_HEADER: secret}
        response = self._call("POST", "/auth/serverlogin", source, headers=headers)
        return _Given(self._token_of(response, source, "TIDEPOOL_SERVER_SECRET"), source, True)

    def token_kind(self, given: _Given) -> tuple[str, str | None]:
        """("server" or "user", its user id) from `GET /auth/token`."""
        response = self._call("GET", "/auth/token", given.source, headers=self._header(given))
        self._refused(response, given, "/auth/token")
        body = self._json(response, given.source, "/auth/token")
        kind = "server" if body.get("isserver") is True else "user"
        return kind, body.get("userid")

    def user_of(self, given: _Given) -> str | None:
        response = self._call("GET", "/auth/user", given.source, headers=self._header(given))
        self._refused(response, given, "/auth/user")
        return self._json(response, given.source, "/auth/user").get("userid")

    def log_out(self, token: str) -> None:
        """End a session the suite opened; a failure here changes no verdict."""
        with contextlib.suppress(requests.RequestException):
            self.http.post(f"{self.base_url}/auth/logout", headers={TOKEN_HEADER: token})

    def _call(self, method: str, path: str, source: str, **kwargs) -> requests.Response:
        try:
            response = self.http.request(method, self.base_url + path, **kwargs)
        except (requests.RequestException, ValueError) as error:
            # ValueError: a value that cannot go in a header (a newline, non-Latin-1 text).
            raise CredentialProblem(
                f"could not check {source}: {method} {self.base_url}{path}: {type(error).__name__}"
            ) from None
        if response.is_redirect:
            # Never followed: the credential would go wherever the redirect points.
            where = shown_location(response.headers["Location"])
            raise CredentialProblem(
                f"could not check {source}: {method} {self.base_url}{path} answered "
                f"{response.status_code}, a redirect to {where}; not followed, as credentials "
                f"go to {self.base_url} only"
            )
        return response

    def _token_of(self, response: requests.Response, source: str, secret: str) -> str:
        token = response.headers.get(TOKEN_HEADER)
        if response.status_code != 200 or not token:
            raise CredentialProblem(
                f"{source} failed: {response.request.method} {response.request.url} answered "
                f"{response.status_code} without a token; check it and {secret}"
            )
        self.redactor.register(token)
        return token

    def _refused(self, response: requests.Response, given: _Given, path: str) -> None:
        if response.status_code == 401:
            raise CredentialProblem(
                f"{given.source} is not a valid token at {self.base_url} (expired, revoked, or "
                f"from another environment): GET {path} answered 401"
            )
        if response.status_code != 200:
            raise CredentialProblem(
                f"could not check {given.source}: GET {self.base_url}{path} answered "
                f"{response.status_code}"
            )

    def _json(self, response: requests.Response, source: str, path: str) -> dict:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise CredentialProblem(f"could not check {source}: GET {path} answered no JSON object")
        return body

    @staticmethod
    def _header(given: _Given) -> dict[str, str]:
        return {TOKEN_HEADER: given.token}


def log_out(http: requests.Session, base_url: str, tokens: Tokens) -> None:
    """End the sessions the suite opened itself; a failure here changes no verdict."""
    auth = _Auth(http, base_url, Redactor())
    for token in tokens.sessions:
        auth.log_out(token)
