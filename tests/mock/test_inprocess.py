"""mockserver.serving.inprocess: running_mock() over a real socket."""

import socket

import pytest
import requests

from mockserver.config import REQUEST_LINE_LIMIT
from mockserver.serving.inprocess import running_mock


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
        journal = mock.app.journal.path
    port = int(mock.url.rsplit(":", 1)[1])
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    assert not journal.exists()


def test_two_mocks_run_side_by_side_with_separate_journals():
    with running_mock() as one, running_mock() as two:
        requests.get(one.url + "/metrics/user/u/e", timeout=5).close()
        assert requests.get(two.url + "/__mock/events", timeout=5).json()["events"] == []


def test_the_raw_path_reaches_the_app_over_a_socket():
    with running_mock() as mock:
        request = b"GET /metrics/user/a%2Fb/x+y%20z HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        assert raw_exchange(mock.url, request).startswith(b"HTTP/1.1 200")
        event = requests.get(mock.url + "/__mock/events", timeout=5).json()["events"][0]
        assert (event["userId"], event["eventName"]) == ("a/b", "x+y z")


def test_an_over_long_request_line_is_414_and_oversized_headers_431():
    with running_mock() as mock:
        long_line = (
            b"GET /metrics/user/u/"
            + b"e" * REQUEST_LINE_LIMIT
            + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        )
        assert raw_exchange(mock.url, long_line).startswith(b"HTTP/1.1 414")
        big_header = (
            b"GET /metrics/user/u/e HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
            + b"a" * 9000
            + b"\r\n\r\n"
        )
        assert raw_exchange(mock.url, big_header).startswith(b"HTTP/1.1 431")
        many = b"".join(b"X-H%d: v\r\n" % n for n in range(150))
        too_many = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + many + b"\r\n"
        assert raw_exchange(mock.url, too_many).startswith(b"HTTP/1.1 431")


def test_errors_inside_the_app_reach_the_test_that_caused_them(monkeypatch):
    with pytest.raises(ExceptionGroup) as raised, running_mock() as mock:

        def broken(*args, **kwargs):
            raise RuntimeError("journal broke")

        monkeypatch.setattr(mock.app.journal, "record", broken)
        assert requests.get(mock.url + "/metrics/user/u/e", timeout=5).status_code == 500
    assert [str(error) for error in raised.value.exceptions] == ["journal broke"]
