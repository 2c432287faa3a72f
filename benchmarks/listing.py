"""How long other requests take while the inspector lists a large journal, page by page.

`python -m benchmarks.listing` (or `python -m benchmarks --only listing`) fills a journal
with 100,000 events, starts the mock on it with one worker (the worst case: one event
loop for everything), and times other requests, a metrics event and `GET
/__mock/status` in turn from one client: first alone (the baseline), then while another
client reads `/__mock/events` page by page as the inspector does on its first load. The
figure is the ratio of the two, at the median and at p95, measured in the same run so
that a loaded machine slows both. The target is under 100 ms at p95 while listing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.passthrough import percentile
from benchmarks.processes import free_port, serve
from mockserver.journal.store import Journal

ROOT = Path(__file__).resolve().parent.parent
EVENTS = 100_000
PAGE = 1_000  # the inspector's page when it loads the journal (static/inspector.js)
BASELINE_REQUESTS = 2_000
TARGET_P95_MS = 100.0
OTHERS = ("/metrics/user/0d4f6a93b2/Other%20Page?source=bench", "/__mock/status")


@dataclass(frozen=True)
class ListingResult:
    events: int
    pages: int
    listing_s: float
    alone_ms: list[float]
    during_ms: list[float]


def fill(path: Path, events: int) -> None:
    """A journal of `events` metrics events, written directly (not over HTTP)."""
    journal = Journal(path, max_events=events)
    try:
        for number in range(events):
            journal.record(
                "RecordMetricsEventForUser",
                user_id="0d4f6a93b2",
                server_name=None,
                event_name=f"Viewed Page {number % 50}",
                query={"source": ["blip"]},
            )
    finally:
        journal.close()


def _timed_others(connection: http.client.HTTPConnection, times: list[float]) -> None:
    for path in OTHERS:
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}")
        times.append((time.perf_counter() - started) * 1000)


def _list_all(port: int) -> int:
    """Read the whole journal as the inspector does; the number of pages."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    target, pages = f"/__mock/events?limit={PAGE}", 0
    try:
        while target:
            connection.request("GET", target)
            target = json.loads(connection.getresponse().read())["next"]
            pages += 1
    finally:
        connection.close()
    return pages


def measure(workdir: Path, events: int = EVENTS) -> ListingResult:
    journal = workdir / "listing.sqlite3"
    fill(journal, events)
    port = free_port()
    command = [
        *(sys.executable, "-m", "mockserver", "--port", str(port), "--workers", "1"),
        *("--max-events", str(events), "--journal-file", str(journal)),
    ]
    url = f"http://127.0.0.1:{port}"
    with serve(command, url, "/__mock/status", workdir / "listing-mock.log", ROOT):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        alone_ms: list[float] = []
        while len(alone_ms) < BASELINE_REQUESTS:
            _timed_others(connection, alone_ms)
        during_ms: list[float] = []
        listed: list[int] = []
        lister = threading.Thread(target=lambda: listed.append(_list_all(port)))
        started = time.perf_counter()
        lister.start()
        while lister.is_alive():
            _timed_others(connection, during_ms)
        lister.join()
        listing_s = time.perf_counter() - started
        connection.close()
    return ListingResult(events, listed[0], listing_s, alone_ms, during_ms)


def section(result: ListingResult) -> list[str]:
    rows = []
    for label, times in (("alone", result.alone_ms), ("while listing", result.during_ms)):
        rows.append(
            f"| {label} | {len(times)} | {statistics.median(times):.1f} |"
            f" {percentile(times, 0.95):.1f} | {max(times):.1f} |"
        )
    median_ratio = statistics.median(result.during_ms) / statistics.median(result.alone_ms)
    p95_ratio = percentile(result.during_ms, 0.95) / percentile(result.alone_ms, 0.95)
    p95 = percentile(result.during_ms, 0.95)
    verdict = "met" if p95 < TARGET_P95_MS else "NOT met"
    return [
        "## Other requests while the inspector lists a large journal",
        "",
        f"{result.events} events read in {result.pages} pages of {PAGE}"
        f" in {result.listing_s:.1f} s (one worker); meanwhile one client sends a metrics"
        " event and `GET /__mock/status` in turn.",
        "",
        "| other requests | n | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|",
        *rows,
        "",
        f"While listing / alone: {median_ratio:.1f}x at the median, {p95_ratio:.1f}x at p95."
        f" Target: p95 under {TARGET_P95_MS:g} ms while listing: {verdict}.",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.listing", description=__doc__)
    parser.add_argument(
        "--events", type=int, default=EVENTS, help=f"events in the journal (default {EVENTS})"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tidepool-bench-") as workdir:
        print("\n".join(section(measure(Path(workdir), args.events))))


if __name__ == "__main__":
    main()
