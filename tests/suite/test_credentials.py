"""Credentials are checked with the environment's auth service before any metrics request.

Each problem a pipeline meets (a stale token, a failed login, a token of the wrong kind, a
kind missing under --strict-auth, an environment without an auth service) is one
CredentialProblem naming the variable, never the secret.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest
import requests
from broken_servers import (
    PASSWORD,
    SERVER_NAME,
    SERVER_SECRET,
    SERVER_TOKEN,
    USER_ID,
    USER_TOKEN,
    USERNAME,
    create_app,
    recorded,
    serving,
)
from werkzeug.wrappers import Request, Response

from contract_tests.credentials import (
    VARIABLES,
    Credential,
    CredentialProblem,
    Tokens,
    check_credentials,
    log_out,
)
from contract_tests.redaction import Redactor


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def check():
    """check_credentials against the reference environment, the way the plugin calls it."""
    with serving(create_app()) as base_url, requests.Session() as http:
        yield lambda strict=False: check_credentials(
            http, base_url, is_mock=False, strict=strict, redactor=Redactor()
        )


def test_valid_tokens_are_kept_with_the_users_id(environment, check) -> None:
    environment.setenv("TIDEPOOL_SESSION_TOKEN", USER_TOKEN)
    environment.setenv("TIDEPOOL_SERVER_TOKEN", SERVER_TOKEN)

    tokens = check()

    assert tokens.tokens[Credential.USER] == USER_TOKEN
    assert tokens.tokens[Credential.SERVER] == SERVER_TOKEN
    assert tokens.user_id == USER_ID
    assert tokens.sessions == ()  # given tokens are not the suite's to log out


def test_logins_give_tokens_that_are_logged_out_at_the_end(environment, check) -> None:
    environment.setenv("TIDEPOOL_USERNAME", USERNAME)
    environment.setenv("TIDEPOOL_PASSWORD", PASSWORD)
    environment.setenv("TIDEPOOL_SERVER_NAME", SERVER_NAME)
    environment.setenv("TIDEPOOL_SERVER_SECRET", SERVER_SECRET)

    tokens = check()

    assert set(tokens.sessions) == {USER_TOKEN, SERVER_TOKEN}


@pytest.mark.parametrize(
    ("variables", "said"),
    [
        (
            {"TIDEPOOL_SESSION_TOKEN": "expired-token"},
            "TIDEPOOL_SESSION_TOKEN is not a valid token at * (expired, revoked, or from another "
            "environment): GET /auth/token answered 401",
        ),
        (
            {"TIDEPOOL_SESSION_TOKEN": SERVER_TOKEN},
            "TIDEPOOL_SESSION_TOKEN is a server token; a user token is needed there (are the two "
            "token variables swapped?)",
        ),
        (
            {"TIDEPOOL_SERVER_TOKEN": USER_TOKEN},
            "TIDEPOOL_SERVER_TOKEN is a user token; a server token is needed there*",
        ),
        (
            {"TIDEPOOL_USERNAME": USERNAME, "TIDEPOOL_PASSWORD": "wrong-password"},
            "the login as TIDEPOOL_USERNAME 'reference@example.org' failed: POST */auth/login "
            "answered 401 without a token; check it and TIDEPOOL_PASSWORD",
        ),
        (
            {"TIDEPOOL_SERVER_NAME": SERVER_NAME, "TIDEPOOL_SERVER_SECRET": "wrong-secret"},
            "the server login as TIDEPOOL_SERVER_NAME 'reference-server' failed: *",
        ),
        (
            {"TIDEPOOL_SESSION_TOKEN": "pasted\nwith a newline"},
            "could not check TIDEPOOL_SESSION_TOKEN: GET */auth/token: InvalidHeader",
        ),
    ],
    ids=["expired", "server-as-user", "user-as-server", "user-login", "server-login", "malformed"],
)
def test_each_credential_problem_is_one_line_naming_the_variable(
    environment, check, variables, said
) -> None:
    for name, value in variables.items():
        environment.setenv(name, value)

    with pytest.raises(CredentialProblem) as problem:
        check()

    message = str(problem.value)
    assert "\n" not in message
    assert fnmatchcase(message, said), message
    for secret in ("expired-token", "wrong-", "pasted", USER_TOKEN, SERVER_TOKEN):
        assert secret not in message


def test_strict_auth_names_the_variables_of_a_missing_kind(environment, check) -> None:
    environment.setenv("TIDEPOOL_SESSION_TOKEN", USER_TOKEN)

    with pytest.raises(
        CredentialProblem, match="--strict-auth: no server token: set TIDEPOOL_SERVER_TOKEN"
    ):
        check(strict=True)
    assert check().missing.keys() == {Credential.SERVER}


@pytest.fixture
def auth_calls():
    """check_credentials against the reference environment, and each request it got:
    method, path and the token it carried."""
    app, seen = recorded(
        create_app(),
        lambda request: (
            request.method,
            request.path,
            request.headers.get("X-Tidepool-Session-Token"),
        ),
    )
    with serving(app) as base_url, requests.Session() as http:
        yield (
            lambda strict=False: check_credentials(
                http, base_url, is_mock=False, strict=strict, redactor=Redactor()
            ),
            seen,
        )


def test_strict_auth_refuses_before_any_login(environment, auth_calls) -> None:
    check, seen = auth_calls
    environment.setenv("TIDEPOOL_USERNAME", USERNAME)
    environment.setenv("TIDEPOOL_PASSWORD", PASSWORD)

    with pytest.raises(CredentialProblem, match="--strict-auth: no server token"):
        check(strict=True)
    assert seen == []  # no session was opened, so none is left open


def test_a_failed_check_closes_the_sessions_it_opened(environment, auth_calls) -> None:
    """The user login succeeds, then the server token is of the wrong kind: the run stops,
    and the session the login opened is closed before it does."""
    check, seen = auth_calls
    environment.setenv("TIDEPOOL_USERNAME", USERNAME)
    environment.setenv("TIDEPOOL_PASSWORD", PASSWORD)
    environment.setenv("TIDEPOOL_SERVER_TOKEN", USER_TOKEN)

    with pytest.raises(CredentialProblem, match="TIDEPOOL_SERVER_TOKEN is a user token"):
        check()
    assert seen[0][:2] == ("POST", "/auth/login")
    assert seen[-1] == ("POST", "/auth/logout", USER_TOKEN)


def test_an_environment_without_an_auth_service_cannot_be_checked(environment) -> None:
    environment.setenv("TIDEPOOL_SESSION_TOKEN", USER_TOKEN)
    no_auth = Request.application(lambda request: Response(status=404))

    with (
        serving(no_auth) as base_url,
        requests.Session() as http,
        pytest.raises(
            CredentialProblem,
            match="could not check TIDEPOOL_SESSION_TOKEN: GET .*/auth/token answered 404",
        ),
    ):
        check_credentials(http, base_url, is_mock=False, strict=False, redactor=Redactor())


def test_logging_out_a_dead_environment_changes_nothing() -> None:
    with serving(create_app()) as base_url:
        pass
    tokens = Tokens(sessions=("a-token",))
    with requests.Session() as http:
        log_out(http, base_url, tokens)  # no exception: the verdict is already decided
