"""Run the mock as `make mock` runs it, on a free port, for the length of a block.

For tests: this project's own, the contract suite's default target, and a consumer's
(a fixture of its own can wrap it; nothing here needs pytest):

    with running_mock() as mock:
        requests.get(f"{mock.url}/metrics/thisuser/Viewed%20Page", headers=...)
        event = mock.wait_for_event(eventName="Viewed Page", query={"source": "blip"})
        assert mock.count_events(eventName="Viewed Page") == 1

It starts `python -m mockserver` (the server users run, its options built from a
MockConfig) in a process of its own, waits until it answers, and stops it after the
block. Errors the mock answered 500 for are raised when the block ends, with the log
that shows them, so they reach the test that caused them.
"""

from __future__ import annotations

import dataclasses
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from .config import MockConfig

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
# A free port may be taken by another process between the probe and the mock's bind.
PORT_ATTEMPTS = 3
_READY_PATH = "/__mock/status"
_FAILURE_MARK = "Traceback (most recent call last)"
# The longest one waiting listing waits (GET /__mock/events?wait=); longer waits ask again.
_MAX_WAIT_S = 60


class MockFailed(RuntimeError):
    """The mock did not start, or failed on a request; the message holds its output."""


@dataclasses.dataclass(frozen=True)
class RunningMock:
    url: str  # e.g. http://127.0.0.1:41234, no trailing slash
    journal_file: Path
    log_path: Path

    def output(self) -> str:
        """What the mock printed so far: the banner, one line per request, any error."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_event(self, timeout_s: float = 10.0, **filters) -> dict:
        """The first recorded event that matches `filters` (the listing's: eventName,
        userId, operationId, since, plan="off-plan" with a plan, and query={"source":
        "blip"} for a query parameter's value), as soon as it is committed; TimeoutError after `timeout_s` without one.
        The mock holds the request until then; nothing here polls or sleeps."""
        deadline = time.monotonic() + timeout_s
        while True:
            wait = min(max(deadline - time.monotonic(), 0.0), _MAX_WAIT_S)
            events = self._get("/__mock/events", filters, wait=f"{wait:.3f}", limit=1)["events"]
            if events:
                return events[0]
            if time.monotonic() >= deadline:
                raise TimeoutError(f"no event matching {filters} within {timeout_s:g} s")

    def count_events(self, **filters) -> int:
        """How many recorded events match `filters` (as wait_for_event takes them)."""
        return self._get("/__mock/events/count", filters)["count"]

    def _get(self, path: str, filters: dict, **more: str | int) -> dict:
        query = {name: value for name, value in filters.items() if name != "query"}
        query |= {f"query[{name}]": value for name, value in filters.get("query", {}).items()}
        url = f"{self.url}{path}?{urlencode({**query, **more})}"
        with urllib.request.urlopen(url, timeout=_MAX_WAIT_S + 10) as answer:
            return json.load(answer)


@contextmanager
def running_mock(config: MockConfig | None = None) -> Iterator[RunningMock]:
    """Serve the mock on a free port of `config.host` (127.0.0.1 by default) with a journal
    of its own, unless `config.journal_file` names one."""
    config = config or MockConfig()
    with tempfile.TemporaryDirectory(prefix="mockserver-", ignore_cleanup_errors=True) as folder:
        journal = config.journal_file or Path(folder) / "journal.sqlite3"
        log_path = Path(folder) / "mock.log"
        process, url = _start(dataclasses.replace(config, journal_file=journal), log_path)
        try:
            yield RunningMock(url, journal, log_path)
        finally:
            _stop(process)
        output = log_path.read_text(encoding="utf-8", errors="replace")
    if _FAILURE_MARK in output:
        raise MockFailed(f"the mock failed on a request:\n{output}")


def _start(config: MockConfig, log_path: Path) -> tuple[subprocess.Popen, str]:
    for _ in range(PORT_ATTEMPTS):
        config = dataclasses.replace(config, port=free_port(config.host))
        host = f"[{config.host}]" if ":" in config.host else config.host
        url = f"http://{host}:{config.port}"
        with open(log_path, "w", encoding="utf-8") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "mockserver", *config.as_arguments()],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if _answers(process, url + _READY_PATH):
            return process, url
        output = log_path.read_text(encoding="utf-8", errors="replace")
        if "in use" not in output:
            _stop(process)
            raise MockFailed(f"the mock did not start:\n{output}")
    raise MockFailed(f"no free port found in {PORT_ATTEMPTS} attempts")


def _answers(process: subprocess.Popen, url: str) -> bool:
    """Wait until `url` answers (True) or the process ends (False)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.02)
    _stop(process)
    raise MockFailed(f"the mock did not answer within {START_TIMEOUT_S:g} s")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port(host: str = "127.0.0.1") -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]
