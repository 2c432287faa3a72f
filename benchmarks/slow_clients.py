"""The mock under load while slow and idle clients hold connections (issues 11 and 27).

A holder thread keeps `held` connections stalled inside their headers and `held` more
kept alive and idle after one request, and re-opens each one the mock closes (after the
header timeout or the keep-alive timeout), as a stuck client or an attacker would. In
each round wrk loads the mock at 16 connections without them and then with them, seconds
apart, so the ratio of the two is taken on the same machine state.

Holding thousands of sockets needs as many descriptors: the soft limit is raised to the
hard one, and `held` is lowered to fit when even that is too small (the report says so).
"""

from __future__ import annotations

import contextlib
import resource
import selectors
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from benchmarks import wrk
from benchmarks.processes import Server
from benchmarks.targets import LOAD_PATH, TARGETS

CONNECTIONS = 16
WARMUP_S = 2.0
STALLED = b"GET /metrics/thisuser/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
IDLE = b"GET /__mock/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
SPARE_FDS = 200


@dataclass(frozen=True)
class SlowRound:
    held: int  # connections of each kind
    without: wrk.WrkResult
    with_held: wrk.WrkResult
    reopened: int  # connections the mock closed, and the holder opened again, meanwhile


def held_that_fit(wanted: int) -> int:
    """`wanted`, or as many as the descriptor limit allows (two kinds, each one socket)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return max(1, min(wanted, (soft - SPARE_FDS) // 2))


class _Holder:
    """Keeps connections open, each with its first bytes sent, re-opening each one that is
    closed, and, with `renew_answered`, each one that is answered (a wait that ended)."""

    def __init__(self, port: int, openings: list[bytes], renew_answered: bool = False) -> None:
        self.port = port
        self.selector = selectors.DefaultSelector()
        self.reopened = 0
        self.renew_answered = renew_answered
        self._stop = threading.Event()
        for first_bytes in openings:
            self._open(first_bytes)
        self.thread = threading.Thread(target=self._run, name="holder", daemon=True)

    def _open(self, first_bytes: bytes) -> None:
        connection = socket.create_connection(("127.0.0.1", self.port))
        connection.sendall(first_bytes)
        connection.setblocking(False)
        self.selector.register(connection, selectors.EVENT_READ, first_bytes)

    def _run(self) -> None:
        while not self._stop.is_set():
            for key, _ in self.selector.select(timeout=0.2):
                try:
                    closed = not key.fileobj.recv(65536)  # an idle one's answer, or the end
                except OSError:
                    closed = True
                if closed or self.renew_answered:
                    self.selector.unregister(key.fileobj)
                    key.fileobj.close()
                    self._open(key.data)
                    self.reopened += 1

    def close(self) -> None:
        self._stop.set()
        self.thread.join()
        for key in list(self.selector.get_map().values()):
            key.fileobj.close()
        self.selector.close()


@contextlib.contextmanager
def holding(port: int, openings: list[bytes], renew_answered: bool = False) -> Iterator[_Holder]:
    holder = _Holder(port, openings, renew_answered)
    holder.thread.start()
    try:
        yield holder
    finally:
        holder.close()


def measure(wanted: int, duration_s: float, rounds: int, workdir: Path) -> list[SlowRound]:
    """Rounds against the mock as `make mock` runs it."""
    held = held_that_fit(wanted)
    results = []
    with TARGETS["mock"].start(workdir) as server:
        headers = TARGETS["mock"].headers(server)
        for _ in range(rounds):
            without = load(server, headers, duration_s)
            with holding(server_port(server), [STALLED, IDLE] * held) as holder:
                time.sleep(0.5)  # every held connection has reached the mock
                with_held = load(server, headers, duration_s)
                reopened = holder.reopened
            results.append(SlowRound(held, without, with_held, reopened))
            print(
                f"slow clients ({held} stalled + {held} idle): {without.requests_per_s:,.0f}"
                f" -> {with_held.requests_per_s:,.0f} req/s, p99 {without.p99_ms:.2f}"
                f" -> {with_held.p99_ms:.2f} ms, {reopened} re-opened",
                flush=True,
            )
    return results


def server_port(server: Server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def load(server: Server, headers: dict[str, str], duration_s: float) -> wrk.WrkResult:
    """The load part's request at 16 connections, after a short discarded warm-up."""
    url = server.url + LOAD_PATH
    wrk.run(url, CONNECTIONS, WARMUP_S, headers)
    return wrk.run(url, CONNECTIONS, duration_s, headers)
