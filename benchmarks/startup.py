"""How long `python -m mockserver` takes from launch to its first 200 answer.

Frontend developers restart the mock all day, so this is measured on its own, several
times (the first start also pays for a cold page cache; the median is what they feel).
"""

from pathlib import Path

from benchmarks.targets import start_mock


def measure(runs: int, workdir: Path) -> list[float]:
    """Seconds from process start to the first 200, one figure per start."""
    times = []
    for _ in range(runs):
        with start_mock(workdir) as server:
            times.append(server.ready_after_s)
    print(f"startup: {', '.join(f'{t:.3f} s' for t in times)}", flush=True)
    return times
