"""The README's shell snippets for the mock run as written, against a mock on a free port.

A newcomer copies them: the server login with its two headers, and the event sent after a
user's login. Each is taken from README.md, pointed at the test's mock instead of :8009,
and run by bash; the mock's journal must then hold what the snippet sent.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import requests

from mockserver.config import MockConfig
from mockserver.running import running_mock

ROOT = Path(__file__).resolve().parents[2]


def snippet(containing: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```sh\n(.*?)```", readme, re.DOTALL) if containing in b]
    return block


@pytest.fixture(scope="module")
def mock_url():
    with running_mock(MockConfig()) as mock:
        yield mock.url


def run(script: str, url: str) -> str:
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script.replace("http://127.0.0.1:8009", url)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_server_login_snippet_gets_a_server_token(mock_url):
    answer = run(snippet("/auth/serverlogin"), mock_url)

    assert answer.startswith("HTTP/1.1 200")
    assert re.search(r"^x-tidepool-session-token: \S+", answer, re.IGNORECASE | re.MULTILINE)


def test_the_event_snippet_records_the_event(mock_url):
    answer = run(snippet("/metrics/thisuser/"), mock_url)

    assert answer.startswith("HTTP/1.1 200")
    events = requests.get(f"{mock_url}/__mock/events", timeout=10).json()["events"]
    assert [e["eventName"] for e in events][-1:] == ["blip - Viewed Care Team List"]
    assert events[-1]["query"] == {"source": ["care-team"]}
