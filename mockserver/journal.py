"""The event journal: every accepted metrics request, in one SQLite file.

SQLite rather than a list in memory because several gunicorn worker processes must share
one journal, filtering is a query, and `--journal-file` keeps it across restarts. Each
event is committed before its response is sent (WAL mode, so readers never block the
writer); events that arrive together share one commit (see `_GroupCommit`). The journal
keeps only the newest `max_events`, counting the rest as dropped, so disk and memory stay
flat however long the mock runs.

The file also holds the key that signs session tokens, in a table of its own that
tokens.py keeps, so every process sharing a journal accepts the tokens any of them issued.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from .conformance import Violation
from .group_commit import GroupCommit, WriteLock

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at TEXT NOT NULL,
    operation_id TEXT NOT NULL,
    user_id TEXT,
    server_name TEXT,
    event_name TEXT,
    query TEXT NOT NULL
    -- and _ADDED_COLUMNS, added by _add_missing_columns to new and older files alike
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value NOT NULL);
-- Events ever dropped = ids ever given (AUTOINCREMENT never reuses one) since the last
-- clear, minus the events kept and those deleted by a filtered clear: no counter to
-- update on every insert.
INSERT OR IGNORE INTO meta (name, value) VALUES ('cleared_through', 0), ('deleted', 0);
DROP TRIGGER IF EXISTS drop_oldest;  -- the bound of earlier journals, which also counted
CREATE TRIGGER IF NOT EXISTS keep_newest AFTER INSERT ON events BEGIN
    DELETE FROM events WHERE id <= NEW.id - (SELECT value FROM meta WHERE name = 'max_events');
END;
"""
_ROW_COLUMNS = (
    "received_at, operation_id, user_id, server_name, event_name, query, upstream_status,"
    " violations"
)
# Columns added since the first journals, with their definitions, the one place they are
# defined: a new file gets them the way an older one does.
_ADDED_COLUMNS = {
    "upstream_status": "INTEGER",
    "violations": "TEXT NOT NULL DEFAULT '[]'",
}
_COLUMNS = f"id, {_ROW_COLUMNS}"
# Filter name (as in GET /__mock/events) -> the condition it adds.
_FILTERS = {
    "eventName": "event_name = ?",
    "userId": "user_id = ?",
    "operationId": "operation_id = ?",
    "since": "id > ?",
}
# The newest id ever given; AUTOINCREMENT keeps it even when every event is deleted.
_LAST_ID_GIVEN = "coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)"
log = logging.getLogger("mockserver")
# How long a writer waits for another process's transaction before giving up.
_BUSY_TIMEOUT_S = 30.0


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

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "receivedAt": self.received_at,
            "operationId": self.operation_id,
            "userId": self.user_id,
            "serverName": self.server_name,
            "eventName": self.event_name,
            "query": {name: list(values) for name, values in self.query.items()},
            "upstreamStatus": self.upstream_status,
            "violations": [violation.to_json() for violation in self.violations],
        }


def _event(
    columns: tuple,
    query: Mapping[str, Iterable[str]],
    upstream_status: int | None,
    violations: Iterable[Violation],
) -> Event:
    """An immutable Event: the query is copied, so the caller's dict can change freely."""
    frozen = {name: tuple(values) for name, values in query.items()}
    return Event(*columns, MappingProxyType(frozen), upstream_status, tuple(violations))


def _event_from_row(row: tuple) -> Event:
    violations = [Violation(item["rule"], item["reason"]) for item in json.loads(row[8])]
    return _event(row[:6], json.loads(row[6]), row[7], violations)


@dataclass(frozen=True)
class _Row:
    """An event waiting for its id: the values of _ROW_COLUMNS, and what the JSON ones encode."""

    columns: tuple[str, str, str | None, str | None, str | None, str, int | None, str]
    query: Mapping[str, list[str]]
    violations: tuple[Violation, ...]


class JournalError(Exception):
    """The journal file cannot be used; the message says which file and why."""


def _unusable(path: Path, error: sqlite3.DatabaseError) -> str:
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
        self._idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._write_lock = WriteLock(Path(f"{self.path}.lock"))
        self._group_commit = GroupCommit(self._commit)
        self._on_commit = on_commit
        try:
            with closing(self._open()) as connection:
                connection.executescript(_SCHEMA)
                _add_missing_columns(connection)
                connection.execute(
                    "INSERT OR REPLACE INTO meta (name, value) VALUES ('max_events', ?)",
                    (max_events,),
                )
        except sqlite3.DatabaseError as error:
            raise JournalError(f"journal {self.path}: {_unusable(self.path, error)}") from None

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        connection.execute("PRAGMA journal_mode = WAL")
        # A commit is in the operating system's hands when SQLite returns, so a crash of the
        # mock loses nothing; only a crash of the machine could, and a mock's journal is
        # not worth an fsync, which made each checkpoint cost more than the commits it
        # follows (benchmarks/README.md).
        connection.execute("PRAGMA synchronous = OFF")
        return connection

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """A pooled connection in autocommit mode: each statement is its own transaction."""
        try:
            connection = self._idle.get_nowait()
        except queue.Empty:
            connection = self._open()
        try:
            yield connection
        finally:
            self._idle.put(connection)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connection() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """A transaction holding the writers' lock, for the other tables of the file."""
        with self._write_lock.held(), self._transaction() as connection:
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
    ) -> Event:
        """Store one event, dropping the oldest beyond `max_events`; committed on return."""
        received_at = utc_now()
        query_json = json.dumps(query, ensure_ascii=False)
        violations_json = json.dumps([v.to_json() for v in violations], ensure_ascii=False)
        columns = (
            received_at,
            operation_id,
            user_id,
            server_name,
            event_name,
            query_json,
            upstream_status,
            violations_json,
        )
        return self._group_commit.submit(_Row(columns, query, violations))

    def _commit(self, rows: list[_Row]) -> list[Event]:
        """Store rows with one INSERT, a transaction of its own (the trigger keeps the bound),
        and tell `on_commit` about them, in order. Few statements matter more than they
        seem: SQLite releases the GIL in each, and under load every release hands it over.
        """
        values = ", ".join([f"({', '.join('?' * len(rows[0].columns))})"] * len(rows))
        parameters = [value for row in rows for value in row.columns]
        with self._write_lock.held(), self._connection() as connection:
            last_id = connection.execute(
                f"INSERT INTO events ({_ROW_COLUMNS}) VALUES {values}", parameters
            ).lastrowid
        # One statement holding the write lock: its rows took consecutive ids.
        first_id = last_id - len(rows) + 1
        # The Event carries the query and violations themselves rather than their JSON.
        events = [
            _event((first_id + index, *row.columns[:5]), row.query, row.columns[6], row.violations)
            for index, row in enumerate(rows)
        ]
        if self._on_commit is not None:
            try:
                self._on_commit(events)
            except Exception:  # the events are stored: their requests must not fail now
                log.exception("reporting %d committed events failed", len(events))
        return events

    def events(self, **filters: str | int) -> list[Event]:
        """Events oldest first, narrowed by any of FILTERS (e.g. eventName='x', since=41)."""
        with self._connection() as connection:
            rows = connection.execute(
                f"SELECT {_COLUMNS} FROM events WHERE {_where(filters)} ORDER BY id",
                tuple(filters.values()),
            ).fetchall()
        return [_event_from_row(row) for row in rows]

    def counts(self) -> tuple[int, int]:
        """(events kept, events dropped), read by one statement so they agree."""
        with self._connection() as connection:
            kept, given = connection.execute(
                f"SELECT (SELECT count(*) FROM events), {_LAST_ID_GIVEN}"
                " - (SELECT value FROM meta WHERE name = 'cleared_through')"
                " - (SELECT value FROM meta WHERE name = 'deleted')"
            ).fetchone()
        return kept, given - kept

    def clear(self, **filters: str | int) -> None:
        """Delete the events matching every filter, which leaves the dropped count as it is;
        without filters, delete them all and start the dropped count again."""
        with self._write_lock.held(), self._transaction() as connection:
            if filters:
                deleted = connection.execute(
                    f"DELETE FROM events WHERE {_where(filters)}", tuple(filters.values())
                ).rowcount
                connection.execute(
                    "UPDATE meta SET value = value + ? WHERE name = 'deleted'", (deleted,)
                )
                return
            connection.execute("DELETE FROM events")
            connection.execute(
                f"UPDATE meta SET value = {_LAST_ID_GIVEN} WHERE name = 'cleared_through'"
            )
            connection.execute("UPDATE meta SET value = 0 WHERE name = 'deleted'")

    def close(self) -> None:
        """Close this process's connections; a temporary journal is deleted with its WAL."""
        while not self._idle.empty():
            self._idle.get_nowait().close()
        self._write_lock.close()
        if self._temporary:
            delete_journal_files(self.path)


def utc_now() -> str:
    """`2024-05-01T12:00:00.123Z`: when a record was received, as every record shows it."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _where(filters: Mapping[str, str | int]) -> str:
    """The SQL condition of FILTERS, in the order given; their values are its parameters."""
    return " AND ".join(_FILTERS[name] for name in filters) or "1"


def _add_missing_columns(connection: sqlite3.Connection) -> None:
    """Bring a journal file written by an earlier version up to the current columns."""
    present = {row[1] for row in connection.execute("PRAGMA table_info(events)")}
    for name, definition in _ADDED_COLUMNS.items():
        if name not in present:
            with contextlib.suppress(sqlite3.OperationalError):  # another process added it
                connection.execute(f"ALTER TABLE events ADD COLUMN {name} {definition}")


def new_temporary_path() -> Path:
    handle, name = tempfile.mkstemp(prefix="mockserver-journal-", suffix=".sqlite3")
    os.close(handle)
    return Path(name)


def delete_journal_files(path: Path) -> None:
    """The database, the WAL files SQLite keeps beside it, and the writers' lock file."""
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
