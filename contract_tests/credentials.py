"""The tokens the suite sends: from the environment, from a login, or from the mock's demo login.

A deploy gate passes tokens in `TIDEPOOL_SESSION_TOKEN` / `TIDEPOOL_SERVER_TOKEN`; a QA
run may pass credentials instead, which log in once per session. Against the mock the
suite logs in through the mock's own endpoints, with any username and the server secret
the mock states in `GET /__mock/status`. Invalid tokens are made up here.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from typing import Any

import requests

from contract_tests.redaction import Redactor
from contract_tests.rules import Credential

TOKEN_HEADER = "X-Tidepool-Session-Token"
SERVER_NAME_HEADER = "X-Tidepool-Server-Name"
SERVER_SECRET_HEADER = "X-Tidepool-Server-Secret"
DEMO_USERNAME = "contract-tests@example.org"
DEMO_PASSWORD = "contract-tests"
DEMO_SERVER_NAME = "contract-tests"

HOW_TO_SET = {
    Credential.USER: "set TIDEPOOL_SESSION_TOKEN, or TIDEPOOL_USERNAME and TIDEPOOL_PASSWORD",
    Credential.SERVER: "set TIDEPOOL_SERVER_TOKEN, or TIDEPOOL_SERVER_NAME and TIDEPOOL_SERVER_SECRET",
}


class LoginFailed(Exception):
    """Credentials were given but the target refused them; the message says which and how."""


@dataclass(frozen=True)
class Tokens:
    """A token per credential kind; a kind without a token has the reason in `missing`."""

    tokens: dict[Credential, str] = field(default_factory=dict)
    missing: dict[Credential, str] = field(default_factory=dict)
    # The user id the user token belongs to, when a login told us.
    user_id: str | None = None

    def header_for(self, credential: Credential) -> dict[str, str]:
        """The request headers that carry `credential` (empty for no token)."""
        if credential is Credential.NONE:
            return {}
        return {TOKEN_HEADER: self.tokens[credential]}


def obtain_tokens(
    session: requests.Session,
    base_url: str,
    *,
    mock_status: dict[str, Any] | None,
    redactor: Redactor,
) -> Tokens:
    environ = os.environ
    for name in (
        "TIDEPOOL_SESSION_TOKEN",
        "TIDEPOOL_SERVER_TOKEN",
        "TIDEPOOL_PASSWORD",
        "TIDEPOOL_SERVER_SECRET",
    ):
        redactor.register(environ.get(name))
    tokens = {Credential.INVALID: "contract-tests-invalid-" + secrets.token_hex(16)}
    missing, user_id = {}, None

    if environ.get("TIDEPOOL_SESSION_TOKEN"):
        tokens[Credential.USER] = environ["TIDEPOOL_SESSION_TOKEN"]
    elif environ.get("TIDEPOOL_USERNAME") and environ.get("TIDEPOOL_PASSWORD"):
        tokens[Credential.USER], user_id = _user_login(
            session, base_url, environ["TIDEPOOL_USERNAME"], environ["TIDEPOOL_PASSWORD"]
        )
    elif mock_status is not None:
        tokens[Credential.USER], user_id = _user_login(
            session, base_url, DEMO_USERNAME, DEMO_PASSWORD
        )
    else:
        missing[Credential.USER] = HOW_TO_SET[Credential.USER]

    mock_secret = (mock_status or {}).get("credentials", {}).get("serverSecret")
    if environ.get("TIDEPOOL_SERVER_TOKEN"):
        tokens[Credential.SERVER] = environ["TIDEPOOL_SERVER_TOKEN"]
    elif environ.get("TIDEPOOL_SERVER_NAME") and environ.get("TIDEPOOL_SERVER_SECRET"):
        tokens[Credential.SERVER] = _server_login(
            session, base_url, environ["TIDEPOOL_SERVER_NAME"], environ["TIDEPOOL_SERVER_SECRET"]
        )
    elif mock_secret:
        redactor.register(mock_secret)
        tokens[Credential.SERVER] = _server_login(session, base_url, DEMO_SERVER_NAME, mock_secret)
    else:
        missing[Credential.SERVER] = HOW_TO_SET[Credential.SERVER]

    for token in tokens.values():
        redactor.register(token)
    return Tokens(tokens, missing, user_id)


def _user_login(
    session: requests.Session, base_url: str, username: str, password: str
) -> tuple[str, str | None]:
    response = session.post(f"{base_url}/auth/login", auth=(username, password))
    token = response.headers.get(TOKEN_HEADER)
    if response.status_code != 200 or not token:
        raise LoginFailed(
            f"POST {base_url}/auth/login as {username!r} answered {response.status_code} without a "
            f"{TOKEN_HEADER} header: check TIDEPOOL_USERNAME / TIDEPOOL_PASSWORD"
        )
    try:
        user_id = response.json().get("userid")
    except ValueError:
        user_id = None
    return token, user_id


def _server_login(session: requests.Session, base_url: str, name: str, secret: str) -> str:
    response = session.post(
        f"{base_url}/auth/serverlogin",
        headers={SERVER_NAME_HEADER: name, SERVER_SECRET_HEADER: secret},
    )
    token = response.headers.get(TOKEN_HEADER)
    if response.status_code != 200 or not token:
        raise LoginFailed(
            f"POST {base_url}/auth/serverlogin as {name!r} answered {response.status_code} without a "
            f"{TOKEN_HEADER} header: check TIDEPOOL_SERVER_NAME / TIDEPOOL_SERVER_SECRET"
        )
    return token
