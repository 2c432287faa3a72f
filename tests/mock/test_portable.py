"""The mock and the suite on a system without `fcntl` and without `select.epoll`.

CI runs the mock's tests on macOS and Windows (.github/workflows/test.yml), but only on
GitHub's runners; here, on Linux, tests/mock/portable/sitecustomize.py takes from Python
what those systems lack (`fcntl`, epoll) and spawns processes as they do. The real mock,
`python -m mockserver` with two workers, then serves and records, and the contract suite,
`python -m contract_tests`, run the same way, finds that the contract holds against it.
The first test shows that the imitation is in force, so the others cannot pass without it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

# The imitation of the other systems, on Linux; on those systems the other tests run as is.
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="imitates macOS and Windows")
ROOT = Path(__file__).resolve().parents[2]
PORTABLE = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent / "portable"), str(ROOT)]),
}
# Bounds on each nested run: a quick check, and the whole suite on a loaded machine.
CHECK_S = 60
SUITE_S = 900
WHAT_PYTHON_HAS = """
import multiprocessing, selectors
try:
    import fcntl
except ImportError:
    fcntl = None
print(selectors.DefaultSelector.__name__, fcntl, multiprocessing.get_start_method())
"""


def test_the_imitation_takes_fcntl_and_epoll_away_and_spawns():
    seen = subprocess.run(
        [sys.executable, "-c", WHAT_PYTHON_HAS],
        env=PORTABLE,
        capture_output=True,
        text=True,
        check=True,
        timeout=CHECK_S,
    )
    assert seen.stdout.split() == ["PollSelector", "None", "spawn"]


def test_the_mock_serves_and_records_without_fcntl_and_epoll(start_cli_mock):
    with start_cli_mock("--workers", "2", env=PORTABLE) as mock:
        assert requests.get(f"{mock.url}/metrics/user/u/e", timeout=5).status_code == 200
        events = requests.get(f"{mock.url}/__mock/events", timeout=5).json()["events"]
    assert [event["eventName"] for event in events] == ["e"]
    assert "Traceback" not in mock.output()


def test_the_suite_passes_the_mock_without_fcntl_and_epoll(start_cli_mock, tmp_path):
    with start_cli_mock("--workers", "2", env=PORTABLE) as mock:
        suite = subprocess.run(
            [
                sys.executable,
                "-m",
                "contract_tests",
                f"--base-url={mock.url}",
                "-p",
                "no:cacheprovider",
                "--hypothesis-profile=quick",
            ],
            cwd=tmp_path,
            env=PORTABLE,
            capture_output=True,
            text=True,
            timeout=SUITE_S,
        )
    assert suite.returncode == 0, (suite.stdout + suite.stderr)[-4000:]
    assert "the contract holds" in suite.stdout
    assert "Traceback" not in mock.output()
