"""A frontend developer's day in the inspector (Chromium, the mock on a socket): faults
changed from the panel while requests flow, a retried event marked as a repeat, and the
answers to "why is my event not showing up?" (counts at the top, older rows paged in,
both lists read again after the mock restarts, and said so)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from mockserver.config import MockConfig
from mockserver.running import free_port, running_mock

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "frontend-inspector.png"
# A bound, not a timing: the page polls every second or two.
LIVE_MS = 10_000
METRICS = "/metrics/user/0d4f6a93b2/blip%20-%20Viewed%20Care%20Team%20List?source=care-team"


@pytest.fixture
def page(browser) -> Page:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors


def statuses(url: str, count: int = 6) -> set[int]:
    return {requests.get(url + METRICS, timeout=5).status_code for _ in range(count)}


def test_faults_changed_from_the_panel_hold_for_every_request_and_go_back(page):
    with running_mock(MockConfig(workers=2)) as mock:
        page.goto(f"{mock.url}/__mock/")
        page.locator("#faults summary").click()
        expect(page.locator("#faults-now")).to_contain_text("as started", timeout=LIVE_MS)
        assert statuses(mock.url) == {200}
        page.locator("#fault-fail-rate").fill("1")
        page.locator("#fault-status").fill("503")
        page.locator("#fault-seconds").fill("600")
        page.locator("#faults-apply").click()
        expect(page.locator("#faults-message")).to_contain_text("Applied")
        expect(page.locator("#faults-now")).to_contain_text("100% fail with 503")
        assert statuses(mock.url) == {503}
        # A mistake: one sentence on the page, and nothing changed.
        page.locator("#fault-latency").fill("fast")
        page.locator("#faults-apply").click()
        expect(page.locator("#faults-message")).to_contain_text("'latency' is")
        assert requests.get(f"{mock.url}/__mock/faults", timeout=5).json()["latency"] == "0"
        assert statuses(mock.url) == {503}
        page.locator("#faults-reset").click()
        expect(page.locator("#faults-now")).to_contain_text("none")
        assert statuses(mock.url) == {200}
        # The status facts follow what is in force too.
        expect(page.locator("#state-fail-rate")).to_have_text("none", timeout=LIVE_MS)
        output = mock.output()
    assert output.count(" faults now ") == 2


def test_a_retried_event_is_marked_and_the_fault_shown(page):
    with running_mock(MockConfig(workers=2)) as mock:
        change = {"loseRate": 1, "seconds": 600}
        requests.put(f"{mock.url}/__mock/faults", json=change, timeout=5).raise_for_status()
        for _ in range(2):  # an app's request and its retry, both answers lost
            with pytest.raises(requests.exceptions.ChunkedEncodingError):
                requests.get(mock.url + METRICS, timeout=5)
        first, retry = requests.get(f"{mock.url}/__mock/events", timeout=5).json()["events"]
        page.goto(f"{mock.url}/__mock/")
        page.locator("#faults summary").click()
        mark = page.locator(f'tr.event[data-id="{retry["id"]}"] .repeat-mark')
        expect(mark).to_have_text(f"repeat of #{first['id']}", timeout=LIVE_MS)
        expect(page.locator(f'tr.event[data-id="{first["id"]}"] .repeat-mark')).to_have_count(0)
        expect(page.locator("#faults-now")).to_contain_text("100% answers lost")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), clip={"x": 0, "y": 0, "width": 1360, "height": 720})


def test_refusals_are_counted_at_the_top_one_click_away_and_paged(page):
    with running_mock(MockConfig(workers=1)) as mock:
        for number in range(230):
            requests.get(f"{mock.url}/metrics/thisuser/Refused{number}", timeout=5)  # 401
        page.goto(f"{mock.url}/__mock/")
        expect(page.locator("#count-refused")).to_have_text("230", timeout=LIVE_MS)
        page.locator("#refused-link").click()
        expect(page.locator("#refused-title")).to_be_in_viewport()
        rows = page.locator("#refused-rows tr.refused-row")
        expect(rows).to_have_count(200)
        expect(rows.first).to_contain_text("Refused229")
        page.locator("#refused-more").click()
        expect(rows).to_have_count(230)
        expect(rows.last).to_contain_text("Refused0")


def test_both_lists_are_read_again_after_the_mock_restarts_and_the_page_says_so(
    page, start_server, tmp_path
):
    port = free_port()
    command = [sys.executable, "-m", "mockserver", "--port", str(port), "--workers", "1"]
    with start_server(port, command, "/__mock/status") as mock:
        for name in ("Old1", "Old2", "Old3"):
            requests.get(f"{mock.url}/metrics/user/u1/{name}", timeout=5)
            requests.get(f"{mock.url}/metrics/thisuser/{name}", timeout=5)  # refused
        page.goto(f"{mock.url}/__mock/")
        expect(page.locator("#refused-rows tr.refused-row")).to_have_count(3, timeout=LIVE_MS)
        expect(page.locator("#event-rows tr.event")).to_have_count(3)
    with start_server(port, command, "/__mock/status") as mock:  # a new run, a new journal
        requests.get(f"{mock.url}/metrics/thisuser/New", timeout=5)  # refused
        refused = page.locator("#refused-rows tr.refused-row")
        expect(refused).to_have_count(1, timeout=LIVE_MS)
        expect(refused).to_contain_text("New")
        expect(page.locator("#event-rows tr.event")).to_have_count(0, timeout=LIVE_MS)
        expect(page.locator("#resynced")).to_contain_text("read again")
        expect(page.locator("#count-refused")).to_have_text("1")
