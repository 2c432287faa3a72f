"""Requests per second and latency of every target, in turns, at each load.

All targets are started first and then loaded one at a time, never together, so each has
both cores to share with wrk alone. Each is first warmed at each load until two successive
rounds agree within SETTLED (a JVM's JIT, WireMock's, takes several rounds; Prism's and
the first connections of the workers take one), at most MAX_WARMUP_ROUNDS. Then the
measured rounds: this machine's speed drifts by a fifth from one minute to the next, so a
ratio is taken between targets measured in the same round, seconds apart, and the report
gives the median over rounds.
"""

import contextlib
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

from benchmarks import wrk
from benchmarks.installs import Unavailable
from benchmarks.processes import Server, ServerError
from benchmarks.targets import LOAD_PATH, TARGETS

WARMUP_S = 2.0  # before each measured load, discarded: the connections are opened anew
SETTLED = 0.05
MAX_WARMUP_ROUNDS = 8


@dataclass(frozen=True)
class LoadRow:
    target: str
    connections: int
    round: int
    result: wrk.WrkResult
    # CPU time the server's processes spent per request: the cost of one answer, which
    # other load on the machine blurs far less than requests/s. None where there is no /proc.
    server_cpu_us: float | None
    # Mean resident memory of the server's workers after the load, and their number.
    rss_per_worker: tuple[float, int] | None = None


@dataclass(frozen=True)
class WarmUp:
    """The req/s of a target's warm-up rounds at one load, and whether they settled."""

    rates: list[float]

    @property
    def settled(self) -> bool:
        return settled_after(self.rates) is not None


def settled_after(rates: list[float]) -> int | None:
    """How many rounds it took until one agreed with the one before within SETTLED."""
    for number in range(1, len(rates)):
        before, now = rates[number - 1], rates[number]
        if abs(now - before) <= SETTLED * max(before, now):
            return number + 1
    return None


@dataclass
class LoadResults:
    duration_s: float
    rounds: int
    rows: list[LoadRow] = field(default_factory=list)
    # Start-up time of each target that started, and why the others did not.
    ready_after_s: dict[str, float] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    warmups: dict[tuple[str, int], WarmUp] = field(default_factory=dict)

    def get(self, target: str, connections: int) -> list[LoadRow]:
        """The target's rows at this load, one per round, in round order."""
        return [row for row in self.rows if (row.target, row.connections) == (target, connections)]

    def ratios(self, target: str, baseline: str, connections: int, figure: str) -> list[float]:
        """`figure` of target / the same of baseline, per round in which both were measured."""
        pairs = zip(self.get(target, connections), self.get(baseline, connections), strict=False)
        figures = [(_figure(mine, figure), _figure(theirs, figure)) for mine, theirs in pairs]
        return [a / b for a, b in figures if a is not None and b is not None]


def _figure(row: LoadRow, figure: str) -> float:
    """A figure of wrk's result (`requests_per_s`, `p99_ms`, ...) or `server_cpu_us`."""
    return getattr(row, figure) if figure == "server_cpu_us" else getattr(row.result, figure)


def median_of(rows: list[LoadRow], figure: str) -> float | None:
    values = [_figure(row, figure) for row in rows]
    return median(values) if values and None not in values else None


def measure(
    targets: list[str], connections: list[int], duration_s: float, rounds: int, workdir: Path
) -> LoadResults:
    results = LoadResults(duration_s, rounds)
    with contextlib.ExitStack() as stack:
        servers = _start_all(targets, workdir, stack, results)
        for count in connections:
            for name, server in servers.items():
                warmup = _warm(server, count, duration_s)
                results.warmups[name, count] = warmup
                rates = ", ".join(f"{rate:,.0f}" for rate in warmup.rates)
                verdict = "settled" if warmup.settled else "NOT settled"
                print(
                    f"warm-up, {count} connections, {TARGETS[name].label}: {rates} req/s, {verdict}",
                    flush=True,
                )
        for round_number in range(1, rounds + 1):
            for count in connections:
                for name, server in servers.items():
                    row = _load(name, server, count, round_number, duration_s)
                    cpu = f"{row.server_cpu_us:,.0f}" if row.server_cpu_us is not None else "n/a"
                    print(
                        f"round {round_number}, {count} connections, {TARGETS[name].label}:"
                        f" {row.result.requests_per_s:,.0f} req/s, p99 {row.result.p99_ms:.2f} ms,"
                        f" {cpu} us CPU/req",
                        flush=True,
                    )
                    results.rows.append(row)
    return results


def _start_all(
    targets: list[str], workdir: Path, stack: contextlib.ExitStack, results: LoadResults
) -> dict[str, tuple[Server, dict[str, str]]]:
    servers = {}
    for name in targets:
        target = TARGETS[name]
        try:
            server = stack.enter_context(target.start(workdir))
            servers[name] = (server, target.headers(server))
            results.ready_after_s[name] = server.ready_after_s
        except (ServerError, Unavailable, subprocess.CalledProcessError) as error:
            # One target that cannot start (Java or npm missing, say) must not cost the
            # figures of the others; the report says which and why, in one line.
            results.failed[name] = str(error).splitlines()[0]
            print(f"{target.label} skipped: {results.failed[name]}", flush=True)
    return servers


def _warm(started: tuple[Server, dict[str, str]], connections: int, duration_s: float) -> WarmUp:
    server, headers = started
    rates: list[float] = []
    while len(rates) < MAX_WARMUP_ROUNDS and settled_after(rates) is None:
        rates.append(
            wrk.run(server.url + LOAD_PATH, connections, duration_s, headers).requests_per_s
        )
    return WarmUp(rates)


def _load(
    name: str,
    started: tuple[Server, dict[str, str]],
    connections: int,
    round_number: int,
    duration_s: float,
) -> LoadRow:
    server, headers = started
    url = server.url + LOAD_PATH
    wrk.run(url, connections, WARMUP_S, headers)
    cpu_before = server.cpu_seconds()
    result = wrk.run(url, connections, duration_s, headers)
    cpu_after = server.cpu_seconds()
    cpu_us = None
    if cpu_before is not None and cpu_after is not None:
        cpu_us = (cpu_after - cpu_before) / max(1, result.requests) * 1e6
    return LoadRow(name, connections, round_number, result, cpu_us, server.rss_per_worker())
