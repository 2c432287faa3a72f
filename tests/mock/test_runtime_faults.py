"""Faults changed while the mock runs (PUT /__mock/faults): in every worker at once,
back to the command line's after `seconds`, and nothing changed by a bad request."""

from __future__ import annotations

import time

import pytest
import requests
from werkzeug.test import Client

from mockserver.config import Latency, MockConfig
from mockserver.journal.shared import SharedSetting
from mockserver.journal.store import Journal
from mockserver.running import running_mock

METRICS = "/metrics/user/u1/Viewed%20Page?source=blip"
# Enough new connections that both workers answer some (each picks the next it accepts).
REQUESTS = 24


def statuses(url: str, count: int = REQUESTS) -> list[int]:
    """The status of `count` metrics requests, each on a connection of its own."""
    return [requests.get(url + METRICS, timeout=5).status_code for _ in range(count)]


def test_a_change_holds_in_every_worker_at_once_and_is_shown_and_printed():
    config = MockConfig(workers=2, latency=Latency(0, 0))
    with running_mock(config) as mock:
        assert set(statuses(mock.url)) == {200}
        change = {"failRate": 1, "status": 503, "seconds": 600}
        answer = requests.put(f"{mock.url}/__mock/faults", json=change, timeout=5)
        assert answer.status_code == 200 and answer.json()["changed"] is True
        failures = [requests.get(mock.url + METRICS, timeout=5) for _ in range(REQUESTS)]
        assert {(r.status_code, r.headers.get("Retry-After")) for r in failures} == {(503, "5")}
        shown = requests.get(f"{mock.url}/__mock/status", timeout=5).json()["faults"]
        assert (shown["failRate"], shown["status"], shown["until"] is not None) == (1, 503, True)
        # The last PUT wins, in every worker: {} is the command line's faults again.
        requests.put(f"{mock.url}/__mock/faults", json={}, timeout=5).raise_for_status()
        assert set(statuses(mock.url)) == {200}
        output = mock.output()
    lines = [line for line in output.splitlines() if " faults now " in line]
    assert len(lines) == 2 and "fail rate 100% (503) until" in lines[0]


def test_only_the_named_operations_suffer_the_change(client_of):
    client = client_of()
    client.put(
        "/__mock/faults", json={"failRate": 1, "operations": ["RecordMetricsEventForServer"]}
    )
    assert client.get(METRICS).status_code == 200


def test_a_change_lapses_after_its_seconds_by_the_clock(tmp_path):
    now = [1000.0]
    journal = Journal(tmp_path / "j.sqlite3", 10)
    try:
        shared = SharedSetting(journal, "faults", clock=lambda: now[0])
        shared.put({"failRate": 1}, seconds=60)
        now[0] += 59.9
        assert shared.get() == {"failRate": 1}
        now[0] += 0.1
        assert shared.get() is None
    finally:
        journal.close()


def test_another_connection_sees_a_change_at_once(tmp_path):
    """Two journals on one file stand for two workers: each reads the other's change."""
    one, two = (Journal(tmp_path / "j.sqlite3", 10) for _ in range(2))
    try:
        mine, theirs = SharedSetting(one, "faults"), SharedSetting(two, "faults")
        assert theirs.get() is None
        mine.put({"failRate": 1}, None)
        assert theirs.get() == {"failRate": 1}
        theirs.clear()
        assert mine.get() is None
    finally:
        one.close()
        two.close()


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"not json", "JSON object"),
        (b"[1]", "JSON object"),
        (b'{"failrate": 1}', "Unknown field 'failrate'"),
        (b'{"operations": ["Nope"]}', "Unknown operation 'Nope'"),
        (b'{"failRate": 1.5}', "share from 0 to 1"),
        (b'{"latency": "fast"}', "MS"),
        (b'{"latency": "1-2-3"}', "MS"),
        (b'{"status": 302}', "from 400 to 599"),
        (b'{"seconds": -1}', "from 1 to 3600"),
        (b'{"seconds": 3601}', "from 1 to 3600"),
        (b'{"loseDelayMs": 1e400}', "whole number"),
    ],
)
def test_a_bad_change_is_one_sentence_kept_among_the_refusals_and_changes_nothing(
    client_of, body, says
):
    client = client_of()
    before = client.get("/__mock/faults").get_json()
    answer = client.put("/__mock/faults", data=body, content_type="application/json")
    assert answer.status_code == 400 and says in answer.text
    assert answer.text.count("\n") == 1 and answer.text.rstrip().endswith(".")
    assert client.get("/__mock/faults").get_json() == before
    (kept,) = client.get("/__mock/rejections").get_json()["rejections"]
    assert (kept["method"], kept["status"], kept["reason"]) == ("PUT", 400, answer.text.strip())


def test_a_page_of_another_site_cannot_change_the_faults(client_of):
    client = client_of()
    foreign = {"Origin": "https://evil.example"}
    preflight = client.options(
        "/__mock/faults", headers={**foreign, "Access-Control-Request-Method": "PUT"}
    )
    assert preflight.status_code == 403
    put = client.put("/__mock/faults", json={"failRate": 1}, headers=foreign)
    assert put.status_code == 403
    assert client.get("/__mock/faults").get_json()["changed"] is False


@pytest.fixture
def client_of(make_app):
    def make(**overrides) -> Client:
        return Client(make_app(**overrides))

    return make


def test_the_api_shows_the_command_lines_faults_before_any_change(make_app):
    app = make_app(latency=Latency(100, 500), fail_rate=0.25)
    shown = Client(app).get("/__mock/faults").get_json()
    assert shown["commandLine"] == {key: shown[key] for key in shown["commandLine"]}
    assert (shown["latency"], shown["failRate"], shown["changed"]) == ("100-500", 0.25, False)


def test_over_sockets_a_change_lapses_and_the_command_lines_faults_are_back():
    with running_mock(MockConfig(workers=1)) as mock:
        change = {"failRate": 1, "seconds": 1}
        requests.put(f"{mock.url}/__mock/faults", json=change, timeout=5).raise_for_status()
        assert statuses(mock.url, 1) == [500]
        # Bounded: the change lapses one second after it was made, whatever this machine's pace.
        deadline = time.monotonic() + 10
        while statuses(mock.url, 1) != [200]:
            assert time.monotonic() < deadline, "the change never lapsed"
            time.sleep(0.1)
        assert requests.get(f"{mock.url}/__mock/faults", timeout=5).json()["changed"] is False
