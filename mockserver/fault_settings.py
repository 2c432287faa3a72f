"""The faults in force, as a value: what `--latency` and `--fail-rate` start with, and
what `PUT /__mock/faults` changes while the mock runs (spec/mockserver.v1.yaml, Faults).

A change comes as JSON from a developer's page or script; every mistake in it is one
sentence naming the field, and nothing changes (`FaultSettingsError`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from .config import Latency

# At most an hour: a fault is for watching what the app does, not a setting to forget.
MAX_FAULT_SECONDS = 3600
# A lost answer that comes late comes at most this late (it holds no thread meanwhile).
MAX_LOSE_DELAY_MS = 600_000
# A latency's bound: five digits of milliseconds.
MAX_LATENCY_MS = 99_999
FIELDS = ("latency", "failRate", "status", "operations", "loseRate", "loseDelayMs", "seconds")


class FaultSettingsError(ValueError):
    """A fault change the mock cannot make; the message says which field and why."""


@dataclass(frozen=True)
class FaultSettings:
    """`status`: what a failure answers; `operations`: the operationIds the faults apply
    to (None: every Metrics operation); `lose_rate`: the share of recorded events whose
    answer is lost, by closing the connection or, with `lose_delay_ms`, by answering
    that late; `changed`: set through the API rather than the command line."""

    latency: Latency = Latency()
    fail_rate: float = 0.0
    status: int = 500
    operations: tuple[str, ...] | None = None
    lose_rate: float = 0.0
    lose_delay_ms: int | None = None
    changed: bool = False

    def applies_to(self, operation_id: str) -> bool:
        return self.operations is None or operation_id in self.operations

    def to_json(self) -> dict:
        latency = self.latency
        return {
            "latency": f"{latency.min_ms}"
            if latency.min_ms == latency.max_ms
            else f"{latency.min_ms}-{latency.max_ms}",
            "failRate": self.fail_rate,
            "status": self.status,
            "operations": None if self.operations is None else list(self.operations),
            "loseRate": self.lose_rate,
            "loseDelayMs": self.lose_delay_ms,
        }

    def describe(self) -> str:
        """`latency 0 ms, fail rate 50% (503), answers lost 0%` for the terminal."""
        text = f"latency {self.latency}, fail rate {self.fail_rate:.0%}"
        if self.fail_rate:
            text += f" ({self.status})"
        if self.lose_rate:
            how = "closed" if self.lose_delay_ms is None else f"{self.lose_delay_ms} ms late"
            text += f", answers lost {self.lose_rate:.0%} ({how})"
        if self.operations is not None:
            text += f", only {', '.join(self.operations) or 'no operation'}"
        return text


def parse_change(
    body: object, start: FaultSettings, operation_ids: tuple[str, ...]
) -> tuple[FaultSettings, int | None]:
    """The faults a PUT asks for (the fields it leaves out: the command line's latency and
    fail rate, the defaults of the rest) and for how many seconds (None: until changed)."""
    if not isinstance(body, dict):
        raise FaultSettingsError('The faults are a JSON object, such as {"failRate": 1}.')
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise FaultSettingsError(
            f"Unknown field {unknown[0]!r}: the faults' fields are {', '.join(FIELDS)}."
        )
    settings = replace(start, changed=True)
    if "latency" in body:
        settings = replace(settings, latency=_latency(body["latency"]))
    settings = replace(
        settings,
        fail_rate=_share(body, "failRate", settings.fail_rate),
        lose_rate=_share(body, "loseRate", 0.0),
        status=_whole(body, "status", 400, 599, 500),
        lose_delay_ms=_whole(body, "loseDelayMs", 0, MAX_LOSE_DELAY_MS, None),
        operations=_operations(body, operation_ids),
    )
    return settings, _whole(body, "seconds", 1, MAX_FAULT_SECONDS, None)


def from_stored(value: dict) -> FaultSettings:
    """A change as `to_json` stored it (journal/shared.py), read back."""
    operations = value["operations"]
    return FaultSettings(
        Latency.parse(value["latency"]),
        value["failRate"],
        value["status"],
        None if operations is None else tuple(operations),
        value["loseRate"],
        value["loseDelayMs"],
        changed=True,
    )


def _latency(value: object) -> Latency:
    """`MS` or `MIN-MAX` (either way round), each of at most five digits."""
    low, _, high = str(value).partition("-") if isinstance(value, str) else ("", "", "")
    high = high or low
    if not all(part.isascii() and part.isdigit() and len(part) <= 5 for part in (low, high)):
        raise FaultSettingsError(
            f'\'latency\' is "MS" or "MIN-MAX" in milliseconds, up to {MAX_LATENCY_MS}'
            f" each, not {value!r}."
        )
    return Latency(*sorted((int(low), int(high))))


def _share(body: dict, name: str, default: float) -> float:
    value = body.get(name, default)
    if not _is_number(value) or not 0 <= value <= 1:
        raise FaultSettingsError(f"{name!r} is a share from 0 to 1, not {value!r}.")
    return float(value)


def _whole(body: dict, name: str, low: int, high: int, default: int | None) -> int | None:
    value = body.get(name, default)
    if value is None and default is None:
        return None
    if not (_is_number(value) and value == int(value) and low <= value <= high):
        raise FaultSettingsError(f"{name!r} is a whole number from {low} to {high}, not {value!r}.")
    return int(value)


def _operations(body: dict, operation_ids: tuple[str, ...]) -> tuple[str, ...] | None:
    names = body.get("operations")
    if names is None:
        return None
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise FaultSettingsError("'operations' is a list of operationIds, or null for all.")
    unknown = [name for name in names if name not in operation_ids]
    if unknown:
        raise FaultSettingsError(
            f"Unknown operation {unknown[0]!r} in 'operations': the Metrics operations are"
            f" {', '.join(operation_ids)}."
        )
    return tuple(names)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
