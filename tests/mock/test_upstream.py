"""Pass-through to a Tidepool environment (--upstream), over real sockets.

A stand-in environment (tidepool_standin.py) runs on 127.0.0.1; the mock runs in front of
it, in-process, as a frontend would use it: log in, ask for the user and their profile,
send metrics. Nothing leaves the machine.
"""

from __future__ import annotations

import base64
import dataclasses
import socket
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from tidepool_standin import (
    ACCEPT_ANYTHING,
    BODY_ON_SUCCESS,
    OWN_ORIGIN,
    PASSWORD,
    REJECT_VALID_TOKENS,
    SERVER_NAME,
    SERVER_SECRET,
    SERVICE_UNAVAILABLE,
    TOKEN_HEADER,
    USERID,
    USERNAME,
    Switches,
    running_standin,
)

from mockserver.cli import config_from_args
from mockserver.config import PASS_THROUGH_BODY_LIMIT, MockConfig
from mockserver.console import banner
from mockserver.errors import PlainError
from mockserver.running import running_mock
from mockserver.upstream.passthrough import Upstream

# Bounds every request of these tests: a hang fails the test instead of stalling the run.
CLIENT_TIMEOUT_S = 10
# Generous for a loaded CI machine; the slow stand-in waits longer than this on purpose.
UPSTREAM_TIMEOUT_S = 3.0
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def standin():
    with running_standin() as standin:
        yield standin


@pytest.fixture(autouse=True)
def fresh_switches(standin):
    standin.switches = Switches()
    standin.received.clear()
    standin.stream_released.clear()
    standin.stream_outcome.clear()


def _mock(standin, **overrides):
    config = dataclasses.replace(
        MockConfig(), upstream=standin.url, upstream_timeout_s=UPSTREAM_TIMEOUT_S, **overrides
    )
    return running_mock(config)


@pytest.fixture(scope="module")
def mock(standin):
    with _mock(standin) as mock:
        yield mock


@pytest.fixture(scope="module")
def forwarding_mock(standin):
    with _mock(standin, forward_metrics=True) as mock:
        yield mock


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


def log_in(http, mock, username=USERNAME, password=PASSWORD) -> str:
    response = http.post(f"{mock.url}/auth/login", auth=(username, password), timeout=10)
    assert response.status_code == 200, response.text
    return response.headers[TOKEN_HEADER]


def server_log_in(http, mock) -> str:
    headers = {"X-Tidepool-Server-Name": SERVER_NAME, "X-Tidepool-Server-Secret": SERVER_SECRET}
    response = http.post(f"{mock.url}/auth/serverlogin", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return response.headers[TOKEN_HEADER]


def events(http, mock) -> list[dict]:
    return http.get(f"{mock.url}/__mock/events", timeout=CLIENT_TIMEOUT_S).json()["events"]


# What passes through ------------------------------------------------------------------


def test_a_frontend_logs_in_upstream_and_reads_its_user_and_profile_through_the_mock(
    http, mock, standin
):
    token = log_in(http, mock)
    headers = {TOKEN_HEADER: token}
    user = http.get(f"{mock.url}/auth/user", headers=headers, timeout=CLIENT_TIMEOUT_S)
    assert user.status_code == 200
    assert user.json() == {"userid": USERID, "username": USERNAME, "emails": [USERNAME]}
    url = f"{mock.url}/metadata/{USERID}/profile"
    profile = http.get(url, headers=headers, timeout=CLIENT_TIMEOUT_S)
    assert profile.status_code == 200
    assert profile.json()["fullName"] == "Alice Upstream"
    assert standin.paths("/auth/login") and standin.paths("/metadata/")


def test_the_mocks_own_demo_login_is_off_the_upstream_refuses_unknown_accounts(http, mock):
    # Without an upstream the mock lets any username and password log in.
    response = http.post(f"{mock.url}/auth/login", auth=("anyone", "any"), timeout=10)
    assert response.status_code == 401
    assert response.headers["X-Upstream"] == "stand-in"


@pytest.mark.parametrize(
    "route",
    ["/auth/login", "/auth/user", "/auth/token", "/auth/token/abc", "/auth/logout"],
)
def test_every_auth_route_is_the_upstreams(http, mock, standin, route):
    method = "POST" if route in ("/auth/login", "/auth/logout") else "GET"
    response = http.request(method, mock.url + route, timeout=CLIENT_TIMEOUT_S)
    assert response.headers.get("X-Upstream") == "stand-in"
    assert standin.paths(route)


def test_a_request_goes_out_as_sent_less_hop_by_hop_headers(http, mock, standin):
    target = "/echo/a%2Fb/%E2%9C%93+plus?x=1&x=2&empty=&sp=a%20b&q=a+b"
    body = b'{"note": "\xe2\x9c\x93 as bytes"}'
    headers = {
        "Content-Type": "application/json",
        "X-Tidepool-Trace-Session": "trace-1",
        "Connection": "keep-alive, X-Private-Hop",
        "X-Private-Hop": "must not pass",
        "Keep-Alive": "timeout=5",
        "Proxy-Authorization": "Basic c2VjcmV0",
    }
    response = http.put(mock.url + target, data=body, headers=headers, timeout=CLIENT_TIMEOUT_S)
    assert response.status_code == 200
    seen = response.json()
    assert seen["method"] == "PUT"
    assert seen["target"] == target
    assert base64.b64decode(seen["body"]) == body
    received = {name.lower(): value for name, value in seen["headers"]}
    assert received["host"] == standin.url.removeprefix("http://")
    assert received["content-type"] == "application/json"
    assert received["x-tidepool-trace-session"] == "trace-1"
    assert received["content-length"] == str(len(body))
    for hop_by_hop in ("x-private-hop", "keep-alive", "proxy-authorization"):
        assert hop_by_hop not in received


def test_cookies_and_forwarding_claims_stay_here(http, mock, standin):
    headers = {
        "Cookie": "session=local-app-secret",
        "X-Forwarded-For": "10.9.8.7",
        "X-Forwarded-Host": "evil.example",
        "Forwarded": "for=10.9.8.7",
        "X-Real-IP": "10.9.8.7",
    }
    response = http.get(f"{mock.url}/echo", headers=headers, timeout=CLIENT_TIMEOUT_S)
    received = {name.lower() for name, _ in response.json()["headers"]}
    assert received.isdisjoint({name.lower() for name in headers}), received
    assert "Set-Cookie" not in response.headers


def test_forward_cookies_passes_them_both_ways(http, standin):
    with _mock(standin, forward_cookies=True) as mock:
        response = http.get(
            f"{mock.url}/echo", headers={"Cookie": "session=s"}, timeout=CLIENT_TIMEOUT_S
        )
    assert ("Cookie", "session=s") in [tuple(pair) for pair in response.json()["headers"]]
    assert response.raw.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]


def test_a_body_past_the_pass_through_limit_is_413_and_shown(http, mock, standin):
    port = int(mock.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.settimeout(CLIENT_TIMEOUT_S)
        conn.sendall(
            b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            + f"Content-Length: {PASS_THROUGH_BODY_LIMIT + 1}\r\n\r\n".encode()
            + b"x" * 1024
        )
        answer = conn.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413")
    assert not standin.received
    (kept,) = http.get(f"{mock.url}/__mock/rejections", timeout=5).json()["rejections"]
    assert (kept["status"], kept["method"], kept["target"]) == (413, "POST", "/echo")


def test_a_request_framed_two_ways_smuggles_nothing_to_the_upstream(standin, start_cli_mock):
    """A body framed both by `Content-Length: 0` and by chunks: whichever the server takes,
    the mock frames what it forwards itself, so the upstream never sees the chunk's bytes
    as a request of their own."""
    smuggled = b"GET /echo/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
    with start_cli_mock("--upstream", standin.url) as mock:
        with socket.create_connection(("127.0.0.1", mock.port)) as conn:
            conn.settimeout(CLIENT_TIMEOUT_S)
            conn.sendall(
                b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + f"{len(smuggled):x}\r\n".encode()
                + smuggled
                + b"\r\n0\r\n\r\n"
            )
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200")
        # A second request on the mock's kept-alive connection to the upstream.
        requests.get(f"{mock.url}/echo/next", timeout=CLIENT_TIMEOUT_S).raise_for_status()
    assert [(r.method, r.target) for r in standin.received] == [
        ("POST", "/echo"),
        ("GET", "/echo/next"),
    ]


def _raw_get(mock, target: bytes) -> bytes:
    """Send a request line as is (HTTP clients would clean the target up first)."""
    with socket.create_connection(("127.0.0.1", int(mock.url.rsplit(":", 1)[1]))) as conn:
        conn.settimeout(CLIENT_TIMEOUT_S)
        conn.sendall(
            b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return answer


def test_raw_non_ascii_bytes_in_the_target_are_refused_before_the_upstream(mock, standin):
    """RFC 9112 allows no raw non-ASCII byte in a target: the server refuses it (400)."""
    assert _raw_get(mock, b"/echo/caf\xc3\xa9?q=\xff").startswith(b"HTTP/1.1 400")
    assert standin.received == []


def test_percent_encodings_go_out_normalised_as_rfc_3986_allows(mock, standin):
    assert _raw_get(mock, b"/echo/%e2%9c%93?raw=%zz&ok=%41").startswith(b"HTTP/1.1 200")
    assert standin.received[-1].target == "/echo/%E2%9C%93?raw=%25zz&ok=%41"


def test_a_header_field_http_cannot_carry_is_400_not_500(standin):
    # The servers the mock runs on refuse such fields first; the mock does not rely on it.
    upstream = Upstream(standin.url, UPSTREAM_TIMEOUT_S, connections=1)
    with pytest.raises(PlainError) as refusal:
        upstream.request("GET", "/echo", [("X-Split", "a\nInjected: yes")])
    assert refusal.value.code == 400
    assert not standin.received


def test_the_answer_comes_back_whole_with_the_mocks_cors_policy(http, mock):
    response = http.get(
        f"{mock.url}/echo?status=201&location=https://elsewhere.example/x",
        headers={"Origin": "http://localhost:3000"},
        allow_redirects=False,
        timeout=CLIENT_TIMEOUT_S,
    )
    assert response.status_code == 201
    assert response.headers["Location"] == "https://elsewhere.example/x"
    assert response.headers["X-Upstream"] == "stand-in"
    assert "Set-Cookie" not in response.headers, "only --forward-cookies passes them back"
    assert len(response.raw.headers.getlist("Date")) == 1  # the mock's server's, not two
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert OWN_ORIGIN not in str(response.raw.headers.items())
    assert response.json()["method"] == "GET"


def test_redirects_and_errors_of_the_upstream_are_passed_on_not_followed(http, mock, standin):
    redirect = http.get(
        f"{mock.url}/echo?status=302&location=/elsewhere",
        allow_redirects=False,
        timeout=CLIENT_TIMEOUT_S,
    )
    assert (redirect.status_code, redirect.headers["Location"]) == (302, "/elsewhere")
    missing = http.get(f"{mock.url}/no/such/route", timeout=CLIENT_TIMEOUT_S)
    assert missing.status_code == 404
    assert missing.text.startswith("stand-in:")
    assert not standin.paths("/elsewhere")


def _assert_streamed(http, url, standin):
    with http.get(f"{url}/stream", stream=True, timeout=CLIENT_TIMEOUT_S) as response:
        lines = response.iter_lines()
        assert next(lines) == b"first chunk"  # arrived while the upstream still holds the rest
        standin.stream_released.set()
        assert next(lines) == b"second chunk"
    assert standin.stream_outcome == ["released"]


def test_the_answer_streams_back_as_the_upstream_sends_it(http, mock, standin):
    _assert_streamed(http, mock.url, standin)


def test_the_command_line_mock_streams_it_too(http, standin, start_cli_mock):
    with start_cli_mock("--upstream", standin.url, "--workers", "1") as mock:
        _assert_streamed(http, mock.url, standin)


def test_a_browser_preflight_for_a_passed_through_path_is_answered_by_the_mock(http, mock, standin):
    response = http.options(
        f"{mock.url}/metadata/{USERID}/profile",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "x-tidepool-session-token, x-tidepool-trace-request",
        },
        timeout=CLIENT_TIMEOUT_S,
    )
    assert response.status_code == 204
    assert "PUT" in response.headers["Access-Control-Allow-Methods"]
    assert "x-tidepool-trace-request" in response.headers["Access-Control-Allow-Headers"]
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert not standin.received


def test_by_default_only_pages_of_this_machine_may_call_what_passes_through(http, mock, standin):
    response = http.get(
        f"{mock.url}/echo", headers={"Origin": "https://evil.example"}, timeout=CLIENT_TIMEOUT_S
    )
    assert response.status_code == 403
    assert "https://evil.example may not call this mock" in response.text
    assert "Access-Control-Allow-Origin" not in response.headers
    assert not standin.received


def test_the_mocks_own_endpoints_stay_local_and_say_where_requests_pass(http, mock, standin):
    status = http.get(f"{mock.url}/__mock/status", timeout=CLIENT_TIMEOUT_S).json()
    assert status["upstream"] == {
        "url": standin.url,
        "forwardMetrics": False,
        "timeoutSeconds": UPSTREAM_TIMEOUT_S,
    }
    assert http.get(f"{mock.url}/__mock/", timeout=CLIENT_TIMEOUT_S).status_code == 200
    assert http.get(f"{mock.url}/__mock/nothing", timeout=CLIENT_TIMEOUT_S).status_code == 404
    assert not standin.received


# Metrics kept local ---------------------------------------------------------------------


def test_metrics_are_answered_here_and_recorded_for_the_user_the_upstream_names(
    http, mock, standin
):
    http.delete(f"{mock.url}/__mock/events", timeout=CLIENT_TIMEOUT_S)
    token = log_in(http, mock)
    for n in range(3):
        response = http.get(
            f"{mock.url}/metrics/thisuser/{quote('blip - Viewed Page')}?n={n}",
            headers={TOKEN_HEADER: token},
            timeout=CLIENT_TIMEOUT_S,
        )
        assert (response.status_code, response.content) == (200, b"")
    recorded = events(http, mock)
    assert [(e["userId"], e["eventName"], e["query"]) for e in recorded] == [
        (USERID, "blip - Viewed Page", {"n": [str(n)]}) for n in range(3)
    ]
    assert all(e["upstreamStatus"] is None and e["violations"] == [] for e in recorded)
    assert not standin.paths("/metrics")
    assert len(standin.paths("/auth/token")) == 1  # the verdict is kept for a while


def test_server_tokens_are_the_upstreams_too(http, mock):
    token = server_log_in(http, mock)
    url = f"{mock.url}/metrics/server/{SERVER_NAME}/nightly"
    assert http.get(url, headers={TOKEN_HEADER: token}, timeout=10).status_code == 200
    thisuser = f"{mock.url}/metrics/thisuser/nightly"
    assert http.get(thisuser, headers={TOKEN_HEADER: token}, timeout=10).status_code == 401


def test_a_token_the_upstream_rejects_is_401(http, mock):
    for url in ("/metrics/thisuser/x", "/metrics/user/abc/x"):
        response = http.get(mock.url + url, headers={TOKEN_HEADER: "not-upstreams"}, timeout=10)
        assert response.status_code == 401


def test_a_mock_token_is_not_an_upstream_token(http, mock, tmp_path):
    with running_mock(MockConfig(journal_file=tmp_path / "j.sqlite3")) as plain:
        mock_token = log_in(http, plain, "demo@example.org", "pw")
    response = http.get(
        f"{mock.url}/metrics/thisuser/x", headers={TOKEN_HEADER: mock_token}, timeout=10
    )
    assert response.status_code == 401


@pytest.mark.parametrize("auth_status", [500, 503, 404, 200])
def test_an_auth_service_that_cannot_answer_is_502_not_401(http, mock, standin, auth_status):
    token = log_in(http, mock)  # a fresh token: no verdict kept yet
    standin.switches.token_check_status = auth_status
    response = http.get(f"{mock.url}/metrics/thisuser/x", headers={TOKEN_HEADER: token}, timeout=10)
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.text.count("\n") == 1 and f"answered {auth_status}" in response.text
    assert token not in response.text


def test_a_slow_auth_service_is_504_in_bounded_time(http, mock, standin):
    token = log_in(http, mock)
    standin.switches.delay_s = UPSTREAM_TIMEOUT_S + 2
    response = http.get(f"{mock.url}/metrics/thisuser/x", headers={TOKEN_HEADER: token}, timeout=10)
    assert response.status_code == 504
    assert f"no answer within {UPSTREAM_TIMEOUT_S:g} s" in response.text


# An upstream that is down, slow or broken -----------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_upstream_is_502_with_one_line(http, tmp_path):
    config = MockConfig(
        upstream=f"http://127.0.0.1:{_closed_port()}",
        upstream_timeout_s=UPSTREAM_TIMEOUT_S,
        journal_file=tmp_path / "j.sqlite3",
    )
    with running_mock(config) as mock:
        for method, path in [("GET", "/auth/user"), ("POST", "/auth/login")]:
            response = http.request(method, mock.url + path, timeout=CLIENT_TIMEOUT_S)
            assert response.status_code == 502
            assert response.text.count("\n") == 1
            assert "connection was refused" in response.text
        metrics = http.get(
            f"{mock.url}/metrics/thisuser/x", headers={TOKEN_HEADER: "t"}, timeout=10
        )
        assert metrics.status_code == 502
        anonymous = http.get(f"{mock.url}/metrics/user/abc/x", timeout=10)
        assert anonymous.status_code == 200  # no token to check: no need of the upstream


def test_the_upstreams_refusals_are_passed_on_the_mocks_own_failures_kept_as_refused(
    http, mock, standin
):
    http.delete(f"{mock.url}/__mock/rejections", timeout=CLIENT_TIMEOUT_S)
    assert http.get(f"{mock.url}/no/such/route", timeout=CLIENT_TIMEOUT_S).status_code == 404
    assert http.get(f"{mock.url}/auth/user", timeout=CLIENT_TIMEOUT_S).status_code == 401
    standin.switches.delay_s = UPSTREAM_TIMEOUT_S + 2
    assert http.get(f"{mock.url}/auth/user", timeout=CLIENT_TIMEOUT_S).status_code == 504
    refused = http.get(f"{mock.url}/__mock/rejections", timeout=CLIENT_TIMEOUT_S).json()
    assert [(r["status"], r["target"]) for r in refused["rejections"]] == [(504, "/auth/user")]


def test_a_slow_upstream_is_504_in_bounded_time(http, mock, standin):
    standin.switches.delay_s = UPSTREAM_TIMEOUT_S + 2
    response = http.get(f"{mock.url}/auth/user", timeout=CLIENT_TIMEOUT_S)
    assert response.status_code == 504
    assert (
        response.text
        == f"The upstream {standin.url} failed: no answer within {UPSTREAM_TIMEOUT_S:g} s.\n"
    )


def test_an_upstream_that_speaks_no_http_is_502(http, tmp_path):
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def babble():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"this is not HTTP\r\n\r\n")

    thread = threading.Thread(target=babble, daemon=True)
    thread.start()
    config = MockConfig(
        upstream=f"http://127.0.0.1:{listener.getsockname()[1]}",
        upstream_timeout_s=UPSTREAM_TIMEOUT_S,
        journal_file=tmp_path / "j.sqlite3",
    )
    try:
        with running_mock(config) as mock:
            response = http.get(f"{mock.url}/auth/user", timeout=CLIENT_TIMEOUT_S)
            assert response.status_code == 502
            assert "the exchange broke" in response.text
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=5)


# --forward-metrics: a validating proxy ------------------------------------------------


def _send_forwarded(http, mock, url, token=None):
    headers = {TOKEN_HEADER: token} if token else {}
    http.delete(f"{mock.url}/__mock/events", timeout=CLIENT_TIMEOUT_S)
    response = http.get(mock.url + url, headers=headers, timeout=CLIENT_TIMEOUT_S)
    (event,) = events(http, mock)
    return response, event


def test_forwarded_metrics_reach_the_upstream_and_record_its_status(http, forwarding_mock, standin):
    token = log_in(http, forwarding_mock)
    response, event = _send_forwarded(
        http, forwarding_mock, "/metrics/thisuser/blip%20-%20x?a=1", token
    )
    assert (response.status_code, response.content) == (200, b"")
    assert "Set-Cookie" not in response.headers, "only --forward-cookies passes them back"
    assert standin.paths("/metrics/thisuser/blip%20-%20x?a=1")
    assert (event["userId"], event["eventName"], event["query"]) == (
        USERID,
        "blip - x",
        {"a": ["1"]},
    )
    assert (event["upstreamStatus"], event["violations"]) == (200, [])


def test_a_kept_401_is_recorded_without_a_violation(http, forwarding_mock):
    response, event = _send_forwarded(http, forwarding_mock, "/metrics/thisuser/x")
    assert response.status_code == 401
    assert (event["upstreamStatus"], event["violations"]) == (401, [])


@pytest.mark.parametrize(
    ("switch", "url", "credential", "status", "rules"),
    [
        (BODY_ON_SUCCESS, "/metrics/user/abc/x", None, 200, ["R6"]),
        (SERVICE_UNAVAILABLE, "/metrics/user/abc/x", None, 503, ["R5", "R6"]),
        (REJECT_VALID_TOKENS, "/metrics/thisuser/x", "user", 401, ["R2"]),
        (REJECT_VALID_TOKENS, "/metrics/user/abc/x", "server", 401, ["R1"]),
        (ACCEPT_ANYTHING, "/metrics/thisuser/x", None, 200, ["R2"]),
        (ACCEPT_ANYTHING, "/metrics/server/s/x", "user", 200, ["R3"]),
        (ACCEPT_ANYTHING, "/metrics/user/abc/x", "invalid", 200, ["R1"]),
    ],
)
def test_an_exchange_that_breaks_the_contract_is_flagged_naming_the_rule(
    http, forwarding_mock, standin, switch, url, credential, status, rules
):
    token = {
        None: None,
        "invalid": "not-a-token",
        "user": log_in(http, forwarding_mock),
        "server": server_log_in(http, forwarding_mock),
    }[credential]
    standin.switches.metrics_break = switch
    response, event = _send_forwarded(http, forwarding_mock, url, token)
    assert response.status_code == status  # the client gets the upstream's answer as it came
    assert event["upstreamStatus"] == status
    assert [v["rule"] for v in event["violations"]] == rules
    assert all(v["reason"] for v in event["violations"])


@pytest.mark.parametrize(
    ("method", "url", "event_name"),
    [("GET", "/metrics/noauth/abc/blip%20-%20x", "blip - x"), ("POST", "/metrics/user/abc/y", "y")],
)
def test_an_open_route_outside_the_spec_is_flagged_as_the_closed_surface(
    http, forwarding_mock, standin, method, url, event_name
):
    http.delete(f"{forwarding_mock.url}/__mock/events", timeout=CLIENT_TIMEOUT_S)
    standin.switches.closed_surface_open = True
    response = http.request(method, forwarding_mock.url + url, timeout=CLIENT_TIMEOUT_S)
    assert response.status_code == 200  # passed back as it came
    (event,) = events(http, forwarding_mock)
    assert (event["eventName"], event["target"], event["upstreamStatus"]) == (event_name, url, 200)
    assert [v["rule"] for v in event["violations"]] == ["closed surface"]
    assert f"{method} /metrics/" in event["violations"][0]["reason"]


def test_a_closed_route_outside_the_spec_records_nothing(http, forwarding_mock, standin):
    http.delete(f"{forwarding_mock.url}/__mock/events", timeout=CLIENT_TIMEOUT_S)
    for method, url in (("GET", "/metrics/noauth/abc/x"), ("POST", "/metrics/user/abc/x")):
        response = http.request(method, forwarding_mock.url + url, timeout=CLIENT_TIMEOUT_S)
        assert response.status_code == 404
    assert events(http, forwarding_mock) == []


def test_unjudgeable_credentials_still_get_the_rules_that_need_no_token(
    http, forwarding_mock, standin
):
    token = log_in(http, forwarding_mock)
    standin.switches.token_check_status = 503
    standin.switches.metrics_break = BODY_ON_SUCCESS
    response, event = _send_forwarded(http, forwarding_mock, "/metrics/thisuser/x", token)
    assert response.status_code == 200
    assert [v["rule"] for v in event["violations"]] == ["R6"]
    assert event["userId"] is None


# The command line ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        (["--upstream", "qa9"], "not a URL and not an environment of metrics.v1.yaml"),
        (["--upstream", "http://example.org:99999"], "expected http(s)://host[:port][/path]"),
        (["--upstream", "ftp://example.org"], "expected http(s)://host[:port][/path]"),
        (["--upstream", "http://[::1"], "expected http(s)://host[:port][/path]"),
        (["--upstream", "http://example.org:http"], "expected http(s)://host[:port][/path]"),
        (["--upstream", "https://user:hunter2@example.org"], "a URL with credentials"),
        (["--upstream", "mock", "--port", "8009"], "is this mock itself"),
        (["--forward-metrics"], "--forward-metrics needs --upstream"),
        (["--upstream", "production", "--forward-metrics"], "pass --allow-production"),
        (["--upstream", "https://api%2Etidepool.org"], "not a plain host name"),
    ],
)
def test_an_unusable_upstream_stops_the_command_with_one_line(arguments, reason):
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", *arguments],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1 and reason in result.stderr, result.stderr
    assert "hunter2" not in result.stderr


def test_the_terminal_flags_broken_rules_and_shows_no_secret(http, standin, start_cli_mock):
    options = ["--upstream", standin.url, "--forward-metrics", "--upstream-timeout", "1"]
    options += ["--workers", "1"]
    with start_cli_mock(*options) as mock:
        token = log_in(http, mock)
        assert f"upstream   {standin.url}" in mock.output()
        standin.switches.metrics_break = BODY_ON_SUCCESS
        url = f"{mock.url}/metrics/thisuser/blip%20-%20Broken?source=test"
        assert http.get(url, headers={TOKEN_HEADER: token}, timeout=10).status_code == 200
        # Refusals are kept and printed: one of the upstream, one of the mock.
        wrong = http.post(f"{mock.url}/auth/login", auth=(USERNAME, "wrong-secret"), timeout=10)
        assert wrong.status_code == 401
        unanswered = log_in(http, mock)
        standin.switches.delay_s = UPSTREAM_TIMEOUT_S * 2
        url = f"{mock.url}/metrics/thisuser/x"
        assert http.get(url, headers={TOKEN_HEADER: unanswered}, timeout=10).status_code == 504
        shown = [
            http.get(f"{mock.url}{path}", timeout=CLIENT_TIMEOUT_S).text
            for path in ("/__mock/events", "/__mock/status", "/__mock/rejections")
        ]
        output = mock.output()
    lines = [line for line in output.splitlines() if "blip - Broken" in line]
    assert len(lines) == 1
    assert f"user {USERID}" in lines[0] and "upstream 200" in lines[0]
    assert "BREAKS R6: answered 200 with a body of 8 bytes" in lines[0]
    assert "refused 504 GET /metrics/thisuser/x" in output
    for text in (output, *shown):
        for secret in (token, unanswered, PASSWORD, "wrong-secret"):
            assert secret not in text


# Production, however --upstream spells it: urllib3's reading of the host decides.
PRODUCTION_UPSTREAMS = [
    ("production", "is production (api.tidepool.org)"),
    ("https://api.tidepool.org", "is production"),
    ("https://API.Tidepool.ORG.:443/", "is production"),
    ("https://api.tidepool.org/v1", "is production"),
    ("http://api.tidepool.org", "is production"),
    ("https://api%2Etidepool.org", "not a plain host name or IP address; urllib3 would rewrite"),
    ("https://api%2etidepool.org/", "'api%2etidepool.org' is not a plain host"),
    ("https://api.tidepool.org%2e", "connect to api.tidepool.org"),
    ("https://api.tidepool.org%2E:443", "'api.tidepool.org%2E:443' is not a plain host"),
    ("https://api.tidepool.org\\", "'api.tidepool.org\\\\' is not a plain host"),
    ("https://API%2ETIDEPOOL%2EORG", "'API%2ETIDEPOOL%2EORG' is not a plain host"),
    ("https://qa@api.tidepool.org", "a URL with credentials in it is refused"),
    ("https://api.tidepool.org\\@qa1.development.tidepool.org", "a URL with credentials"),
    ("https://api.tidepool.org/?env=qa2", "with no query or fragment"),
]


@pytest.mark.parametrize(("upstream", "said"), PRODUCTION_UPSTREAMS)
def test_forwarding_metrics_to_production_is_refused_however_spelled_before_any_lookup(
    upstream: str, said: str, lookups: list[tuple]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        config_from_args(["--upstream", upstream, "--forward-metrics"])

    assert said in str(stopped.value.code)
    assert lookups == []


def test_the_rest_passes_through_to_production_and_forwarding_needs_its_own_option(
    lookups: list[tuple], make_app
) -> None:
    passing, _ = config_from_args(["--upstream", "production"])
    forwarding, _ = config_from_args(
        ["--upstream", "https://API.tidepool.org.", "--forward-metrics", "--allow-production"]
    )

    assert passing.upstream == forwarding.upstream.lower().rstrip(".") == "https://api.tidepool.org"
    production_line = "metrics are forwarded to production"
    assert production_line not in banner(
        make_app(upstream=passing.upstream), "http://127.0.0.1:8009"
    )
    shown = banner(
        make_app(upstream=forwarding.upstream, forward_metrics=True), "http://127.0.0.1:8009"
    )
    assert len([line for line in shown.splitlines() if production_line in line]) == 1
    assert lookups == []


@pytest.mark.parametrize("secret_part", ["?token=S3CRET", "#S3CRET", "?a=1#S3CRET"])
def test_an_upstream_refused_for_its_query_is_not_echoed_with_it(secret_part, lookups) -> None:
    with pytest.raises(SystemExit) as stopped:
        config_from_args(["--upstream", f"https://qa1.example.org/{secret_part}"])

    said = str(stopped.value.code)
    assert "with no query or fragment" in said and "https://qa1.example.org/" in said
    assert "S3CRET" not in said
