"""Memory and disk of the mock after many events: the journal must stay bounded.

The mock keeps at most --max-events events (10,000 by default) and drops the oldest, so
its resident memory and its SQLite files should be the same after a million events as
after a hundred thousand. wrk drives the events in slices sized to land near each
checkpoint; the mock's own journal says exactly how many it recorded.
"""

import json
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from benchmarks import wrk
from benchmarks.processes import Server
from benchmarks.targets import LOAD_PATH, TARGETS, start_mock

CONNECTIONS = 16
FIRST_SLICE_S = 2.0


@dataclass(frozen=True)
class Sample:
    events: int
    elapsed_s: float
    rss_bytes: int
    db_bytes: int
    wal_bytes: int


def recorded(url: str) -> int:
    """Events the mock has recorded since it started: those it keeps plus those it dropped."""
    with urllib.request.urlopen(url + "/__mock/events", timeout=30) as response:
        journal = json.load(response)
    return len(journal["events"]) + journal["dropped"]


def _sample(server: Server, journal: Path, started: float) -> Sample:
    """The journal's files are every file named after it: its databases, their WALs
    (`-wal`) and whatever else it keeps beside them, however it lays them out."""
    files = [path for path in journal.parent.glob(f"{journal.name}*") if path.is_file()]
    wals = [path for path in files if path.name.endswith("-wal")]
    return Sample(
        events=recorded(server.url),
        elapsed_s=time.monotonic() - started,
        rss_bytes=server.rss_bytes(),
        db_bytes=sum(path.stat().st_size for path in files if path not in wals),
        wal_bytes=sum(path.stat().st_size for path in wals),
    )


def measure(checkpoints: list[int], time_limit_s: float, workdir: Path) -> list[Sample]:
    """A sample at start and once past each checkpoint, until the last or the time limit."""
    journal = workdir / "soak-journal.db"
    with start_mock(workdir, "--journal-file", str(journal)) as server:
        url = server.url + LOAD_PATH
        headers = TARGETS["mock"].headers(server)
        started = time.monotonic()
        samples = [_sample(server, journal, started)]
        print(f"soak: {samples[0]}", flush=True)
        rate = None
        for checkpoint in checkpoints:
            while samples[-1].events < checkpoint:
                left_s = time_limit_s - (time.monotonic() - started)
                if left_s < 1:
                    return samples
                needed_s = (checkpoint - samples[-1].events) / rate if rate else FIRST_SLICE_S
                before = samples[-1]
                wrk.run(url, CONNECTIONS, min(max(needed_s, 1.0), left_s), headers)
                samples.append(_sample(server, journal, started))
                rate = (samples[-1].events - before.events) / (
                    samples[-1].elapsed_s - before.elapsed_s
                )
            print(f"soak: {samples[-1]}", flush=True)
        return samples
