"""waitress's socket map on the system's best selector (epoll on Linux, kqueue on macOS and
the BSDs, poll elsewhere), whose cost per turn follows the busy connections, not all of them.

waitress's own loop (`wasyncore.poll2`) asks every connection whether it wants to read or
write and registers it anew with a fresh `poll()` on every turn. With a thousand idle or
stalled connections that is a few milliseconds of Python per turn, paid again for every
request served (benchmarks/README.md). Here each connection stays registered with the
selector, and only those whose wishes may have changed are asked again: connections that
had an event, those busy with a request (their task thread wakes the loop when it is
done), the listening sockets (their `readable()` runs waitress's maintenance), and those
the maintenance marked for closing. An idle connection costs nothing until it stirs.
"""

from __future__ import annotations

import selectors

from .private_api import handle_read, handle_write, output_lock

READ, WRITE = selectors.EVENT_READ, selectors.EVENT_WRITE


class EventMap(dict):
    """The fd -> dispatcher map waitress keeps, registered with the selector while the
    dispatcher wants an event, and unregistered as it is removed (before its socket is
    closed). A selector takes no empty wish, so a dispatcher that wants nothing for now
    is unregistered until it does."""

    def __init__(self) -> None:
        super().__init__()
        self._selector = selectors.DefaultSelector()
        self._masks: dict[int, int] = {}
        self._to_check: set[int] = set()

    def __setitem__(self, fd: int, dispatcher) -> None:
        super().__setitem__(fd, dispatcher)
        self._masks[fd] = 0
        self._to_check.add(fd)

    def __delitem__(self, fd: int) -> None:
        super().__delitem__(fd)
        if self._masks.pop(fd):
            self._selector.unregister(fd)
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
            self._register(fd, mask)
            if mask != READ or dispatcher.accepting:
                self._to_check.add(fd)
        for key, events in self._selector.select(timeout_s):
            fd = key.fd
            dispatcher = self.get(fd)
            if dispatcher is None:
                continue
            if events & READ:
                handle_read(dispatcher)
            if events & WRITE and self.get(fd) is dispatcher:  # not closed by the read
                handle_write(dispatcher)
            if fd in self:
                self._to_check.add(fd)

    def _register(self, fd: int, mask: int) -> None:
        old = self._masks[fd]
        if mask == old:
            return
        if not old:
            self._selector.register(fd, mask)
        elif not mask:
            self._selector.unregister(fd)
        else:
            self._selector.modify(fd, mask)
        self._masks[fd] = mask

    def close(self) -> None:
        self._selector.close()


def _wanted_events(dispatcher) -> int:
    """The events to wait for on a dispatcher, as waitress's wishes say.

    While a request's task runs, its thread sends its own output, holding the channel's
    output lock as it does. Waiting for a writable socket then, as waitress's own loop
    does, makes each turn find the socket writable and the lock taken: the loop spins, and
    the spinning loop keeps the GIL from the very task it waits for (benchmarks/README.md).
    So the loop waits for writing only while that lock is free. A task that leaves output
    unsent wakes the loop (waitress pulls its trigger), and so does one that ends, so the
    channel is asked again then.
    """
    mask = READ if dispatcher.readable() else 0
    if dispatcher.accepting or not dispatcher.writable():
        return mask
    task_running = getattr(dispatcher, "requests", None) and not dispatcher.will_close
    if task_running and not _is_free(output_lock(dispatcher)):
        return mask
    return mask | WRITE


def _is_free(lock) -> bool:
    if not lock.acquire(blocking=False):
        return False
    lock.release()
    return True
