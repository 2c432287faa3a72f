"""mockserver.journal.store: the SQLite event store."""

import dataclasses
import multiprocessing
import os
import re
import signal
import sqlite3
import stat
import threading
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from mockserver.journal.shards import IdCounter, shard_path
from mockserver.journal.store import Journal, JournalError, Violation

# Waits that end at once unless the code under test is broken: a bound, not a timing.
BOUND_S = 10


@pytest.fixture
def journal(tmp_path):
    journal = Journal(tmp_path / "journal.sqlite3", max_events=100)
    yield journal
    journal.close()


def record(journal, event_name="e", user_id="u", query=None, operation_id="Op"):
    return journal.record(operation_id, user_id, None, event_name, query or {})


def test_a_recorded_event_comes_back_whole(journal):
    target = "/metrics/user/0d4f6a93b2/blip%20-%20x%2Fy?a=1&a=2&b="
    recorded = journal.record(
        "Op",
        "0d4f6a93b2",
        None,
        "blip - x/y",
        {"a": ["1", "2"], "b": [""]},
        target=target,
        credential="server",
        user_agent="blip/1.0",
    )
    (event,) = journal.events()
    assert event == recorded
    assert event.to_json() == {
        "id": recorded.id,
        "receivedAt": recorded.received_at,
        "operationId": "Op",
        "userId": "0d4f6a93b2",
        "serverName": None,
        "eventName": "blip - x/y",
        "query": {"a": ["1", "2"], "b": [""]},
        "target": target,
        "credential": "server",
        "userAgent": "blip/1.0",
        "upstreamStatus": None,
        "violations": [],
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", event.received_at)


def test_an_upstream_status_and_the_rules_it_broke_come_back_whole(journal):
    broken = (Violation("R6", "answered 503"), Violation("R2", "answered 401 to a valid token"))
    recorded = journal.record("Op", "u", None, "e", {}, upstream_status=503, violations=broken)
    (event,) = journal.events()
    assert event == recorded
    assert event.to_json()["upstreamStatus"] == 503
    assert event.to_json()["violations"] == [
        {"rule": "R6", "reason": "answered 503"},
        {"rule": "R2", "reason": "answered 401 to a valid token"},
    ]


def test_events_are_immutable_values(journal):
    event = record(journal, query={"a": ["1"]})
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.event_name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        event.query["a"] = ("2",)  # type: ignore[index]
    assert event.query["a"] == ("1",)


def test_query_order_and_text_survive_storage(journal):
    query = {"z": ["1"], "a": ["é", "\x00", ""], "m": ["x"]}
    record(journal, query=query)
    (event,) = journal.events()
    assert list(event.query) == ["z", "a", "m"] and event.query["a"] == ("é", "\x00", "")


def test_filters_narrow_and_combine(journal):
    first = record(journal, "a", "u1", operation_id="One")
    record(journal, "b", "u1", operation_id="Two")
    third = record(journal, "a", "u2", operation_id="Two")
    assert [e.id for e in journal.events(eventName="a")] == [first.id, third.id]
    assert [e.id for e in journal.events(userId="u1", operationId="Two")] == [third.id - 1]
    assert [e.id for e in journal.events(since=first.id)] == [first.id + 1, third.id]
    assert journal.events(eventName="a", userId="nobody") == []


def test_oldest_events_are_dropped_and_counted(tmp_path):
    journal = Journal(tmp_path / "small.sqlite3", max_events=3)
    try:
        ids = [record(journal, f"e{n}").id for n in range(5)]
        assert [e.id for e in journal.events()] == ids[2:]
        assert journal.counts() == (3, 2)
    finally:
        journal.close()


def die_between_taking_ids_and_committing(path, count):
    """A writer that committed one event, took the ids of its next batch and was killed."""
    record(Journal(path, max_events=3), "child")
    IdCounter(path).take(count)
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize("writer", ["killed", "alive"])
def test_ids_taken_and_never_committed_are_neither_kept_nor_dropped(tmp_path, writer):
    path = tmp_path / "unused.sqlite3"
    journal = Journal(path, max_events=3)
    try:
        first = record(journal).id
        if writer == "killed":  # its event is in a shard of its own
            child = multiprocessing.get_context("fork").Process(
                target=die_between_taking_ids_and_committing, args=(path, 5)
            )
            child.start()
            child.join(BOUND_S)
            assert child.exitcode == -signal.SIGKILL
        else:  # the ids of a commit whose INSERT failed, in the same shard
            record(journal)
            IdCounter(path).take(5)
        second = first + 1
        after = [record(journal).id for _ in range(2)]
        assert after[0] == second + 6  # five ids went unused
        assert [e.id for e in journal.events()] == [second, *after]
        assert journal.counts() == (3, 1)
        newer = [record(journal).id for _ in range(2)]
        assert [e.id for e in journal.events()] == [after[1], *newer]
        assert journal.counts() == (3, 3)
        journal.clear(since=after[1])
        assert [e.id for e in journal.events()] == [after[1]]
        assert journal.counts() == (1, 3)
        journal.clear()
        assert journal.counts() == (0, 0) and journal.events() == []
    finally:
        journal.close()


def test_a_filtered_clear_deletes_the_matches_and_keeps_the_dropped_count(tmp_path):
    journal = Journal(tmp_path / "small.sqlite3", max_events=2)
    try:
        record(journal, "a")
        kept_b, kept_a = record(journal, "b"), record(journal, "a")
        journal.clear(eventName="a", since=kept_b.id)
        assert journal.events() == [kept_b] and journal.counts() == (1, 1)
        assert kept_a.id > kept_b.id
    finally:
        journal.close()


def test_clear_empties_the_journal_and_the_dropped_count_but_ids_keep_rising(tmp_path):
    journal = Journal(tmp_path / "small.sqlite3", max_events=1)
    try:
        record(journal)
        last = record(journal)
        journal.clear(eventName="e")
        journal.clear()
        assert journal.counts() == (0, 0) and journal.events() == []
        assert record(journal).id > last.id
    finally:
        journal.close()


def test_a_journal_file_keeps_its_events_across_reopening(tmp_path):
    path = tmp_path / "kept.sqlite3"
    first = Journal(path, max_events=10)
    event = record(first)
    first.close()
    second = Journal(path, max_events=10)
    try:
        assert second.events() == [event]
    finally:
        second.close()


def test_a_journal_file_reopened_with_a_smaller_bound_keeps_to_it(tmp_path):
    """The shard's trigger holds the bound it was made with; a new run's replaces it."""
    path = tmp_path / "kept.sqlite3"
    first = Journal(path, max_events=10)
    for _ in range(5):
        record(first)
    first.close()
    second = Journal(path, max_events=2)
    try:
        newest = [record(second).id for _ in range(3)]
        assert [e.id for e in second.events()] == newest[1:]
        with closing(sqlite3.connect(shard_path(path, 0))) as shard:
            assert shard.execute("SELECT id FROM events").fetchall() == [(i,) for i in newest[1:]]
    finally:
        second.close()


def test_a_temporary_journal_is_deleted_on_close():
    journal = Journal(None, max_events=10)
    other = Journal(journal.path, max_events=10)  # a second shard
    record(journal)
    record(other)
    journal.events()
    other.close()
    assert len(list(journal.path.parent.glob(journal.path.name + "*"))) > 10
    journal.close()
    assert not journal.path.parent.exists()  # its folder, made for it, goes too


def test_the_file_is_in_wal_mode(journal):
    with sqlite3.connect(journal.path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    connection.close()


def test_concurrent_writers_lose_and_duplicate_nothing(tmp_path):
    journal = Journal(tmp_path / "busy.sqlite3", max_events=10_000)
    try:

        def write(thread: int) -> None:
            for n in range(50):
                record(journal, f"t{thread}-{n}", query={"n": [str(n)]})

        threads = [threading.Thread(target=write, args=(t,)) for t in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        events = journal.events()
        assert sorted(e.event_name for e in events) == sorted(
            f"t{t}-{n}" for t in range(8) for n in range(50)
        )
        assert len({e.id for e in events}) == 400
        assert all(e.query["n"] == (e.event_name.split("-")[1],) for e in events)
    finally:
        journal.close()


def test_concurrent_events_are_committed_in_batches_and_reported_in_id_order(tmp_path):
    batches = []
    journal = Journal(tmp_path / "batched.sqlite3", max_events=10_000, on_commit=batches.append)
    try:
        returned = []
        start = threading.Barrier(8)

        def write(thread: int) -> None:
            start.wait()
            returned.extend(record(journal, f"t{thread}-{n}") for n in range(50))

        threads = [threading.Thread(target=write, args=(t,)) for t in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        reported = [event for batch in batches for event in batch]
        # Each caller got back exactly the event that was stored and reported for it.
        assert sorted(returned, key=lambda e: e.id) == reported == journal.events()
        assert [e.id for e in reported] == sorted(e.id for e in reported)
        # Eight threads writing at once share commits: fewer commits than events.
        assert len(batches) < len(reported) == 400
    finally:
        journal.close()


def test_a_failed_commit_fails_every_request_in_it_and_the_next_commit_works(tmp_path):
    journal = Journal(tmp_path / "failing.sqlite3", max_events=100)
    real_commit = journal._group_commit._commit
    entered, release = threading.Event(), threading.Event()

    def failing_commit(rows):
        entered.set()
        release.wait(5)
        raise sqlite3.OperationalError(f"disk I/O error ({len(rows)} rows)")

    try:
        journal._group_commit._commit = failing_commit
        errors = []

        def write(name: str) -> None:
            try:
                record(journal, name)
            except sqlite3.OperationalError as error:
                errors.append(str(error))

        leader = threading.Thread(target=write, args=("leader",))
        leader.start()
        entered.wait(5)
        # These arrive while the leader's commit runs, so they form the next batch.
        followers = [threading.Thread(target=write, args=(f"f{n}",)) for n in range(3)]
        for thread in followers:
            thread.start()
        release.set()
        for thread in [leader, *followers]:
            thread.join(10)
            assert not thread.is_alive()
        assert len(errors) == 4 and "disk I/O error" in errors[0]
        journal._group_commit._commit = real_commit
        assert record(journal, "after").event_name == "after"
        assert [e.event_name for e in journal.events()] == ["after"]
    finally:
        journal.close()


def test_ids_keep_rising_across_reopening_even_after_a_clear(tmp_path):
    path = tmp_path / "kept.sqlite3"
    first = Journal(path, max_events=10)
    ids = [record(first).id for _ in range(3)]
    first.close()
    second = Journal(path, max_events=10)
    try:
        assert [e.id for e in second.events()] == ids
        after = record(second)
        assert after.id == ids[-1] + 1
        second.clear()
    finally:
        second.close()
    third = Journal(path, max_events=10)
    try:
        assert third.events() == [] and third.counts() == (0, 0)
        assert record(third).id == after.id + 1
    finally:
        third.close()


def test_an_idle_shard_holding_older_events_neither_shows_them_nor_counts_them_kept(tmp_path):
    path = tmp_path / "two.sqlite3"
    # Each Journal claims a shard of its own, as two processes would.
    idle, busy = Journal(path, max_events=3), Journal(path, max_events=3)
    try:
        old = [record(idle, "old").id for _ in range(2)]
        new = [record(busy, "new").id for _ in range(5)]
        assert shard_rows(path, 0) == old  # still on disk, beyond the bound
        assert [e.id for e in idle.events()] == [e.id for e in busy.events()] == new[-3:]
        assert idle.counts() == (3, 4)
        assert idle.events(eventName="old") == []
        idle.clear(eventName="old")  # matches nothing kept, so deletes nothing
        assert busy.counts() == (3, 4)
        busy.clear()
        assert shard_rows(path, 0) == shard_rows(path, 1) == []
        assert busy.counts() == (0, 0)
    finally:
        idle.close()
        busy.close()


def shard_rows(path, slot):
    with closing(sqlite3.connect(shard_path(path, slot))) as connection:
        return [row[0] for row in connection.execute("SELECT id FROM events ORDER BY id")]


def test_the_id_counter_is_rebuilt_from_the_events_should_its_file_go(tmp_path):
    path = tmp_path / "kept.sqlite3"
    first = Journal(path, max_events=10)
    last = [record(first) for _ in range(3)][-1]
    first.close()
    Path(f"{path}.ids").unlink()
    second = Journal(path, max_events=10)
    try:
        assert record(second).id == last.id + 1
    finally:
        second.close()


def test_a_failing_listener_neither_fails_the_request_nor_loses_the_event(tmp_path, caplog):
    def broken_terminal(events):
        raise BrokenPipeError("the terminal went away")

    journal = Journal(tmp_path / "listened.sqlite3", max_events=10, on_commit=broken_terminal)
    try:
        event = record(journal, "kept")
        assert journal.events() == [event]
        assert "reporting 1 committed events failed" in caplog.text
    finally:
        journal.close()


def test_opening_and_closing_a_journal_with_shards_leaves_no_descriptor_open(tmp_path):
    """Opening reads every shard's newest id under its lock; closing must let both go."""
    path = tmp_path / "journal.sqlite3"
    first = Journal(path, max_events=10)
    record(first)
    first.close()
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(5):
        reopened = Journal(path, max_events=10)
        reopened.events()
        reopened.close()
    assert len(os.listdir("/proc/self/fd")) == before


def test_a_status_is_answered_while_a_listing_still_reads(tmp_path, monkeypatch):
    """A listing that holds its read (stopped inside SQLite by a progress handler this test
    releases) must not hold up counts(), which the event loop answers /__mock/status with."""
    journal = Journal(tmp_path / "j.sqlite3", max_events=100)
    record(journal)
    listing_thread = threading.local()
    reading, release = threading.Event(), threading.Event()
    order = []

    def hold_listing_reads() -> int:
        if getattr(listing_thread, "is_listing", False) and not reading.is_set():
            order.append("listing reads")
            reading.set()
            release.wait(BOUND_S)
        return 0

    borrowed = journal._reader

    @contextmanager
    def reader_with_the_hook(shard):
        with borrowed(shard) as connection:
            connection.set_progress_handler(hold_listing_reads, 1)
            try:
                yield connection
            finally:
                connection.set_progress_handler(None, 1)

    monkeypatch.setattr(journal, "_reader", reader_with_the_hook)

    def listing() -> None:
        listing_thread.is_listing = True
        journal.events()
        order.append("listing done")

    def status() -> None:
        journal.counts()
        order.append("status answered")

    lister = threading.Thread(target=listing)
    lister.start()
    assert reading.wait(BOUND_S)
    status_thread = threading.Thread(target=status)
    status_thread.start()
    status_thread.join(BOUND_S)  # a bound, should counts() wait for the listing
    release.set()
    lister.join()
    status_thread.join()
    journal.close()
    assert order == ["listing reads", "status answered", "listing done"]


def test_every_file_of_the_journal_is_the_developers_only_whatever_the_umask(tmp_path):
    path = tmp_path / "journal.sqlite3"
    old_umask = os.umask(0)
    try:
        journal = Journal(path, max_events=10)
        journal.record("Op", user_id="u", server_name=None, event_name="e", query={})
        assert journal.events()
        files = sorted(tmp_path.iterdir())  # while open: the WAL files are there
        modes = {file.name: stat.S_IMODE(file.stat().st_mode) for file in files}
        journal.close()
    finally:
        os.umask(old_umask)
    assert any(file.name.endswith("-wal") for file in files), files
    assert any(file.name == shard_path(path, 0).name for file in files), files
    assert set(modes.values()) == {0o600}, modes


def test_a_journal_kept_from_before_is_tightened(tmp_path):
    path = tmp_path / "journal.sqlite3"
    Journal(path, max_events=10).close()
    for file in tmp_path.iterdir():
        file.chmod(0o644)
    Journal(path, max_events=10).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_journal_written_with_other_columns_is_refused_untouched(tmp_path):
    path = tmp_path / "journal.sqlite3"
    with closing(Journal(path, max_events=100)) as journal:
        record(journal)
    older = shard_path(path, 0)
    with closing(sqlite3.connect(older)) as connection:
        connection.execute("ALTER TABLE events DROP COLUMN user_agent")  # as a version before
    before = older.read_bytes()

    with pytest.raises(JournalError, match=re.escape(f"{older} was written by another version")):
        Journal(path, max_events=100)
    assert older.read_bytes() == before
