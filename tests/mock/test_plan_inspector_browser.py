"""The inspector of a mock with `--plan`, in Chromium: each event's verdict as a badge, an
off-plan event's reasons beside it, as text whatever the plan and the event say."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from browser import SCREENSHOTS
from playwright.sync_api import expect

from mockserver.config import MockConfig
from mockserver.running import running_mock

# The plan is a file a person edits, and a reason quotes the name as sent: neither is HTML.
PLAN = """
clients:
  - name: "<b id=from-plan>blip</b>"
    recognised_by: {name_prefix: "blip - "}
    events:
      - name: blip - Logged In
        properties:
          mobile: {required: true, type: boolean}
"""
HOSTILE_NAME = "blip - <img id=from-event src=x onerror=alert(1)>"
# A bound, not a timing: the page polls every 500 ms.
LIVE_MS = 10_000


@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    plan = Path(tmp_path_factory.mktemp("plan")) / "plan.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    with running_mock(MockConfig(plan_path=plan)) as mock:
        yield mock, plan


def test_each_event_shows_its_verdict_and_an_off_plan_events_reasons_as_text(browser, mock):
    mock, plan = mock
    for target in (
        "/metrics/user/u1/blip%20-%20Logged%20In?mobile=true",
        "/metrics/user/u1/blip%20-%20Logged%20In?mobile=",
        f"/metrics/user/u1/{quote(HOSTILE_NAME, safe='')}",
        "/metrics/user/u1/Viewed%20Page",
    ):
        requests.get(mock.url + target, timeout=10).raise_for_status()
    context = browser.new_context(viewport={"width": 1360, "height": 860})
    page = context.new_page()
    problems: list[str] = []
    page.on("dialog", lambda dialog: problems.append(dialog.message))
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        page.goto(f"{mock.url}/__mock/")
        rows = page.locator("#event-rows tr.event")
        expect(rows).to_have_count(4, timeout=LIVE_MS)
        # Newest first: the one no client recognises, the unknown name, the empty value.
        no_client, unknown, empty, on_plan = (rows.nth(n).locator(".col-name") for n in range(4))
        expect(no_client.locator(".plan-badge")).to_have_text("no-plan")
        expect(on_plan.locator(".plan-badge")).to_have_text("on-plan")
        expect(on_plan.locator(".plan-reason")).to_have_count(0)
        expect(empty.locator(".plan-badge")).to_have_text("off-plan")
        expect(empty.locator(".plan-reason")).to_have_text(["mobile is empty"])
        expect(unknown.locator(".plan-badge")).to_have_text("off-plan")
        expect(unknown.locator(".plan-reason")).to_have_text(
            [f"<b id=from-plan>blip</b> has no event {HOSTILE_NAME!r} in the plan"]
        )
        assert page.locator("#from-plan, #from-event, #events b, #events img").count() == 0
        expect(page.locator("#state-plan")).to_have_text(str(plan))
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "inspector-plan-verdicts.png"))
        assert problems == []
    finally:
        context.close()
