"""The event loop answers requests that cannot wait; threads keep those that may
(mockserver/serving/loop_dispatch.py), over real sockets against `python -m mockserver`."""

from __future__ import annotations

import re
import select
import socket

import requests

# A functional bound, not a timing: a request that never comes back fails it.
ANSWER_TIMEOUT_S = 10
# Far longer than a request the loop answers takes, even on a loaded machine.
DELAY_MS = 5000


def test_the_loop_answers_while_the_only_thread_waits_out_a_delay(start_cli_mock):
    """With the one thread held by `Prefer: delay`, a plain request is answered before it:
    by the loop. Fails both ways: if every request went to the threads, the plain one
    would queue behind the delay; if the loop answered the delayed one, it would stop."""
    with (
        start_cli_mock("--workers", "1", "--threads", "1") as mock,
        socket.create_connection(("127.0.0.1", mock.port), timeout=ANSWER_TIMEOUT_S) as held,
    ):
        held.sendall(
            b"GET /metrics/user/u/delayed HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Prefer: delay=%d\r\nConnection: close\r\n\r\n" % DELAY_MS
        )
        # The loop reads connections in the order they came, so once it has answered one
        # that came after, it has read the delayed request and handed it to the thread.
        requests.get(mock.url + "/__mock/status", timeout=ANSWER_TIMEOUT_S).raise_for_status()
        plain = requests.get(mock.url + "/metrics/user/u/plain", timeout=ANSWER_TIMEOUT_S)
        delayed_answered_first = select.select([held], [], [], 0)[0] != []
        delayed = held.recv(4096)
    assert (plain.status_code, delayed_answered_first) == (200, False)
    assert delayed.startswith(b"HTTP/1.1 200 ")


def test_pipelined_requests_are_answered_in_order_by_loop_and_thread_alike(start_cli_mock):
    """Four requests in one write; the second waits in a thread, the others are the
    loop's. Their answers and events keep the order they were sent in."""
    head = "Host: 127.0.0.1\r\n"
    pipelined = (
        f"GET /metrics/user/u/first HTTP/1.1\r\n{head}\r\n"
        f"GET /metrics/user/u/second HTTP/1.1\r\n{head}Prefer: delay=300, code=500\r\n\r\n"
        f"GET /nowhere HTTP/1.1\r\n{head}\r\n"
        f"GET /metrics/user/u/fourth HTTP/1.1\r\n{head}Connection: close\r\n\r\n"
    )
    with (
        start_cli_mock("--workers", "1") as mock,
        socket.create_connection(("127.0.0.1", mock.port), timeout=ANSWER_TIMEOUT_S) as client,
    ):
        client.sendall(pipelined.encode())
        answers = b""
        while chunk := client.recv(65536):
            answers += chunk
        events = requests.get(mock.url + "/__mock/events", timeout=ANSWER_TIMEOUT_S).json()
    assert re.findall(rb"HTTP/1\.1 (\d{3}) ", answers) == [b"200", b"500", b"404", b"200"]
    assert [event["eventName"] for event in events["events"]] == ["first", "fourth"]
