"""The files beside a journal that let worker processes record without waiting for each other.

Each process writing events keeps them in a shard of its own, `{journal}.events-{slot}`
(a SQLite file); it claims the lowest free slot on its first write by a non-blocking
`flock` on `{journal}.events-{slot}.claim` and holds it until it exits, so a restarted
mock reuses the slots of the last one and the shards never outnumber the most processes
that ever wrote at once. `{journal}.events-{slot}.lock` is the shard's commit lock. Event
ids come from one counter for all shards, 8 bytes in `{journal}.ids`, taken under a lock
held for the increment only. journal.py says how commits and reads use them.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .group_commit import WriteLock

_ID_BYTES = 8


def shard_path(journal: Path, slot: int) -> Path:
    return Path(f"{journal}.events-{slot}")


def shard_lock_path(journal: Path, slot: int) -> Path:
    """The shard's commit lock: held by its writer from taking ids until they are committed."""
    return Path(f"{shard_path(journal, slot)}.lock")


def shard_slots(journal: Path) -> list[int]:
    """Every slot ever claimed beside `journal`, in order: their claim files stay."""
    claim = re.compile(rf"{re.escape(journal.name)}\.events-(\d+)\.claim")
    names = (claim.fullmatch(name) for name in os.listdir(journal.parent))
    return sorted(int(match[1]) for match in names if match)


def claim_slot(journal: Path) -> tuple[int, int]:
    """The lowest slot no live process holds, and the descriptor whose lock holds it for
    this process: the lock goes when the descriptor is closed or the process ends.

    A descriptor inherited across fork shares the parent's lock, so a child opens its
    own and gets another slot than its parent's.
    """
    for slot in itertools.count():
        descriptor = os.open(f"{shard_path(journal, slot)}.claim", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            continue
        return slot, descriptor
    raise AssertionError("unreachable")  # pragma: no cover


class IdCounter:
    """The last event id given, shared by every process writing the journal: ids are unique
    and never reused, across shards, clears and restarts. Not dense: a writer killed
    after taking ids leaves them unused (store.py counts events by rows for that)."""

    def __init__(self, journal: Path) -> None:
        self._lock = WriteLock(Path(f"{journal}.ids"))

    @contextmanager
    def frozen(self) -> Iterator[int]:
        """The last id given; no process takes one until the block ends."""
        with self._lock.held() as descriptor:
            yield _read(descriptor)

    def take(self, count: int) -> int:
        """The first of `count` new consecutive ids."""
        with self._lock.held() as descriptor:
            last = _read(descriptor)
            _write(descriptor, last + count)
        return last + 1

    def raise_to(self, floor: int) -> None:
        """Never give an id at or below `floor` (the ids a journal gave before this file)."""
        with self._lock.held() as descriptor:
            if _read(descriptor) < floor:
                _write(descriptor, floor)

    def close(self) -> None:
        self._lock.close()


def _read(descriptor: int) -> int:
    return int.from_bytes(os.pread(descriptor, _ID_BYTES, 0), "little")  # 0 for a new file


def _write(descriptor: int, last_id: int) -> None:
    os.pwrite(descriptor, last_id.to_bytes(_ID_BYTES, "little"), 0)


def journal_files(journal: Path) -> list[Path]:
    """Every file a journal made: the main file, its shards, their SQLite companions and
    locks, and the id counter."""
    own = re.compile(
        rf"{re.escape(journal.name)}((\.events-\d+)?(-wal|-shm|\.lock)?|\.events-\d+\.claim|\.ids)"
    )
    try:
        names = os.listdir(journal.parent)
    except FileNotFoundError:
        return []
    return [journal.parent / name for name in names if own.fullmatch(name)]
