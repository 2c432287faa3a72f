"""The event loop rests while a request's task sends its answer (event_map.py).

Two checks over real sockets with waitress's own server and channels. A channel whose
task has buffered output and holds the output lock, as a task does while it sends, must
not wake the loop for writing (a spinning loop keeps the GIL from that very task); the
same count with the loop watching every writable channel, as waitress's own loop does,
shows that the check can fail. And output a task could not send at once, to a client
that reads slowly, is sent by the loop while the task is still busy.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from mockserver.serving import event_map
from mockserver.serving.event_map import EventMap
from mockserver.serving.private_api import output_lock

TURN_TIMEOUT_S = 0.05
# Turns the loop takes while the task holds its output: none of them may be for writing.
WATCHED_TURNS = 5
# Turns to read one request, far more than it takes: a loop that never reads it fails.
READING_TURNS = 100
# Far more than the sockets' buffers hold, so the task cannot send it all at once.
LARGE_ANSWER = b"x" * (32 * 1024 * 1024)
TASK_WAIT_S = 10


@contextmanager
def waitress_on(socket_map: EventMap, app: Callable) -> Iterator[int]:
    """waitress's server on `socket_map`, as the mock's worker runs it, on a free loopback
    port, with one task thread; the loop's turns are the caller's to take."""
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
    try:
        yield listener.getsockname()[1]
    finally:
        dispatcher.shutdown()
        for dispatcher in list(socket_map.values()):
            dispatcher.handle_close()  # a channel's also closes its buffers' overflow files
        socket_map.close()


@contextmanager
def held_by_another_thread(lock) -> Iterator[None]:
    """The lock held by a thread of its own, as a task holds it: waitress's is re-entrant,
    so the thread that takes the loop's turns would find it free."""
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            taken.set()
            done.wait(TASK_WAIT_S)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert taken.wait(TASK_WAIT_S)
        yield
    finally:
        done.set()
        holder.join()


def write_events_while_a_task_holds_its_output() -> int:
    """How many of WATCHED_TURNS woke for writing on a real channel whose task holds the
    channel's output lock with output left to send to a client that reads: the socket is
    writable, and the loop can do nothing with it. The turns are taken here, none while
    the task writes, so the output is still buffered then."""
    written, release = threading.Event(), threading.Event()

    def answer_then_stay_busy(environ: dict, start_response: Callable) -> list[bytes]:
        start_response("200 OK", [("Content-Length", str(len(LARGE_ANSWER)))])(LARGE_ANSWER)
        written.set()
        release.wait(TASK_WAIT_S)
        return []

    socket_map = EventMap()
    with (
        waitress_on(socket_map, answer_then_stay_busy) as port,
        socket.create_connection(("127.0.0.1", port)) as client,
    ):
        client.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        for _ in range(READING_TURNS):  # until the request is handed to the task
            socket_map.turn(TURN_TIMEOUT_S)
            channels = [d for d in socket_map.values() if isinstance(d, HTTPChannel)]
            if channels and channels[0].requests:
                break
        (channel,) = channels
        assert written.wait(TASK_WAIT_S) and channel.writable()
        client.setblocking(False)  # the client reads all it was sent: the socket has room
        with contextlib.suppress(BlockingIOError):
            while client.recv(1 << 20):
                pass
        writes = []
        handle_write_event = channel.handle_write_event

        def counted() -> None:
            writes.append(True)
            handle_write_event()

        channel.handle_write_event = counted
        with held_by_another_thread(output_lock(channel)):  # as by the task, while it sends
            for _ in range(WATCHED_TURNS):
                socket_map.turn(TURN_TIMEOUT_S)
        release.set()
    return len(writes)


def test_the_loop_rests_while_a_task_holds_its_output():
    assert write_events_while_a_task_holds_its_output() == 0


def test_the_same_count_fails_when_the_loop_watches_every_writable_channel(monkeypatch):
    def writable_socket(dispatcher) -> int:
        readable = event_map.READ if dispatcher.readable() else 0
        return readable | (event_map.WRITE if dispatcher.writable() else 0)

    monkeypatch.setattr(event_map, "_wanted_events", writable_socket)
    assert write_events_while_a_task_holds_its_output() == WATCHED_TURNS


@contextmanager
def serving(app: Callable) -> Iterator[int]:
    """waitress on an EventMap, its loop turning in a thread of its own."""
    socket_map = EventMap()
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            socket_map.turn(TURN_TIMEOUT_S)

    with waitress_on(socket_map, app) as port:
        looping = threading.Thread(target=loop)
        looping.start()
        try:
            yield port
        finally:
            stop.set()
            looping.join()


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
