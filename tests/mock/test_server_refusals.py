"""What the serving layer refuses before the app sees a request is kept among the refusals
too, over real sockets against `python -m mockserver` (gunicorn with waitress): waitress's
own 400 and 431, the 414 and 431 the mock adds, and a request cut because its head or
body stalled. Each keeps the target as sent, masked, and no header value but a
User-Agent from headers that were accepted: a header refused as too long may be the one
that holds a token.
"""

from __future__ import annotations

import socket

import requests

from mockserver.config import HEADER_FIELD_LIMIT, REQUEST_LINE_LIMIT

SECRET = "s3cr3t-t0ken-value"
SUITE_AGENT = b"User-Agent: tidepool-metrics-contract (the contract suite)\r\n"
TOKEN_HEADER = f"X-Tidepool-Session-Token: {SECRET}".encode()
CLOSE = b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n"
# Bounds every exchange: a hang fails the test instead of stalling the run.
ANSWER_TIMEOUT_S = 10
LONG_TARGET = f"/metrics/user/u/e?access_token={SECRET}&pad=" + "p" * REQUEST_LINE_LIMIT
# (what is sent, status answered, method and target kept)
REFUSED = {
    "request line over the mock's bound": (
        f"GET {LONG_TARGET} HTTP/1.1\r\n".encode() + SUITE_AGENT + CLOSE,
        414,
        # Cut to the bound, then masked.
        ("GET", LONG_TARGET[:REQUEST_LINE_LIMIT].replace(SECRET, "***")),
    ),
    "a header over the mock's bound": (
        b"GET /metrics/thisuser/e HTTP/1.1\r\n"
        + SUITE_AGENT
        + TOKEN_HEADER
        + b"x" * HEADER_FIELD_LIMIT
        + b"\r\n"
        + CLOSE,
        431,
        ("GET", "/metrics/thisuser/e"),
    ),
    "a head over waitress's bound": (
        b"GET /auth/token/"
        + SECRET.encode()
        + b" HTTP/1.1\r\n"
        + SUITE_AGENT
        + b"".join(TOKEN_HEADER + b"%d" % n + b"x" * 8000 + b"\r\n" for n in range(110))
        + CLOSE,
        431,
        ("GET", "/auth/token/<token>"),
    ),
    "a head waitress cannot parse": (
        b"POST /auth/login HTTP/1.1\r\n"
        + SUITE_AGENT
        + TOKEN_HEADER
        + b"\r\nContent-Length: abc\r\n"
        + CLOSE,
        400,
        ("POST", "/auth/login"),
    ),
    "a head with bare line feeds": (
        b"GET /metrics/user/u/bare?password="
        + SECRET.encode()
        + b" HTTP/1.1\n"
        + TOKEN_HEADER
        + b"\n\n",
        400,
        ("GET", "/metrics/user/u/bare?password=***"),
    ),
}


def exchange(port: int, data: bytes) -> bytes:
    """Send raw bytes; the answer's first line, b'' if the server closed unanswered."""
    with socket.create_connection(("127.0.0.1", port), timeout=ANSWER_TIMEOUT_S) as connection:
        try:
            connection.sendall(data)
            return connection.recv(4096).split(b"\r\n", 1)[0]
        except (ConnectionResetError, BrokenPipeError):
            return b""


def rejections(url: str) -> tuple[list[dict], str]:
    response = requests.get(f"{url}/__mock/rejections", timeout=ANSWER_TIMEOUT_S)
    response.raise_for_status()
    return response.json()["rejections"], response.text


def test_what_waitress_and_the_mocks_bounds_refuse_is_kept_without_header_values(
    start_cli_mock,
):
    with start_cli_mock("--workers", "1") as mock:
        for data, status, _ in REFUSED.values():
            assert exchange(mock.port, data).split(b" ")[1] == b"%d" % status
        kept, text = rejections(mock.url)
        output = mock.output()
    assert [(r["status"], (r["method"], r["target"][:80])) for r in kept] == [
        (status, (method, target[:80])) for _, status, (method, target) in REFUSED.values()
    ]
    assert kept[0]["target"] == REFUSED["request line over the mock's bound"][2][1]
    assert all(r["userAgent"] == "" for r in kept), kept
    assert SECRET not in text and SECRET not in output
    assert {r["reason"] for r in kept} >= {"414 URI Too Long", "400 Bad Request"}


def test_a_request_cut_because_its_head_or_body_stalled_is_kept_once(start_cli_mock):
    with (
        start_cli_mock("--workers", "1", "--header-timeout", "1", "--body-timeout", "1") as mock,
        socket.create_connection(("127.0.0.1", mock.port), timeout=ANSWER_TIMEOUT_S) as head,
        socket.create_connection(("127.0.0.1", mock.port), timeout=ANSWER_TIMEOUT_S) as body,
    ):
        head.sendall(b"GET /metrics/user/u/slow?secret=" + SECRET.encode() + b" HTTP/1.1\r\nHost:")
        body.sendall(
            b"POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + SUITE_AGENT
            + TOKEN_HEADER
            + b"\r\nContent-Length: 100\r\n\r\n0123456789"
        )
        assert head.recv(4096) == b"" and body.recv(4096) == b""  # closed unanswered
        kept, text = rejections(mock.url)
        events = requests.get(f"{mock.url}/__mock/events", timeout=ANSWER_TIMEOUT_S).json()
        output = mock.output()
    assert sorted(
        (r["status"], r["method"], r["target"], r["reason"], r["userAgent"]) for r in kept
    ) == [
        (
            0,
            "GET",
            "/metrics/user/u/slow?secret=***",
            "cut: no bytes for 1 s while reading the head",
            "",
        ),
        (
            0,
            "POST",
            "/auth/login",
            "cut: no bytes for 1 s while reading the body",
            "tidepool-metrics-contract (the contract suite)",
        ),
    ]
    assert events["events"] == []
    assert SECRET not in text and SECRET not in output
    assert "refused cut POST /auth/login  cut: no bytes for 1 s while reading the body" in output


def test_a_refusal_keeps_the_user_agent_of_headers_that_were_accepted(start_cli_mock):
    with start_cli_mock("--workers", "1") as mock:
        suite = {"User-Agent": "tidepool-metrics-contract (the contract suite)"}
        requests.get(f"{mock.url}/metrics/thisuser/e", headers=suite, timeout=ANSWER_TIMEOUT_S)
        requests.get(
            f"{mock.url}/metrics/thisuser/e", headers={"User-Agent": ""}, timeout=ANSWER_TIMEOUT_S
        )
        # waitress's 413, which the app never sees, came after a head it accepted.
        too_large = b"POST /auth/login HTTP/1.1\r\n" + SUITE_AGENT
        too_large += b"Content-Length: %d\r\n" % (64 * 1024 * 1024 + 1) + CLOSE
        assert exchange(mock.port, too_large).split(b" ")[1] == b"413"
        kept, _ = rejections(mock.url)
    assert [(r["status"], r["userAgent"]) for r in kept] == [
        (401, suite["User-Agent"]),
        (401, ""),
        (413, suite["User-Agent"]),
    ]


def test_werkzeugs_server_keeps_the_same_bounds_refusals_under_reload(start_cli_mock):
    alike = ("request line over the mock's bound", "a header over the mock's bound")
    with start_cli_mock("--reload") as mock:
        for name in alike:
            data, status, _ = REFUSED[name]
            assert exchange(mock.port, data).split(b" ")[1] == b"%d" % status
        kept, text = rejections(mock.url)
    assert [(r["status"], r["method"], r["target"], r["userAgent"]) for r in kept] == [
        (REFUSED[name][1], *REFUSED[name][2], "") for name in alike
    ]
    assert SECRET not in text
