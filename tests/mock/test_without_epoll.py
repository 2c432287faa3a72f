"""The mock serves where Python has no epoll (macOS, the BSDs), over real sockets.

tests/mock/without_epoll/sitecustomize.py removes `select.epoll` and every `select.EPOLL*`
name before anything is imported, so `selectors` picks poll, as it picks kqueue on macOS.
The real command-line mock then serves with it, and the serving tests pass with it, the
mocks they start included (they inherit the environment).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
WITHOUT_EPOLL = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent / "without_epoll"), str(ROOT)]),
}
SERVING_TESTS = ["test_event_map.py", "test_slow_clients.py", "test_loop_dispatch.py"]


def test_without_epoll_python_picks_poll():
    picked = subprocess.run(
        [sys.executable, "-c", "import selectors; print(selectors.DefaultSelector.__name__)"],
        env=WITHOUT_EPOLL,
        capture_output=True,
        text=True,
        check=True,
    )
    assert picked.stdout.strip() == "PollSelector"


def test_the_mock_serves_and_records_without_epoll(start_cli_mock):
    with start_cli_mock("--workers", "2", env=WITHOUT_EPOLL) as mock:
        assert requests.get(f"{mock.url}/metrics/user/u/e", timeout=5).status_code == 200
        events = requests.get(f"{mock.url}/__mock/events", timeout=5).json()["events"]
    assert [event["eventName"] for event in events] == ["e"]


def test_the_serving_tests_pass_without_epoll():
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SERVING_TESTS],
        cwd=Path(__file__).parent,
        env=WITHOUT_EPOLL,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-4000:]
