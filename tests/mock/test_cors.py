"""mockserver.cors: the headers a browser needs."""

from mockserver.cors import CorsPolicy


def test_any_origin_with_the_token_header_exposed():
    headers = dict(CorsPolicy("*", ["X-Tidepool-Session-Token"]).headers())
    assert headers == {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Expose-Headers": "X-Tidepool-Session-Token",
    }


def test_a_restricted_origin_varies_by_origin():
    headers = dict(CorsPolicy("http://localhost:3000", ["X-Tidepool-Session-Token"]).headers())
    assert headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert headers["Vary"] == "Origin"


def test_preflight_allows_the_route_methods_and_the_clients_headers():
    headers = dict(CorsPolicy("*", ["X-Tidepool-Session-Token"]).preflight_headers(["GET", "HEAD"]))
    assert headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS" == headers["Allow"]
    allowed = {h.strip() for h in headers["Access-Control-Allow-Headers"].split(",")}
    assert {
        "X-Tidepool-Session-Token",
        "X-Tidepool-Trace-Session",
        "Authorization",
        "Prefer",
    } <= allowed
    assert int(headers["Access-Control-Max-Age"]) > 0
