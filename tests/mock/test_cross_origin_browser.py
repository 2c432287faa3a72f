"""A web app on another origin uses the mock from a real browser, the way blip does.

blip runs on its own origin (http://localhost:3000) and talks to the API with fetch: it
logs in with `POST /auth/login` and an `Authorization: Basic` header, reads the session
token from the `X-Tidepool-Session-Token` response header (readable only if CORS exposes
it), and sends metrics with that token and a trace header (so the browser preflights).
Here a second local server plays blip's origin; Chromium enforces CORS as it would.
"""

from __future__ import annotations

import dataclasses

import pytest
import requests
from browser import serve_wsgi
from werkzeug.wrappers import Request, Response

from mockserver.config import MockConfig
from mockserver.running import running_mock

EVENT = "Viewed Patient Data"
USERNAME = "clinician@example.org"

APP_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>a blip-like app</title><link rel="icon" href="data:,">
<script src="/app.js" defer></script></head>
<body><pre id="result">running</pre></body></html>
"""

# What blip's API client does, reduced to the calls that matter for CORS.
APP_SCRIPT = """
const params = new URLSearchParams(location.search);
const api = params.get("api");
const event = params.get("event");

async function run() {
  const result = { origin: location.origin };
  try {
    const login = await fetch(api + "/auth/login", {
      method: "POST",
      headers: { Authorization: "Basic " + btoa(params.get("user") + ":any password") },
    });
    result.loginStatus = login.status;
    const token = login.headers.get("X-Tidepool-Session-Token");
    result.tokenRead = token !== null && token.length > 0;
    result.userid = (await login.json()).userid;
    const metric = await fetch(
      api + "/metrics/thisuser/" + encodeURIComponent(event) + "?source=blip&unit=mg%2FdL",
      { headers: { "X-Tidepool-Session-Token": token, "X-Tidepool-Trace-Session": "trace-1" } },
    );
    result.metricStatus = metric.status;
  } catch (error) {
    result.error = String(error);
  }
  window.appResult = result;
  document.getElementById("result").textContent = JSON.stringify(result);
}
run();
"""


def blip_like_app(environ, start_response):
    request = Request(environ)
    if request.path == "/":
        response = Response(APP_PAGE, mimetype="text/html")
    elif request.path == "/app.js":
        response = Response(APP_SCRIPT, mimetype="text/javascript")
    else:
        response = Response("not found", status=404)
    return response(environ, start_response)


@pytest.fixture(scope="module")
def app_origin():
    with serve_wsgi(blip_like_app) as origin:
        yield origin


def run_app(browser, app_origin: str, mock_url: str) -> tuple[dict, list[str]]:
    """Open the app's page, let it talk to the mock; what it saw, and the console errors."""
    assert app_origin != mock_url
    context = browser.new_context()
    try:
        page = context.new_page()
        console = []
        page.on("console", lambda message: message.type == "error" and console.append(message.text))
        page.goto(f"{app_origin}/?api={mock_url}&user={USERNAME}&event={EVENT.replace(' ', '%20')}")
        page.wait_for_function("window.appResult !== undefined", timeout=10_000)
        return page.evaluate("window.appResult"), console
    finally:
        context.close()


def journal(mock) -> list[dict]:
    response = requests.get(f"{mock.url}/__mock/events", timeout=5)
    response.raise_for_status()
    return response.json()["events"]


@pytest.mark.parametrize("allowed", ["*", "the app's origin"])
def test_an_app_on_another_origin_logs_in_and_sends_metrics(browser, app_origin, allowed):
    origin = app_origin if allowed == "the app's origin" else allowed
    with running_mock(dataclasses.replace(MockConfig(), cors_origins=(origin,))) as mock:
        result, console = run_app(browser, app_origin, mock.url)
        assert console == []
        assert result == {
            "origin": app_origin,
            "loginStatus": 200,
            "tokenRead": True,
            "userid": result["userid"],
            "metricStatus": 200,
        }
        (event,) = journal(mock)
    assert event["operationId"] == "RecordMetricsEventForLoggedInUser"
    assert event["eventName"] == EVENT
    assert event["userId"] == result["userid"]
    assert event["query"] == {"source": ["blip"], "unit": ["mg/dL"]}


def test_a_mock_restricted_to_another_origin_is_blocked_by_the_browser(browser, app_origin):
    config = dataclasses.replace(MockConfig(), cors_origins=("http://localhost:3000",))
    with running_mock(config) as mock:
        result, console = run_app(browser, app_origin, mock.url)
        assert "loginStatus" not in result, "the browser must not let the app read the answer"
        assert result["error"] == "TypeError: Failed to fetch"
        assert any("blocked by CORS policy" in message for message in console), console
        assert journal(mock) == []
