"""Listings that wait for an event (`GET /__mock/events?wait=S`), holding no thread.

An end-to-end test asks "answer as soon as my event is there". Each waiting request is
an asyncio future on the worker's event loop; one watcher per worker, running only while
someone waits, reads the journal's last event id (one small SQLite read) every
`every_s`. When events were committed since a waiter last looked, it asks the journal
whether any of them match the waiter's filters (a read of the new rows only, asked once
per tick for all waiters with the same filters), and wakes only the waiters that have a
match; those ask the listing again (in the pool, like any listing). Under a load of
events, a hundred open waits cost a few small reads per tick, not a hundred listings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

# How often the watcher reads the journal's last id while someone waits.
WATCH_EVERY_S = 0.05


@dataclass
class _Waiter:
    seen: int
    filters: dict


class JournalWatch:
    """`last_id()`: the newest event's id; `any_after(id, **filters)`: whether an event
    newer than `id` matches `filters` (journal/store.py's Journal)."""

    def __init__(
        self,
        last_id: Callable[[], int],
        any_after: Callable[..., bool],
        every_s: float = WATCH_EVERY_S,
    ) -> None:
        self._last_id = last_id
        self._any_after = any_after
        self._every_s = every_s
        self._waiters: dict[asyncio.Future, _Waiter] = {}
        self._task: asyncio.Task | None = None

    async def wait_past(self, seen: int, filters: dict, timeout_s: float) -> bool:
        """True once an event newer than id `seen` matching `filters` is committed;
        False after `timeout_s`."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._waiters[future] = _Waiter(seen, filters)
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._watch())
        try:
            await asyncio.wait_for(future, timeout_s)
            return True
        except TimeoutError:
            return False
        finally:
            self._waiters.pop(future, None)

    async def _watch(self) -> None:
        while self._waiters:
            last = self._last_id()
            answers: dict[tuple, bool] = {}  # one read per (seen, filters) this tick
            for future, waiter in list(self._waiters.items()):
                if last <= waiter.seen or future.done():
                    continue
                key = (waiter.seen, *sorted(waiter.filters.items()))
                if key not in answers:
                    answers[key] = self._any_after(waiter.seen, **waiter.filters)
                if answers[key]:
                    future.set_result(None)
                else:
                    waiter.seen = last
            await asyncio.sleep(self._every_s)
