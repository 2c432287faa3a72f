"""Listings that wait for an event (`GET /__mock/events?wait=S`), holding no thread.

An end-to-end test asks "answer as soon as my event is there". Each waiting request is
an asyncio future on the worker's event loop; one watcher per worker, running only while
someone waits, reads the journal's last event id (one small SQLite read) every
`every_s` and wakes the waiters once a newer event was committed by any worker. The
woken request asks the listing again (in the pool, like any listing), and either answers
or waits on until its bound. A hundred open waits cost one read per tick, not a hundred
threads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

# How often the watcher reads the journal's last id while someone waits.
WATCH_EVERY_S = 0.05


class JournalWatch:
    def __init__(self, last_id: Callable[[], int], every_s: float = WATCH_EVERY_S) -> None:
        self._last_id = last_id
        self._every_s = every_s
        self._waiters: dict[asyncio.Future, int] = {}
        self._task: asyncio.Task | None = None

    async def wait_past(self, seen: int, timeout_s: float) -> bool:
        """True once an event newer than id `seen` is committed; False after `timeout_s`."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._waiters[future] = seen
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
            for future, seen in list(self._waiters.items()):
                if last > seen and not future.done():
                    future.set_result(None)
            await asyncio.sleep(self._every_s)
