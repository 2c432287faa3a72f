"""The journal under concurrent load: processes recording into one journal at once, on
their own and served by gunicorn with several worker processes."""

import multiprocessing
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import requests

from mockserver.journal.shards import IdCounter, shard_path, shard_slots
from mockserver.journal.store import Journal

PROCESSES = 2
EVENTS_PER_PROCESS = 1500

THREADS = 32
EVENTS_PER_THREAD = 100  # 3,200 events in all


def send_events(url: str, thread: int) -> list[int]:
    with requests.Session() as http:  # one keep-alive connection per thread
        return [
            http.get(
                f"{url}/metrics/user/u{thread}/c-{thread}-{n}?n={n}&t={thread}&n=again", timeout=30
            ).status_code
            for n in range(EVENTS_PER_THREAD)
        ]


def test_thousands_of_concurrent_events_are_all_recorded_intact_once(start_cli_mock):
    with start_cli_mock("--workers", "2", "--max-events", "10000") as mock:
        with ThreadPoolExecutor(THREADS) as pool:
            statuses = [
                s
                for result in pool.map(lambda t: send_events(mock.url, t), range(THREADS))
                for s in result
            ]
        assert statuses == [200] * (THREADS * EVENTS_PER_THREAD)
        journal = requests.get(mock.url + "/__mock/events", timeout=30).json()
    events = journal["events"]
    assert journal["dropped"] == 0 and len(events) == THREADS * EVENTS_PER_THREAD
    assert len({e["id"] for e in events}) == len(events)
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    expected = {f"c-{t}-{n}" for t in range(THREADS) for n in range(EVENTS_PER_THREAD)}
    assert {e["eventName"] for e in events} == expected
    for event in events:
        _, thread, n = event["eventName"].split("-")
        assert event["userId"] == f"u{thread}"
        assert event["query"] == {"n": [n, "again"], "t": [thread]}


def test_the_journal_stays_bounded_and_counts_what_it_dropped(start_cli_mock):
    with start_cli_mock("--workers", "2", "--max-events", "100") as mock:
        with ThreadPoolExecutor(5) as pool:
            pool.map(lambda t: send_events(mock.url, t), range(5))  # 500 events
        journal = requests.get(mock.url + "/__mock/events", timeout=30).json()
        status = requests.get(mock.url + "/__mock/status", timeout=30).json()
    assert len(journal["events"]) == 100 and journal["dropped"] == 400
    assert status["counts"] == {"events": 100, "dropped": 400}
    ids = [e["id"] for e in journal["events"]]
    assert ids == list(range(ids[0], ids[0] + 100)) and ids[-1] == 500  # the newest kept


def test_ids_a_killed_writer_took_are_neither_kept_nor_counted_dropped(start_cli_mock, tmp_path):
    journal_file = tmp_path / "unused.sqlite3"
    options = ("--workers", "2", "--max-events", "3", "--journal-file", str(journal_file))
    with start_cli_mock(*options) as mock:
        for n in range(2):
            requests.get(f"{mock.url}/metrics/user/u/before-{n}", timeout=5).close()
        IdCounter(journal_file).take(5)  # as a writer killed before committing them would
        for n in range(2):
            requests.get(f"{mock.url}/metrics/user/u/after-{n}", timeout=5).close()
        journal = requests.get(mock.url + "/__mock/events", timeout=5).json()
        status = requests.get(mock.url + "/__mock/status", timeout=5).json()
    assert [e["eventName"] for e in journal["events"]] == ["before-1", "after-0", "after-1"]
    assert [e["id"] for e in journal["events"]] == [2, 8, 9] and journal["dropped"] == 1
    assert status["counts"] == {"events": 3, "dropped": 1}


def test_events_survive_a_restart_with_a_journal_file(start_cli_mock, tmp_path):
    journal_file = tmp_path / "kept.sqlite3"
    with start_cli_mock("--journal-file", str(journal_file)) as mock:
        for n in range(3):
            requests.get(f"{mock.url}/metrics/user/u/kept-{n}", timeout=5).close()
    with start_cli_mock("--journal-file", str(journal_file)) as mock:
        requests.get(f"{mock.url}/metrics/user/u/after", timeout=5).close()
        names = [
            e["eventName"]
            for e in requests.get(mock.url + "/__mock/events", timeout=5).json()["events"]
        ]
    assert names == ["kept-0", "kept-1", "kept-2", "after"]
    assert journal_file.exists()


HALF = EVENTS_PER_PROCESS // 2
WAIT_S = 60  # a functional bound: a child that is never let go fails the test


def record_many(journal: Journal, process: int, start, halfway) -> None:
    start.wait(WAIT_S)
    for n in range(EVENTS_PER_PROCESS):
        if n == HALF and halfway is not None:
            halfway.wait(WAIT_S)
        journal.record("Op", "u", None, f"p{process}-{n}", {"n": [str(n)]})


def start_recording(journal: Journal, halfway=None) -> list[multiprocessing.Process]:
    """PROCESSES children of this one, each recording with the journal it inherits, as
    gunicorn's workers do, all starting at once; with `halfway`, each waits for it to be
    set once it has recorded HALF of its events."""
    context = multiprocessing.get_context("fork")
    start = context.Event()
    children = [
        context.Process(target=record_many, args=(journal, process, start, halfway))
        for process in range(PROCESSES)
    ]
    for child in children:
        child.start()
    start.set()
    return children


def finish(children: list[multiprocessing.Process]) -> None:
    for child in children:
        child.join(60)
        assert child.exitcode == 0


def test_processes_recording_at_once_each_write_a_shard_and_lose_nothing(tmp_path):
    journal = Journal(tmp_path / "shared.sqlite3", max_events=10_000)
    try:
        finish(start_recording(journal))
        events = journal.events()
        assert journal.counts() == (PROCESSES * EVENTS_PER_PROCESS, 0)
    finally:
        journal.close()
    # Every id from the first to the last, once, each event intact.
    assert [e.id for e in events] == list(range(1, PROCESSES * EVENTS_PER_PROCESS + 1))
    assert sorted(e.event_name for e in events) == sorted(
        f"p{p}-{n}" for p in range(PROCESSES) for n in range(EVENTS_PER_PROCESS)
    )
    assert all(e.query["n"] == (e.event_name.split("-")[1],) for e in events)
    # Each process wrote its own shard, and only its own.
    writers = []
    for slot in shard_slots(journal.path):
        with closing(sqlite3.connect(shard_path(journal.path, slot))) as shard:
            names = shard.execute("SELECT DISTINCT substr(event_name, 1, 2) FROM events")
            writers.append(sorted(row[0] for row in names))
    assert sorted(writers) == [[f"p{p}"] for p in range(PROCESSES)]


def test_a_reader_polling_since_the_last_id_seen_misses_nothing_while_processes_write(tmp_path):
    journal = Journal(tmp_path / "polled.sqlite3", max_events=10_000)
    halfway = multiprocessing.get_context("fork").Event()
    seen = []

    def poll() -> None:
        seen.extend(journal.events(since=seen[-1].id if seen else 0))

    try:
        children = start_recording(journal, halfway)
        # The reader reads while the processes write, surely: they wait half-way for it.
        while len(seen) < PROCESSES * HALF:
            assert all(child.is_alive() for child in children)
            poll()
        halfway.set()
        while any(child.is_alive() for child in children):
            poll()
        finish(children)
        poll()
        assert seen == journal.events()
    finally:
        halfway.set()
        journal.close()
    assert len(seen) == PROCESSES * EVENTS_PER_PROCESS


def test_a_new_shard_opens_for_its_reader_and_its_writer_at_once(tmp_path):
    """A reader polling while a process makes its shard: neither is told that the file is
    locked. Without the shard's lock around its making, most rounds failed."""
    context = multiprocessing.get_context("fork")
    for attempt in range(40):
        journal = Journal(tmp_path / f"new-{attempt}.sqlite3", max_events=10)
        try:
            writer = context.Process(target=journal.record, args=("Op", "u", None, "e", {}))
            writer.start()
            while writer.is_alive():
                journal.events()
            writer.join(60)
            assert writer.exitcode == 0
            assert [event.event_name for event in journal.events()] == ["e"]
        finally:
            journal.close()
