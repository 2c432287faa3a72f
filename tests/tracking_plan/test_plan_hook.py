"""What the mock calls: a plan re-read when its file changes, judging events as the journal lists
them; a plan edited into something unreadable keeps the last good one and says why."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tracking_plan.hook import RECHECK_S, WatchedPlan
from tracking_plan.reader import PlanProblem

FIRST = (
    "clients: [{name: blip, recognised_by: {name_prefix: 'blip - '}, events: [{name: blip - A}]}]\n"
)
SECOND = FIRST.replace("{name: blip - A}", "{name: blip - B, properties: {x: {}}}")
# As GET /__mock/events lists an event (spec/mockserver.v1.yaml, Event).
EVENT = {
    "eventName": "blip - B",
    "target": "/metrics/thisuser/blip%20-%20B?x=",
    "query": {"x": [""]},
    "serverName": None,
    "userAgent": "Mozilla/5.0",
}


class Clock:
    """The hook's clock, driven by the test: a second passes when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


CLOCK = Clock()


def write(path: Path, text: str, stamp: int) -> None:
    """Each version of the file with its own mtime, and the recheck interval past: no test
    waits for a clock to tick."""
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(stamp, stamp))
    CLOCK.now += RECHECK_S


def test_a_journal_event_is_judged_by_the_plan_as_the_file_says_now(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    write(path, FIRST, 1_000_000_000)
    watched = WatchedPlan(path, clock=CLOCK)
    assert watched.judge(EVENT).to_json() == {
        "verdict": "off-plan",
        "reasons": ["x is empty", "blip has no event 'blip - B' in the plan"],
    }
    path.write_text(SECOND, encoding="utf-8")
    os.utime(path, ns=(2_000_000_000, 2_000_000_000))
    assert len(watched.judge(EVENT).reasons) == 2  # within the second: not looked at yet
    CLOCK.now += RECHECK_S
    assert watched.judge(EVENT).to_json() == {"verdict": "off-plan", "reasons": ["x is empty"]}
    write(path, "clients: [", 3_000_000_000)
    assert watched.judge(EVENT).reasons[0].text == "x is empty"  # the last good plan
    assert watched.problem.startswith(f"{path}: not YAML") and "stays in use" in watched.problem
    write(path, FIRST, 4_000_000_000)
    assert len(watched.judge(EVENT).reasons) == 2 and watched.problem is None


def test_a_plan_it_cannot_read_at_start_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("clients: [{name: a, events: [{name: x, until: soon}]}]", encoding="utf-8")
    with pytest.raises(
        PlanProblem, match=r"clients\[0\]\.events\[0\]\.until: 'soon' is not a date"
    ):
        WatchedPlan(path)
