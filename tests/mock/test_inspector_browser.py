"""The event inspector at /__mock/, end to end: the mock on a socket, the page in Chromium.

Events are sent over HTTP exactly as an app sends them; the assertions read what a
person sees on the page (cell text, counts) and what the journal holds afterwards.
"""

from __future__ import annotations

import dataclasses
import json
from urllib.parse import quote

import pytest
import requests
from browser import SCREENSHOTS
from playwright.sync_api import Page, expect

from mockserver.config import Latency, MockConfig
from mockserver.running import running_mock

HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_VALUE = "<script>alert(2)</script>"
HOSTILE_PARAM = '"><b id=injected>bold</b>'
# The page polls every 500 ms, so an event is on screen within about a second. This is a
# bound, not a timing: a working page meets it at once, and the rest is room for a loaded
# machine; a page that never shows the event fails it.
LIVE_MS = 10_000
SESSION_TOKEN = "X-Tidepool-Session-Token"


@pytest.fixture(scope="module")
def mock():
    config = dataclasses.replace(MockConfig(), latency=Latency(5, 20))
    with running_mock(config) as mock:
        yield mock


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


@pytest.fixture(scope="module")
def browser_page(browser):
    """One page for the module (a new browser context per test costs half a second)."""
    context = browser.new_context(viewport={"width": 1360, "height": 860})
    page = context.new_page()
    problems = {"dialogs": [], "errors": []}
    page.on("dialog", lambda dialog: problems["dialogs"].append(dialog.message))
    page.on("pageerror", lambda error: problems["errors"].append(str(error)))
    page.on(
        "console",
        lambda message: message.type == "error" and problems["errors"].append(message.text),
    )
    yield page, problems
    context.close()


@pytest.fixture
def problems(browser_page):
    """Dialogs, uncaught errors and console errors (CSP violations among them) of the page."""
    _, problems = browser_page
    for found in problems.values():
        found.clear()
    return problems


@pytest.fixture
def page(browser_page, problems, mock, http) -> Page:
    """The inspector, freshly loaded on an empty journal."""
    page, _ = browser_page
    http.delete(f"{mock.url}/__mock/events").raise_for_status()
    page.goto(f"{mock.url}/__mock/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    return page


def send(http, mock, path: str, token: str | None = None) -> None:
    headers = {SESSION_TOKEN: token} if token else {}
    response = http.get(f"{mock.url}{path}", headers=headers, timeout=5)
    assert response.status_code == 200, (path, response.status_code, response.text)


def login(http, mock, username: str) -> tuple[str, str]:
    response = http.post(f"{mock.url}/auth/login", auth=(username, "any password"), timeout=5)
    response.raise_for_status()
    return response.headers[SESSION_TOKEN], response.json()["userid"]


def server_login(http, mock, name: str) -> str:
    secret = http.get(f"{mock.url}/__mock/status").json()["credentials"]["serverSecret"]
    response = http.post(
        f"{mock.url}/auth/serverlogin",
        headers={"X-Tidepool-Server-Name": name, "X-Tidepool-Server-Secret": secret},
        timeout=5,
    )
    response.raise_for_status()
    return response.headers[SESSION_TOKEN]


def rows(page: Page):
    return page.locator("#event-rows tr.event")


def journal(http, mock) -> list[dict]:
    return http.get(f"{mock.url}/__mock/events").json()["events"]


def param_texts(row) -> list[str]:
    return row.locator(".param").all_text_contents()


def test_page_shows_the_mocks_state_and_links_the_raw_json(page, problems):
    expect(page.locator("#state-spec")).to_contain_text("Tidepool Metrics API 1.0")
    expect(page.locator("#state-spec")).to_contain_text("metrics.v1.yaml")
    expect(page.locator("#state-latency")).to_have_text("5–20 ms")
    expect(page.locator("#state-fail-rate")).to_have_text("none")
    expect(page.locator("#state-cors")).to_have_text("any (*)")
    credentials = page.locator("#state-credentials")
    expect(credentials).to_contain_text("any username and password")
    status = page.request.get(page.url + "status").json()
    expect(credentials).to_contain_text(status["credentials"]["serverSecret"])
    raw = page.locator("#raw-events")
    assert page.request.get(raw.evaluate("a => a.href")).json() == {
        "events": [],
        "dropped": 0,
        "next": None,
    }
    # The page's Content-Security-Policy forbids inline script, and it complies; it is a
    # header, so it also forbids framing, which a meta tag cannot.
    headers = page.request.get(page.url).headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert page.locator("script:not([src])").count() == 0
    assert problems == {"dialogs": [], "errors": []}


def test_events_appear_live_newest_first_with_their_properties(page, mock, http):
    token, userid = login(http, mock, "frontend@example.org")
    server_token = server_login(http, mock, "export-service")

    send(http, mock, "/metrics/user/a1b2c3/Viewed%20Hub?tab=devices&tab=data&empty=")
    expect(rows(page)).to_have_count(1, timeout=LIVE_MS)
    send(http, mock, "/metrics/thisuser/Clicked%20Save?source=blip&unit=mg%2FdL", token)
    send(http, mock, "/metrics/server/export-service/Export%20done", server_token)
    expect(rows(page)).to_have_count(3, timeout=LIVE_MS)

    newest, middle, oldest = (rows(page).nth(i) for i in range(3))
    expect(newest.locator(".col-name")).to_have_text("Export done")
    expect(newest.locator(".col-op")).to_have_text("server/{serverName}")
    expect(newest.locator(".col-who")).to_have_text("serverexport-service")
    expect(newest.locator(".col-query")).to_have_text("none")

    expect(middle.locator(".col-name")).to_have_text("Clicked Save")
    expect(middle.locator(".col-op")).to_have_text("thisuser")
    expect(middle.locator(".col-who")).to_have_text(f"user{userid}")
    assert param_texts(middle) == ["source=blip", "unit=mg/dL"]

    expect(oldest.locator(".col-name")).to_have_text("Viewed Hub")
    expect(oldest.locator(".col-op")).to_have_text("user/{userId}")
    expect(oldest.locator(".col-who")).to_have_text("usera1b2c3")
    # Repeated names keep their order; an empty value is marked, not left blank.
    assert param_texts(oldest) == ["tab=devices", "tab=data", "empty=empty"]
    expect(oldest.locator(".param-empty")).to_have_count(1)

    received = journal(http, mock)[0]["receivedAt"]
    expect(oldest.locator(".col-time time")).to_have_attribute("datetime", received)
    expect(page.locator("#count-events")).to_have_text("3")
    expect(page.locator("#count-dropped")).to_have_text("0")

    # A click shows the event as the journal holds it.
    oldest.click()
    details = page.locator("tr.details pre")
    expect(details).to_contain_text('"operationId": "RecordMetricsEventForNamedUser"')


def test_filters_by_event_name_text_and_by_user(page, mock, http):
    sent = [("alice", "Clicked Save"), ("bob", "Viewed Page"), ("bob", "clicked cancel")]
    for user, name in sent:
        send(http, mock, f"/metrics/user/{user}/{quote(name, safe='')}")
    expect(rows(page)).to_have_count(3, timeout=LIVE_MS)

    page.fill("#filter-name", "CLICK")
    expect(rows(page).locator(".col-name")).to_have_text(["clicked cancel", "Clicked Save"])
    page.select_option("#filter-who", "user:bob")
    expect(rows(page).locator(".col-name")).to_have_text(["clicked cancel"])
    expect(page.locator("#count-shown")).to_have_text("1")

    # Live events obey the filters too.
    send(http, mock, "/metrics/user/bob/Clicked%20Help")
    send(http, mock, "/metrics/user/alice/Clicked%20Help")
    expect(rows(page).locator(".col-name")).to_have_text(["Clicked Help", "clicked cancel"])
    expect(page.locator("#count-events")).to_have_text("5")

    page.fill("#filter-name", "")
    page.select_option("#filter-who", "")
    expect(rows(page)).to_have_count(5)
    page.fill("#filter-name", "no such event")
    expect(rows(page)).to_have_count(0)
    expect(page.locator("#empty")).to_contain_text(
        "No event matches: of 5 events held, 5 hidden by the name filter"
    )


def test_pause_holds_new_events_until_resumed(page, mock, http):
    send(http, mock, "/metrics/user/u1/before")
    expect(rows(page)).to_have_count(1, timeout=LIVE_MS)

    page.click("#pause")
    expect(page.locator("#pause")).to_have_attribute("aria-pressed", "true")
    send(http, mock, "/metrics/user/u1/during")
    # The poll that counts the new event as pending is the one that would have shown it.
    expect(page.locator("#pending")).to_have_text("1 new while paused", timeout=LIVE_MS)
    expect(rows(page).locator(".col-name")).to_have_text(["before"], timeout=0)

    page.click("#pause")
    expect(rows(page).locator(".col-name")).to_have_text(["during", "before"])
    expect(page.locator("#pending")).to_be_hidden()


def test_download_har_saves_the_recorded_events_without_tokens(page, mock, http, tmp_path):
    token, _ = login(http, mock, "har@example.org")
    send(http, mock, "/metrics/thisuser/blip%20-%20a+b?x=1&x=", token)
    expect(rows(page)).to_have_count(1, timeout=LIVE_MS)
    with page.expect_download() as started:
        page.click("#download-har")
    download = started.value
    assert download.suggested_filename == "mock-events.har"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    log = json.loads(saved.read_text(encoding="utf-8"))["log"]
    (entry,) = log["entries"]
    assert log["version"] == "1.2"
    assert entry["request"]["url"].endswith("/metrics/thisuser/blip%20-%20a+b?x=1&x=")
    assert entry["_tokenKind"] == "user"
    assert entry["request"]["headers"] == [] and entry["request"]["cookies"] == []
    assert token not in saved.read_text(encoding="utf-8")


def test_clear_asks_first_then_empties_the_list_and_the_journal(page, mock, http, problems):
    for name in ("one", "two"):
        send(http, mock, f"/metrics/user/u1/{name}")
    expect(rows(page)).to_have_count(2, timeout=LIVE_MS)

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("#clear")
    # A poll after the click has shown a new event: whatever the click did is done.
    send(http, mock, "/metrics/user/u1/after-dismissing")
    expect(rows(page)).to_have_count(3, timeout=LIVE_MS)
    assert len(journal(http, mock)) == 3, "dismissing the confirmation must keep the events"

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#clear")
    expect(rows(page)).to_have_count(0)
    expect(page.locator("#count-events")).to_have_text("0")
    assert journal(http, mock) == []
    assert [m.split("\n")[0] for m in problems["dialogs"]] == [
        f"Delete all {count} recorded events from the mock's journal?" for count in (2, 3)
    ]

    # The page keeps following the journal after clearing it.
    send(http, mock, "/metrics/user/u1/three")
    expect(rows(page).locator(".col-name")).to_have_text(["three"], timeout=LIVE_MS)


def test_a_journal_cleared_elsewhere_empties_the_page(page, mock, http):
    send(http, mock, "/metrics/user/u1/soon-gone")
    expect(rows(page)).to_have_count(1, timeout=LIVE_MS)
    http.delete(f"{mock.url}/__mock/events").raise_for_status()
    expect(rows(page)).to_have_count(0, timeout=LIVE_MS)


def test_counts_events_the_journal_dropped(browser):
    """With --max-events 3 the journal keeps the newest three; the page shows the same."""
    with (
        running_mock(dataclasses.replace(MockConfig(), max_events=3)) as small,
        requests.Session() as http,
    ):
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(f"{small.url}/__mock/")
            for number in range(1, 6):
                send(http, small, f"/metrics/user/u1/event-{number}")
            expect(page.locator("#count-dropped")).to_have_text("2", timeout=LIVE_MS)
            expect(page.locator("#count-events")).to_have_text("3")
            expect(rows(page).locator(".col-name")).to_have_text(["event-5", "event-4", "event-3"])
            # And keeps dropping as the journal does, while the page is open.
            send(http, small, "/metrics/user/u1/event-6")
            expect(page.locator("#count-dropped")).to_have_text("3", timeout=LIVE_MS)
            expect(page.locator("#count-events")).to_have_text("3")
            expect(rows(page).locator(".col-name")).to_have_text(["event-6", "event-5", "event-4"])
        finally:
            context.close()


def test_hostile_names_and_values_render_as_text(page, mock, http, problems):
    path = (
        f"/metrics/user/{quote('<i>u</i>', safe='')}/{quote(HOSTILE_NAME, safe='')}"
        f"?{quote(HOSTILE_PARAM, safe='')}={quote(HOSTILE_VALUE, safe='')}"
    )
    send(http, mock, path)
    row = rows(page).first
    expect(row.locator(".col-name")).to_have_text(HOSTILE_NAME, timeout=LIVE_MS)
    expect(row.locator(".who-name")).to_have_text("<i>u</i>")
    assert param_texts(row) == [f"{HOSTILE_PARAM}={HOSTILE_VALUE}"]
    # Offered as a filter option, also as text.
    expect(page.locator("#filter-who option[value='user:<i>u</i>']")).to_have_text("user: <i>u</i>")

    # The page renders on: an alert from an onerror handler would have stopped it (the
    # dialog is left open), and a row rendered after the hostile one shows it did not.
    send(http, mock, "/metrics/user/u1/rendered-after")
    expect(rows(page).first.locator(".col-name")).to_have_text("rendered-after", timeout=LIVE_MS)
    assert page.locator("img").count() == 0
    assert page.locator("#events i, #events b, #events script, #injected").count() == 0
    assert problems == {"dialogs": [], "errors": []}


def test_refused_requests_are_shown_apart_with_why_as_text(page, mock, http, problems):
    http.delete(f"{mock.url}/__mock/rejections").raise_for_status()
    page.reload()
    refused = page.locator("#refused-rows tr.refused-row")
    expect(page.locator("#refused-empty")).to_be_visible()
    http.get(f"{mock.url}/metrics/thisuser/Viewed%20Hub", timeout=5)  # no token: 401
    http.get(f"{mock.url}/metric/user/u/{quote(HOSTILE_NAME, safe='')}", timeout=5)  # 404
    expect(refused).to_have_count(2, timeout=LIVE_MS)
    newest, oldest = refused.nth(0), refused.nth(1)
    expect(oldest.locator(".col-status")).to_have_text("401")
    expect(oldest.locator(".col-request")).to_have_text("GET /metrics/thisuser/Viewed%20Hub")
    expect(oldest.locator(".col-reason")).to_contain_text("No session token was sent")
    expect(newest.locator(".col-status")).to_have_text("404")
    expect(newest.locator(".col-reason")).to_contain_text("GET /metrics/user/{userId}/{eventName}")
    expect(page.locator("#refused-count")).to_have_text("2")
    assert rows(page).count() == 0, "a refused request is not an event"

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator("#refused-clear").click()
    page.wait_for_timeout(300)
    assert len(http.get(f"{mock.url}/__mock/rejections").json()["rejections"]) == 2
    expect(refused).to_have_count(2)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#refused-clear").click()
    expect(refused).to_have_count(0)
    assert http.get(f"{mock.url}/__mock/rejections").json() == {"rejections": [], "next": None}
    assert page.locator("#refused img").count() == 0
    assert [m.split("\n")[0] for m in problems["dialogs"]] == [
        "Forget all 2 refused requests the mock has kept?"
    ] * 2
    assert problems["errors"] == []


def test_the_suites_refusals_are_marked_and_hidden_with_its_events(page, mock, http):
    http.delete(f"{mock.url}/__mock/rejections").raise_for_status()
    page.reload()
    refused = page.locator("#refused-rows tr.refused-row")
    shown = page.locator("#refused-rows tr.refused-row:visible")
    suite = {"User-Agent": "tidepool-metrics-contract (the contract suite)"}
    http.get(f"{mock.url}/metrics/thisuser/Suite%20One", headers=suite, timeout=5)  # 401
    http.get(f"{mock.url}/metrics/thisuser/App%20One", timeout=5)  # 401, the app's
    expect(refused).to_have_count(2, timeout=LIVE_MS)
    expect(refused.filter(has=page.locator(".suite-mark"))).to_have_count(1)
    expect(refused.filter(has=page.locator(".suite-mark"))).to_contain_text("Suite%20One")

    page.locator("#hide-suite").check()
    expect(shown).to_have_count(1)
    expect(shown).to_contain_text("App%20One")
    # Refusals that come while the box is ticked: the app's shows, the suite's is counted
    # as hidden, and every counter says so.
    http.get(f"{mock.url}/metrics/thisuser/Suite%20Two", headers=suite, timeout=5)
    http.get(f"{mock.url}/metrics/thisuser/App%20Two", timeout=5)
    expect(page.locator("#refused-count")).to_have_text("4", timeout=LIVE_MS)
    expect(shown).to_have_count(2)
    expect(page.locator("#refused-shown")).to_have_text("2 shown, 2 of the contract suite's hidden")
    assert "Suite" not in " ".join(shown.all_text_contents())

    page.locator("#hide-suite").uncheck()
    expect(shown).to_have_count(4)


def test_screenshot_for_a_person_to_look_at(page, mock, http):
    """A realistic session, kept as reports/screenshots/inspector.png."""
    token, _ = login(http, mock, "clinician@example.org")
    server_token = server_login(http, mock, "clinic-reports")
    send(http, mock, "/metrics/thisuser/Viewed%20Hub?clinicId=5f1a&patients=42", token)
    send(http, mock, "/metrics/user/0a1b2c3d4e/Clicked%20Add%20Device?device=Dexcom%20G7", None)
    send(http, mock, "/metrics/thisuser/Viewed%20Data?view=daily&bgUnits=mmol%2FL&empty=", token)
    send(http, mock, "/metrics/server/clinic-reports/Report%20Generated?format=pdf", server_token)
    hostile = f"/metrics/user/attacker/{quote(HOSTILE_NAME, safe='')}?q={quote(HOSTILE_VALUE)}"
    send(http, mock, hostile)
    send(http, mock, "/metrics/thisuser/Upload%20Finished?records=1440&duration=3.2s", token)
    http.get(f"{mock.url}/metrics/thisuser/Viewed%20Settings", timeout=5)  # no token: refused
    expect(rows(page)).to_have_count(6, timeout=LIVE_MS)
    expect(page.locator("#refused-rows tr.refused-row").first).to_contain_text(
        "Viewed%20Settings", timeout=LIVE_MS
    )
    rows(page).nth(1).click()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / "inspector.png"
    path.unlink(missing_ok=True)
    # Animations end at once: the highlight of fresh rows gone, the "live" dot steady.
    page.screenshot(path=path, full_page=True, animations="disabled")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 20_000, "a screenshot of a rendered table, not a blank page"
