"""Requests per second and latency of every target, in turns, at each load.

All targets are started first and then loaded one at a time, never together, so each has
both cores to share with wrk alone. The turns repeat for several rounds: this machine's
speed drifts by a fifth from one minute to the next, so a ratio is taken between targets
measured in the same round, seconds apart, and the report gives the median over rounds.
Each load starts with a short warm-up, discarded, so that Prism's JIT and the first
connections of the workers do not count against anyone.
"""

import contextlib
import subprocess
from dataclasses import dataclass
from pathlib import Path
from statistics import median

from benchmarks import wrk
from benchmarks.processes import Server, ServerError
from benchmarks.targets import LOAD_PATH, TARGETS

WARMUP_S = 2.0


@dataclass(frozen=True)
class LoadRow:
    target: str
    connections: int
    round: int
    result: wrk.WrkResult
    # CPU time the server's processes spent per request: the cost of one answer, which
    # other load on the machine blurs far less than requests/s.
    server_cpu_us: float


@dataclass(frozen=True)
class LoadResults:
    duration_s: float
    rounds: int
    rows: list[LoadRow]
    # Start-up time of each target that started, and why the others did not.
    ready_after_s: dict[str, float]
    failed: dict[str, str]

    def get(self, target: str, connections: int) -> list[LoadRow]:
        """The target's rows at this load, one per round, in round order."""
        return [row for row in self.rows if (row.target, row.connections) == (target, connections)]

    def ratios(self, target: str, baseline: str, connections: int, figure: str) -> list[float]:
        """`figure` of target / the same of baseline, per round in which both were measured."""
        pairs = zip(self.get(target, connections), self.get(baseline, connections), strict=False)
        return [_figure(mine, figure) / _figure(theirs, figure) for mine, theirs in pairs]


def _figure(row: LoadRow, figure: str) -> float:
    """A figure of wrk's result (`requests_per_s`, `p99_ms`, ...) or `server_cpu_us`."""
    return getattr(row, figure) if figure == "server_cpu_us" else getattr(row.result, figure)


def median_of(rows: list[LoadRow], figure: str) -> float:
    return median(_figure(row, figure) for row in rows)


def measure(
    targets: list[str], connections: list[int], duration_s: float, rounds: int, workdir: Path
) -> LoadResults:
    results = LoadResults(duration_s, rounds, [], {}, {})
    with contextlib.ExitStack() as stack:
        servers = _start_all(targets, workdir, stack, results)
        for round_number in range(1, rounds + 1):
            for count in connections:
                for name, server in servers.items():
                    row = _load(name, server, count, round_number, duration_s)
                    print(
                        f"round {round_number}, {count} connections, {TARGETS[name].label}:"
                        f" {row.result.requests_per_s:,.0f} req/s, p99 {row.result.p99_ms:.2f} ms,"
                        f" {row.server_cpu_us:,.0f} us CPU/req",
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
        except (ServerError, subprocess.CalledProcessError) as error:
            # One target that cannot start (Prism not installable, say) must not cost the
            # figures of the others; the report says which and why.
            results.failed[name] = str(error).splitlines()[0]
            print(f"{target.label} skipped: {error}", flush=True)
    return servers


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
    cpu_us = (server.cpu_seconds() - cpu_before) / result.requests * 1e6
    return LoadRow(name, connections, round_number, result, cpu_us)
