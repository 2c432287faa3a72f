"""The event loop answers requests that cannot wait; threads keep those that may
(mockserver/serving/loop_dispatch.py), over real sockets against `python -m mockserver`."""

from __future__ import annotations

import re
import socket
import threading
import time

import requests

# Functional bounds, not timings: a request that never comes back fails them.
ANSWER_TIMEOUT_S = 10
DELAY_MS = 3000
HEAD_START_S = 0.5
# A plain request must be answered while the delayed one still waits, so well within this.
BEFORE_THE_DELAY_ENDS_S = DELAY_MS / 1000 / 2


def test_the_loop_answers_while_the_only_thread_waits_out_a_delay(start_cli_mock):
    """With one thread held by `Prefer: delay`, a plain request is answered before it:
    by the loop. Fails both ways: if every request went to the threads, the plain one
    would queue behind the delay; if the loop answered the delayed one, it would stop."""
    finished: list[str] = []
    with start_cli_mock("--workers", "1", "--threads", "1") as mock:

        def delayed() -> None:
            response = requests.get(
                mock.url + "/metrics/user/u/delayed",
                headers={"Prefer": f"delay={DELAY_MS}"},
                timeout=ANSWER_TIMEOUT_S,
            )
            finished.append(f"delayed {response.status_code}")

        waiting = threading.Thread(target=delayed)
        waiting.start()
        time.sleep(HEAD_START_S)  # so the delayed request holds the thread first
        response = requests.get(mock.url + "/metrics/user/u/plain", timeout=BEFORE_THE_DELAY_ENDS_S)
        finished.append(f"plain {response.status_code}")
        waiting.join(ANSWER_TIMEOUT_S)
    assert finished == ["plain 200", "delayed 200"]


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
