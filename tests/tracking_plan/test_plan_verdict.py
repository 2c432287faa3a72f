"""Each event's verdict: on-plan, off-plan with the reasons, or no-plan; the rules of the plan, one by one."""

from __future__ import annotations

import datetime
from urllib.parse import quote

import pytest

from tracking_plan.reader import parse
from tracking_plan.seen import Seen
from tracking_plan.verdict import NO_PLAN, OFF_PLAN, ON_PLAN, judge

PLAN = parse(
    {
        "clients": [
            {
                "name": "blip",
                "recognised_by": {"name_prefix": "blip - "},
                "properties": {"sourceVersion": {"required": True}},
                "events": [
                    {
                        "name": "blip - Logged In",
                        "properties": {
                            "clinician": {"required": True, "type": "boolean"},
                            "mobile": {"type": "yes-no"},
                        },
                    },
                    {"name": "blip - Signed Up", "properties": {"roles": {"repeats": True}}},
                    {"name": "blip - Old", "until": "2025-01-01"},
                ],
            },
            {
                "name": "mobile",
                "recognised_by": {"name_prefix": "tidepool-", "properties": {"source": "tidepool"}},
                "properties": {"source": {}, "sourceVersion": {}},
                "events": [{"pattern": "tidepool-.+"}],
            },
            # An event two clients recognise is the first's: this one never gets blip's.
            {"name": "shadow", "recognised_by": {"name_prefix": "blip"}, "events": []},
            {"name": "services", "events": [{"name": "users_delete"}]},
        ]
    }
)
TODAY = datetime.date(2026, 1, 1)


def seen(name: str, *properties: tuple[str, str], **kwargs) -> Seen:
    return Seen(name, quote(name, safe=""), tuple(properties), **kwargs)


def verdict_of(event: Seen):
    return judge(PLAN, event, TODAY)


VERSION = ("sourceVersion", "1.99.0")


@pytest.mark.parametrize(
    "event",
    [
        seen("blip - Logged In", ("clinician", "true"), ("mobile", "n"), VERSION),
        seen("blip - Signed Up", ("roles", "clinic"), ("roles", "clinician"), VERSION),
        seen("tidepool-Logged In", ("source", "tidepool"), ("sourceVersion", "iOS 1.2 (345)")),
        seen("users_delete", server_name="user-service"),
    ],
    ids=lambda event: event.name,
)
def test_an_event_the_plan_names_is_on_plan(event: Seen) -> None:
    verdict = verdict_of(event)
    assert verdict.verdict == ON_PLAN and verdict.reasons == (), verdict


LONG = "blip - " + "Viewed the device settings of a patient " * 3


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (seen("blip - Logged In", VERSION), "clinician is required, and missing"),
        (seen("blip - Logged In", ("clinician", ""), VERSION), "clinician is empty"),
        (
            seen(LONG, VERSION),
            f"the name is {len(quote(LONG, safe=''))} characters percent-encoded as sent, "
            "over the plan's 100",
        ),
        (seen("blip - Logged in", VERSION), "blip has no event 'blip - Logged in' in the plan"),
        (
            seen("blip - Logged In", ("clinician", "y"), VERSION),
            "clinician is not a boolean sent as true/false",
        ),
        (
            seen("blip - Logged In", ("clinician", "true"), ("mobile", "true"), VERSION),
            "mobile is not a boolean sent as y/n",
        ),
        (
            seen("blip - Logged In", ("clinician", "true"), ("clinician", "true"), VERSION),
            "clinician is sent 2 times; the plan has it once",
        ),
        (
            seen("blip - Logged In", ("clinician", "true"), ("email", "a@b.org"), VERSION),
            "email is not in the plan of 'blip - Logged In'",
        ),
        (seen("blip - Old", VERSION), "deprecated: 'blip - Old' was in the plan until 2025-01-01"),
        (seen("blip - Signed Up"), "sourceVersion is required, and missing"),
    ],
)
def test_an_event_against_the_plan_is_off_plan_with_the_reason(event: Seen, reason: str) -> None:
    verdict = verdict_of(event)
    assert verdict.verdict == OFF_PLAN
    assert any(str(r).startswith(reason) for r in verdict.reasons), verdict.reasons
    assert "a@b.org" not in str(verdict.to_json())  # a reason never quotes a value


def test_the_length_is_counted_as_sent_not_decoded() -> None:
    name = "blip - " + "é" * 40  # 47 characters, 247 percent-encoded
    assert verdict_of(seen(name, VERSION)).verdict == OFF_PLAN
    assert verdict_of(Seen(name, "x" * 100, (VERSION,))).reasons[0].adds  # only unknown


def test_an_event_no_client_recognises_is_no_plan_unless_a_plan_wide_rule_refuses_it() -> None:
    assert verdict_of(seen("uploader - Upload Attempted")).to_json() == {
        "verdict": NO_PLAN,
        "reasons": ["no client of the plan recognises it"],
    }
    # The mobile app's prefix, without its `source`: not the mobile client's.
    assert verdict_of(seen("tidepool-Logged In")).verdict == NO_PLAN
    assert verdict_of(seen("uploader - x", ("clinicId", ""))).to_json() == {
        "verdict": OFF_PLAN,
        "reasons": ["clinicId is empty"],
    }


def test_an_event_two_clients_recognise_is_the_first_ones() -> None:
    assert verdict_of(seen("blip - Logged In", ("clinician", "true"), VERSION)).client == "blip"
