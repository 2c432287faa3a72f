"""examples/tracking-plan.yaml reads, cites a source for each event, and judges the uploader's and
blip's events as their code sends them; docs/tracking-plan.md shows the draft learned from the
HAR the tests use, exactly."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from tracking_plan import learn, traffic
from tracking_plan.plan import as_yaml
from tracking_plan.reader import load
from tracking_plan.seen import Seen
from tracking_plan.verdict import OFF_PLAN, ON_PLAN, judge

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = load(ROOT / "examples" / "tracking-plan.yaml")
HAR = Path(__file__).with_name("browser-blip-uploader.har")
TODAY = datetime.date(2026, 12, 1)
UPLOADER, BLIP = ("sourceVersion", "2.64.0"), ("sourceVersion", "1.99.0")
CLINIC = ("clinicId", "5f1e2d3c4b5a69788796a5b4")


def sent(name: str, *properties: tuple[str, str]) -> Seen:
    return Seen(name, quote(name, safe=""), properties)


def test_each_event_cites_a_repository_commit_and_path() -> None:
    events = [event for client in EXAMPLE.clients for event in client.events]
    assert len(events) == 6
    for event in events:
        assert re.match(r"tidepool-org/(uploader|blip)@[0-9a-f]{40} app/\S+\.js:\d+", event.source)


@pytest.mark.parametrize(
    "event",
    [
        sent(
            "uploader - Upload Attempted", ("source", "Insulet Omnipod"), ("os", "darwin"), UPLOADER
        ),
        sent(
            "uploader - Upload Attempted",
            ("type", "pump"),
            ("source", "x"),
            ("os", "win32"),
            CLINIC,
            ("patientID", "a1b2c3d4e5"),
            UPLOADER,
        ),
        sent("uploader - VCA Login Successful", CLINIC, UPLOADER),
        sent(
            "uploader - (Partial) Uploader Version No Longer Supported",
            ("requiredVersion", "2.60.0"),
            UPLOADER,
        ),
        sent("blip - Logged In", ("clinician", "false"), ("mobile", "false"), BLIP),
        sent(
            "blip - Logged In",
            ("clinician", "true"),
            ("mobile", "false"),
            ("isSmartOnFhir", "true"),
            BLIP,
        ),
        sent("blip - Signed Up", ("roles", "clinic"), ("roles", "clinician"), BLIP),
        sent("blip - Clinic - Edit patient", CLINIC, ("source", "Patients list"), BLIP),
    ],
    ids=lambda event: event.name,
)
def test_the_clients_events_as_their_code_sends_them_are_on_plan(event: Seen) -> None:
    verdict = judge(EXAMPLE, event, TODAY)
    assert verdict.verdict == ON_PLAN, verdict.reasons


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (sent("uploader - No Event Name Provided", UPLOADER), "uploader has no event"),
        (
            sent("blip - Logged In", ("clinician", "y"), ("mobile", "n"), BLIP),
            "clinician is not a boolean",
        ),
        (sent("blip - Clinic - Edit patient", ("clinicId", ""), BLIP), "clinicId is empty"),
        (
            sent("blip - Logged In", ("clinician", "true"), ("mobile", "true")),
            "sourceVersion is required",
        ),
    ],
)
def test_what_went_wrong_in_their_history_is_off_plan(event: Seen, reason: str) -> None:
    verdict = judge(EXAMPLE, event, TODAY)
    assert verdict.verdict == OFF_PLAN and any(str(r).startswith(reason) for r in verdict.reasons)


def test_the_documentation_shows_the_draft_learned_from_the_tests_har() -> None:
    drafted = learn.draft(traffic.read(str(HAR), traffic.event_paths(traffic.SPEC_PATH)))
    docs = (ROOT / "docs" / "tracking-plan.md").read_text(encoding="utf-8")
    assert f"```yaml\n{as_yaml(drafted)}```" in docs
