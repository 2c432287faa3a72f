"""The inspector after a contract run: the suite's flood is marked, can be hidden, and fits.

The mock runs on a socket; the whole contract suite runs against it (quick profile) in a
subprocess, as `make contract BASE_URL=...` would; a few events are sent as an app sends
them. Then a fresh page is opened in Chromium and read the moment it shows: the journal
and the mock's state are already on it, the suite's events carry a mark (by their
User-Agent, their names unchanged) and one control hides them, and the page does not
scroll sideways whatever the suite's generated ids were.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests
from browser import SCREENSHOTS
from playwright.sync_api import expect

from mockserver.config import MockConfig
from mockserver.running import running_mock

ROOT = Path(__file__).resolve().parents[2]
APP_AGENT = "Mozilla/5.0 (X11; Linux x86_64) blip"
APP_EVENTS = ("blip - Viewed Care Team List", "blip - Logged in")


@pytest.fixture(scope="module")
def mock_after_a_suite_run():
    with running_mock(MockConfig()) as mock:
        done = subprocess.run(
            [sys.executable, "-m", "contract_tests", f"--base-url={mock.url}"]
            + ["-p", "no:cacheprovider", "--hypothesis-profile=quick", "--max-response-time=60"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        for name in APP_EVENTS:
            answer = requests.get(
                f"{mock.url}/metrics/user/0d4f6a93b2/{name}",
                headers={"User-Agent": APP_AGENT},
                timeout=10,
            )
            assert answer.status_code == 200
        yield mock


def test_the_suites_events_are_marked_hidden_on_request_and_the_page_fits(
    browser, mock_after_a_suite_run
):
    mock = mock_after_a_suite_run
    context = browser.new_context(viewport={"width": 1360, "height": 860})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{mock.url}/__mock/")
    expect(page.locator("body.ready")).to_have_count(1)

    # Read at once, without waiting: what the first paint shows.
    rows = page.locator("#event-rows tr.event")
    assert page.locator("#connection-text").text_content() != "connecting…"
    assert page.locator("#state-spec").text_content() != "…"
    first_paint_rows = rows.count()
    assert first_paint_rows > len(APP_EVENTS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "inspector-after-suite.png")

    marked = page.locator("#event-rows tr.event:has(.suite-mark)")
    assert marked.count() == first_paint_rows - len(APP_EVENTS)
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    ), "the page scrolls sideways"
    longest = max(len(o) for o in page.locator("#filter-who option").all_text_contents())
    assert longest <= 40

    page.locator("#hide-suite").check()
    expect(rows).to_have_count(len(APP_EVENTS))
    assert sorted(rows.locator(".event-name").all_text_contents()) == sorted(APP_EVENTS)
    page.screenshot(path=SCREENSHOTS / "inspector-after-suite-hidden.png")
    assert errors == []
    context.close()
