"""Issue 29: what open waits cost other clients of the mock.

An end-to-end test waits for an event with `GET /__mock/events?wait=SECONDS`; the mock
must hold such a request without a thread of its own. In each round wrk loads the mock
at 16 connections alone, then beside WAITS requests that wait for an event that never
comes (each one renewed when its wait ends), seconds apart. Until the mock has the
feature it answers 400 to `wait`, and the part says it is not supported.
"""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import wrk
from benchmarks.slow_clients import holding, load, server_port
from benchmarks.targets import TARGETS

WAITS = 100
WAIT_PATH = "/__mock/events?wait=30&eventName=never"
WAITING = f"GET {WAIT_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
# A wait still open after this long is taken as held; an answer sooner, as no support.
HELD_AFTER_S = 1.0


@dataclass(frozen=True)
class WaitsRound:
    without: wrk.WrkResult
    with_waits: wrk.WrkResult
    renewed: int  # waits that ended, or connections closed, and were opened again


@dataclass(frozen=True)
class WaitsResult:
    waits: int
    rounds: list[WaitsRound]
    unsupported: str = ""  # why the mock cannot hold a wait, when it cannot


def supported(port: int) -> str:
    """'' when the mock holds a wait open; else what it answered instead."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HELD_AFTER_S)
    try:
        connection.request("GET", WAIT_PATH)
        answer = connection.getresponse()
        return f"not supported: the mock answered {answer.status} to {WAIT_PATH} at once"
    except TimeoutError:
        return ""
    finally:
        connection.close()


def measure(duration_s: float, rounds: int, workdir: Path) -> WaitsResult:
    with TARGETS["mock"].start(workdir) as server:
        headers = TARGETS["mock"].headers(server)
        unsupported = supported(server_port(server))
        if unsupported:
            print(f"waits: {unsupported}", flush=True)
            return WaitsResult(WAITS, [], unsupported)
        results = []
        for _ in range(rounds):
            without = load(server, headers, duration_s)
            with holding(server_port(server), [WAITING] * WAITS, renew_answered=True) as holder:
                time.sleep(0.5)  # every wait has reached the mock
                with_waits = load(server, headers, duration_s)
                renewed = holder.reopened
            results.append(WaitsRound(without, with_waits, renewed))
            print(
                f"waits ({WAITS} open): {without.requests_per_s:,.0f}"
                f" -> {with_waits.requests_per_s:,.0f} req/s, p99 {without.p99_ms:.2f}"
                f" -> {with_waits.p99_ms:.2f} ms, {renewed} renewed",
                flush=True,
            )
        return WaitsResult(WAITS, results)
