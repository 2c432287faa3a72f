"""What the mock adds to a request it passes through to an upstream (`--upstream`).

`python -m benchmarks.passthrough` (or `python -m benchmarks --only passthrough`) starts
one upstream, the bare app (benchmarks/bare_app.py: answers 200 at any path), and the
mock in front of it exactly as `make mock ARGS="--upstream URL"` runs it. One client
then sends the same request (`GET /metadata/{userId}/profile` with a session token, as
blip does after login) over a kept-alive connection to each, alternately, so both see
the same moment of a machine whose speed drifts. The figure is the latency the mock
adds: its median and p99 minus the direct call's, and the median of the per-pair
differences. The target is at most 2 ms added at the median.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.processes import Server, free_port, serve

ROOT = Path(__file__).resolve().parent.parent
TARGET_MEDIAN_ADDED_MS = 2.0
PATH = "/metadata/0d4f6a93b2/profile"
HEADERS = {
    "X-Tidepool-Session-Token": "bench-token",
    "X-Tidepool-Trace-Session": "bench-session",
    "Accept": "application/json",
}
# Answered by both servers: the bare app answers anything, the mock this metrics path itself.
PROBE_PATH = "/metrics/user/0d4f6a93b2/bench%20-%20ready"
WARM_UP = 200
REQUESTS = 5000  # to each server
QUICK_REQUESTS = 1000  # with `python -m benchmarks --quick`


@dataclass(frozen=True)
class PassThroughResult:
    requests: int  # per server
    direct_ms: list[float]
    proxied_ms: list[float]

    @property
    def paired_added_ms(self) -> float:
        return statistics.median(
            p - d for p, d in zip(self.proxied_ms, self.direct_ms, strict=True)
        )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _timed_get(connection: http.client.HTTPConnection) -> float:
    started = time.perf_counter()
    connection.request("GET", PATH, headers=HEADERS)
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {PATH} answered {response.status}")
    return (time.perf_counter() - started) * 1000


def _connect(server: Server) -> http.client.HTTPConnection:
    address = urlsplit(server.url)
    return http.client.HTTPConnection(address.hostname, address.port, timeout=10)


def measure(workdir: Path, requests: int = REQUESTS) -> PassThroughResult:
    upstream_port = free_port()
    mock_port = free_port()
    upstream_command = [sys.executable, "-m", "benchmarks.bare_app", "--port", str(upstream_port)]
    upstream_url = f"http://127.0.0.1:{upstream_port}"
    mock_command = [
        *(sys.executable, "-m", "mockserver", "--port", str(mock_port)),
        *("--upstream", upstream_url),
    ]
    with ExitStack() as stack:
        upstream = stack.enter_context(
            serve(upstream_command, upstream_url, PROBE_PATH, workdir / "upstream.log", ROOT)
        )
        mock = stack.enter_context(
            serve(
                mock_command,
                f"http://127.0.0.1:{mock_port}",
                PROBE_PATH,
                workdir / "passthrough-mock.log",
                ROOT,
            )
        )
        direct, proxied = _connect(upstream), _connect(mock)
        stack.callback(direct.close)
        stack.callback(proxied.close)
        for _ in range(WARM_UP):
            _timed_get(direct), _timed_get(proxied)
        direct_ms, proxied_ms = [], []
        for _ in range(requests):
            direct_ms.append(_timed_get(direct))
            proxied_ms.append(_timed_get(proxied))
    return PassThroughResult(requests, direct_ms, proxied_ms)


def section(result: PassThroughResult) -> list[str]:
    direct_p50, proxied_p50 = (
        statistics.median(result.direct_ms),
        statistics.median(result.proxied_ms),
    )
    direct_p99, proxied_p99 = (
        percentile(result.direct_ms, 0.99),
        percentile(result.proxied_ms, 0.99),
    )
    added = proxied_p50 - direct_p50
    verdict = "met" if added <= TARGET_MEDIAN_ADDED_MS else "NOT met"
    return [
        "## Pass-through: latency the mock adds in front of an upstream (--upstream)",
        "",
        f"`GET {PATH}`, {result.requests} requests to each, alternately, one kept-alive",
        "connection each; the upstream is the bare app.",
        "",
        "| | p50 ms | p99 ms |",
        "|---|---:|---:|",
        f"| upstream, direct | {direct_p50:.3f} | {direct_p99:.3f} |",
        f"| through the mock | {proxied_p50:.3f} | {proxied_p99:.3f} |",
        f"| added by the mock | {added:.3f} | {proxied_p99 - direct_p99:.3f} |",
        "",
        f"Median of the per-pair differences: {result.paired_added_ms:.3f} ms."
        f" Target: at most {TARGET_MEDIAN_ADDED_MS:g} ms added at the median: {verdict}.",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.passthrough", description=__doc__)
    parser.add_argument(
        "--requests",
        type=int,
        default=REQUESTS,
        help=f"requests to each server (default {REQUESTS})",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tidepool-bench-") as workdir:
        print("\n".join(section(measure(Path(workdir), args.requests))))


if __name__ == "__main__":
    main()
