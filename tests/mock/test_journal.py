"""mockserver.journal.store: the SQLite event store."""

import dataclasses
import multiprocessing
import os
import re
import sqlite3
import stat
import sys
import threading
from contextlib import closing
from pathlib import Path

import pytest

from mockserver.journal.store import TRIM_EVERY, Journal, JournalError, Violation

# Waits that end at once unless the code under test is broken: a bound, not a timing.
BOUND_S = 10
# On Windows a file's mode means only read-only: the journal's privacy is its folder's
# (mockserver/journal/files.py).
posix_modes = pytest.mark.skipif(sys.platform == "win32", reason="no owner-only file modes")


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
        "repeatOf": None,
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


@posix_modes
def test_a_journal_kept_from_before_is_tightened(tmp_path):
    path = tmp_path / "journal.sqlite3"
    Journal(path, max_events=10).close()
    for file in tmp_path.iterdir():
        file.chmod(0o644)
    Journal(path, max_events=10).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_journal_file_reopened_with_a_smaller_bound_keeps_to_it(tmp_path):
    path = tmp_path / "kept.sqlite3"
    first = Journal(path, max_events=10)
    for _ in range(5):
        record(first)
    first.close()
    second = Journal(path, max_events=2)
    try:
        assert second.counts() == (2, 3)
        newest = [record(second).id for _ in range(3)]
        assert [e.id for e in second.events()] == newest[1:]
        assert second.counts() == (2, 6)
    finally:
        second.close()


def test_a_filtered_clear_leaves_what_was_dropped_dropped(tmp_path):
    """Events are the newest recorded, not the newest left: clearing one of them does not
    bring back an older one."""
    journal = Journal(tmp_path / "small.sqlite3", max_events=3)
    try:
        ids = [record(journal, f"e{n}").id for n in range(5)]
        journal.clear(eventName="e3")
        assert [e.id for e in journal.events()] == [ids[2], ids[4]]
        assert journal.counts() == (2, 2)
        later = record(journal, "e5").id
        assert [e.id for e in journal.events()] == [ids[4], later]
        assert journal.counts() == (2, 3)
    finally:
        journal.close()


def test_rows_beyond_the_bound_are_deleted_from_the_file(tmp_path):
    path = tmp_path / "trimmed.sqlite3"
    journal = Journal(path, max_events=5)
    try:
        for _ in range(TRIM_EVERY * 2):
            record(journal)
        with closing(sqlite3.connect(path)) as connection:
            (rows,) = connection.execute("SELECT count(*) FROM events").fetchone()
        assert 5 <= rows <= 5 + TRIM_EVERY
        assert journal.counts() == (5, TRIM_EVERY * 2 - 5)
    finally:
        journal.close()


def test_a_temporary_journal_is_deleted_on_close():
    journal = Journal(None, max_events=10)
    record(journal)
    assert journal.path.exists()
    journal.close()
    assert not journal.path.parent.exists()  # its folder, made for it, goes too


def write_events(path, name, count):
    journal = Journal(path, max_events=100_000)
    for n in range(count):
        record(journal, f"{name}-{n}")
    journal.close()


def test_processes_writing_one_file_at_once_lose_and_duplicate_nothing(tmp_path):
    path = tmp_path / "shared.sqlite3"
    reader = Journal(path, max_events=100_000)
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=write_events, args=(path, f"p{n}", 200)) for n in range(3)]
    try:
        for writer in writers:
            writer.start()
        seen = []
        while any(writer.is_alive() for writer in writers) or not seen or seen[-1] < 600:
            since = seen[-1] if seen else 0
            seen += [event.id for event in reader.events(since=since)]
            if not any(writer.is_alive() for writer in writers) and len(seen) >= 600:
                break
        for writer in writers:
            writer.join(BOUND_S)
            assert writer.exitcode == 0
        events = reader.events()
        assert sorted(e.event_name for e in events) == sorted(
            f"p{p}-{n}" for p in range(3) for n in range(200)
        )
        # A reader polling with since= the last id it saw missed none and saw none twice.
        assert seen == [e.id for e in events] == list(range(1, 601))
    finally:
        reader.close()


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


@posix_modes
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
    assert {file.name for file in files} >= {path.name, f"{path.name}-wal", f"{path.name}-shm"}
    assert set(modes.values()) == {0o600}, modes


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_a_link_planted_where_the_journal_writes_is_refused_and_its_target_untouched(
    tmp_path, suffix
):
    """--journal-file in a folder others can write to (/tmp): a link planted under any
    name the journal writes would redirect the mock's writes."""
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    path = tmp_path / "journal.sqlite3"
    try:
        Path(f"{path}{suffix}").symlink_to(victim)
    except OSError:  # Windows lets only privileged accounts create links
        pytest.skip("this account may not create symbolic links")
    with pytest.raises(JournalError, match="is a symbolic link"):
        Journal(path, max_events=10)
    assert victim.read_bytes() == b"precious"


def test_a_journal_of_another_format_is_refused_untouched(tmp_path):
    """The sharded journal of earlier versions kept its events in other files and its
    main file had other tables: it is refused in one line, and left as it was."""
    path = tmp_path / "journal.sqlite3"
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value NOT NULL)")
        connection.commit()
    before = path.read_bytes()
    with pytest.raises(JournalError, match=re.escape(f"{path} was written by another version")):
        Journal(path, max_events=100)
    assert path.read_bytes() == before
