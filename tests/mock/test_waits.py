"""Waiting and counting for end-to-end tests: GET /__mock/events?wait=S answers as soon
as a matching event is committed, holding no thread meanwhile; /__mock/events/count."""

from __future__ import annotations

import socket

import pytest
import requests
from werkzeug.test import Client

from mockserver.config import MockConfig
from mockserver.running import running_mock

# A bound, not a timing: a working mock answers a waiting listing as the event commits.
BOUND_S = 30
OPEN_WAITS = 20


def send_get(url: str, target: str, headers: str = "") -> socket.socket:
    """A GET sent on a socket of its own, its answer left to read."""
    host, port = url.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)), timeout=BOUND_S + 10)
    head = f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{headers}\r\n"
    connection.sendall(head.encode())
    return connection


def nothing_answered_yet(connection: socket.socket) -> bool:
    """No byte of an answer has come (a look, leaving the answer to be read)."""
    connection.settimeout(0.2)
    try:
        connection.recv(1, socket.MSG_PEEK)
    except TimeoutError:
        return True
    finally:
        connection.settimeout(BOUND_S + 10)
    return False


def read_all(connection: socket.socket) -> bytes:
    parts = []
    while part := connection.recv(65536):
        parts.append(part)
    connection.close()
    return b"".join(parts)


@pytest.fixture(scope="module")
def mock():
    # One thread per worker for the listings: a wait that held one would starve the rest.
    with running_mock(MockConfig(workers=2, threads=1)) as mock:
        yield mock


def test_a_waiting_listing_is_answered_after_the_commit_and_before_its_bound(mock):
    shown = requests.get(f"{mock.url}/__mock/events", timeout=5).json()["events"]
    since = shown[-1]["id"] if shown else 0
    waiting = send_get(
        mock.url, f"/__mock/events?since={since}&query%5Bsource%5D=e2e&wait={BOUND_S}"
    )
    assert nothing_answered_yet(waiting)
    # Another event first: it does not match, so the listing keeps waiting.
    requests.get(f"{mock.url}/metrics/user/u1/Other?source=blip", timeout=5).raise_for_status()
    assert nothing_answered_yet(waiting)
    # The 200 of the event comes after its commit, so the answer read next follows it.
    requests.get(f"{mock.url}/metrics/user/u1/Awaited?source=e2e", timeout=5).raise_for_status()
    answer = read_all(waiting)
    assert answer.startswith(b"HTTP/1.1 200")
    # Not the empty page of the bound: the awaited event, which exists only after its commit.
    assert b'"eventName": "Awaited"' in answer


@pytest.mark.parametrize(
    ("target", "headers"),
    [
        (f"/__mock/events?eventName=never&wait={BOUND_S}", ""),
        ("/metrics/user/u1/Slow", "Prefer: delay=10000\r\n"),
    ],
    ids=["waiting listings", "Prefer delays"],
)
def test_open_waits_and_delays_hold_no_thread(mock, target, headers):
    held = [send_get(mock.url, target, headers) for _ in range(OPEN_WAITS)]
    try:
        assert all(nothing_answered_yet(connection) for connection in held)
        # A listing needs a pool thread (one per worker here): it answers while they wait.
        assert requests.get(f"{mock.url}/__mock/events?limit=1", timeout=5).status_code == 200
        assert all(nothing_answered_yet(connection) for connection in held)
    finally:
        for connection in held:
            connection.close()


def test_wait_for_event_and_count_events_from_python(mock):
    requests.get(f"{mock.url}/metrics/user/u7/Helper?source=py", timeout=5).raise_for_status()
    event = mock.wait_for_event(eventName="Helper", query={"source": "py"}, timeout_s=BOUND_S)
    assert (event["userId"], event["query"]) == ("u7", {"source": ["py"]})
    assert mock.count_events(eventName="Helper") == 1
    assert mock.count_events(eventName="Helper", query={"source": "other"}) == 0
    with pytest.raises(TimeoutError, match="no event matching"):
        mock.wait_for_event(eventName="Helper", since=event["id"], timeout_s=0.2)


@pytest.mark.parametrize("wait", ["61", "-1", "soon", "1e3"])
def test_a_bad_wait_is_one_sentence_kept_among_the_refusals(make_app, wait):
    client = Client(make_app())
    answer = client.get(f"/__mock/events?wait={wait}")
    assert answer.status_code == 400 and "from 0 to 60" in answer.text
    (kept,) = client.get("/__mock/rejections").get_json()["rejections"]
    assert kept["status"] == 400


def test_filters_by_a_query_value_and_counts_them(make_app):
    client = Client(make_app())
    for target in ("/metrics/user/u/a?source=blip", "/metrics/user/u/b?source=uploader&x=1"):
        client.get(target)
    client.get("/metrics/user/u/c?source=a&source=blip")
    listed = client.get("/__mock/events?query%5Bsource%5D=blip").get_json()["events"]
    assert [event["eventName"] for event in listed] == ["a", "c"]
    assert client.get("/__mock/events/count?query[source]=blip").get_json() == {"count": 2}
    assert client.get("/__mock/events/count?query[x]=1&eventName=b").get_json() == {"count": 1}
