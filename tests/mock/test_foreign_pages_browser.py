"""A page from a foreign site, in a real Chromium, cannot read or wipe the mock's journal.

Chromium's `--host-resolver-rules` gives a local server the name of a site elsewhere
(evil.test), so its pages are a foreign, non-loopback origin to the browser, as a page
on the web the developer has open would be. The page tries what such a page can: read the
journal and the status, clear the journal (with a preflight, and blindly), and, when the
mock allows only one origin's pages, record an event. The mock refuses each, shows the
refusals, and keeps the journal; blip's origin (a page on localhost) still works.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
import requests
from browser import chromium, serve_wsgi
from werkzeug.wrappers import Request, Response

from mockserver.config import MockConfig
from mockserver.running import running_mock

FOREIGN_SITE = "evil.test"
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>a page</title><link rel="icon" href="data:,">
<script src="/page.js" defer></script></head><body></body></html>
"""
# Each attempt as a page would make it; what the fetch gave: a status it could read, or
# the browser's error (a refused preflight or an unreadable answer).
SCRIPT = """
const params = new URLSearchParams(location.search);
const mock = params.get("mock");
const attempts = JSON.parse(params.get("attempts"));
async function attempt([path, options]) {
  try {
    const response = await fetch(mock + path, options);
    return response.type === "opaque" ? "opaque" : response.status;
  } catch (error) {
    return String(error);
  }
}
(async () => {
  const outcomes = [];
  for (const each of attempts) outcomes.push(await attempt(each));
  window.outcomes = outcomes;
})();
"""
FAILED = "TypeError: Failed to fetch"
READ_EVENTS = ["/__mock/events", {}]
READ_STATUS = ["/__mock/status", {}]
READ_REFUSALS = ["/__mock/rejections", {}]
CLEAR_EVENTS = ["/__mock/events", {"method": "DELETE"}]
CLEAR_REFUSALS = ["/__mock/rejections", {"method": "DELETE"}]
# A page may send a simple request without reading its answer: no preflight, no Origin.
BLIND_READ = ["/__mock/events", {"mode": "no-cors"}]
RECORD = ["/metrics/user/u1/Clicked%20Button", {}]
BLIND_RECORD = ["/metrics/user/u1/Clicked%20Button", {"mode": "no-cors"}]


def pages(environ, start_response):
    request = Request(environ)
    if request.path == "/page.js":
        response = Response(SCRIPT, mimetype="text/javascript")
    else:
        response = Response(PAGE, mimetype="text/html")
    return response(environ, start_response)


@pytest.fixture(scope="module")
def browser():
    with chromium((f"--host-resolver-rules=MAP {FOREIGN_SITE} 127.0.0.1",)) as browser:
        yield browser


@pytest.fixture(scope="module")
def page_port():
    with serve_wsgi(pages) as origin:
        yield int(origin.rpartition(":")[2])


def run_page(browser, origin: str, mock_url: str, attempts: list) -> list:
    context = browser.new_context()
    try:
        page = context.new_page()
        query = requests.compat.urlencode({"mock": mock_url, "attempts": json.dumps(attempts)})
        page.goto(f"{origin}/?{query}")
        page.wait_for_function("window.outcomes !== undefined", timeout=10_000)
        return page.evaluate("window.outcomes")
    finally:
        context.close()


def record(mock, name: str) -> None:
    requests.get(f"{mock.url}/metrics/user/u1/{name}", timeout=5).raise_for_status()


def events(mock) -> list[str]:
    body = requests.get(f"{mock.url}/__mock/events", timeout=5).json()
    return [event["eventName"] for event in body["events"]]


def refusals(mock) -> list[tuple[int, str, str]]:
    body = requests.get(f"{mock.url}/__mock/rejections", timeout=5).json()
    return [(r["status"], r["method"], r["reason"]) for r in body["rejections"]]


def test_a_foreign_page_can_neither_read_nor_clear_the_journal(browser, page_port):
    foreign = f"http://{FOREIGN_SITE}:{page_port}"
    with running_mock(MockConfig()) as mock:
        record(mock, "kept")
        attempts = [READ_EVENTS, READ_STATUS, READ_REFUSALS, CLEAR_EVENTS, CLEAR_REFUSALS]
        outcomes = run_page(browser, foreign, mock.url, [*attempts, BLIND_READ])
        assert outcomes == [FAILED] * len(attempts) + ["opaque"]
        assert events(mock) == ["kept"]
        refused = refusals(mock)
    # Every attempt reached the mock and was refused (the clears at their preflight),
    # with the reason shown among the refusals.
    reason = (
        f"Refused: the mock's own API answers its own pages and pages on this machine, not a"
        f" page from {foreign}."
    )
    assert refused[:3] == [(403, "GET", reason)] * 3
    assert refused[3:5] == [(403, "OPTIONS", reason)] * 2
    assert refused[5][:2] == (403, "GET") and "another site" in refused[5][2]
    assert len(refused) == 6


def test_blips_origin_records_events_and_reads_the_journal(browser, page_port):
    blip = f"http://localhost:{page_port}"
    with running_mock(MockConfig()) as mock:
        outcomes = run_page(browser, blip, mock.url, [RECORD, READ_EVENTS, READ_STATUS])
        assert outcomes == [200, 200, 200]
        assert events(mock) == ["Clicked Button"]
        assert refusals(mock) == []


def test_with_one_origin_allowed_a_foreign_page_cannot_record_events(browser, page_port):
    foreign = f"http://{FOREIGN_SITE}:{page_port}"
    config = dataclasses.replace(MockConfig(), cors_origins=("http://localhost:3000",))
    with running_mock(config) as mock:
        outcomes = run_page(browser, foreign, mock.url, [RECORD, BLIND_RECORD])
        assert outcomes == [FAILED, "opaque"]
        assert events(mock) == []
        refused = refusals(mock)
    assert [(status, method) for status, method, _ in refused] == [(403, "GET")] * 2
    assert f"a page from {foreign} may not call this mock" in refused[0][2]
    assert "a page from another site may not call this mock" in refused[1][2]
