"""The event journal: every accepted metrics request, in SQLite files beside one path.

SQLite rather than a list in memory because several gunicorn worker processes must share
one journal, filtering is a query, and `--journal-file` keeps it across restarts. Each
event is committed before its response is sent (WAL mode, so readers never block the
writer); events that a process's threads hand in together share one commit (see
`GroupCommit`). The journal keeps only the newest `max_events`, counting the rest as
dropped, so disk and memory stay flat however long the mock runs.

Worker processes do not wait for each other to commit: each writes the events it records
into a shard of its own, a SQLite file beside the journal that it claims on its first
write (the files and the claim: shards.py). A single file admits one writer at a time
for the whole machine, so N processes committed no more than one; shards commit side by
side, and the figure grows with the cores until the disk or the counter below limits it
(benchmarks/README.md). Reads merge the shards:

- Ids come from one counter shared by all shards, so they stay unique and rising across
  clears and restarts. A writer holds its shard's commit lock from taking its batch's
  ids (the counter's own lock is held for the increment only) until they are committed;
  a reader reads the counter and the list of shards together, then takes each shard's
  commit lock once, in turn, so each id up to the one it read is committed, and reads
  without the locks, showing none above it. An event that `since=<the last id seen>`
  would skip is therefore never committed after a read that showed a higher id.
- Ids are not dense: a writer killed between taking its ids and committing them leaves
  them unused, and nothing tells which they were. So the journal counts rows, not ids:
  each row carries `seq`, the number of events its shard had committed with it (the
  writer numbers its rows; a dead writer numbered none). Each shard's trigger keeps its
  own newest `max_events`, which hold its share of the newest `max_events` of all;
  readers find where those begin by counting rows across the shards with `seq` (`_cut`),
  in one step unless unused ids lie among them. A filtered clear marks its events
  deleted rather than deleting them, so the rows still count every event committed.
  Dropped = events committed since the last clear (each shard's `seq` then and now) -
  events kept - events deleted by filtered clears.

The main file keeps what the shards share (when the journal was last cleared, how many
events filtered clears deleted) and the other modules' tables: the key that signs session
tokens (tokens.py), so every process sharing a journal accepts the tokens any of them
issued, and the refused requests (rejections.py).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import json
import logging
import os
import queue
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from .group_commit import GroupCommit, WriteLock
from .shards import IdCounter, claim_slot, journal_files, shard_lock_path, shard_path, shard_slots

# The main file: what the shards share.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value NOT NULL);
-- cleared_through: the last id the last clear covered, a floor for the id counter.
-- deleted: events deleted by filtered clears since the last clear; events dropped =
-- events committed (the shards' seq) - events kept - these.
INSERT OR IGNORE INTO meta (name, value) VALUES ('cleared_through', 0), ('deleted', 0);
"""
# A shard: the events one process committed, ids given by the shared counter. `seq` counts
# the shard's events in commit order (so rows, not ids, give ranks and counts); `deleted`
# marks those a filtered clear deleted, which still count as committed. `cleared_seq`: the
# seq of the last event the last clear deleted here.
_SHARD_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL,
    operation_id TEXT NOT NULL,
    user_id TEXT,
    server_name TEXT,
    event_name TEXT,
    query TEXT NOT NULL,
    upstream_status INTEGER,
    violations TEXT NOT NULL DEFAULT '[]',
    target TEXT NOT NULL,
    credential TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    seq INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS deleted_events ON events (id) WHERE deleted;
CREATE TABLE IF NOT EXISTS shard (name TEXT PRIMARY KEY, value NOT NULL);
INSERT OR IGNORE INTO shard (name, value) VALUES ('cleared_seq', 0);
"""
# The shard's newest max_events by seq, whatever ids went unused: the oldest rows (ids
# and seq rise together in a shard) up to the first that is among them, usually one. The
# newest max_events of all may hold fewer of a shard's, so readers leave out the rest
# (_cut). A shard kept by --journal-file may hold the trigger of a run with another
# --max-events: the process claiming it replaces it.
_KEEP_NEWEST = """
DROP TRIGGER IF EXISTS keep_newest;
CREATE TRIGGER keep_newest AFTER INSERT ON events BEGIN
    DELETE FROM events WHERE id < (
        SELECT id FROM events WHERE seq > NEW.seq - {max_events} ORDER BY id LIMIT 1
    );
END;
"""
_ROW_COLUMNS = (
    "received_at, operation_id, user_id, server_name, event_name, query, upstream_status,"
    " violations, target, credential, user_agent"
)
_COLUMNS = f"id, {_ROW_COLUMNS}"
# Filter name (as in GET /__mock/events) -> the condition it adds.
_FILTERS = {
    "eventName": "event_name = ?",
    "userId": "user_id = ?",
    "operationId": "operation_id = ?",
    "since": "id > ?",
}
# The events a reader may see: above the cut (_cut), up to the last id given when it
# read, all committed, none deleted.
_VISIBLE = "id > ? AND id <= ? AND NOT deleted"
# How many events the shard committed with ids up to :{name}, counted from its start: the
# seq of the newest row there, or of the row before its oldest, or of the last cleared.
_SEQ_AT = (
    "coalesce((SELECT seq FROM events WHERE id <= :{name} ORDER BY id DESC LIMIT 1),"
    " (SELECT seq - 1 FROM events ORDER BY id LIMIT 1),"
    " (SELECT value FROM shard WHERE name = 'cleared_seq'))"
)
# A shard's events in (:cut, :last], and its oldest id (NULL if it has none).
_RANKS = (
    f"SELECT {_SEQ_AT.format(name='last')} - {_SEQ_AT.format(name='cut')},"
    " (SELECT min(id) FROM events)"
)
# A shard's events kept (in (:cut, :last], not deleted) and committed since the last clear.
_COUNTS = (
    f"SELECT {_SEQ_AT.format(name='last')} - {_SEQ_AT.format(name='cut')}"
    " - (SELECT count(*) FROM events WHERE deleted AND id > :cut AND id <= :last),"
    f" {_SEQ_AT.format(name='last')} - (SELECT value FROM shard WHERE name = 'cleared_seq')"
)
log = logging.getLogger("mockserver")
# The credential of a request that carried no token (the others are the token kinds).
NO_CREDENTIAL = "none"
# How long a writer waits for another process's transaction before giving up.
_BUSY_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Violation:
    """One contract rule an upstream's answer broke (upstream/conformance.py judges), and why, in words that carry no token."""

    rule: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"rule": self.rule, "reason": self.reason}


@dataclass(frozen=True)
class Event:
    """One recorded request; `query` maps each parameter name to its values in order.

    With --forward-metrics, `upstream_status` is what the upstream answered and
    `violations` the rules of the contract that answer broke.
    """

    id: int
    received_at: str
    operation_id: str
    user_id: str | None
    server_name: str | None
    event_name: str | None
    query: Mapping[str, tuple[str, ...]]
    upstream_status: int | None = None
    violations: tuple[Violation, ...] = ()
    # The request target as received (path and query, percent-encoded as sent), and the
    # kind of credential it carried ("none", "user" or "server"): what a replay needs.
    target: str = ""
    credential: str = NO_CREDENTIAL
    # The request's User-Agent: the contract suite's events are told apart by it.
    user_agent: str = ""

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "receivedAt": self.received_at,
            "operationId": self.operation_id,
            "userId": self.user_id,
            "serverName": self.server_name,
            "eventName": self.event_name,
            "query": {name: list(values) for name, values in self.query.items()},
            "target": self.target,
            "credential": self.credential,
            "userAgent": self.user_agent,
            "upstreamStatus": self.upstream_status,
            "violations": [violation.to_json() for violation in self.violations],
        }


def _event(
    columns: tuple,
    query: Mapping[str, Iterable[str]],
    upstream_status: int | None,
    violations: Iterable[Violation],
    target: str,
    credential: str,
    user_agent: str,
) -> Event:
    """An immutable Event: the query is copied, so the caller's dict can change freely."""
    frozen = {name: tuple(values) for name, values in query.items()}
    return Event(
        *columns,
        MappingProxyType(frozen),
        upstream_status,
        tuple(violations),
        target,
        credential,
        user_agent,
    )


def _event_from_row(row: tuple) -> Event:
    violations = [Violation(item["rule"], item["reason"]) for item in json.loads(row[8])]
    return _event(row[:6], json.loads(row[6]), row[7], violations, *row[9:12])


@dataclass(frozen=True)
class _Row:
    """An event waiting for its id: the values of _ROW_COLUMNS, and what the JSON ones encode."""

    columns: tuple[
        str, str, str | None, str | None, str | None, str, int | None, str, str, str, str
    ]
    query: Mapping[str, list[str]]
    violations: tuple[Violation, ...]


class JournalError(Exception):
    """The journal file cannot be used; the message says which file and why."""


def _unusable(path: Path, error: sqlite3.DatabaseError | OSError) -> str:
    """Why SQLite cannot use `path`, in the words of someone who named that file."""
    if path.is_dir():
        return "is a folder; give the path of a file in it"
    if not path.parent.is_dir():
        return f"its folder {path.parent} does not exist"
    if "not a database" in str(error):
        return "is not a SQLite journal (is it another kind of file?)"
    if "readonly" in str(error) or "unable to open" in str(error):
        return "cannot be written (is it or its folder read-only?)"
    return str(error)


def check_columns(path: Path, table: str, wanted: list[str]) -> None:
    """Refuse, before serving, a table that an earlier version of the mock wrote with other
    columns: its first insert or listing would fail on every request. The project has
    no release, so there is no upgrade; the file is left as it is."""
    with closing(sqlite3.connect(path)) as connection:
        found = [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
    if found and found != wanted:
        raise JournalError(
            f"{path} was written by another version of the mock (its {table} "
            f"have the columns {', '.join(found)}); move the journal's files away or name "
            "another file. Nothing in it was changed."
        )


@dataclass
class _Shard:
    """A shard as one process uses it: its commit lock, the connection its writer uses (or
    that made its schema), and idle connections for reading. A process's own shard (to
    write) and its view of the same shard (to read) are two of these, with two
    descriptors, so their `flock`s exclude each other."""

    path: Path
    lock: WriteLock
    connection: sqlite3.Connection
    # Each reading thread borrows one, so that no thread waits for another's read: a
    # listing may read for seconds while the event loop answers a status.
    idle_readers: queue.SimpleQueue[sqlite3.Connection] = field(default_factory=queue.SimpleQueue)
    # The seq of the writer's last row (the writer's shard only).
    last_seq: int = 0

    def close(self) -> None:
        self.connection.close()
        while not self.idle_readers.empty():
            self.idle_readers.get_nowait().close()
        self.lock.close()


class _ProcessState:
    """What one process holds of a journal: pooled connections to the main file, the claim
    on its own shard, and every shard it reads. A child starts afresh and leaves its
    parent's alone (`parent`): a claim, a lock or a SQLite connection inherited across
    fork is the parent's, and SQLite must not close a parent's connection in a child."""

    def __init__(self, parent: _ProcessState | None) -> None:
        self.pid = os.getpid()
        self.parent = parent
        self.idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self.claim: int | None = None
        self.own: _Shard | None = None
        self.shards: dict[int, _Shard] = {}

    def close(self) -> None:
        while not self.idle.empty():
            self.idle.get_nowait().close()
        for shard in [*self.shards.values(), *([self.own] if self.own else [])]:
            shard.close()
        if self.claim is not None:
            os.close(self.claim)
        self.claim, self.own, self.shards = None, None, {}


class Journal:
    """A bounded, process-safe event store. Connections are pooled per process and
    opened on first use, so an instance created before gunicorn forks is safe to inherit."""

    FILTERS = tuple(_FILTERS)

    def __init__(
        self,
        path: Path | None,
        max_events: int,
        on_commit: Callable[[list[Event]], None] | None = None,
    ) -> None:
        self._temporary = path is None
        self.path = new_temporary_path() if path is None else Path(path)
        self.max_events = max_events
        self._state = _ProcessState(None)
        self._write_lock = WriteLock(Path(f"{self.path}.lock"))
        self._ids = IdCounter(self.path)
        self._group_commit = GroupCommit(self._commit)
        self._on_commit = on_commit
        try:
            with closing(self._open(self.path)) as connection:
                connection.executescript(_SCHEMA)
                connection.execute(
                    "INSERT OR REPLACE INTO meta (name, value) VALUES ('max_events', ?)",
                    (max_events,),
                )
            for slot in shard_slots(self.path):
                check_columns(
                    shard_path(self.path, slot),
                    "events",
                    ["id", *_ROW_COLUMNS.replace(" ", "").split(","), "seq", "deleted"],
                )
            self._ids.raise_to(self._last_id_recorded())
        except (sqlite3.DatabaseError, OSError) as error:
            raise JournalError(f"journal {self.path}: {_unusable(self.path, error)}") from None

    @property
    def _here(self) -> _ProcessState:
        """This process's state; made anew in a child process on its first use."""
        state = self._state
        if state.pid != os.getpid():
            state = self._state = _ProcessState(state)
        return state

    def _open(self, path: Path) -> sqlite3.Connection:
        _make_private(path)
        connection = sqlite3.connect(
            path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        connection.execute("PRAGMA journal_mode = WAL")
        # A commit is in the operating system's hands when SQLite returns, so a killed mock
        # loses nothing it answered. In WAL mode NORMAL syncs at checkpoints only, not per
        # commit, so a crash of the machine may lose the last commits but never corrupts
        # the file (OFF could); it cost the journal under 10% (benchmarks/README.md).
        connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    def _open_shard(self, slot: int) -> _Shard:
        """A connection to a shard, made if new, under its commit lock: a reader may open a
        shard as its writer makes it, and SQLite answers "database is locked" at once, not
        after the busy timeout, to the second process turning a new file to WAL."""
        path = shard_path(self.path, slot)
        lock = WriteLock(shard_lock_path(self.path, slot))
        with lock.held():
            connection = self._open(path)
            connection.executescript(_SHARD_SCHEMA)
        return _Shard(path, lock, connection)

    def _claim_shard(self) -> tuple[_Shard, int]:
        """A free shard for this process to write, with the descriptor that holds its claim."""
        slot, claim = claim_slot(self.path)
        shard = self._open_shard(slot)
        shard.connection.executescript(_KEEP_NEWEST.format(max_events=int(self.max_events)))
        with shard.lock.held():  # a clear elsewhere may be deleting its rows
            (shard.last_seq,) = shard.connection.execute(
                f"SELECT {_SEQ_AT.format(name='last')}", {"last": 2**63 - 1}
            ).fetchone()
        return shard, claim

    def _connection(self) -> AbstractContextManager[sqlite3.Connection]:
        """A pooled connection in autocommit mode: each statement is its own transaction."""
        return self._pooled(self._here.idle, self.path)

    @contextmanager
    def _pooled(
        self, idle: queue.SimpleQueue[sqlite3.Connection], path: Path
    ) -> Iterator[sqlite3.Connection]:
        """A connection to `path` from `idle` (opened if none is), this thread's alone until
        the block ends, then given back."""
        try:
            connection = idle.get_nowait()
        except queue.Empty:
            connection = self._open(path)
        try:
            yield connection
        finally:
            idle.put(connection)

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """A transaction holding the writers' lock, for the other tables of the file."""
        with self._write_lock.held(), self._connection() as connection, _transaction(connection):
            yield connection

    def reading(self) -> AbstractContextManager[sqlite3.Connection]:
        """A pooled connection for reading the other tables of the file."""
        return self._connection()

    def record(
        self,
        operation_id: str,
        user_id: str | None,
        server_name: str | None,
        event_name: str | None,
        query: Mapping[str, list[str]],
        upstream_status: int | None = None,
        violations: tuple[Violation, ...] = (),
        *,
        target: str = "",
        credential: str = NO_CREDENTIAL,
        user_agent: str = "",
    ) -> Event:
        """Store one event, dropping the oldest beyond `max_events`; committed on return."""
        received_at = utc_now()
        query_json = json.dumps(query, ensure_ascii=False)
        violations_json = (
            json.dumps([v.to_json() for v in violations], ensure_ascii=False)
            if violations
            else "[]"
        )
        columns = (
            received_at,
            operation_id,
            user_id,
            server_name,
            event_name,
            query_json,
            upstream_status,
            violations_json,
            target,
            credential,
            user_agent,
        )
        return self._group_commit.submit(_Row(columns, query, violations))

    def _commit(self, rows: list[_Row]) -> list[Event]:
        """Store rows in this process's shard with one INSERT, a transaction of its own (the
        trigger keeps the bound), and tell `on_commit` about them, in order. GroupCommit
        runs one at a time per process. Few statements matter more than they seem: SQLite
        releases the GIL in each, and under load every release hands it over.
        """
        state = self._here
        if state.own is None:  # the first write of this process
            state.own, state.claim = self._claim_shard()
        values = ", ".join([f"({', '.join('?' * (2 + len(rows[0].columns)))})"] * len(rows))
        own = state.own
        with own.lock.held():  # readers wait until the ids taken here are committed
            first_id = self._ids.take(len(rows))
            parameters = [
                value
                for index, row in enumerate(rows)
                for value in (first_id + index, *row.columns, own.last_seq + 1 + index)
            ]
            own.connection.execute(
                f"INSERT INTO events ({_COLUMNS}, seq) VALUES {values}", parameters
            )
            own.last_seq += len(rows)
        # The Event carries the query and violations themselves rather than their JSON.
        events = [
            _event(
                (first_id + index, *row.columns[:5]),
                row.query,
                row.columns[6],
                row.violations,
                *row.columns[8:],
            )
            for index, row in enumerate(rows)
        ]
        if self._on_commit is not None:
            try:
                self._on_commit(events)
            except Exception:  # the events are stored: their requests must not fail now
                log.exception("reporting %d committed events failed", len(events))
        return events

    @contextmanager
    def _settled(
        self,
    ) -> Iterator[tuple[tuple[int, int], list[tuple[WriteLock, sqlite3.Connection]]]]:
        """The ids a reader may see (the parameters of _VISIBLE: _cut and the last id
        given), each of them committed, and every shard that may hold them: its commit lock,
        and a connection of its own that this thread alone uses meanwhile.

        The counter and the slots are read together, so every id given so far came from
        one of those slots' writers, who took it holding their shard's commit lock: taking
        each such lock once, in turn, waits for the commit of any id taken before the
        counter was read. Readers then read without it, each on a connection of its own, so
        a burst of reads (a status poll per held connection) never stops the writers, and
        no reader waits for another, however long its read: at most for one commit. An id
        given after the counter was read may be in a shard already, but ids below it may
        not be committed yet: a reader that returned it could make `since=` skip them, so
        _VISIBLE leaves it out until the next read.
        """
        with self._ids.frozen() as last_id:
            slots = shard_slots(self.path)
        state = self._here
        with ExitStack() as held:
            shards = []
            for slot in slots:
                shard = state.shards.get(slot)
                if shard is None:
                    opened = self._open_shard(slot)
                    shard = state.shards.setdefault(slot, opened)
                    if shard is not opened:  # another thread of this process was first
                        opened.close()
                with shard.lock.held():
                    pass
                shards.append((shard.lock, held.enter_context(self._reader(shard))))
            connections = [connection for _, connection in shards]
            yield (self._cut(connections, last_id), last_id), shards

    def _cut(self, shards: list[sqlite3.Connection], last_id: int) -> int:
        """The id above which lie the newest `max_events` events committed up to `last_id`
        (below the oldest row if there are fewer): `max_events` ids below it, unless some of
        those went unused, then lower by as many, until the shards' rows between count
        `max_events`. One step per run of unused ids among them, so nearly always one."""
        cut = last_id - self.max_events
        while True:
            ranks = [
                shard.execute(_RANKS, {"cut": cut, "last": last_id}).fetchone() for shard in shards
            ]
            missing = self.max_events - sum(events for events, _ in ranks)
            oldest = min((first for _, first in ranks if first is not None), default=last_id)
            if missing <= 0 or cut < oldest:
                return cut
            cut = max(cut - missing, oldest - 1)

    def _reader(self, shard: _Shard) -> AbstractContextManager[sqlite3.Connection]:
        """A connection to `shard` for this thread alone until the block ends."""
        return self._pooled(shard.idle_readers, shard.path)

    def events(self, limit: int = -1, **filters: str | int) -> list[Event]:
        """Events oldest first, narrowed by any of FILTERS (e.g. eventName='x', since=41),
        the first `limit` of them (all with -1): a page, read in time bounded by its size."""
        since = int(filters.pop("since", 0))
        select = (
            f"SELECT {_COLUMNS} FROM events WHERE {_VISIBLE} AND {_where(filters)}"
            " ORDER BY id LIMIT ?"
        )
        with self._settled() as ((oldest, newest), shards):
            # One lower bound: SQLite searches the ids by only one, and `since` is the tighter.
            visible = (max(oldest, since), newest)
            found = [
                shard.execute(select, (*visible, *filters.values(), limit)).fetchall()
                for _, shard in shards
            ]
        merged = heapq.merge(*found, key=lambda row: row[0])
        return [
            _event_from_row(row) for row in itertools.islice(merged, None if limit < 0 else limit)
        ]

    def counts(self) -> tuple[int, int]:
        """(events kept, events dropped); a clear at the same moment may leave them off by
        what it deletes, until the next read."""
        with self._settled() as ((cut, last_id), shards):
            counts = [
                shard.execute(_COUNTS, {"cut": cut, "last": last_id}).fetchone()
                for _, shard in shards
            ]
            with self._connection() as connection:
                (deleted,) = connection.execute(
                    "SELECT value FROM meta WHERE name = 'deleted'"
                ).fetchone()
        kept = sum(kept for kept, _ in counts)
        return kept, sum(committed for _, committed in counts) - deleted - kept

    def clear(self, **filters: str | int) -> None:
        """Delete the events matching every filter, which leaves the dropped count as it is;
        without filters, delete them all and start the dropped count again.

        A filtered clear marks the events deleted: they still count as committed, for the
        newest `max_events` and the dropped count. Each shard's rows go in one transaction
        under its commit lock, one shard at a time:
        the ids it deletes are all committed already (`_settled`), and those its writer
        takes meanwhile are higher, so holding one lock at a time loses nothing, and a
        reader or writer waits for one shard's delete at most, never for the whole clear.
        """
        with self._settled() as (visible, shards):
            if filters:
                deleted = 0
                for lock, shard in shards:
                    with lock.held():
                        deleted += shard.execute(
                            f"UPDATE events SET deleted = 1 WHERE {_VISIBLE} AND {_where(filters)}",
                            (*visible, *filters.values()),
                        ).rowcount
                with self.writing() as connection:
                    connection.execute(
                        "UPDATE meta SET value = value + ? WHERE name = 'deleted'", (deleted,)
                    )
                return
            for lock, shard in shards:  # idle shards' rows older than the bound go too
                with lock.held(), _transaction(shard):
                    shard.execute(
                        f"UPDATE shard SET value = {_SEQ_AT.format(name='last')}"
                        " WHERE name = 'cleared_seq'",
                        {"last": visible[1]},
                    )
                    shard.execute("DELETE FROM events WHERE id <= ?", (visible[1],))
            with self.writing() as connection:
                connection.execute(
                    "UPDATE meta SET value = ? WHERE name = 'cleared_through'", (visible[1],)
                )
                connection.execute("UPDATE meta SET value = 0 WHERE name = 'deleted'")

    def _last_id_recorded(self) -> int:
        """The newest id the journal's files show: a floor for the counter, should its
        file be missing while the others are not."""
        with closing(self._open(self.path)) as connection:
            (last,) = connection.execute(
                "SELECT value FROM meta WHERE name = 'cleared_through'"
            ).fetchone()
        for slot in shard_slots(self.path):
            with closing(self._open_shard(slot)) as shard:
                (newest,) = shard.connection.execute("SELECT max(id) FROM events").fetchone()
            last = max(last, newest or 0)
        return last

    def close(self) -> None:
        """Close this process's connections and release its shard for another process; a
        temporary journal is deleted with all its files."""
        self._here.close()
        self._write_lock.close()
        self._ids.close()
        if self._temporary:
            delete_temporary_journal(self.path)


def utc_now() -> str:
    """`2024-05-01T12:00:00.123Z`: when a record was received, as every record shows it."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """The block's statements on `connection` (in autocommit mode) as one transaction."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _where(filters: Mapping[str, str | int]) -> str:
    """The SQL condition of FILTERS, in the order given; their values are its parameters."""
    return " AND ".join(_FILTERS[name] for name in filters) or "1"


def _make_private(path: Path) -> None:
    """The journal holds the key that signs the mock's tokens, so its files are the
    developer's only (0600), whatever the umask. SQLite gives a database's WAL and shm
    files the database's own mode, so the main file is made first; one kept from an
    earlier run is tightened, with its WAL and shm."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if os.fstat(descriptor).st_mode & 0o077 == 0:
            return
        os.fchmod(descriptor, 0o600)
    finally:
        os.close(descriptor)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(f"{path}{suffix}", 0o600)


def new_temporary_path() -> Path:
    """A journal path in a folder of its own, whose listing readers take (shard_slots)."""
    return Path(tempfile.mkdtemp(prefix="mockserver-journal-")) / "journal.sqlite3"


def delete_temporary_journal(path: Path) -> None:
    """The main file, the shards, the WAL files SQLite keeps beside each, the locks, and
    the folder new_temporary_path made for them."""
    for file in journal_files(path):
        file.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # not empty: something else was put there
        path.parent.rmdir()
