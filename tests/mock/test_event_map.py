"""The event loop rests while a request's task sends its answer (event_map.py).

Two checks over real sockets. A channel whose task holds its output lock, as a task does
while it sends, must not make the loop spin (a spinning loop keeps the GIL from that very
task); the same count with the loop watching every writable channel, as waitress's own
loop does, shows that the check can fail. And output a task could not send at once, to
a client that reads slowly, is sent by the loop while the task is still busy.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from waitress.adjustments import Adjustments
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from mockserver.serving import event_map
from mockserver.serving.event_map import EventMap

WATCHED_S = 0.3
# A resting loop turns once per timeout while nothing happens; a spinning one turns for
# every writable-socket event, many thousands of times in WATCHED_S.
TURN_TIMEOUT_S = 0.05
RESTING_TURNS = 2 * WATCHED_S / TURN_TIMEOUT_S
# Far more than the sockets' buffers hold, so the task cannot send it all at once.
LARGE_ANSWER = b"x" * (32 * 1024 * 1024)
TASK_WAIT_S = 10


class BusyChannel:
    """What the loop sees of a waitress channel whose task is sending its answer: output
    buffered, the output lock taken, so a write event can do nothing."""

    accepting = False
    will_close = False
    requests = ("the running task",)

    def __init__(self, sock: socket.socket) -> None:
        self._fileno = sock.fileno()
        self.outbuf_lock = threading.Lock()
        self.outbuf_lock.acquire()  # the task's, while it sends

    def readable(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def handle_write_event(self) -> None:
        """The lock is the task's: nothing to do (waitress's `_flush_some_if_lockable`)."""


def turns_beside_a_busy_channel() -> int:
    socket_map = EventMap()
    ours, peer = socket.socketpair()
    with ours, peer:
        channel = BusyChannel(ours)
        socket_map[channel._fileno] = channel
        turns, deadline = 0, time.monotonic() + WATCHED_S
        while time.monotonic() < deadline:
            socket_map.turn(TURN_TIMEOUT_S)
            turns += 1
        del socket_map[channel._fileno]
    socket_map.close()
    return turns


def test_the_loop_rests_while_a_task_holds_its_output():
    assert turns_beside_a_busy_channel() <= RESTING_TURNS


def test_the_same_count_fails_when_the_loop_watches_every_writable_channel(monkeypatch):
    def writable_socket(dispatcher) -> int:
        return event_map.WRITE if dispatcher.writable() else 0

    monkeypatch.setattr(event_map, "_wanted_events", writable_socket)
    assert turns_beside_a_busy_channel() > RESTING_TURNS


@contextmanager
def serving(app: Callable) -> Iterator[int]:
    """waitress on an EventMap, as the mock's worker runs it, on a free loopback port."""
    socket_map = EventMap()
    listener = socket.create_server(("127.0.0.1", 0))
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(1)
    TcpWSGIServer(
        app,
        socket_map,
        _sock=listener,
        dispatcher=dispatcher,
        adj=Adjustments(threads=1),
        bind_socket=False,
        sockinfo=(listener.family, listener.type, 0, listener.getsockname()),
    )
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            socket_map.turn(TURN_TIMEOUT_S)

    looping = threading.Thread(target=loop)
    looping.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        looping.join()
        dispatcher.shutdown()
        for dispatcher in list(socket_map.values()):
            dispatcher.handle_close()  # a channel's also closes its buffers' overflow files
        socket_map.close()


def test_output_the_task_could_not_send_goes_while_the_task_is_still_busy():
    client_has_it_all = threading.Event()
    task_saw = []

    def answer_then_stay_busy(environ: dict, start_response: Callable) -> list[bytes]:
        write = start_response("200 OK", [("Content-Length", str(len(LARGE_ANSWER)))])
        write(LARGE_ANSWER)
        task_saw.append(client_has_it_all.wait(TASK_WAIT_S))
        return []

    with (
        serving(answer_then_stay_busy) as port,
        socket.create_connection(("127.0.0.1", port)) as client,
    ):
        client.settimeout(2 * TASK_WAIT_S)
        client.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        head = client.recv(4096)
        received = len(head) - head.index(b"\r\n\r\n") - 4  # of the body
        while received < len(LARGE_ANSWER):
            chunk = client.recv(1 << 20)
            assert chunk, "closed before the whole answer"
            received += len(chunk)
        client_has_it_all.set()
    assert task_saw == [True]  # the whole answer came before the task stopped waiting
