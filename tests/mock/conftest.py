"""Fixtures for the mock server's own tests: apps for Werkzeug's test client, and the
command-line mock (gunicorn) as a subprocess for the tests that need real sockets."""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from werkzeug.test import Client

from mockserver.app import MockApp
from mockserver.auth.accounts import DEFAULT_SERVER_SECRET
from mockserver.config import MockConfig

ROOT = Path(__file__).resolve().parents[2]
SESSION_TOKEN_HEADER = "X-Tidepool-Session-Token"
START_TIMEOUT_S = 20


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., MockApp]]:
    """Build apps with MockConfig overrides (journal in tmp_path); all closed afterwards."""
    apps: list[MockApp] = []

    def make(on_error=None, **overrides) -> MockApp:
        overrides.setdefault("journal_file", tmp_path / f"journal-{len(apps)}.sqlite3")
        apps.append(MockApp(dataclasses.replace(MockConfig(), **overrides), on_error=on_error))
        return apps[-1]

    yield make
    for app in apps:
        app.close()


@pytest.fixture
def app(make_app: Callable[..., MockApp]) -> MockApp:
    return make_app()


@pytest.fixture
def client(app: MockApp) -> Client:
    return Client(app)


def _log_in(client: Client, username: str = "alice@example.org", password: str = "pw") -> str:
    response = client.post("/auth/login", auth=(username, password))
    assert response.status_code == 200, response.text
    return response.headers[SESSION_TOKEN_HEADER]


def _log_in_server(
    client: Client, name: str = "clinic-worker", secret: str = DEFAULT_SERVER_SECRET
) -> str:
    response = client.post(
        "/auth/serverlogin",
        headers={"X-Tidepool-Server-Name": name, "X-Tidepool-Server-Secret": secret},
    )
    assert response.status_code == 200, response.text
    return response.headers[SESSION_TOKEN_HEADER]


@pytest.fixture
def log_in() -> Callable[..., str]:
    """`log_in(client, username, password)` -> a user token (asserts the login worked)."""
    return _log_in


@pytest.fixture
def log_in_server() -> Callable[..., str]:
    """`log_in_server(client, name, secret)` -> a server token (asserts the login worked)."""
    return _log_in_server


@pytest.fixture
def user_token(client: Client) -> str:
    return _log_in(client)


@pytest.fixture
def server_token(client: Client) -> str:
    return _log_in_server(client)


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for the module's browser tests (see browser.py)."""
    from browser import chromium  # Playwright loads only where a test needs a browser

    with chromium() as browser:
        yield browser


@pytest.fixture(name="free_port")
def free_port_fixture() -> int:
    return free_port()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclasses.dataclass
class CliMock:
    """A server running as a subprocess (`python -m mockserver`, or another server a check
    must fail on); `output()` is what it printed."""

    url: str
    port: int
    process: subprocess.Popen
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def serve_command(
    log_dir: Path,
    port: int,
    command: list[str],
    ready_path: str,
    env: Mapping[str, str] | None = None,
) -> Iterator[CliMock]:
    """Run a server's command, wait until `ready_path` answers on `port`, stop it after;
    `env`, if given, is its whole environment."""
    log_path = log_dir / f"server-{port}.log"
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        mock = CliMock(f"http://127.0.0.1:{port}", port, process, log_path)
        try:
            _wait_until_answering(mock, ready_path)
            yield mock
        finally:
            process.terminate()
            process.wait(timeout=START_TIMEOUT_S)


def _wait_until_answering(mock: CliMock, ready_path: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if mock.process.poll() is not None:
            raise RuntimeError(
                f"the server exited with {mock.process.returncode}:\n{mock.output()}"
            )
        try:
            with urllib.request.urlopen(mock.url + ready_path, timeout=1):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.02)
    raise RuntimeError(f"the server did not answer within {START_TIMEOUT_S} s:\n{mock.output()}")


@pytest.fixture(scope="session")
def start_cli_mock(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., CliMock]:
    """A factory: `with start_cli_mock("--workers", "2") as mock: ...`, on a free port."""
    log_dir = tmp_path_factory.mktemp("cli-mock")

    def start(
        *options: str, env: Mapping[str, str] | None = None
    ) -> AbstractContextManager[CliMock]:
        port = free_port()
        command = [sys.executable, "-m", "mockserver", "--port", str(port), *options]
        return serve_command(log_dir, port, command, "/__mock/status", env)

    return start


@pytest.fixture(scope="session")
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., CliMock]:
    """A factory for another server: `with start_server(port, command, ready_path) as s:`."""
    log_dir = tmp_path_factory.mktemp("server")
    return lambda port, command, ready_path: serve_command(log_dir, port, command, ready_path)
