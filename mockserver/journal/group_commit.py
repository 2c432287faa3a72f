"""How request threads and processes take turns at a SQLite file of the journal.

Two primitives, kept apart from the journal's storage so each can be read on its own:
`WriteLock` admits one writer at a time to a file (threads by a mutex, processes by
`flock`): a shard's commits and its readers' wait, the main file's writes, the id
counter. `GroupCommit` lets the rows that threads of one process hand in at the same
moment share one transaction. The journal (journal.py, shards.py) is their only user.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class WriteLock:
    """Lets one writer at a time at the journal: threads of a process by a mutex, processes
    by `flock` on a file beside it.

    Without it SQLite's busy handler settles collisions by sleeping in steps of
    milliseconds, which multiplies tail latency under load and keeps the WAL from ever
    being checkpointed, so it grows without bound. The lock file is opened per process:
    a descriptor inherited across gunicorn's fork would share one lock between workers.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._mutex = threading.Lock()
        self._fd: int | None = None
        self._pid: int | None = None

    @contextmanager
    def held(self) -> Iterator[int]:
        """Holds the lock for the block; its value is the lock file's descriptor, for a
        caller that keeps data in that file."""
        with self._mutex:
            if self._pid != os.getpid():
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                self._pid = os.getpid()
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield self._fd
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._mutex:
            if self._fd is not None and self._pid == os.getpid():
                os.close(self._fd)
            self._fd = self._pid = None


class _Pending:
    """One item handed to a group commit, and how its request thread learns the outcome."""

    def __init__(self, item: Any) -> None:
        self.item = item
        self.result_value: Any = None
        self.error: BaseException | None = None
        self.leads = False
        # Held until the item is committed (or this thread is to lead the next commit).
        self.wake = threading.Lock()
        self.wake.acquire()

    def result(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.result_value


class GroupCommit:
    """Commits the rows that request threads hand in at the same time, in one transaction.

    A commit costs several times an INSERT, and under load many threads of a worker wait
    for one at once. The first thread to arrive while no commit runs leads: it commits
    every row queued so far, its own included, wakes their threads, and hands the lead to
    the oldest thread still waiting. A thread alone commits its own row at once, with no
    hand-over; nobody answers before their row is committed either way.
    """

    def __init__(self, commit: Callable[[list[Any]], list[Any]]) -> None:
        self._commit = commit
        self._mutex = threading.Lock()
        self._queue: list[_Pending] = []
        self._leading = False

    def submit(self, item: Any) -> Any:
        pending = _Pending(item)
        with self._mutex:
            self._queue.append(pending)
            leads, self._leading = not self._leading, True
        if not leads:
            pending.wake.acquire()
            leads = pending.leads
        if leads:
            self._lead()
        return pending.result()

    def _lead(self) -> None:
        with self._mutex:
            batch, self._queue = self._queue, []
        try:
            results = self._commit([pending.item for pending in batch])
        except BaseException as error:  # every request of the batch fails, none hangs
            for pending in batch:
                pending.error = error
        else:
            for pending, result in zip(batch, results, strict=True):
                pending.result_value = result
        with self._mutex:
            successor = self._queue[0] if self._queue else None
            self._leading = successor is not None
        for pending in batch:
            pending.wake.release()
        if successor is not None:
            successor.leads = True
            successor.wake.release()
