"""The event journal: every accepted metrics request, in one SQLite file.

SQLite rather than a list in memory because every worker process must see one journal,
filtering is a query, and `--journal-file` keeps it across restarts. Each event is
committed before its answer is sent (files.py: WAL mode, so readers never block the
writer). The journal keeps only the newest `max_events`, counting the rest as dropped,
so disk and memory stay flat however long the mock runs.

Ids come from SQLite (AUTOINCREMENT): they rise across clears and restarts, and since
SQLite takes writers one at a time, an event committed after a read always has a higher
id than any that read showed, so polling with `since=<the last id seen>` misses nothing.
The counts live in a one-row table that triggers keep, in the same transaction as the
insert or delete that changes them: `kept` follows every insert and delete, and the
insert that takes the journal past `max_events` deletes the oldest event and counts it
dropped. A clear deletes without counting; a full clear starts the dropped count again.

The same file holds the other modules' tables: the refused requests (rejections.py) and
the key that signs session tokens (auth/tokens.py), so every worker accepts the tokens
any of them issued.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

from .files import (
    Connections,
    JournalError,
    check_format,
    connect,
    delete_temporary,
    new_temporary_path,
    prepare,
    unusable,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
    repeat_of INTEGER
);
-- The probable repeat's lookup: the same event name and user, newest first.
CREATE INDEX IF NOT EXISTS events_repeat ON events (event_name, user_id, received_at);
-- cleared_through: the last id the last full clear deleted; deleted: the events filtered
-- clears deleted since. Events dropped = events recorded since the clear - kept - deleted.
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta (name, value) VALUES ('cleared_through', 0), ('deleted', 0);
"""
# Ids are dense (SQLite gives each insert the next one, and a transaction rolled back or
# cut short gives its id back), so the newest max_events are the ids above the last one
# minus max_events, whatever clears deleted among them. Every TRIM_EVERY ids the older
# rows go, in one statement, so an insert costs no more than the insert itself; readers
# leave out the few older rows meanwhile. Made at every start, as --max-events may differ
# from the run that made the file.
TRIM_EVERY = 256
_KEEP_NEWEST = """
DROP TRIGGER IF EXISTS keep_newest;
CREATE TRIGGER keep_newest AFTER INSERT ON events WHEN NEW.id % {every} = 0 BEGIN
    DELETE FROM events WHERE id <= NEW.id - {max_events};
END;
"""
_LAST_ID = "coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)"
_ROW_COLUMNS = (
    "received_at, operation_id, user_id, server_name, event_name, query, upstream_status,"
    " violations, target, credential, user_agent"
)
_COLUMNS = f"id, {_ROW_COLUMNS}, repeat_of"
# A client that retries (Tidepool's JS client retries once on a reset connection, a
# timeout or a 5xx) sends the same request again within seconds, after the first may
# have been recorded: the newest event within REPEAT_WINDOW_S with the same operation,
# user, server, event name and query (in the order sent) is marked as the one repeated.
REPEAT_WINDOW_S = 10
_PER_ROW = 12  # the row's columns, then the start of its repeat window


@functools.lru_cache(maxsize=64)
def _insert(rows: int) -> str:
    """One INSERT of `rows` events, each with the event it repeats, if any: the parameters
    are each row's columns (_ROW_COLUMNS) and the start of its repeat window."""

    def values(row: int) -> str:
        n = row * _PER_ROW
        columns = ", ".join(f"?{n + k}" for k in range(1, _PER_ROW))
        return f"""({columns}, (
            SELECT id FROM events
            WHERE event_name IS ?{n + 5} AND user_id IS ?{n + 3} AND received_at >= ?{n + 12}
              AND operation_id = ?{n + 2} AND server_name IS ?{n + 4} AND query = ?{n + 6}
            ORDER BY received_at DESC, id DESC LIMIT 1))"""

    rows_sql = ", ".join(values(row) for row in range(rows))
    return (
        f"INSERT INTO events ({_ROW_COLUMNS}, repeat_of) VALUES {rows_sql} RETURNING id, repeat_of"
    )


# Filter name (as in GET /__mock/events) -> the condition it adds. `plan`: the tracking
# plan's verdict on the event (on-plan, off-plan, no-plan), judged as it is read, by the
# plan as its file says now (`verdict_of`, Journal).
_FILTERS = {
    "eventName": "event_name = ?",
    "userId": "user_id = ?",
    "operationId": "operation_id = ?",
    "since": "id > ?",
    "plan": "plan_verdict(event_name, query, target, server_name, user_agent) = ?",
}
# `query[NAME]=VALUE`: only events whose query has NAME with VALUE among its values.
QUERY_FILTER = re.compile(r"query\[(.*)\]", re.DOTALL)
_QUERY_CONDITION = (
    "EXISTS (SELECT 1 FROM json_each(events.query) AS parameter, json_each(parameter.value)"
    " AS item WHERE parameter.key = ? AND item.value = ?)"
)
log = logging.getLogger("mockserver")
# The credential of a request that carried no token (the others are the token kinds).
NO_CREDENTIAL = "none"


@dataclass(frozen=True)
class Violation:
    """One contract rule an upstream's answer broke (upstream/conformance.py judges), and
    why, in words that carry no token."""

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
    # The earlier event this one probably repeats (REPEAT_WINDOW_S), if any.
    repeat_of: int | None = None

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
            "repeatOf": self.repeat_of,
        }


def _frozen(query: Mapping[str, Iterable[str]]) -> Mapping[str, tuple[str, ...]]:
    """A copy of the query the caller cannot change, nor change through."""
    return MappingProxyType({name: tuple(values) for name, values in query.items()})


def _event_from_row(row: tuple) -> Event:
    violations = tuple(Violation(item["rule"], item["reason"]) for item in json.loads(row[8]))
    return Event(*row[:6], _frozen(json.loads(row[6])), row[7], violations, *row[9:13])


class Journal:
    """A bounded event store that every process opening the same file shares.

    `on_commit` hears of each event once it is committed, outside the transaction (the
    command line prints it), so a slow terminal never holds the file's write lock.
    `verdict_of` names the tracking plan's verdict on an event (its JSON, as listed) for
    the `plan` filter: judged when the events are read, never when one is recorded, so
    recording costs nothing more and an edited plan judges every event anew.
    """

    FILTERS = tuple(_FILTERS)

    def __init__(
        self,
        path: Path | None,
        max_events: int,
        on_commit: Callable[[list[Event]], None] | None = None,
        verdict_of: Callable[[Mapping], str] | None = None,
    ) -> None:
        self._temporary = path is None
        self.path = new_temporary_path() if path is None else Path(path)
        self.max_events = int(max_events)
        self._on_commit = on_commit
        prepare(self.path)
        keep_newest = _KEEP_NEWEST.format(every=TRIM_EVERY, max_events=self.max_events)
        try:
            with closing(sqlite3.connect(self.path)) as probe:  # before WAL mode changes it
                check_format(probe, self.path)
            connection = connect(self.path)
            try:
                connection.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} {keep_newest} COMMIT;")
                with _transaction(connection):  # a run with a larger bound left more
                    connection.execute(
                        f"DELETE FROM events WHERE id <= {_LAST_ID} - ?", (self.max_events,)
                    )
            finally:
                connection.close()
        except sqlite3.DatabaseError as error:
            raise JournalError(f"journal {self.path}: {unusable(self.path, error)}") from None
        self._verdict_of = verdict_of
        functions = {"plan_verdict": self._plan_verdict} if verdict_of else None
        self._connections = Connections(self.path, functions)
        self._held = threading.local()

    def _plan_verdict(self, event_name, query, target, server_name, user_agent) -> str:
        """The `plan` filter's SQL function: the verdict on a row, from the columns a
        verdict reads."""
        event = {
            "eventName": event_name,
            "query": json.loads(query),
            "target": target,
            "serverName": server_name,
            "userAgent": user_agent,
        }
        return self._verdict_of(event)

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """A transaction on the file, for the other modules' tables."""
        connection = self._connections.get()
        with _transaction(connection):
            yield connection

    def reading(self) -> sqlite3.Connection:
        """This thread's connection, for reading the other modules' tables."""
        return self._connections.get()

    def hold_commits(self) -> None:
        """Until `commit_held`, this thread's events wait to be stored together. The
        server's event loop holds the events of the requests it answers in one turn and
        stores them with one INSERT before any of their answers goes out (serving/asgi.py):
        under load, many events cost one commit."""
        self._held.rows = []

    def commit_held(self) -> None:
        """Store the events this thread held, with one INSERT (its own transaction), then
        report them (`on_commit`)."""
        rows, self._held.rows = self._held.rows, None
        if rows:
            self._report(self._store(rows))

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
    ) -> Event | None:
        """Store one event: committed on return (one INSERT, its own transaction), or
        with the others this thread holds (`hold_commits`), and then None."""
        now = datetime.now(UTC)
        violations_json = json.dumps([v.to_json() for v in violations]) if violations else "[]"
        columns = (
            utc_text(now),
            operation_id,
            user_id,
            server_name,
            event_name,
            json.dumps(query, ensure_ascii=False),
            upstream_status,
            violations_json,
            target,
            credential,
            user_agent,
            utc_text(now - timedelta(seconds=REPEAT_WINDOW_S)),
        )
        row = (columns, query, violations)
        held = getattr(self._held, "rows", None)
        if held is not None:
            held.append(row)
            return None
        (event,) = self._store([row])
        self._report([event])
        return event

    def _store(self, rows: list[tuple]) -> list[Event]:
        """Insert the rows, in one statement; their events, in order."""
        parameters = [value for columns, _, _ in rows for value in columns]
        stored = self._connections.get().execute(_insert(len(rows)), parameters).fetchall()
        # Ids rise in the order the rows were inserted, whatever order RETURNING gives.
        return [
            Event(
                event_id,
                *columns[:5],
                _frozen(query),
                columns[6],
                tuple(violations),
                *columns[8:11],
                repeat_of,
            )
            for (event_id, repeat_of), (columns, query, violations) in zip(
                sorted(stored), rows, strict=True
            )
        ]

    def _report(self, events: list[Event]) -> None:
        if self._on_commit is not None and events:
            try:
                self._on_commit(events)
            except Exception:  # the events are stored: their requests must not fail now
                log.exception("reporting %d committed events failed", len(events))

    def listing(self, limit: int = -1, **filters: str | int) -> tuple[list[Event], int]:
        """A page of events, oldest first, narrowed by any of FILTERS (e.g. eventName='x',
        since=41), the first `limit` of them (all with -1), and the dropped count, both
        from one snapshot of the file."""
        where, values = _where(filters)
        select = f"SELECT {_COLUMNS} FROM events WHERE id >= ? AND {where} ORDER BY id LIMIT ?"
        connection = self._connections.get()
        with _transaction(connection, "BEGIN"):
            visible_from, _, dropped = self._counted(connection)
            rows = connection.execute(select, (visible_from, *values, limit))
            events = [_event_from_row(row) for row in rows]
        return events, dropped

    def events(self, limit: int = -1, **filters: str | int) -> list[Event]:
        return self.listing(limit, **filters)[0]

    def count(self, **filters: str | int) -> int:
        """How many of the events shown match every filter (as `listing` takes them)."""
        where, values = _where(filters)
        connection = self._connections.get()
        with _transaction(connection, "BEGIN"):
            visible_from, _, _ = self._counted(connection)
            (count,) = connection.execute(
                f"SELECT count(*) FROM events WHERE id >= ? AND {where}", (visible_from, *values)
            ).fetchone()
        return count

    def any_after(self, event_id: int, **filters: str | int) -> bool:
        """Whether an event newer than `event_id` matches every filter: a read of the
        newer rows only (a waiting listing asks it as events come, serving/waits.py)."""
        where, values = _where(filters)
        row = (
            self._connections.get()
            .execute(f"SELECT 1 FROM events WHERE id > ? AND {where} LIMIT 1", (event_id, *values))
            .fetchone()
        )
        return row is not None

    def last_id(self) -> int:
        """The id of the newest event ever recorded in this file (0 for none): it grows
        with every commit, so a waiter compares it with the one it saw."""
        (last,) = self._connections.get().execute(f"SELECT {_LAST_ID}").fetchone()
        return last

    def counts(self) -> tuple[int, int]:
        """(events kept, events dropped)."""
        connection = self._connections.get()
        with _transaction(connection, "BEGIN"):
            _, kept, dropped = self._counted(connection)
        return kept, dropped

    def _counted(self, connection: sqlite3.Connection) -> tuple[int, int, int]:
        """(the oldest id shown, events kept, events dropped), inside a transaction."""
        (last_id, cleared_through, deleted) = connection.execute(
            f"SELECT {_LAST_ID}, (SELECT value FROM meta WHERE name = 'cleared_through'),"
            " (SELECT value FROM meta WHERE name = 'deleted')"
        ).fetchone()
        visible_from = last_id - self.max_events + 1
        (kept,) = connection.execute(
            "SELECT count(*) FROM events WHERE id >= ?", (visible_from,)
        ).fetchone()
        return visible_from, kept, last_id - cleared_through - kept - deleted

    def clear(self, **filters: str | int) -> None:
        """Delete the events shown that match every filter, which leaves the dropped count
        as it is; without filters, delete them all and start the dropped count again."""
        with self.writing() as connection:
            visible_from, _, _ = self._counted(connection)
            if filters:
                where, values = _where(filters)
                deleted = connection.execute(
                    f"DELETE FROM events WHERE id >= ? AND {where}", (visible_from, *values)
                ).rowcount
                connection.execute(
                    "UPDATE meta SET value = value + ? WHERE name = 'deleted'", (deleted,)
                )
                return
            connection.execute("DELETE FROM events")
            connection.execute(f"UPDATE meta SET value = {_LAST_ID} WHERE name = 'cleared_through'")
            connection.execute("UPDATE meta SET value = 0 WHERE name = 'deleted'")

    def close(self) -> None:
        """Close this process's connections; a temporary journal is deleted with its files."""
        self._connections.close()
        if self._temporary:
            delete_temporary(self.path)


def utc_now() -> str:
    """`2024-05-01T12:00:00.123Z`: when a record was received, as every record shows it."""
    return utc_text(datetime.now(UTC))


def utc_text(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@contextmanager
def _transaction(connection: sqlite3.Connection, begin: str = "BEGIN IMMEDIATE") -> Iterator[None]:
    """The block's statements on `connection` (in autocommit mode) as one transaction."""
    connection.execute(begin)
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _where(filters: Mapping[str, str | int]) -> tuple[str, list[str | int]]:
    """The SQL condition of FILTERS and `query[NAME]` filters, and its parameters."""
    conditions, values = [], []
    for name, value in filters.items():
        by_query = QUERY_FILTER.fullmatch(name)
        if by_query:
            conditions.append(_QUERY_CONDITION)
            values += [by_query[1], value]
        else:
            conditions.append(_FILTERS[name])
            values.append(value)
    return " AND ".join(conditions) or "1", values
