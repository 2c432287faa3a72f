"""Production is known by its host whatever spec is loaded, in the suite and in the mock."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from broken_servers import REFERENCE_TOKENS
from spec_copies import without_production

from contract_tests import production
from mockserver.upstream import passthrough

ROOT = Path(__file__).resolve().parents[2]
NOT_VERIFIED = 4


def test_the_suite_and_the_mock_know_the_same_production_host() -> None:
    """Two copies, since the suite never imports the mock: kept equal here."""
    assert production.TIDEPOOL_PRODUCTION_HOST == passthrough.TIDEPOOL_PRODUCTION_HOST


@pytest.mark.parametrize("rename", [None, "live"])
@pytest.mark.parametrize("url", ["https://api.tidepool.org", "https://API.tidepool.org.:443/v1"])
def test_a_spec_copy_without_production_does_not_switch_the_suites_guard_off(
    run_suite, connections_begun, monkeypatch, pytester, rename, url
) -> None:
    for name, token in REFERENCE_TOKENS.items():
        monkeypatch.setenv(name, token)
    copy = without_production(pytester.path, rename)

    result = run_suite(f"--spec-file={copy}", "--base-url", url)

    assert result.ret == NOT_VERIFIED
    errors = [line for line in result.stderr.lines if line.startswith("ERROR: ")]
    assert len(errors) == 1 and "refusing to test production (api.tidepool.org)" in errors[0]
    assert connections_begun() == []


@pytest.mark.parametrize("rename", [None, "live"])
def test_a_spec_copy_without_production_does_not_let_the_mock_forward_metrics_there(
    tmp_path: Path, rename: str | None
) -> None:
    copy = without_production(tmp_path, rename)
    command = [sys.executable, "-m", "mockserver", "--spec", str(copy), "--port", "0"]
    command += ["--upstream", "https://api.tidepool.org/", "--forward-metrics"]

    result = subprocess.run(command, capture_output=True, text=True, timeout=30, cwd=ROOT)

    assert result.returncode != 0
    assert result.stderr.count("\n") == 1, result.stderr
    assert "is production (api.tidepool.org)" in result.stderr
