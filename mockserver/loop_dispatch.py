"""Which thread answers a complete request: the event loop itself, or one of the pool's.

waitress hands every request to a pool thread. For a mock request that costs more than
the answer: the loop wakes a thread, the thread takes the GIL from the loop, wakes the
loop again when it is done, and the loop takes the GIL back to send the answer, about 11
context switches per request (benchmarks/README.md). Most requests wait for nothing but
the CPU and the journal's commit, so the loop answers those itself, at the end of the turn
that read them, and sends the answer at once. The pool keeps the requests that may wait
on a timer or on another server (`--latency`, `Prefer: delay`, `--upstream`): a loop that
waited on them would stop every other connection of its worker.

Slow clients are no less safe: the loop still reads each connection as its bytes come
and answers only complete requests.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping

from waitress.channel import HTTPChannel
from waitress.task import ThreadedTaskDispatcher

# Does answering a request with these headers (named as waitress's parser names them,
# `PREFER`) possibly wait on something other than the CPU?
MayWait = Callable[[Mapping[str, str]], bool]


class LoopDispatcher(ThreadedTaskDispatcher):
    """waitress's thread pool, except that requests which may not wait are kept for the
    event loop, which answers them in `serve_ready` after each turn."""

    def __init__(self, may_wait: MayWait) -> None:
        super().__init__()
        self._may_wait = may_wait
        # Appended to by the loop and by pool threads (a pipelined request's next one).
        self._ready: deque[HTTPChannel] = deque()

    def add_task(self, channel: HTTPChannel) -> None:
        if self._may_wait(channel.requests[0].headers):
            super().add_task(channel)
        else:
            self._ready.append(channel)

    def serve_ready(self) -> None:
        """Answer, in the loop's thread, the requests kept for it. A pool thread that keeps
        one wakes the loop as it ends its own request, so none waits for the next event."""
        ready = self._ready
        while ready:
            channel = ready.popleft()
            channel.service()
            if channel.connected:  # not closed meanwhile, so its socket is still its own
                channel.handle_write()
