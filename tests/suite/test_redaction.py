"""Tokens never reach a report: schemathesis's curl masks our header, and ours does too."""

from __future__ import annotations

from contract_tests.redaction import FILTERED, Redactor, curl_command
from contract_tests.schema import schema
from contract_tests.spec import operations

TOKEN = "a-secret-session-token"


def test_schemathesis_curl_masks_the_session_token_header() -> None:
    operation = operations()[0]
    case = schema()[operation.path_template][operation.method].Case(
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
