"""mockserver.running: the mock as `make mock` runs it, for the length of a block."""

import socket
import sqlite3
from contextlib import closing

import pytest
import requests

from mockserver.config import MockConfig
from mockserver.running import MockFailed, running_mock


def raw_exchange(url: str, data: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(data)
        return connection.recv(4096)


def test_serves_on_a_free_loopback_port_and_stops():
    with running_mock() as mock:
        assert mock.url.startswith("http://127.0.0.1:") and not mock.url.endswith("/")
        with requests.Session() as session:
            assert session.get(mock.url + "/metrics/user/u/e").status_code == 200
            assert session.get(mock.url + "/__mock/events").json()["events"][0]["userId"] == "u"
        journal = mock.journal_file
        assert "#1 e  user u" in mock.output()
    port = int(mock.url.rsplit(":", 1)[1])
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    assert not journal.exists()


def test_two_mocks_run_side_by_side_with_separate_journals():
    with running_mock() as one, running_mock() as two:
        requests.get(one.url + "/metrics/user/u/e", timeout=5).close()
        assert requests.get(two.url + "/__mock/events", timeout=5).json()["events"] == []


def test_a_journal_file_named_is_kept(tmp_path):
    path = tmp_path / "kept.sqlite3"
    with running_mock(MockConfig(journal_file=path)) as mock:
        requests.get(mock.url + "/metrics/user/u/e", timeout=5).close()
    with running_mock(MockConfig(journal_file=path)) as mock:
        events = requests.get(mock.url + "/__mock/events", timeout=5).json()["events"]
    assert [event["eventName"] for event in events] == ["e"]


def test_the_raw_path_reaches_the_app_over_a_socket():
    with running_mock() as mock:
        request = b"GET /metrics/user/a%2Fb/x+y%20z HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        assert raw_exchange(mock.url, request).startswith(b"HTTP/1.1 200")
        event = requests.get(mock.url + "/__mock/events", timeout=5).json()["events"][0]
        assert (event["userId"], event["eventName"]) == ("a/b", "x+y z")


def test_a_mock_that_cannot_start_says_why(tmp_path):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    with (
        pytest.raises(MockFailed, match="--journal-file .* is a folder"),
        running_mock(MockConfig(journal_file=folder)),
    ):
        pass


def test_errors_inside_the_mock_reach_the_block_that_caused_them(tmp_path):
    path = tmp_path / "journal.sqlite3"
    with (
        pytest.raises(MockFailed, match="no such table: events"),
        running_mock(MockConfig(journal_file=path)) as mock,
    ):
        with closing(sqlite3.connect(path)) as journal:  # a journal broken behind its back
            journal.execute("DROP TABLE events")
            journal.commit()
        assert requests.get(mock.url + "/metrics/user/u/e", timeout=5).status_code == 500
