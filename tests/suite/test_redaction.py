"""Tokens never reach a report: schemathesis's curl masks our header, and ours does too."""

from __future__ import annotations

import pytest

from contract_tests.redaction import FILTERED, Redactor, curl_command, shown_location
from contract_tests.schema import load
from contract_tests.spec import SPEC_PATH, operations

TOKEN = "a-secret-session-token"


def test_schemathesis_curl_masks_the_session_token_header() -> None:
    operation = operations()[0]
    case = load(SPEC_PATH)[operation.path_template][operation.method].Case(
        path_parameters=operation.examples, query={"source": "care-team"}
    )

    curl = case.as_curl_command(
        headers={operation.token_header: TOKEN}, base_url="http://127.0.0.1:1"
    )

    assert TOKEN not in curl
    assert f"{operation.token_header}: {FILTERED}" in curl


def test_our_curl_masks_the_token_header_whatever_its_case() -> None:
    curl = curl_command(
        "GET",
        "http://127.0.0.1:1/metrics/thisuser/a%20b",
        {"x-tidepool-session-token": TOKEN},
        "X-Tidepool-Session-Token",
    )

    assert (
        curl
        == f"curl -X GET --globoff --path-as-is -H 'x-tidepool-session-token: {FILTERED}' http://127.0.0.1:1/metrics/thisuser/a%20b"
    )


def test_the_redactor_replaces_every_registered_secret() -> None:
    redactor = Redactor()
    redactor.register(TOKEN)
    redactor.register("a-secret")
    redactor.register(None)

    assert (
        redactor.redact(f"token {TOKEN}, short a-secret") == f"token {FILTERED}, short {FILTERED}"
    )


@pytest.mark.parametrize(
    ("location", "shown"),
    [
        ("https://qa2.example.org/login/next", "https://qa2.example.org/login/next"),
        ("/login", "/login"),
        (
            "http://127.0.0.1:9/a?session=s3cret",
            "http://127.0.0.1:9 (the rest withheld: it may carry a secret)",
        ),
        (
            "https://user:pw@evil.example/",
            "https://evil.example (the rest withheld: it may carry a secret)",
        ),
        (
            "https://evil.example/#token",
            "https://evil.example (the rest withheld: it may carry a secret)",
        ),
        ("/next?token=s3cret", "the target (the rest withheld: it may carry a secret)"),
        ("http://host:99999/", "a malformed Location"),
    ],
)
def test_a_redirect_is_shown_without_what_may_carry_a_secret(location: str, shown: str) -> None:
    assert shown_location(location) == shown
