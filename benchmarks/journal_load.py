"""The journal alone: N processes recording into one journal at once, no HTTP (issue 11).

Each process records events one after another, as one request thread of a worker would,
for a fixed time after all have started; the figure is commits (events stored and
acknowledged) per second, all processes together. If the journal serialized its writers,
the total would stay flat as N grows; issue 11 asks for it to grow up to the cores.
Each line also says how much of the run the processes spent on a CPU: on a machine busy
with other work, a total that does not double with N processes each on a CPU well under
100% of the time is the machine's, not the journal's.
"""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass
from pathlib import Path

from mockserver.journal.store import Journal

MAX_EVENTS = 10_000


@dataclass(frozen=True)
class JournalRun:
    processes: int
    commits: int
    seconds: float
    cpu_seconds: float = 0.0  # all processes together

    @property
    def commits_per_s(self) -> float:
        return self.commits / self.seconds


def _record(path: Path, start_at: float, stop_at: float, done: multiprocessing.Queue) -> None:
    journal = Journal(path, MAX_EVENTS)
    query = {"a": ["1"], "b": ["2"], "c": ["3"]}
    count = 0
    while time.time() < start_at:
        time.sleep(0.001)
    cpu_started = time.process_time()
    while time.time() < stop_at:
        journal.record("RecordMetricsEventForNamedUser", "u", None, "bench - journal", query)
        count += 1
    done.put((count, time.process_time() - cpu_started))
    journal.close()


def run(processes: int, seconds: float, workdir: Path) -> JournalRun:
    """Commits of `processes` processes recording into one fresh journal for `seconds`."""
    path = workdir / f"journal-{processes}.sqlite3"
    Journal(path, MAX_EVENTS).close()  # created once, as the mock does before it forks
    context = multiprocessing.get_context("fork")
    done = context.Queue()
    start_at = time.time() + 0.5  # every process has opened its connection by then
    workers = [
        context.Process(target=_record, args=(path, start_at, start_at + seconds, done))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    results = [done.get(timeout=seconds + 60) for _ in workers]
    for worker in workers:
        worker.join()
    return JournalRun(
        processes, sum(count for count, _ in results), seconds, sum(cpu for _, cpu in results)
    )


def measure(counts: list[int], seconds: float, rounds: int, workdir: Path) -> list[JournalRun]:
    runs = []
    for _ in range(rounds):
        for processes in counts:
            runs.append(run(processes, seconds, workdir))
            on_cpu = runs[-1].cpu_seconds / (processes * seconds)
            print(
                f"journal, {processes} processes: {runs[-1].commits_per_s:,.0f} commits/s,"
                f" each on a CPU {on_cpu:.0%} of the time",
                flush=True,
            )
    return runs
