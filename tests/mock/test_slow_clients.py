"""Slow and idle clients do not starve `python -m mockserver`, over real sockets.

Hundreds of connections that stall half-way through their headers, and hundreds of
kept-alive connections that send nothing more, are held open while a fresh client asks
for an event: it must be answered. The same check against a server that reads one
connection at a time (the standard library's wsgiref) shows that it can fail. Everything stays on
127.0.0.1; the counts are bounded, and halved until they fit when the descriptor limit
cannot be raised to hold them.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
import requests

from mockserver.cli import config_from_args

try:  # POSIX; Windows has no per-process limit on sockets to raise
    import resource
except ImportError:
    resource = None

STALLED = b"GET /metrics/user/u/stalled HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
IDLE = b"GET /__mock/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
# Of each kind: more than a worker holds at once by granian's default (its backlog over
# the workers, 512), so the test fails if the mock leaves that default in place.
HELD = 700
# A functional bound, not a timing: a starved server never answers at all.
ANSWER_TIMEOUT_S = 5
SPARE_FDS = 100


def held_count() -> int:
    """HELD, or fewer if this process may not open two descriptors per held connection."""
    if resource is None:
        return HELD
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2 * HELD + SPARE_FDS
    if soft < wanted <= hard or (soft < wanted and hard == resource.RLIM_INFINITY):
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        soft = wanted
    count = HELD
    while 2 * count + SPARE_FDS > soft:
        count //= 2
    return count


@contextmanager
def held_connections(port: int, count: int) -> Iterator[None]:
    """`count` connections stalled inside their headers, and `count` kept alive, idle after
    one request (its answer, if any, is left unread: a starved server never sends it)."""
    with ExitStack() as stack:
        for _ in range(count):
            stalled = stack.enter_context(socket.create_connection(("127.0.0.1", port)))
            stalled.sendall(STALLED)
        for _ in range(count):
            idle = stack.enter_context(socket.create_connection(("127.0.0.1", port)))
            idle.sendall(IDLE)
        yield


def answers_a_fresh_client(url: str) -> bool:
    try:
        response = requests.get(url + "/metrics/user/u/fresh?a=1", timeout=ANSWER_TIMEOUT_S)
    except requests.RequestException:
        return False
    return response.status_code == 200


def one_at_a_time_command(port: int) -> list[str]:
    """The standard library's demo WSGI server (200 to every request), which reads one
    connection at a time: any app starves on it once a client stalls in its headers."""
    serve = (
        "from wsgiref.simple_server import demo_app, make_server;"
        f" make_server('127.0.0.1', {port}, demo_app).serve_forever()"
    )
    return [sys.executable, "-c", serve]


def test_held_partial_and_idle_connections_do_not_stop_the_mock(start_cli_mock):
    count = held_count()
    with start_cli_mock() as mock, held_connections(mock.port, count):
        assert [answers_a_fresh_client(mock.url) for _ in range(20)] == [True] * 20
        events = requests.get(mock.url + "/__mock/events", timeout=ANSWER_TIMEOUT_S).json()
    # Every answered request was recorded; nothing of the stalled ones (or the idle's).
    assert [event["eventName"] for event in events["events"]] == ["fresh"] * 20


def test_the_same_check_fails_on_a_server_that_reads_one_connection_at_a_time(
    start_server, free_port
):
    with start_server(free_port, one_at_a_time_command(free_port), "/") as server:
        assert answers_a_fresh_client(server.url)  # while nobody holds a connection
        with held_connections(server.port, 1):  # one is enough; its backlog holds few
            assert not answers_a_fresh_client(server.url)


def test_a_stalled_request_is_closed_after_the_header_timeout_and_not_recorded(start_cli_mock):
    with (
        start_cli_mock("--header-timeout", "1") as mock,
        socket.create_connection(("127.0.0.1", mock.port), timeout=ANSWER_TIMEOUT_S) as stalled,
    ):
        stalled.sendall(STALLED)
        assert stalled.recv(4096) == b""  # closed unanswered, well before the socket timeout
        events = requests.get(mock.url + "/__mock/events", timeout=ANSWER_TIMEOUT_S).json()
    assert events == {"events": [], "dropped": 0, "next": None}


def test_a_head_with_bare_line_feeds_is_answered_at_once(start_cli_mock):
    """RFC 9112 lets a server take a bare LF for a line's end: granian does, and answers."""
    with (
        start_cli_mock() as mock,
        socket.create_connection(("127.0.0.1", mock.port), timeout=ANSWER_TIMEOUT_S) as client,
    ):
        client.sendall(b"GET /metrics/user/u/e HTTP/1.1\nHost: 127.0.0.1\n\n")
        assert client.recv(4096).startswith(b"HTTP/1.1 200")


def test_the_header_timeout_is_an_option():
    config, _ = config_from_args(["--header-timeout", "2.5"])
    assert config.header_timeout_s == 2.5
    for bad in ("0", "-1", "soon"):
        with pytest.raises(SystemExit):
            config_from_args(["--header-timeout", bad])
