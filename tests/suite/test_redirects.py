"""No request of the suite follows a redirect, so no token reaches another origin.

requests follows redirects by default and strips only `Authorization` when the host
changes: `X-Tidepool-Session-Token` would go along. Here a stand-in environment answers
one kind of request with 307 to another port on loopback, the token echoed in the
Location's query, and a listener there must see no request at all. A 3xx from the auth
service stops the run as "not verified: credentials"; a 3xx to a metrics request is an
answer, undocumented, so it breaks R6 (among others), and the failure shows where it
pointed, the query withheld. pytest-base-url's `--verify-base-url` would send a GET that
follows redirects, with the ~/.netrc credentials of whatever host they name: the suite
refuses it.
"""

from __future__ import annotations

import base64

import pytest
import requests
from broken_servers import (
    PASSWORD,
    REFERENCE_TOKENS,
    SERVER_NAME,
    SERVER_SECRET,
    SERVER_TOKEN,
    USER_TOKEN,
    USERNAME,
    create_app,
    journal_mock,
    listening,
    redirecting,
    serving,
)

LOGINS = {
    "TIDEPOOL_USERNAME": USERNAME,
    "TIDEPOOL_PASSWORD": PASSWORD,
    "TIDEPOOL_SERVER_NAME": SERVER_NAME,
    "TIDEPOOL_SERVER_SECRET": SERVER_SECRET,
}
SECRETS = (USER_TOKEN, SERVER_TOKEN, PASSWORD, SERVER_SECRET)
NOT_FOLLOWED = "Verdict: not verified: credentials: could not check {source}*answered 307, "
WITHHELD = "a redirect to {to} (the rest withheld: it may carry a secret)*"


# Each kind of request the suite makes: what is redirected, the credentials set, the
# options of the run, its exit status and the line that says why.
CASES = {
    "login": ("/auth/login", LOGINS, (), 4, NOT_FOLLOWED + WITHHELD, "the login as*"),
    "server login": ("/auth/serverlogin", LOGINS, (), 4, NOT_FOLLOWED + WITHHELD, "the server*"),
    "token check": ("/auth/token", REFERENCE_TOKENS, (), 4, NOT_FOLLOWED + WITHHELD, "TIDEPOOL*"),
    "user check": ("/auth/user", REFERENCE_TOKENS, (), 4, NOT_FOLLOWED + WITHHELD, "TIDEPOOL*"),
    "logout": (
        "/auth/logout",
        LOGINS,
        ("-k", "auth_matrix"),
        0,
        "Verdict: the contract holds*",
        "",
    ),
    "metrics": (
        "/metrics/",
        REFERENCE_TOKENS,
        (
            "-k",
            "auth_matrix or RecordMetricsEventForServer_with_server",
            "--hypothesis-profile=quick",
        ),
        1,
        "FAILED *got 307, a redirect, not followed, to {to} (the rest withheld*R6*",
        "",
    ),
}


@pytest.mark.parametrize(
    ("prefix", "credentials", "options", "status", "said", "source"),
    list(CASES.values()),
    ids=list(CASES),
)
def test_a_redirect_is_never_followed(
    run_suite,
    monkeypatch: pytest.MonkeyPatch,
    pytester: pytest.Pytester,
    prefix,
    credentials,
    options,
    status,
    said,
    source,
) -> None:
    for name, value in credentials.items():
        monkeypatch.setenv(name, value)
    with (
        listening() as (elsewhere, seen),
        serving(redirecting(create_app(), prefix, elsewhere)) as base_url,
    ):
        result = run_suite(
            f"--base-url={base_url}", "--summary-file=summary.md", "--junitxml=junit.xml", *options
        )

    output = result.stdout.str() + result.stderr.str()
    assert result.ret == status, output
    result.stdout.fnmatch_lines([said.format(source=source, to=elsewhere)])
    assert seen == []
    reports = (
        output
        + (pytester.path / "summary.md").read_text()
        + (pytester.path / "junit.xml").read_text()
    )
    assert not [secret for secret in SECRETS if secret in reports]
    assert "Traceback" not in output


def test_a_redirected_journal_is_not_read_elsewhere(run_suite) -> None:
    with (
        listening() as (elsewhere, seen),
        journal_mock() as mock,
        serving(redirecting(mock, "/__mock/", elsewhere)) as base_url,
    ):
        result = run_suite(f"--base-url={base_url}", "-k", "auth_matrix or recorded_events")

    assert result.ret == 0, result.stdout.str()
    assert seen == []


def test_the_listener_would_see_the_token_if_a_redirect_were_followed() -> None:
    """requests' own default, which the suite turns off: the token goes to the other port."""
    with (
        listening() as (elsewhere, seen),
        serving(redirecting(create_app(), "/", elsewhere)) as base_url,
    ):
        requests.get(
            f"{base_url}/metrics/thisuser/e",
            headers={"X-Tidepool-Session-Token": USER_TOKEN},
            timeout=10,
        )

    assert [headers.get("X-Tidepool-Session-Token") for headers in seen] == [USER_TOKEN]


NETRC_PASSWORD = "netrc-secret-4d2c"


@pytest.fixture
def netrc_for_loopback(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """A ~/.netrc (requests reads the file NETRC names) with a password for 127.0.0.1."""
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login alice password {NETRC_PASSWORD}\n")
    monkeypatch.setenv("NETRC", str(netrc))


@pytest.mark.parametrize("asked", ["option", "environment"])
def test_pytest_base_urls_check_is_refused_before_any_request(
    run_suite, monkeypatch: pytest.MonkeyPatch, netrc_for_loopback, asked
) -> None:
    options = ["--verify-base-url"] if asked == "option" else []
    if asked == "environment":
        monkeypatch.setenv("VERIFY_BASE_URL", "true")
    monkeypatch.setenv("TIDEPOOL_SESSION_TOKEN", USER_TOKEN)
    with (
        listening() as (elsewhere, seen),
        serving(redirecting(create_app(), "/", elsewhere)) as base_url,
    ):
        result = run_suite(f"--base-url={base_url}", "-k", "auth_matrix", *options)

    output = result.stdout.str() + result.stderr.str()
    assert seen == [], output
    assert result.ret == 4, output
    assert (
        "--verify-base-url (or VERIFY_BASE_URL) is refused: its check follows redirects" in output
    )
    assert NETRC_PASSWORD not in output and USER_TOKEN not in output


def test_pytest_base_urls_check_would_carry_netrc_credentials_elsewhere(netrc_for_loopback):
    """What the refusal above prevents: the check's own request (pytest_base_url.plugin's
    `_verify_url`, a plain session's GET) follows the 307, and requests adds the netrc
    credentials of the host it lands on."""
    with (
        listening() as (elsewhere, seen),
        serving(redirecting(create_app(), "/", elsewhere)) as base_url,
    ):
        requests.Session().get(base_url, timeout=10)

    basic = base64.b64encode(f"alice:{NETRC_PASSWORD}".encode()).decode()
    assert [headers.get("Authorization") for headers in seen] == [f"Basic {basic}"]
