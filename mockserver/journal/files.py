"""The journal's SQLite file: opened safely, private, and one connection per thread.

The journal is one SQLite file in WAL mode that every worker process opens; SQLite's own
locking takes the writers in turn, so nothing here locks anything.

The file may be named by `--journal-file` in a folder others can write to (the system's
temporary folder). SQLite writes the file and two companions beside it (`-wal`, `-shm`);
a link planted under any of those names would make the mock write wherever it points.
So each is created here first, private (0600) and without following a link, before
SQLite opens it: in a sticky folder such as /tmp nobody else can then replace it. A link
found under any of the names is refused at start-up, in one line.

On Windows, where file modes mean only read-only, privacy is the folder's: the default
journal lives in the user's own temporary folder, which only that user may read.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

# The format of the file, kept in SQLite's user_version: a file of another format (the
# sharded journal of earlier versions had none) is refused, not changed. 3: events say
# which earlier event they probably repeat.
FORMAT = 3
COMPANIONS = ("-wal", "-shm", "-journal")
# How long a writer waits for another process's transaction before giving up.
BUSY_TIMEOUT_S = 30.0
# os.O_NOFOLLOW is POSIX; Windows has no symbolic links a user can plant unprivileged.
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)


class JournalError(Exception):
    """The journal file cannot be used; the message says which file and why."""


def prepare(path: Path) -> None:
    """Make the file and its companions the developer's own before SQLite opens them."""
    for name in (path, *(Path(f"{path}{suffix}") for suffix in COMPANIONS)):
        if name.is_symlink():
            raise JournalError(
                f"journal {path}: {name.name} is a symbolic link; the mock writes no file "
                "through a link (remove it, or name a journal file in a folder of your own)"
            )
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        _create_private(name)


def _create_private(path: Path) -> None:
    """Create `path` (0600), or tighten it if it exists: never through a link."""
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | _NO_FOLLOW, 0o600)
    except OSError as error:
        raise JournalError(f"journal {path}: {unusable(path, error)}") from None
    try:
        if hasattr(os, "fchmod") and os.fstat(descriptor).st_mode & 0o077:
            os.fchmod(descriptor, 0o600)
    finally:
        os.close(descriptor)


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (each statement its own transaction, unless a
    BEGIN says otherwise), usable from the thread that takes it from `Connections`."""
    connection = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
    )
    connection.execute("PRAGMA journal_mode = WAL")
    # A commit is in the operating system's hands when SQLite returns, so a killed mock
    # loses nothing it answered. In WAL mode NORMAL syncs at checkpoints only, not per
    # commit: a crash of the whole machine may lose the last commits, never the file.
    connection.execute("PRAGMA synchronous = NORMAL")
    return connection


def check_format(connection: sqlite3.Connection, path: Path) -> None:
    """Refuse a file another version of the mock wrote; mark a new one as this format."""
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    (tables,) = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    if version == FORMAT:
        return
    if tables:
        raise JournalError(
            f"journal {path} was written by another version of the mock; move it (and the "
            "files beside it that start with its name) away, or name another file. "
            "Nothing in it was changed."
        )
    connection.execute(f"PRAGMA user_version = {FORMAT}")


class Connections:
    """One connection per thread that uses the journal, opened on its first use.

    A worker answers most requests on its event loop's thread and the slow ones in a
    pool's threads; each keeps its own connection, so no thread waits for another's read.
    """

    def __init__(
        self, path: Path, functions: Mapping[str, Callable[..., object]] | None = None
    ) -> None:
        """`functions`: SQL functions each connection has (a name, its Python function)."""
        self._path = path
        self._functions = dict(functions or {})
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def get(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = connect(self._path)
            for name, function in self._functions.items():
                connection.create_function(name, -1, function)
            with self._lock:
                self._opened.append(connection)
        return connection

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            connection.close()
        self._local = threading.local()


def unusable(path: Path, error: sqlite3.DatabaseError | OSError) -> str:
    """Why SQLite cannot use `path`, in the words of someone who named that file."""
    if path.is_dir():
        return "is a folder; give the path of a file in it"
    if not path.parent.is_dir():
        return f"its folder {path.parent} does not exist"
    if "not a database" in str(error):
        return "is not a SQLite journal (is it another kind of file?)"
    if "readonly" in str(error) or "unable to open" in str(error):
        return "cannot be written (is it or its folder read-only?)"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)


def new_temporary_path() -> Path:
    """A journal path in a folder of its own (0700), deleted with it when the mock stops."""
    return Path(tempfile.mkdtemp(prefix="mockserver-journal-")) / "journal.sqlite3"


def delete_temporary(path: Path) -> None:
    """The file, its companions, and the folder new_temporary_path made for them."""
    for name in (path, *(Path(f"{path}{suffix}") for suffix in COMPANIONS)):
        name.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # not empty: something else was put there
        path.parent.rmdir()
