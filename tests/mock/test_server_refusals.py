"""What the mock refuses before it serves a request is kept among the refusals, over real
sockets against `python -m mockserver` (granian): the 414 and 431 of the mock's bounds, a
413 by a declared length, and a body that stalled (408). Each keeps the target as sent,
masked, and no header value of a head refused for its size (the long header may be the
one that holds a token); otherwise only the User-Agent.

What granian answers itself, before the mock sees a request (a head it cannot parse, more
than 100 header fields, a head past its buffer, a head that stalls), is answered or cut
by the server and not kept: benchmarks/README.md's decision record says why.
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
        # Masked, then cut to the bound.
        ("GET", LONG_TARGET.replace(SECRET, "***")[:REQUEST_LINE_LIMIT]),
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
}
# Answered by granian before the mock sees anything of them.
REFUSED_BY_THE_SERVER = {
    "a head the server cannot parse": (
        b"POST /auth/login HTTP/1.1\r\n" + TOKEN_HEADER + b"\r\nContent-Length: abc\r\n" + CLOSE,
        400,
    ),
    "more header fields than the server takes": (
        b"GET /auth/token/"
        + SECRET.encode()
        + b" HTTP/1.1\r\n"
        + b"".join(b"X-Field-%d: v\r\n" % n for n in range(110))
        + CLOSE,
        431,
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


def test_what_the_mocks_bounds_refuse_is_kept_without_header_values(start_cli_mock):
    with start_cli_mock("--workers", "1") as mock:
        for data, status, _ in REFUSED.values():
            assert exchange(mock.port, data).split(b" ")[1] == b"%d" % status
        kept, text = rejections(mock.url)
        output = mock.output()
    assert [(r["status"], (r["method"], r["target"])) for r in kept] == [
        (status, kept_as) for _, status, kept_as in REFUSED.values()
    ]
    assert all(r["userAgent"] == "" for r in kept), kept
    assert SECRET not in text and SECRET not in output


def test_what_the_server_refuses_itself_is_answered_and_leaks_nothing(start_cli_mock):
    with start_cli_mock("--workers", "1") as mock:
        for data, status in REFUSED_BY_THE_SERVER.values():
            assert exchange(mock.port, data).split(b" ")[1] == b"%d" % status
        assert requests.get(f"{mock.url}/metrics/user/u/after", timeout=5).status_code == 200
        kept, text = rejections(mock.url)
        output = mock.output()
    assert kept == []
    assert SECRET not in text and SECRET not in output


def test_a_body_that_stalls_is_answered_408_and_kept_once(start_cli_mock):
    with (
        start_cli_mock("--workers", "1", "--body-timeout", "1") as mock,
        socket.create_connection(("127.0.0.1", mock.port), timeout=ANSWER_TIMEOUT_S) as body,
    ):
        body.sendall(
            b"POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + SUITE_AGENT
            + TOKEN_HEADER
            + b"\r\nContent-Length: 100\r\n\r\n0123456789"
        )
        answer = body.recv(4096)
        kept, text = rejections(mock.url)
        output = mock.output()
    assert answer.startswith(b"HTTP/1.1 408") and b"connection: close" in answer.lower()
    assert [(r["status"], r["method"], r["target"], r["userAgent"]) for r in kept] == [
        (408, "POST", "/auth/login", "tidepool-metrics-contract (the contract suite)")
    ]
    assert "--body-timeout" in kept[0]["reason"]
    assert SECRET not in text and SECRET not in output


def test_a_head_that_stalls_is_cut_by_the_header_timeout(start_cli_mock):
    with (
        start_cli_mock("--workers", "1", "--header-timeout", "1") as mock,
        socket.create_connection(("127.0.0.1", mock.port), timeout=ANSWER_TIMEOUT_S) as head,
    ):
        head.sendall(b"GET /metrics/user/u/slow HTTP/1.1\r\nHost:")
        assert head.recv(4096) == b""  # closed by the server, within the socket's bound


def test_a_refusal_keeps_the_user_agent_of_a_head_within_bounds(start_cli_mock):
    with start_cli_mock("--workers", "1") as mock:
        suite = {"User-Agent": "tidepool-metrics-contract (the contract suite)"}
        requests.get(f"{mock.url}/metrics/thisuser/e", headers=suite, timeout=ANSWER_TIMEOUT_S)
        requests.get(
            f"{mock.url}/metrics/thisuser/e", headers={"User-Agent": ""}, timeout=ANSWER_TIMEOUT_S
        )
        too_large = b"POST /auth/login HTTP/1.1\r\n" + SUITE_AGENT
        too_large += b"Content-Length: %d\r\n" % (64 * 1024 * 1024 + 1) + CLOSE
        assert exchange(mock.port, too_large).split(b" ")[1] == b"413"
        kept, _ = rejections(mock.url)
    assert [(r["status"], r["userAgent"]) for r in kept] == [
        (401, suite["User-Agent"]),
        (401, ""),
        (413, suite["User-Agent"]),
    ]


def test_the_same_bounds_are_kept_under_reload(start_cli_mock):
    with start_cli_mock("--reload") as mock:
        for data, status, _ in REFUSED.values():
            assert exchange(mock.port, data).split(b" ")[1] == b"%d" % status
        kept, text = rejections(mock.url)
    assert [(r["status"], r["method"], r["target"], r["userAgent"]) for r in kept] == [
        (status, *kept_as, "") for _, status, kept_as in REFUSED.values()
    ]
    assert SECRET not in text
