"""Request bodies are bounded in size and in pauses, over real sockets, as `python -m
mockserver` serves them, with and without --reload.

A body larger than the mock needs for what it answers itself is refused with a 413 and
kept among the refusals, the journal untouched; one that stops half-way is answered 408
after the body timeout while others are served; one that passes through slowly but steadily,
longer in total than that timeout, reaches the upstream whole.
"""

from __future__ import annotations

import http.client
import socket
import time
from pathlib import Path

import pytest
import requests
from tidepool_standin import running_standin
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from mockserver.config import OWN_BODY_LIMIT, PASS_THROUGH_BODY_LIMIT
from mockserver.errors import PlainError, read_body

# Bounds every exchange: a hang fails the test instead of stalling the run.
CLIENT_TIMEOUT_S = 10
# How long a stalled client waits to be answered: a functional bound, well above the 1 s
# body timeout the tests set and below the 10 s default.
STALL_WAIT_S = 4
# The body timeout the tests set (seconds): a pause this long is a stalled body.
BODY_TIMEOUT_S = 1
SERVERS = {"workers": (), "reload": ("--reload",)}
BASIC_ALICE = b"Authorization: Basic YWxpY2VAZXhhbXBsZS5vcmc6cHc=\r\n"  # alice@example.org:pw
TOO_LARGE = b"x" * (OWN_BODY_LIMIT + 1)


def exchange(port: int, head: bytes, body: bytes = b"") -> http.client.HTTPResponse:
    """Send one request as is; its answer, read by its own framing."""
    with socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT_S) as conn:
        conn.sendall(head + b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n" + body)
        answer = http.client.HTTPResponse(conn)
        answer.begin()
        answer.text = answer.read()
    return answer


def chunked(body: bytes) -> bytes:
    return f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"


@pytest.mark.parametrize("server", SERVERS)
def test_a_body_larger_than_a_route_takes_is_413_kept_and_the_journal_intact(
    server, start_cli_mock
):
    with start_cli_mock(*SERVERS[server]) as mock:
        requests.get(f"{mock.url}/metrics/user/u/before", timeout=CLIENT_TIMEOUT_S)
        refused = [
            # A metrics operation, which takes no body: by its Content-Length.
            exchange(
                mock.port,
                b"GET /metrics/user/u/large HTTP/1.1\r\n"
                + f"Content-Length: {len(TOO_LARGE)}\r\n".encode(),
                TOO_LARGE,
            ),
            # A login, which takes a small one: a chunked body, counted as it comes.
            exchange(
                mock.port,
                b"POST /auth/login HTTP/1.1\r\nTransfer-Encoding: chunked\r\n" + BASIC_ALICE,
                chunked(TOO_LARGE),
            ),
            # Past the pass-through's bound: refused by its Content-Length, nothing read.
            exchange(
                mock.port,
                b"POST /auth/login HTTP/1.1\r\n"
                + f"Content-Length: {PASS_THROUGH_BODY_LIMIT + 1}\r\n".encode(),
            ),
        ]
        small = b'{"remember": true}'
        login = exchange(
            mock.port,
            b"POST /auth/login HTTP/1.1\r\n"
            + BASIC_ALICE
            + f"Content-Length: {len(small)}\r\n".encode(),
            small,
        )
        kept = requests.get(f"{mock.url}/__mock/rejections", timeout=CLIENT_TIMEOUT_S).json()
        events = requests.get(f"{mock.url}/__mock/events", timeout=CLIENT_TIMEOUT_S).json()
    for answer in refused:
        assert answer.status == 413
        assert answer.getheader("Content-Type") == "text/plain; charset=utf-8"
        assert answer.text.endswith(b"bytes, the most this path takes.\n")
    assert login.status == 200
    assert [(r["status"], r["method"], r["target"]) for r in kept["rejections"]] == [
        (413, "GET", "/metrics/user/u/large"),
        (413, "POST", "/auth/login"),
        (413, "POST", "/auth/login"),
    ]
    assert [event["eventName"] for event in events["events"]] == ["before"]


@pytest.mark.parametrize("server", SERVERS)
def test_a_body_that_stalls_is_answered_408_after_the_body_timeout_and_others_are_served(
    server, start_cli_mock
):
    with (
        start_cli_mock("--body-timeout", str(BODY_TIMEOUT_S), *SERVERS[server]) as mock,
        socket.create_connection(("127.0.0.1", mock.port), timeout=STALL_WAIT_S) as stalled,
    ):
        stalled.sendall(
            b"POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n"
            + b"x" * 10
        )
        served = requests.get(f"{mock.url}/metrics/user/u/meanwhile", timeout=CLIENT_TIMEOUT_S)
        # Answered, and the connection closed, well before the client's own timeout.
        answer = stalled.recv(4096)
        assert answer.startswith(b"HTTP/1.1 408") and b"connection: close" in answer.lower()
        events = requests.get(f"{mock.url}/__mock/events", timeout=CLIENT_TIMEOUT_S).json()
    assert served.status_code == 200
    assert [event["eventName"] for event in events["events"]] == ["meanwhile"]


@pytest.mark.parametrize("server", SERVERS)
def test_a_slow_but_steady_pass_through_body_is_not_cut(server, start_cli_mock):
    """A pause of a tenth of the body timeout before each of twelve parts: the body takes
    longer than the timeout in all (a sleep never ends early, so however slow the machine,
    the last part comes after the timeout has passed), never a pause anywhere near as long,
    so the upstream must get every part."""
    parts = [f"part {n};".encode() for n in range(12)]
    body = b"".join(parts)
    with (
        running_standin() as standin,
        start_cli_mock(
            "--upstream", standin.url, "--body-timeout", str(BODY_TIMEOUT_S), *SERVERS[server]
        ) as mock,
        socket.create_connection(("127.0.0.1", mock.port), timeout=CLIENT_TIMEOUT_S) as conn,
    ):
        conn.sendall(
            b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
        )
        for part in parts:
            time.sleep(BODY_TIMEOUT_S / 10)
            conn.sendall(part)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200")
    assert [(r.method, r.target, r.body) for r in standin.received] == [("POST", "/echo", body)]


@pytest.mark.parametrize("terminated", [False, True], ids=["content-length", "chunked"])
def test_a_body_of_the_limit_passes_and_one_byte_more_is_413(terminated):
    """A server that de-chunks gives no length: the bound holds to the byte."""

    def request(size: int) -> Request:
        environ = EnvironBuilder(method="POST", data=b"x" * size).get_environ()
        if terminated:
            environ["wsgi.input_terminated"] = True
            del environ["CONTENT_LENGTH"]
        return Request(environ)

    assert read_body(request(OWN_BODY_LIMIT), OWN_BODY_LIMIT) == b"x" * OWN_BODY_LIMIT
    with pytest.raises(PlainError) as refused:
        read_body(request(OWN_BODY_LIMIT + 1), OWN_BODY_LIMIT)
    assert refused.value.code == 413


def test_the_mocks_spec_states_the_body_bounds():
    spec = (Path(__file__).resolve().parents[2] / "spec" / "mockserver.v1.yaml").read_text()
    assert f"({OWN_BODY_LIMIT} bytes)" in spec
    assert f"({PASS_THROUGH_BODY_LIMIT} bytes)" in spec
