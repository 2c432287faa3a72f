"""Run wrk (Debian's package) against one URL and read the figures off its report.

wrk rather than a Python load generator: a Python client would saturate one of the two
cores long before nginx does, and the ceiling would measure the client. `--latency`
makes wrk print its percentiles, which is all of its output we parse.
"""

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

_UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}
_PERCENTILE = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_REQUESTS = re.compile(r"^\s+(\d+) requests in ", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_NON_2XX = re.compile(r"^\s+Non-2xx or 3xx responses: (\d+)", re.MULTILINE)
_SOCKET_ERRORS = re.compile(r"^\s+Socket errors: (.*)$", re.MULTILINE)


@dataclass(frozen=True)
class WrkResult:
    requests: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    # Answers that were not 2xx/3xx, plus connect/read/write/timeout errors: a target
    # that is fast because it fails must not look good.
    errors: int


def parse(output: str) -> WrkResult:
    """Read wrk's `--latency` report; a missing figure raises, rather than reading as 0."""
    percentiles = {
        p: float(value) * _UNITS_MS[unit] for p, value, unit in _PERCENTILE.findall(output)
    }
    non_2xx = _NON_2XX.search(output)
    socket_errors = _SOCKET_ERRORS.search(output)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    try:
        return WrkResult(
            requests=int(_REQUESTS.search(output).group(1)),
            requests_per_s=float(_RATE.search(output).group(1)),
            p50_ms=percentiles["50"],
            p99_ms=percentiles["99"],
            errors=errors,
        )
    except (AttributeError, KeyError) as missing:
        raise ValueError(f"unexpected wrk output ({missing!r}):\n{output}") from None


def run(url: str, connections: int, duration_s: float, headers: Mapping[str, str]) -> WrkResult:
    """Load `url` with `connections` open connections for `duration_s` seconds."""
    command = [
        "wrk",
        "--latency",
        f"--threads={min(2, connections)}",  # one per core; wrk needs threads <= connections
        f"--connections={connections}",
        f"--duration={max(1, round(duration_s))}s",
        "--timeout=5s",
    ]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    done = subprocess.run(
        command + [url], capture_output=True, text=True, timeout=duration_s + 30, check=True
    )
    return parse(done.stdout)
