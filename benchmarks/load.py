"""Requests per second and latency of every target, one after the other, at each load.

The targets run one at a time, never together, so each has both cores to share with wrk
alone. Each load level starts with a short warm-up, discarded, so that Prism's JIT and the
first connections of the workers do not count against anyone.
"""

import subprocess
from dataclasses import dataclass
from pathlib import Path

from benchmarks import wrk
from benchmarks.processes import ServerError
from benchmarks.targets import LOAD_PATH, TARGETS

WARMUP_S = 2.0


@dataclass(frozen=True)
class LoadRow:
    target: str
    connections: int
    result: wrk.WrkResult
    # CPU time the server's processes spent per request: the cost of one answer, which
    # other load on the machine blurs far less than requests/s.
    server_cpu_us: float


@dataclass(frozen=True)
class LoadResults:
    duration_s: float
    rows: list[LoadRow]
    # Start-up time of each target that started, and why the others did not.
    ready_after_s: dict[str, float]
    failed: dict[str, str]

    def get(self, target: str, connections: int) -> LoadRow | None:
        return next(
            (row for row in self.rows if (row.target, row.connections) == (target, connections)),
            None,
        )


def measure(
    targets: list[str], connections: list[int], duration_s: float, workdir: Path
) -> LoadResults:
    results = LoadResults(duration_s, [], {}, {})
    for name in targets:
        target = TARGETS[name]
        print(f"load: {target.label}", flush=True)
        try:
            with target.start(workdir) as server:
                results.ready_after_s[name] = server.ready_after_s
                url = server.url + LOAD_PATH
                headers = target.headers(server)
                for count in connections:
                    wrk.run(url, count, WARMUP_S, headers)
                    cpu_before = server.cpu_seconds()
                    result = wrk.run(url, count, duration_s, headers)
                    cpu_us = (server.cpu_seconds() - cpu_before) / result.requests * 1e6
                    print(f"  {count:>3} connections: {result}, {cpu_us:.0f} us CPU", flush=True)
                    results.rows.append(LoadRow(name, count, result, cpu_us))
        except (ServerError, subprocess.CalledProcessError) as error:
            # One target that cannot start (Prism not installable, say) must not cost the
            # figures of the others; the report says which and why.
            results.failed[name] = str(error).splitlines()[0]
            print(f"  skipped: {error}", flush=True)
    return results
