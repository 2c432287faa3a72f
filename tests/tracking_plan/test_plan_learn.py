"""`learn`: recorded traffic -> a draft plan that calls what it learned on-plan, flags what looks
wrong, keeps no value that identifies a person; against an existing plan, only what is new.

browser-blip-uploader.har is what Chromium's developer tools save of a session in blip and
the uploader, scrubbed (tidepool-scrub-har): a log-in, a profile, blip's and the uploader's
metrics calls through platform-client (each with sourceVersion), one with an empty
clinicId, one spelled two ways, a 130-character name, an e-mail address in a property, the
contract suite's own event, a preflight and another service. docs/tracking-plan.md shows
the draft learned from it.
"""

from __future__ import annotations

import datetime
import re
import urllib.request
from pathlib import Path

import yaml

from tracking_plan import learn, traffic
from tracking_plan.reader import parse
from tracking_plan.seen import Seen
from tracking_plan.verdict import OFF_PLAN, ON_PLAN, judge

HAR = Path(__file__).with_name("browser-blip-uploader.har")
PATHS = traffic.event_paths(traffic.SPEC_PATH)
# What the HAR holds that identifies a person or a clinic, and the versions (values too).
IDENTIFYING = ["d1e2f3a4b5", "5f1e2d3c4b5a69788796a5b4", "a1b2c3d4e5", "jo@example.org", "1.99.0"]
TODAY = datetime.date(2026, 12, 1)


def recorded() -> list[Seen]:
    return traffic.read(str(HAR), PATHS)


def round_trip(drafted: dict):
    """The draft as a person opens it: written as YAML, read back as a plan."""
    return parse(yaml.safe_load(yaml.safe_dump(drafted, sort_keys=False)))


def test_the_metrics_calls_of_a_browsers_har_are_the_events() -> None:
    names = [seen.name for seen in recorded()]
    assert len(names) == 12  # not the log-in, the profile, the preflight, the other service
    assert names[0] == "blip - Logged In" and "contract-tests - probe" in names
    assert all(seen.user_agent.startswith("Mozilla/5.0") for seen in recorded())


def test_the_draft_loaded_back_calls_each_learned_event_on_plan_but_what_it_flagged() -> None:
    plan = round_trip(learn.draft(recorded()))
    verdicts = [
        (seen.name, judge(plan, seen, TODAY)) for seen in recorded() if not seen.is_the_suites
    ]
    off = {
        (name, str(reason)[:40])
        for name, v in verdicts
        if v.verdict != ON_PLAN
        for reason in v.reasons
    }
    assert off == {
        ("blip - Clinic - Edit patient", "clinicId is empty"),
        (learn_long_name(), "the name is 178 characters percent-encod"),
    }
    assert all(v.verdict in (ON_PLAN, OFF_PLAN) for _, v in verdicts)  # every one a client's


def learn_long_name() -> str:
    return next(seen.name for seen in recorded() if len(seen.sent_name) > 100)


def test_the_draft_flags_an_empty_value_a_long_name_and_one_event_spelled_two_ways() -> None:
    drafted = learn.draft(recorded())
    flags = {
        event["name"]: event["seen"].get("flags", [])
        for client in drafted["clients"]
        for event in client["events"]
    }
    assert flags["blip - Clinic - Edit patient"] == ["clinicId was empty in 1 of 2"]
    assert flags["blip - Logged In"] == [
        "the same event as 'blip - Logged in', spelled another way?"
    ]
    assert flags["blip - Logged in"] == [
        "the same event as 'blip - Logged In', spelled another way?"
    ]
    assert flags[learn_long_name()][0].startswith("the name is 178 characters percent-encoded")
    assert flags["uploader - Upload Attempted"] == []


def test_the_draft_keeps_shapes_never_values_and_leaves_the_suite_out() -> None:
    drafted = learn.draft(recorded())
    text = yaml.safe_dump(drafted)
    assert not [value for value in IDENTIFYING if value in text]
    assert "contract-tests" not in text
    blip, uploader = drafted["clients"]
    assert blip["recognised_by"] == {"name_prefix": "blip - "}
    # platform-client adds sourceVersion to every event: the client's, not each event's.
    assert set(blip["properties"]) == {"sourceVersion"}
    assert set(uploader["properties"]) == {"clinicId", "sourceVersion"}
    logged_in = blip["events"][0]
    assert logged_in["seen"]["count"] == 2  # the preflight is no event
    assert logged_in["properties"]["isSmartOnFhir"] == {
        "required": False,
        "type": "boolean",
        "seen": "in 1 of 2",
    }
    signed_up = blip["events"][1]
    assert signed_up["properties"]["roles"]["repeats"] is True


def test_against_an_existing_plan_only_what_the_traffic_adds_or_contradicts() -> None:
    plan = round_trip(learn.draft(recorded()))
    version = ("sourceVersion", "1.99.0")
    new = [
        Seen(
            "blip - Logged In",
            "blip%20-%20Logged%20In",
            (("clinician", "true"), ("mobile", "y"), version),
        ),
        Seen("blip - Logged Out", "blip%20-%20Logged%20Out", (version,)),
        Seen("blip - Signed Up", "blip%20-%20Signed%20Up", (("roles", "clinic"), version)),
        Seen("contract-tests - anything", "x"),
    ]
    assert learn.changes(plan, new, TODAY) == [
        "adds: 'blip - Logged Out' (1): blip has no event 'blip - Logged Out' in the plan",
        "contradicts: 'blip - Logged In' (1): mobile is not a boolean sent as true/false",
    ]


def test_learning_from_a_running_mocks_journal_follows_every_page(running_mock_url: str) -> None:
    sent = [
        "blip - Logged In?clinician=true&sourceVersion=1.0.0",
        "blip - Logged Out",
        "blip - Viewed?page=2",
    ]
    for target in sent * 2:
        name, _, query = target.partition("?")
        url = f"{running_mock_url}/metrics/user/u1/{urllib.request.quote(name)}?{query}"
        with urllib.request.urlopen(url, timeout=10) as answer:
            assert answer.status == 200
    suites = urllib.request.Request(
        f"{running_mock_url}/metrics/user/u1/probe",
        headers={"User-Agent": "tidepool-metrics-contract (the contract suite)"},
    )
    urllib.request.urlopen(suites, timeout=10).close()
    from_journal = traffic.read(f"{running_mock_url}/__mock/events?limit=2", PATHS)
    from_export = traffic.read(f"{running_mock_url}/__mock/events.har?limit=2", PATHS)
    assert len(from_journal) == len(from_export) == 7
    drafted = learn.draft(from_journal)
    (blip,) = drafted["clients"]
    assert [(e["name"], e["seen"]["count"]) for e in blip["events"]] == [
        ("blip - Logged In", 2),
        ("blip - Logged Out", 2),
        ("blip - Viewed", 2),
    ]
    assert [e.name for e in from_export] == [e.name for e in from_journal]
    assert re.fullmatch(r"blip%20-%20Logged%20In", from_journal[0].sent_name)
