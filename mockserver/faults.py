"""Fault injection: latency, a failure rate, lost answers, and Prism's `Prefer` header.

Metrics are fire-and-forget, so a web app must behave the same whether the service is
slow or failing; these faults let a frontend developer see that it does. The faults in
force are the command line's until `PUT /__mock/faults` changes them for every worker at
once (kept in the journal's file, journal/shared.py); a change may lapse after its
`seconds`, and a restart goes back to the command line's.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Protocol

from werkzeug.wrappers import Response

from .config import MAX_PREFERRED_DELAY_MS, Latency
from .errors import BAD_PREFER, INJECTED_FAILURE, UNDOCUMENTED_CODE
from .fault_settings import FaultSettings, from_stored
from .spec import Operation

_ITEM_SEPARATORS = re.compile(r"[,;]")
# Preference name -> the inclusive range of values the mock honours.
_BOUNDS = {"code": (100, 599), "delay": (0, MAX_PREFERRED_DELAY_MS)}
# What a failure of these statuses tells a client about when to try again.
RETRY_AFTER_S = 5
_RETRY_AFTER_STATUSES = (429, 503)


class DelayedResponse(Response):
    """An answer to send only `delay_s` seconds from now: the server waits on its event
    loop, holding no thread (serving/asgi.py); the WSGI entry, for tests, sleeps."""

    def __init__(self, *args, delay_s: float = 0.0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.delay_s = delay_s


class LostAnswer(DelayedResponse):
    """The event is recorded but its answer is lost: the server starts the answer and
    closes the connection before its end, as a service that crashed or a network that
    failed after the commit would (a client sees its connection reset)."""


class FaultRequestError(ValueError):
    """A `Prefer` header the mock cannot honour; the message explains what it accepts."""


@dataclass(frozen=True)
class Preference:
    """What a request's `Prefer` header asks for (as Prism spells it): code=NNN, delay=MS."""

    code: int | None = None
    delay_ms: int | None = None

    @classmethod
    def parse(cls, header: str | None, max_delay_ms: int = MAX_PREFERRED_DELAY_MS) -> Preference:
        """Read `code=500, delay=300`; other preferences are ignored, as RFC 7240 asks."""
        found: dict[str, int] = {}
        bounds_of = {**_BOUNDS, "delay": (0, max_delay_ms)}
        for item in _ITEM_SEPARATORS.split(header or ""):
            name, _, value = item.strip().partition("=")
            bounds = bounds_of.get(name.strip().lower())
            if bounds is None:
                continue
            value = value.strip().strip('"')
            if not (_is_small_number(value) and bounds[0] <= int(value) <= bounds[1]):
                raise FaultRequestError(
                    BAD_PREFER.format(item=item.strip(), max_delay_ms=max_delay_ms)
                )
            found[name.strip().lower()] = int(value)
        return cls(found.get("code"), found.get("delay"))


def _is_small_number(text: str) -> bool:
    """Decimal digits only, and few enough that int() is cheap and cannot refuse them."""
    return text.isascii() and text.isdigit() and len(text) <= 6


@dataclass(frozen=True)
class Outcome:
    """How to answer an authorized metrics request: its status, and why if it is a fault."""

    status: int
    message: str = ""
    headers: tuple[tuple[str, str], ...] = ()


class Shared(Protocol):
    """Where a change is kept for every worker (journal/shared.py's SharedSetting)."""

    def get(self) -> dict | None: ...
    def until(self) -> float | None: ...
    def put(self, value: dict, seconds: float | None) -> None: ...
    def clear(self) -> None: ...


class Faults:
    def __init__(
        self,
        latency: Latency,
        fail_rate: float,
        rng: random.Random | None = None,
        shared: Shared | None = None,
    ):
        self.start = FaultSettings(latency, fail_rate)
        self._shared = shared
        self._rng = rng or random.Random()

    def current(self) -> FaultSettings:
        """The faults in force: the last change while it holds, else the command line's."""
        stored = self._shared.get() if self._shared is not None else None
        return self.start if stored is None else from_stored(stored)

    def until(self) -> float | None:
        """When the change in force lapses (epoch seconds), if it does."""
        return self._shared.until() if self._shared is not None else None

    def change(self, settings: FaultSettings, seconds: float | None) -> None:
        """Put `settings` in force for every worker, for `seconds` (None: until changed)."""
        self._shared.put(settings.to_json(), seconds)

    def reset(self) -> None:
        """Back to the command line's faults (the mock starts)."""
        if self._shared is not None:
            self._shared.clear()

    def applying(self, operation: Operation) -> FaultSettings:
        """The faults that apply to `operation`: a change names the operations it is for."""
        current = self.current()
        return current if current.applies_to(operation.operation_id) else self.start

    def check(self, operation: Operation, preference: Preference) -> None:
        """Refuse a preferred status the operation does not document (500 always allowed)."""
        code = preference.code
        if code is not None and code != 500 and not operation.documents(code):
            codes = ", ".join(str(c) for c in sorted(operation.documented_statuses))
            raise FaultRequestError(
                UNDOCUMENTED_CODE.format(
                    code=code, operation_id=operation.operation_id, codes=codes
                )
            )

    def delay_seconds(self, preference: Preference, settings: FaultSettings | None = None) -> float:
        if preference.delay_ms is not None:
            return preference.delay_ms / 1000
        latency = (settings or self.start).latency
        return self._rng.uniform(latency.min_ms, latency.max_ms) / 1000

    def outcome(
        self, operation: Operation, preference: Preference, settings: FaultSettings | None = None
    ) -> Outcome:
        if preference.code is not None and preference.code != operation.success_status:
            cause = f"Prefer: code={preference.code}"
            return Outcome(preference.code, INJECTED_FAILURE.format(cause=cause))
        settings = settings or self.start
        if preference.code is None and self._rng.random() < settings.fail_rate:
            cause = (
                f"PUT /__mock/faults failRate {settings.fail_rate}"
                if settings.changed
                else f"--fail-rate {settings.fail_rate}"
            )
            headers = ()
            if settings.status in _RETRY_AFTER_STATUSES:
                headers = (("Retry-After", str(RETRY_AFTER_S)),)
            return Outcome(settings.status, INJECTED_FAILURE.format(cause=cause), headers)
        return Outcome(operation.success_status)

    def loses_answer(self, settings: FaultSettings) -> bool:
        """Whether this recorded event's answer is to be lost (`settings.lose_rate`)."""
        return settings.lose_rate > 0 and self._rng.random() < settings.lose_rate
