"""Fault injection: latency, a failure rate, and Prism's `Prefer` header per request.

Metrics are fire-and-forget, so a web app must behave the same whether the service is
slow or failing; these faults let a frontend developer see that it does.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from werkzeug.wrappers import Response

from .config import MAX_PREFERRED_DELAY_MS, Latency
from .errors import BAD_PREFER, INJECTED_FAILURE, UNDOCUMENTED_CODE
from .spec import Operation

_ITEM_SEPARATORS = re.compile(r"[,;]")
# Preference name -> the inclusive range of values the mock honours.
_BOUNDS = {"code": (100, 599), "delay": (0, MAX_PREFERRED_DELAY_MS)}


class DelayedResponse(Response):
    """An answer to send only `delay_s` seconds from now: the server waits on its event
    loop, holding no thread (serving/asgi.py); the WSGI entry, for tests, sleeps."""

    def __init__(self, *args, delay_s: float = 0.0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.delay_s = delay_s


class FaultRequestError(ValueError):
    """A `Prefer` header the mock cannot honour; the message explains what it accepts."""


@dataclass(frozen=True)
class Preference:
    """What a request's `Prefer` header asks for (as Prism spells it): code=NNN, delay=MS."""

    code: int | None = None
    delay_ms: int | None = None

    @classmethod
    def parse(cls, header: str | None) -> Preference:
        """Read `code=500, delay=300`; other preferences are ignored, as RFC 7240 asks."""
        found: dict[str, int] = {}
        for item in _ITEM_SEPARATORS.split(header or ""):
            name, _, value = item.strip().partition("=")
            bounds = _BOUNDS.get(name.strip().lower())
            if bounds is None:
                continue
            value = value.strip().strip('"')
            if not (_is_small_number(value) and bounds[0] <= int(value) <= bounds[1]):
                raise FaultRequestError(
                    BAD_PREFER.format(item=item.strip(), max_delay_ms=MAX_PREFERRED_DELAY_MS)
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


class Faults:
    def __init__(self, latency: Latency, fail_rate: float, rng: random.Random | None = None):
        self.latency = latency
        self.fail_rate = fail_rate
        self._rng = rng or random.Random()

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

    def delay_seconds(self, preference: Preference) -> float:
        if preference.delay_ms is not None:
            return preference.delay_ms / 1000
        return self._rng.uniform(self.latency.min_ms, self.latency.max_ms) / 1000

    def outcome(self, operation: Operation, preference: Preference) -> Outcome:
        if preference.code is not None and preference.code != operation.success_status:
            cause = f"Prefer: code={preference.code}"
            return Outcome(preference.code, INJECTED_FAILURE.format(cause=cause))
        if preference.code is None and self._rng.random() < self.fail_rate:
            cause = f"--fail-rate {self.fail_rate}"
            return Outcome(500, INJECTED_FAILURE.format(cause=cause))
        return Outcome(operation.success_status)
