"""Retry realism: an answer lost after the event was recorded, and the retry that follows
marked as a probable repeat of the first (Event.repeatOf), by Tidepool's own JS client."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from werkzeug.test import Client, EnvironBuilder

from mockserver.admission import MockRequest
from mockserver.config import MockConfig
from mockserver.faults import LostAnswer
from mockserver.journal.store import REPEAT_WINDOW_S, utc_text
from mockserver.running import running_mock

HERE = Path(__file__).resolve().parent
# The client blip uses, at a pinned version, installed outside the repository on first use.
PLATFORM_CLIENT = "tidepool-platform-client"
PLATFORM_CLIENT_VERSION = "0.67.0"
CACHE = (
    Path.home() / ".cache" / "tidepool-metrics-tools" / f"platform-client-{PLATFORM_CLIENT_VERSION}"
)
NODE_TIMEOUT_S = 60


def platform_client() -> Path:
    folder = CACHE / "node_modules" / PLATFORM_CLIENT
    if (folder / "package.json").exists():
        return folder
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node and npm are needed to run Tidepool's JS client")
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            *("npm", "install", "--prefix", str(CACHE), "--no-audit", "--no-fund"),
            *("--loglevel=error", f"{PLATFORM_CLIENT}@{PLATFORM_CLIENT_VERSION}"),
        ],
        check=True,
        timeout=300,
    )
    return folder


def test_the_platform_clients_retry_after_a_lost_answer_is_marked_as_a_repeat():
    client_folder = platform_client()
    with running_mock(MockConfig(workers=2)) as mock:
        change = {"loseRate": 1, "operations": ["RecordMetricsEventForLoggedInUser"]}
        requests.put(f"{mock.url}/__mock/faults", json=change, timeout=5).raise_for_status()
        script = HERE / "node" / "track_metric.js"
        run = subprocess.run(
            ["node", str(script), str(client_folder), mock.url, "Viewed Care Team List"],
            capture_output=True,
            text=True,
            timeout=NODE_TIMEOUT_S,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        events = requests.get(f"{mock.url}/__mock/events", timeout=5).json()["events"]
        output = mock.output()
    # Each answer was lost: superagent's one retry, then it gave up.
    first, retry = events
    assert first["eventName"] == retry["eventName"] == "blip - Viewed Care Team List"
    assert (first["repeatOf"], retry["repeatOf"]) == (None, first["id"])
    assert f"#{retry['id']} blip - Viewed Care Team List" in output
    assert f"probably a repeat of #{first['id']}" in output


def test_a_lost_answer_closes_the_connection_after_the_event_is_recorded():
    with running_mock(MockConfig(workers=1)) as mock:
        requests.put(f"{mock.url}/__mock/faults", json={"loseRate": 1}, timeout=5)
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            requests.get(f"{mock.url}/metrics/user/u1/Lost", timeout=5)
        (event,) = requests.get(f"{mock.url}/__mock/events", timeout=5).json()["events"]
        assert event["eventName"] == "Lost"


def test_a_lost_answer_may_come_late_instead(make_app):
    app = make_app()
    Client(app).put("/__mock/faults", json={"loseRate": 1, "loseDelayMs": 30000})
    request = MockRequest(EnvironBuilder(path="/metrics/user/u1/Late").get_environ())
    response = app.respond(request)
    assert not isinstance(response, LostAnswer) and response.delay_s == 30
    (event,) = app.journal.events()
    assert event.event_name == "Late"


def test_an_event_older_than_the_window_is_not_repeated(make_app):
    app = make_app()
    first = app.journal.record("Op", "u1", None, "Same", {"a": ["1"]})
    with app.journal.writing() as connection:  # received REPEAT_WINDOW_S and more ago
        earlier = utc_text(datetime.now(UTC) - timedelta(seconds=REPEAT_WINDOW_S, milliseconds=5))
        connection.execute("UPDATE events SET received_at = ? WHERE id = ?", (earlier, first.id))
    assert app.journal.record("Op", "u1", None, "Same", {"a": ["1"]}).repeat_of is None


@pytest.mark.parametrize(
    ("second", "repeats"),
    [
        ("/metrics/user/u1/Same?a=1&b=2", True),
        ("/metrics/user/u1/Same?b=2&a=1", False),  # another order: another request
        ("/metrics/user/u2/Same?a=1&b=2", False),
        ("/metrics/user/u1/Other?a=1&b=2", False),
        ("/metrics/user/u1/Same?a=1&b=3", False),
    ],
)
def test_a_repeat_is_the_same_operation_user_name_and_query(make_app, second, repeats):
    client = Client(make_app())
    client.get("/metrics/user/u1/Same?a=1&b=2")
    client.get(second)
    first, later = client.get("/__mock/events").get_json()["events"]
    assert later["repeatOf"] == (first["id"] if repeats else None)
