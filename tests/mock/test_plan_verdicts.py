"""The mock with `--plan FILE`: each event's verdict in the listing, the `plan` filter for
the listing, the count and a waiting listing, a plan edited while the mock runs."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from test_waits import BOUND_S, nothing_answered_yet, read_all, send_get
from werkzeug.test import Client

from mockserver.config import MockConfig
from mockserver.running import running_mock

PLAN = """
max_name_length: 100
clients:
  - name: blip
    recognised_by: {name_prefix: "blip - "}
    properties:
      sourceVersion: {required: true}
    events:
      - name: blip - Logged In
        properties:
          mobile: {required: true, type: boolean}
"""
# The plan after an edit: blip's button now has an event of its own.
EDITED_PLAN = PLAN + "      - name: blip - Clicked\n"
LONG_NAME = "blip - " + "x" * 100
# Each event sent (name, query) and its verdict with the reasons, as the listing shows it.
SENT = {
    "on plan": (
        "blip - Logged In",
        "sourceVersion=1.2.3&mobile=true",
        {"verdict": "on-plan", "reasons": []},
    ),
    "missing": (
        "blip - Logged In",
        "sourceVersion=1.2.3",
        {"verdict": "off-plan", "reasons": ["mobile is required, and missing"]},
    ),
    "empty": (
        "blip - Logged In",
        "sourceVersion=1.2.3&mobile=",
        {"verdict": "off-plan", "reasons": ["mobile is empty"]},
    ),
    "long name": (
        LONG_NAME,
        "sourceVersion=1.2.3",
        {
            "verdict": "off-plan",
            "reasons": [
                "the name is 111 characters percent-encoded as sent, over the plan's 100:"
                " Tidepool's router answers 404 and loses it",
                f"blip has no event {LONG_NAME!r} in the plan",
            ],
        },
    ),
    "unknown": (
        "blip - Clicked",
        "sourceVersion=1.2.3",
        {"verdict": "off-plan", "reasons": ["blip has no event 'blip - Clicked' in the plan"]},
    ),
    "no client": (
        "Viewed Page",
        "tab=one",
        {"verdict": "no-plan", "reasons": ["no client of the plan recognises it"]},
    ),
}


def send(url: str, name: str, query: str) -> None:
    answer = requests.get(f"{url}/metrics/user/u1/{quote(name, safe='')}?{query}", timeout=10)
    assert answer.status_code == 200, answer.text  # a plan never turns a 200 into an error


def listed(url: str, **filters: str) -> list[dict]:
    answer = requests.get(f"{url}/__mock/events", params=filters, timeout=10)
    answer.raise_for_status()
    return answer.json()["events"]


def count(url: str, **filters: str) -> int:
    answer = requests.get(f"{url}/__mock/events/count", params=filters, timeout=10)
    answer.raise_for_status()
    return answer.json()["count"]


def until(condition, what: str):
    """Ask again until `condition()` is true (a plan is re-read within a second of its
    edit, by each worker); a bound, not a timing."""
    deadline = time.monotonic() + BOUND_S
    while not (found := condition()):
        assert time.monotonic() < deadline, f"not within {BOUND_S} s: {what}"
        time.sleep(0.1)
    return found


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN, encoding="utf-8")
    return path


@pytest.fixture
def mock(plan_file: Path):
    # One thread per worker answers the listings, so a wait holds none (serving/waits.py).
    with running_mock(MockConfig(plan_path=plan_file, workers=2, threads=1)) as mock:
        yield mock


def test_each_event_is_recorded_and_listed_with_its_verdict_and_reasons(mock):
    for name, query, _ in SENT.values():
        send(mock.url, name, query)
    shown = listed(mock.url)
    assert [event["plan"] for event in shown] == [verdict for _, _, verdict in SENT.values()]
    assert [event["eventName"] for event in shown] == [name for name, _, _ in SENT.values()]


def test_the_plan_filter_narrows_the_listing_the_count_and_a_wait(mock):
    for name, query, _ in SENT.values():
        send(mock.url, name, query)
    off_plan = [key for key, (_, _, verdict) in SENT.items() if verdict["verdict"] == "off-plan"]
    assert count(mock.url, plan="off-plan") == len(off_plan) == 4
    assert count(mock.url, plan="on-plan") == count(mock.url, plan="no-plan") == 1
    assert count(mock.url, plan="off-plan", eventName="blip - Logged In") == 2
    shown = listed(mock.url, plan="off-plan", limit="2")
    assert [e["plan"] for e in shown] == [SENT["missing"][2], SENT["empty"][2]]

    since = listed(mock.url)[-1]["id"]
    waiting = send_get(mock.url, f"/__mock/events?plan=off-plan&since={since}&wait={BOUND_S}")
    assert nothing_answered_yet(waiting)
    send(mock.url, *SENT["on plan"][:2])  # on-plan: the wait goes on
    assert nothing_answered_yet(waiting)
    send(mock.url, *SENT["unknown"][:2])
    answer = read_all(waiting)
    assert answer.startswith(b"HTTP/1.1 200")
    assert b'"eventName": "blip - Clicked"' in answer and b"Logged In" not in answer
    assert count(mock.url, plan="off-plan") == 5


def test_an_edited_plan_judges_the_events_anew_and_a_broken_edit_keeps_the_last_good_one(
    mock, plan_file
):
    send(mock.url, *SENT["unknown"][:2])
    (event,) = listed(mock.url)
    assert event["plan"]["verdict"] == "off-plan"

    plan_file.write_text(EDITED_PLAN, encoding="utf-8")
    until(lambda: count(mock.url, plan="on-plan") == 1, "the edited plan in use")
    until(lambda: listed(mock.url)[0]["plan"] == SENT["on plan"][2], "the new verdict listed")

    plan_file.write_text(EDITED_PLAN + "        colour: red\n", encoding="utf-8")
    status = until(
        lambda: (
            (s := requests.get(f"{mock.url}/__mock/status", timeout=10).json())["plan"]["problem"]
            and s
        ),
        "the broken edit said",
    )
    assert status["plan"]["file"] == str(plan_file)
    assert "clients[0].events[1]: unknown key 'colour'" in status["plan"]["problem"]
    assert "the plan read before stays in use" in status["plan"]["problem"]
    assert listed(mock.url)[0]["plan"]["verdict"] == "on-plan"
    send(mock.url, *SENT["missing"][:2])  # still recorded, still judged
    assert listed(mock.url, plan="off-plan")[0]["query"] == {"sourceVersion": ["1.2.3"]}


def test_the_plan_filter_is_refused_without_a_plan_and_for_another_value(make_app, plan_file):
    without = Client(make_app())
    for path in ("/__mock/events", "/__mock/events/count", "/__mock/events.har"):
        answer = without.get(f"{path}?plan=off-plan")
        assert answer.status_code == 400
        assert "needs a tracking plan: start the mock with --plan FILE" in answer.text
    assert without.get("/__mock/events").json["events"] == []
    assert without.get("/__mock/status").json["plan"] is None

    with_plan = Client(make_app(plan_path=plan_file))
    answer = with_plan.get("/__mock/events/count?plan=offplan")
    assert answer.status_code == 400
    assert answer.text.strip() == (
        "The 'plan' filter is one of the plan's verdicts: on-plan, off-plan, no-plan."
    )
    assert with_plan.get("/__mock/events/count?plan=off-plan").json == {"count": 0}


def test_without_a_plan_events_have_no_verdict(client):
    assert client.get("/metrics/user/u1/blip%20-%20Clicked").status_code == 200
    (event,) = client.get("/__mock/events").json["events"]
    assert event["plan"] is None
