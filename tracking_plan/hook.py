"""For the mock's `--plan FILE`: a plan file re-read when it changes, judging journal events.

The mock builds one `WatchedPlan(path)` at start-up (a plan it cannot read is a
PlanProblem: one line, and the mock does not start) and calls `judge(event)` with each
event as its journal lists it (`Event.to_json()`), to show `plan: {"verdict": ...,
"reasons": [...]}`. A plan never turns an answer into an error: once running, a plan
edited into something unreadable keeps the last good one in use, and `problem` says why
in one line until the file is fixed. The file is looked at once a second at most (a
stat per event would cost as much as a quarter of the verdict). Safe to call from any
thread.
"""

from __future__ import annotations

import datetime
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tracking_plan.reader import Plan, PlanProblem, load
from tracking_plan.seen import Seen
from tracking_plan.verdict import Verdict, judge

RECHECK_S = 1.0


class WatchedPlan:
    def __init__(self, path: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        self._checked = clock()
        self._stamp = self._stat()
        self._plan: Plan = load(path)
        self.problem: str | None = None

    def judge(self, event: Mapping[str, Any], today: datetime.date | None = None) -> Verdict:
        """The verdict on one journal event, by the plan as the file says now."""
        return judge(self.current(), Seen.from_journal(event), today)

    def current(self) -> Plan:
        """The plan, re-read first if the file changed since it was last read."""
        now = self._clock()
        if now - self._checked < RECHECK_S:
            return self._plan
        stamp = self._stat()
        with self._lock:
            self._checked = now
            if stamp != self._stamp:
                self._stamp = stamp
                try:
                    self._plan, self.problem = load(self.path), None
                except PlanProblem as problem:
                    self.problem = f"{problem}; the plan read before stays in use"
            return self._plan

    def _stat(self) -> tuple[int, int] | None:
        try:
            status = os.stat(self.path)
        except OSError:
            return None
        return status.st_mtime_ns, status.st_size
