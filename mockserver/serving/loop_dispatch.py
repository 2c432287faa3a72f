"""Which thread answers a complete request: the event loop itself, or one of the pool's.

waitress hands every request to a pool thread. For a mock request that costs more than
the answer: the loop wakes a thread, the thread takes the GIL from the loop, wakes the
loop again when it is done, and the loop takes the GIL back to send the answer: a round
of context switches per request (counted in benchmarks/README.md). Most requests need
nothing but a little CPU and the journal's commit, so the loop answers those itself, at
the end of the turn that read them, and sends the answer at once. The pool keeps the requests that may
be slow: those that wait on a timer or another server (`--latency`, `Prefer: delay`,
`--upstream`), and the listings and clears of the mock's own API, which grow with the
journal. A loop busy with them would hold up every other connection of its worker, and
gunicorn's heartbeat.

Slow clients are no less safe: the loop still reads each connection as its bytes come
and answers only complete requests.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping

from .private_api import HTTPChannel, ThreadedTaskDispatcher

# May answering a request (its decoded path; its headers, named as waitress's parser
# names them: `PREFER`) be slow?
MayBeSlow = Callable[[str, Mapping[str, str]], bool]


class LoopDispatcher(ThreadedTaskDispatcher):
    """waitress's thread pool, except that requests which cannot be slow are kept for the
    event loop, which answers them in `serve_ready` after each turn."""

    def __init__(self, may_be_slow: MayBeSlow) -> None:
        super().__init__()
        self._may_be_slow = may_be_slow
        # Appended to by the loop and by pool threads (a pipelined request's next one).
        self._ready: deque[HTTPChannel] = deque()

    def add_task(self, channel: HTTPChannel) -> None:
        request = channel.requests[0]
        # A request waitress refused (400, 431) never reaches the app: its answer is quick.
        if request.error is None and self._may_be_slow(request.path, request.headers):
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
