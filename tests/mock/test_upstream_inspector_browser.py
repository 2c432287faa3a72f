"""The inspector with --forward-metrics, in Chromium: the upstream's status beside each
event, and a flag naming each rule of the contract the upstream broke."""

from __future__ import annotations

import dataclasses

import pytest
import requests
from browser import SCREENSHOTS, chromium
from playwright.sync_api import expect
from tidepool_standin import BODY_ON_SUCCESS, PASSWORD, TOKEN_HEADER, USERNAME, running_standin

from mockserver.config import MockConfig
from mockserver.running import running_mock


@pytest.fixture(scope="module")
def standin():
    with running_standin() as standin:
        yield standin


@pytest.fixture(scope="module")
def mock(standin):
    config = dataclasses.replace(MockConfig(), upstream=standin.url, forward_metrics=True)
    with running_mock(config) as mock:
        yield mock


def test_each_event_shows_the_upstreams_status_and_the_rules_it_broke(mock, standin):
    with requests.Session() as http:
        login = http.post(f"{mock.url}/auth/login", auth=(USERNAME, PASSWORD), timeout=10)
        headers = {TOKEN_HEADER: login.headers[TOKEN_HEADER]}
        assert http.get(f"{mock.url}/metrics/thisuser/kept", headers=headers, timeout=10).ok
        standin.switches.metrics_break = BODY_ON_SUCCESS
        assert http.get(f"{mock.url}/metrics/thisuser/broken", headers=headers, timeout=10).ok
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1360, "height": 600})
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{mock.url}/__mock/")
        broken = page.locator("#event-rows tr.event", has_text="broken")
        kept = page.locator("#event-rows tr.event", has_text="kept")
        expect(broken.locator(".upstream-status")).to_have_text("upstream 200")
        flag = broken.locator(".violation")
        expect(flag).to_have_text("breaks R6")
        # The reason is in the row, not only on hover.
        expect(broken.locator(".violation-reason")).to_contain_text("with a body of 8 bytes")
        expect(kept.locator(".upstream-status")).to_have_text("upstream 200")
        expect(kept.locator(".violation")).to_have_count(0)
        expect(page.locator("#state-credentials")).to_have_text(
            f"the upstream's, at {standin.url}; metrics forwarded and checked"
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "inspector-forwarded-metrics.png")
        assert errors == []
