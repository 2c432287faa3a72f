"""Hostile requests over real sockets, against `python -m mockserver`: the mock answers each with a
client error (or closes the connection), never a 5xx, keeps serving afterwards, and
records only what it answered 200. (Stalled and slow clients: test_slow_clients.py.)"""

from __future__ import annotations

import re
import socket

import pytest
import requests

from mockserver.config import HEADER_FIELD_LIMIT, REQUEST_LINE_LIMIT

CLOSE = b"Connection: close\r\n\r\n"
# name -> (raw bytes, the status the mock must answer, or None: any non-5xx or a close).
CORPUS: dict[str, tuple[bytes, int | None]] = {
    "malformed percent in path": (
        b"GET /metrics/user/u/%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + CLOSE,
        400,
    ),
    "truncated percent in path": (
        b"GET /metrics/user/u/e% HTTP/1.1\r\nHost: 127.0.0.1\r\n" + CLOSE,
        400,
    ),
    "invalid UTF-8, encoded": (
        b"GET /metrics/user/u/%C3%28 HTTP/1.1\r\nHost: 127.0.0.1\r\n" + CLOSE,
        400,
    ),
    "invalid UTF-8, raw bytes": (
        b"GET /metrics/user/u/\xff\xfe HTTP/1.1\r\nHost: 127.0.0.1\r\n" + CLOSE,
        400,
    ),
    # Raw non-ASCII is never valid in a request target (RFC 9112): refused in the query as
    # in the path, UTF-8 or not, and by either server in one line of plain text.
    "invalid UTF-8, raw bytes in the query": (
        b"GET /metrics/user/u/e?a=\xff\xfe HTTP/1.1\r\nHost: 127.0.0.1\r\n" + CLOSE,
        400,
    ),
    "UTF-8, raw bytes in the query": (
        b"GET /metrics/user/u/e?caf\xc3\xa9=\xc3\xa9 HTTP/1.1\r\nHost: 127.0.0.1\r\n" + CLOSE,
        400,
    ),
    "UTF-8, raw bytes in the path": (
        b"GET /metrics/user/u/caf\xc3\xa9 HTTP/1.1\r\nHost: 127.0.0.1\r\n" + CLOSE,
        400,
    ),
    "malformed query": (
        b"GET /metrics/user/u/e?a=%G0 HTTP/1.1\r\nHost: 127.0.0.1\r\n" + CLOSE,
        400,
    ),
    "invalid UTF-8 query name": (
        b"GET /metrics/user/u/e?%FF=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n" + CLOSE,
        400,
    ),
    "raw NUL in path": (b"GET /metrics/user/u/a\x00b HTTP/1.1\r\nHost: 127.0.0.1\r\n" + CLOSE, 400),
    "raw escape in query": (
        b"GET /metrics/user/u/e?a=\x1b[31m HTTP/1.1\r\nHost: 127.0.0.1\r\n" + CLOSE,
        400,
    ),
    "NUL in a header": (
        b"GET /metrics/user/u/e HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\x00b\r\n" + CLOSE,
        None,
    ),
    "over-long request line": (
        b"GET /metrics/user/u/"
        + b"e" * (REQUEST_LINE_LIMIT + 10)
        + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + CLOSE,
        414,
    ),
    "oversized header": (
        b"GET /metrics/user/u/e HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
        + b"a" * (HEADER_FIELD_LIMIT + 10)
        + b"\r\n"
        + CLOSE,
        431,
    ),
    "too many headers": (
        b"GET /metrics/user/u/e HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + b"".join(b"X-%d: v\r\n" % n for n in range(150))
        + CLOSE,
        431,
    ),
    "garbage method": (b"G\x01T /metrics/user/u/e HTTP/1.1\r\nHost: 127.0.0.1\r\n" + CLOSE, None),
    "unknown method": (b"BREW /metrics/user/u/e HTTP/1.1\r\nHost: 127.0.0.1\r\n" + CLOSE, 405),
    "HTTP/0.9 request": (b"GET /metrics/user/u/e\r\n", None),
    "garbage version": (b"GET /metrics/user/u/e HTTP/x.y\r\nHost: 127.0.0.1\r\n" + CLOSE, None),
    "TLS handshake on plain HTTP": (
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(range(32)),
        None,
    ),
    "empty lines only": (b"\r\n\r\n\r\n", None),
    "header without colon": (
        b"GET /metrics/user/u/e HTTP/1.1\r\nHost: 127.0.0.1\r\nNoColon\r\n" + CLOSE,
        None,
    ),
    "bad content-length": (
        b"POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n" + CLOSE,
        None,
    ),
    "broken chunked body": (
        b"POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n",
        None,
    ),
    "absolute-form target": (
        b"GET http://127.0.0.1/metrics/user/u/e HTTP/1.1\r\nHost: 127.0.0.1\r\n" + CLOSE,
        200,
    ),
    "garbage basic credentials": (
        b"POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic %%%\xff\r\n" + CLOSE,
        401,
    ),
    "non-ASCII token": (
        b"GET /metrics/thisuser/e HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Tidepool-Session-Token: \xff\xfe.\xe9\r\n"
        + CLOSE,
        401,
    ),
    "huge Prefer code": (
        b"GET /metrics/user/u/e HTTP/1.1\r\nHost: 127.0.0.1\r\nPrefer: code="
        + b"9" * 5000
        + b"\r\n"
        + CLOSE,
        400,
    ),
    "huge since": (
        b"GET /__mock/events?since=" + b"9" * 5000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + CLOSE,
        400,
    ),
    "static traversal": (
        b"GET /__mock/static/..%2F..%2Fapp.py HTTP/1.1\r\nHost: 127.0.0.1\r\n" + CLOSE,
        404,
    ),
    "double slash": (b"GET //metrics/user/u/e HTTP/1.1\r\nHost: 127.0.0.1\r\n" + CLOSE, 404),
    "asterisk target": (b"OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n" + CLOSE, None),
    "hostile Host": (b"GET /metrics/user/u/e HTTP/1.1\r\nHost: [::1%zz]:99999\r\n" + CLOSE, 200),
}
STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3})")
ANSWER_TIMEOUT_S = 5


def exchange(port: int, data: bytes, finish_sending: bool = False) -> bytes:
    """Send raw bytes and return the first bytes of the answer, b'' if the server closed;
    `finish_sending`: say so (half-close), which the server takes for the client gone."""
    with socket.create_connection(("127.0.0.1", port), timeout=ANSWER_TIMEOUT_S) as connection:
        try:
            connection.sendall(data)
            if finish_sending:
                connection.shutdown(socket.SHUT_WR)
            return connection.recv(4096)
        except ConnectionResetError:
            return b""


@pytest.fixture(scope="module")
def target_port(start_cli_mock):
    """The port of `python -m mockserver`, the server users run."""
    with start_cli_mock("--workers", "2") as mock:
        yield mock.port


def still_answers(port: int) -> bool:
    response = requests.get(
        f"http://127.0.0.1:{port}/metrics/user/u/still-here", timeout=ANSWER_TIMEOUT_S
    )
    return response.status_code == 200


@pytest.mark.parametrize("name", list(CORPUS))
def test_a_hostile_request_gets_a_client_error_and_the_mock_keeps_serving(target_port, name):
    data, expected = CORPUS[name]
    # What may be dropped unanswered is sent whole (half-closed), lest it wait on a timeout.
    answer = exchange(target_port, data, finish_sending=expected is None)
    match = STATUS_LINE.match(answer)
    if expected is not None:
        assert match, f"no status line in {answer[:80]!r}"
        assert int(match.group(1)) == expected, answer[:300]
    elif match:
        assert int(match.group(1)) < 500, answer[:300]
    assert still_answers(target_port)


def test_truncated_requests_are_dropped_without_harm(target_port):
    for cut in (5, 20, 40):
        request = b"GET /metrics/user/u/e HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: b\r\n\r\n"[:cut]
        answer = exchange(target_port, request, finish_sending=True)
        match = STATUS_LINE.match(answer)
        assert match is None or int(match.group(1)) < 500
    assert still_answers(target_port)


def test_of_the_whole_corpus_only_the_requests_answered_200_were_recorded(start_cli_mock):
    """On a mock of its own, so that what earlier tests sent cannot hide a record or pass
    for one: the corpus, then one plain request whose event must be there."""
    with start_cli_mock("--workers", "2") as mock:
        for data, expected in CORPUS.values():
            exchange(mock.port, data, finish_sending=expected is None)
        assert still_answers(mock.port)
        events = requests.get(f"{mock.url}/__mock/events", timeout=ANSWER_TIMEOUT_S).json()
    answered_200 = sum(expected == 200 for _, expected in CORPUS.values())
    recorded = sorted((e["userId"], e["eventName"]) for e in events["events"])
    assert recorded == [("u", "e")] * answered_200 + [("u", "still-here")]
