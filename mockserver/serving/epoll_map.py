"""waitress's socket map with an epoll loop whose cost per turn follows the busy
connections, not all of them.

waitress's own loop (`wasyncore.poll2`) asks every connection whether it wants to read or
write and registers it anew with a fresh `poll()` on every turn. With a thousand idle or
stalled connections that is a few milliseconds of Python per turn, paid again for every
request served (benchmarks/README.md). Here each connection stays registered with epoll,
and only those whose wishes may have changed are asked again: connections that had an
event, those busy with a request (their task thread wakes the loop when it is done), the
listening sockets (their `readable()` runs waitress's maintenance), and those the
maintenance marked for closing. An idle connection costs nothing until it stirs.
"""

from __future__ import annotations

import select

from waitress import wasyncore

# What an idle connection waits for: a request, nothing to write.
_IDLE = select.EPOLLIN | select.EPOLLPRI


class EpollMap(dict):
    """The fd -> dispatcher map waitress keeps, registering each one with epoll as it
    is added and unregistering it as it is removed (before its socket is closed)."""

    def __init__(self) -> None:
        super().__init__()
        self._epoll = select.epoll()
        self._masks: dict[int, int] = {}
        self._to_check: set[int] = set()

    def __setitem__(self, fd: int, dispatcher) -> None:
        super().__setitem__(fd, dispatcher)
        self._epoll.register(fd, 0)
        self._masks[fd] = 0
        self._to_check.add(fd)

    def __delitem__(self, fd: int) -> None:
        super().__delitem__(fd)
        self._epoll.unregister(fd)
        del self._masks[fd]
        self._to_check.discard(fd)

    def recheck(self, dispatcher) -> None:
        """Ask this one again on the next turn (its state changed outside an event)."""
        self._to_check.add(dispatcher._fileno)

    def turn(self, timeout_s: float) -> None:
        """Update the registrations that may be stale, wait for events, handle them."""
        to_check, self._to_check = self._to_check, set()
        for fd in to_check:
            dispatcher = self.get(fd)
            if dispatcher is None:
                continue
            mask = _wanted_events(dispatcher)
            if mask != self._masks[fd]:
                self._epoll.modify(fd, mask)
                self._masks[fd] = mask
            if mask != _IDLE or dispatcher.accepting:
                self._to_check.add(fd)
        for fd, flags in self._epoll.poll(timeout_s):
            dispatcher = self.get(fd)
            if dispatcher is not None:
                wasyncore.readwrite(dispatcher, flags)  # epoll's flags are poll()'s bits
                if fd in self:
                    self._to_check.add(fd)

    def close(self) -> None:
        self._epoll.close()


def _wanted_events(dispatcher) -> int:
    """The epoll events to wait for on a dispatcher, as waitress's wishes say.

    While a request's task runs, its thread sends its own output, holding the channel's
    `outbuf_lock` as it does. Waiting for a writable socket then, as waitress's own loop
    does, makes each turn find the socket writable and the lock taken: the loop spins, and
    the spinning loop keeps the GIL from the very task it waits for (262 against 2,024
    requests/s with one thread, benchmarks/README.md). So the loop waits for writing only
    while that lock is free. A task that leaves output unsent wakes the loop (waitress
    pulls its trigger), and so does one that ends, so the channel is asked again then.
    """
    mask = _IDLE if dispatcher.readable() else 0
    if dispatcher.accepting or not dispatcher.writable():
        return mask
    task_running = getattr(dispatcher, "requests", None) and not dispatcher.will_close
    if task_running and not _is_free(dispatcher.outbuf_lock):
        return mask
    return mask | select.EPOLLOUT


def _is_free(lock) -> bool:
    if not lock.acquire(blocking=False):
        return False
    lock.release()
    return True
