"""Starting `python -m mockserver`: what goes wrong is one line, and the URLs printed work."""

import signal
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import pytest
import requests

from mockserver.cli import config_from_args
from mockserver.serving.listen import urls

START_TIMEOUT_S = 30
ANSWER_TIMEOUT_S = 10
MINIMAL_SPEC = """
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /ping:
    get:
      operationId: Ping
      security: [{}]
      responses: {'200': {description: ok}}
"""


def run_mock(*options: str) -> subprocess.CompletedProcess:
    """The command, expected to stop by itself at start-up."""
    return subprocess.run(
        [sys.executable, "-m", "mockserver", *options],
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
    )


def refused_in_one_line(result: subprocess.CompletedProcess, words: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], result.stderr


@pytest.mark.parametrize(
    "arguments",
    [
        ["--port", "70000"],
        ["--port", "-1"],
        ["--cors-origin", "http://localhost:3000/app"],
        ["--cors-origin", "localhost:3000"],
        ["--upstream-timeout", "0"],
    ],
)
def test_a_bad_port_or_origin_is_a_usage_error(arguments, capsys):
    with pytest.raises(SystemExit) as raised:
        config_from_args(arguments)
    error = capsys.readouterr().err
    assert raised.value.code == 2 and f"argument {arguments[0]}" in error
    assert len(error.splitlines()) == 1, error


def test_origins_repeat(tmp_path):
    config, _ = config_from_args(
        ["--cors-origin", "http://localhost:3000", "--cors-origin", "https://app.example"]
    )
    assert config.allowed_origins() == ("http://localhost:3000", "https://app.example")


def test_a_port_in_use_is_one_line_naming_it(start_cli_mock):
    with start_cli_mock() as running:
        result = run_mock("--port", str(running.port))
    refused_in_one_line(result, f"port {running.port} on 127.0.0.1 is in use")


def test_an_address_not_of_this_machine_is_one_line():
    refused_in_one_line(
        run_mock("--host", "192.0.2.1", "--port", "0"), "cannot listen on 192.0.2.1"
    )


@pytest.mark.parametrize(
    ("journal", "words"),
    [
        (".", "is a folder"),
        ("missing/journal.sqlite3", "does not exist"),
        ("notes.txt", "is not a SQLite journal"),
    ],
)
def test_an_unusable_journal_file_is_one_line(tmp_path, journal, words):
    (tmp_path / "notes.txt").write_text("not a database, " * 20, encoding="utf-8")
    refused_in_one_line(run_mock("--journal-file", str(tmp_path / journal), "--port", "0"), words)


def test_a_journal_of_the_previous_format_is_one_line(tmp_path):
    """A --journal-file of the sharded journal before: one line, and the file untouched."""
    path = tmp_path / "journal.sqlite3"
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value NOT NULL)")
        connection.commit()
    before = path.read_bytes()
    result = run_mock("--journal-file", str(path), "--port", "0")
    refused_in_one_line(result, f"{path} was written by another version of the mock")
    assert path.read_bytes() == before


def test_a_spec_without_operations_is_refused(tmp_path):
    spec = tmp_path / "empty.yaml"
    spec.write_text("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n", encoding="utf-8")
    refused_in_one_line(run_mock("--spec", str(spec), "--port", "0"), "no operations to serve")


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="Windows has no terminal hang-up")
def test_closing_the_terminal_stops_the_mock(start_cli_mock):
    with start_cli_mock() as running:
        running.process.send_signal(signal.SIGHUP)
        assert running.process.wait(timeout=START_TIMEOUT_S) == 0
        assert "Reloading" not in running.output()


# SIGKILL and SIGTERM on POSIX; on Windows both end the process at once.
@pytest.mark.parametrize("stop", ["kill", "terminate"])
def test_no_worker_outlives_its_master(start_cli_mock, stop):
    with start_cli_mock("--workers", "2") as running:
        getattr(running.process, stop)()
        running.process.wait(timeout=START_TIMEOUT_S)
        assert _refused_within_bound(running.port)


def _refused_within_bound(port: int) -> bool:
    """Whether connecting to `port` is refused (no process holds its listening socket) at
    some try before the bound; a worker left serving keeps it accepted."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=ANSWER_TIMEOUT_S).close()
        except ConnectionRefusedError:
            return True
        time.sleep(0.1)
    return False


def _wait_for(url: str, process: subprocess.Popen) -> requests.Response:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            return requests.get(url, timeout=ANSWER_TIMEOUT_S)
        except requests.RequestException:  # not listening yet, or slow on a loaded machine
            time.sleep(0.1)
    raise AssertionError(f"nothing answered at {url}")


def _started(tmp_path, *options: str):
    log = open(tmp_path / "mock.log", "w+", encoding="utf-8")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", *options], stdout=log, stderr=subprocess.STDOUT
    )
    return process, log


def test_an_ipv6_loopback_address_serves_and_prints_a_usable_url(tmp_path, free_port):
    process, log = _started(tmp_path, "--host", "::1", "--port", str(free_port), "--workers", "1")
    try:
        response = _wait_for(f"http://[::1]:{free_port}/__mock/status", process)
        assert response.status_code == 200
        log.seek(0)
        assert f"serving    http://[::1]:{free_port}" in log.read()
    finally:
        process.terminate()
        process.wait(timeout=START_TIMEOUT_S)
        log.close()


def test_all_interfaces_print_the_loopback_url_and_those_of_the_network(monkeypatch):
    monkeypatch.setattr("mockserver.serving.listen._network_addresses", lambda: ["192.168.1.20"])
    assert urls("0.0.0.0", 8009) == ("http://127.0.0.1:8009", ["http://192.168.1.20:8009"])
    assert urls("::1", 8009) == ("http://[::1]:8009", [])


def test_reload_restarts_when_the_spec_changes(tmp_path, free_port):
    spec = tmp_path / "spec.yaml"
    spec.write_text(MINIMAL_SPEC, encoding="utf-8")
    process, log = _started(tmp_path, "--reload", "--spec", str(spec), "--port", str(free_port))
    base = f"http://127.0.0.1:{free_port}"
    try:
        assert _wait_for(f"{base}/ping", process).status_code == 200
        assert requests.get(f"{base}/pong", timeout=ANSWER_TIMEOUT_S).status_code == 404
        spec.write_text(MINIMAL_SPEC.replace("/ping", "/pong"), encoding="utf-8")
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/pong", timeout=ANSWER_TIMEOUT_S).status_code == 200:
                    break
            except requests.RequestException:
                pass  # restarting
            time.sleep(0.2)
        else:
            raise AssertionError("the mock did not serve the changed spec")
    finally:
        process.terminate()
        process.wait(timeout=START_TIMEOUT_S)
        log.close()
