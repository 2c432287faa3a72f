"""Settings every worker process follows at once, kept in the journal's file.

A setting changed through one worker (the faults of PUT /__mock/faults) must hold in all
of them at the same moment, and go when the mock restarts. It is one row of a table in
the journal's SQLite file, a JSON value with the time it lapses, read on every request
that needs it. Reading costs one `PRAGMA data_version` on this thread's connection: it
changes only when another connection committed to the file, and only then is the row
read again (the thread's own writes update its copy directly).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

from .store import Journal

_SCHEMA = """
CREATE TABLE IF NOT EXISTS shared_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    until REAL
);
"""


class SharedSetting:
    """One named JSON value in the journal's file, with an optional lapse time (epoch s).

    `get()` is the value while it holds, else None.
    """

    def __init__(self, journal: Journal, name: str, clock: Callable[[], float] = time.time) -> None:
        self._journal = journal
        self._name = name
        self._clock = clock
        self._local = threading.local()
        with journal.writing() as connection:
            connection.execute(_SCHEMA)

    def get(self) -> dict | None:
        connection = self._journal.reading()
        (version,) = connection.execute("PRAGMA data_version").fetchone()
        local = self._local
        if getattr(local, "version", None) != version:
            row = connection.execute(
                "SELECT value, until FROM shared_settings WHERE name = ?", (self._name,)
            ).fetchone()
            local.version = version
            local.value, local.until = (json.loads(row[0]), row[1]) if row else (None, None)
        if local.value is None or (local.until is not None and local.until <= self._clock()):
            return None
        return local.value

    def until(self) -> float | None:
        """When the value lapses (epoch seconds), if it holds and lapses at all."""
        return self._local.until if self.get() is not None else None

    def put(self, value: dict, seconds: float | None) -> None:
        until = None if seconds is None else self._clock() + seconds
        with self._journal.writing() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO shared_settings (name, value, until) VALUES (?, ?, ?)",
                (self._name, json.dumps(value), until),
            )
        self._local.version = None  # read it back: this thread's own write

    def clear(self) -> None:
        with self._journal.writing() as connection:
            connection.execute("DELETE FROM shared_settings WHERE name = ?", (self._name,))
        self._local.version = None
