"""Running the suite as a pipeline does, in a subprocess, with every connection it begins recorded."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import recorded_network

from contract_tests.credentials import VARIABLES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run_suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    """Run `python -m contract_tests ARGS` with no credentials but those a test sets."""
    for name in (*VARIABLES, "PYTEST_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    # Let pytest cache its assertion-rewritten modules (seconds per run otherwise).
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    monkeypatch.setenv(recorded_network.LOG, str(pytester.path / "network.log"))
    monkeypatch.setenv(recorded_network.LOCAL_NAMES, recorded_network.REMOTE_LOOKING)
    return lambda *args: pytester.run(
        sys.executable,
        recorded_network.__file__,
        "-p",
        "no:cacheprovider",
        "--max-response-time=60",  # no timed assertion: a loaded machine may answer slowly
        *args,
        timeout=300,
    )


@pytest.fixture
def connections_begun(pytester: pytest.Pytester) -> Callable[[], list[str]]:
    """Each host and port the runs so far looked up to connect to (recorded_network.py)."""

    def begun() -> list[str]:
        log = pytester.path / "network.log"
        return log.read_text(encoding="utf-8").splitlines() if log.exists() else []

    return begun
