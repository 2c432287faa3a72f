"""The requests the mock refused, kept beside the journal so a developer can see why.

"Why is my event not showing up?" is answered here: every request answered with an error
(a token the operation does not accept, a path or method it does not serve, a malformed
target, an injected failure) is kept with its status and the one-line reason the client
got. The records live in their own table of the journal's file, so every worker process
shares them, and they are bounded by the journal's `max_events`. Each keeps the request's
User-Agent, so the contract suite's deliberate refusals can be told from an app's; no
other header value is kept. `GET /__mock/events`
keeps meaning "what was recorded"; these are `GET /__mock/rejections`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from .store import Journal, utc_now

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rejections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at TEXT NOT NULL,
    method TEXT NOT NULL,
    target TEXT NOT NULL,
    status INTEGER NOT NULL,
    reason TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
"""
_COLUMNS = "id, received_at, method, target, status, reason, user_agent"


@dataclass(frozen=True)
class Rejection:
    id: int
    received_at: str
    method: str
    # The path and query as sent, still percent-encoded.
    target: str
    # 0 for a request cut unanswered because its head or body stalled.
    status: int
    reason: str
    user_agent: str

    def to_json(self) -> dict:
        names = {"received_at": "receivedAt", "user_agent": "userAgent"}
        return {names.get(key, key): value for key, value in asdict(self).items()}


class Rejections:
    def __init__(
        self, journal: Journal, on_record: Callable[[Rejection], None] | None = None
    ) -> None:
        self._journal = journal
        self._on_record = on_record
        with journal.writing() as connection:
            connection.execute(_SCHEMA)

    def record(
        self, method: str, target: str, status: int, reason: str, user_agent: str = ""
    ) -> Rejection:
        """Keep one refused request, and forget the oldest beyond the journal's bound."""
        values = (utc_now(), method, target, status, reason, user_agent)
        with self._journal.writing() as connection:
            rejection_id = connection.execute(
                f"INSERT INTO rejections ({_COLUMNS.removeprefix('id, ')})"
                " VALUES (?, ?, ?, ?, ?, ?)",
                values,
            ).lastrowid
            connection.execute(
                "DELETE FROM rejections WHERE id <= ?",
                (rejection_id - self._journal.max_events,),
            )
        rejection = Rejection(rejection_id, *values)
        if self._on_record is not None:
            self._on_record(rejection)
        return rejection

    def since(self, rejection_id: int = 0, limit: int = -1) -> list[Rejection]:
        """The refused requests kept, oldest first, after the one with `rejection_id`: the
        first `limit` of them (all with -1)."""
        rows = (
            self._journal.reading()
            .execute(
                f"SELECT {_COLUMNS} FROM rejections WHERE id > ? ORDER BY id LIMIT ?",
                (rejection_id, limit),
            )
            .fetchall()
        )
        return [Rejection(*row) for row in rows]

    def count(self) -> int:
        (count,) = self._journal.reading().execute("SELECT count(*) FROM rejections").fetchone()
        return count

    def clear(self) -> None:
        with self._journal.writing() as connection:
            connection.execute("DELETE FROM rejections")
