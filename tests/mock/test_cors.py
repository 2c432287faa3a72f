"""mockserver.cors: the headers a browser needs, and which pages may read the answers."""

import pytest

from mockserver.cors import CorsPolicy, parse_origin

TOKEN = ["X-Tidepool-Session-Token"]


def test_any_origin_with_the_token_header_exposed():
    headers = dict(CorsPolicy(["*"], TOKEN).headers("http://anywhere.example"))
    assert headers == {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Expose-Headers": "X-Tidepool-Session-Token",
    }


def test_listed_origins_are_echoed_and_others_get_nothing_to_read():
    policy = CorsPolicy(["http://localhost:3000", "https://app.example"], TOKEN)
    assert dict(policy.headers("https://app.example"))["Access-Control-Allow-Origin"] == (
        "https://app.example"
    )
    assert dict(policy.headers("http://evil.example")) == {"Vary": "Origin"}
    assert dict(policy.headers(None)) == {"Vary": "Origin"}


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://localhost:3000", True),
        ("http://127.0.0.1:8080", True),
        ("http://[::1]:3000", True),
        ("http://app.localhost", True),
        ("http://localhost.evil.example", False),
        ("https://example.org", False),
        ("null", False),
    ],
)
def test_loopback_allows_pages_of_this_machine_only(origin, allowed):
    assert CorsPolicy(["loopback"], TOKEN).allows(origin) is allowed


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("*", "*"), ("loopback", "loopback"), ("HTTP://LocalHost:3000", "http://localhost:3000")],
)
def test_an_origin_is_parsed_as_browsers_send_it(text, parsed):
    assert parse_origin(text) == parsed


@pytest.mark.parametrize(
    "text",
    [
        "localhost:3000",
        "http://localhost:3000/",
        "http://x/app",
        "ftp://x",
        "http://",
        "http://a:99999",
        "http://u@x",
        "http://x?q",
    ],
)
def test_anything_but_an_origin_is_refused(text):
    with pytest.raises(ValueError, match="is not an origin"):
        parse_origin(text)


def test_preflight_allows_the_route_methods_and_the_clients_headers():
    headers = dict(CorsPolicy(["*"], TOKEN).preflight_headers(["GET", "HEAD"]))
    assert headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS" == headers["Allow"]
    allowed = {h.strip() for h in headers["Access-Control-Allow-Headers"].split(",")}
    assert {
        "X-Tidepool-Session-Token",
        "X-Tidepool-Trace-Session",
        "Authorization",
        "Prefer",
    } <= allowed
    assert int(headers["Access-Control-Max-Age"]) > 0
