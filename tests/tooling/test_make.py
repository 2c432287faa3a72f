"""`make` where something is missing: one line naming it and how to get it; no test, a failure.

Each case runs the real Makefile with a PATH that hides the tool, or a variable that points
nowhere, in a scratch directory when the target would build something there, so nothing is
installed or downloaded. pytest's exit code 5 (no tests collected) fails `make test`, and so
`.ci/run`, which runs it.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
from top_level_make import make

ROOT = Path(__file__).resolve().parents[2]
MAKE_OWN_LINE = re.compile(r"^make(\[\d+\])?: ")


def the_one_line(done: subprocess.CompletedProcess) -> str:
    """What the Makefile said on failure, apart from make's own `*** Error` line."""
    assert done.returncode != 0, done.stdout + done.stderr
    ours = [line for line in done.stderr.splitlines() if not MAKE_OWN_LINE.match(line)]
    assert len(ours) == 1, done.stderr
    return ours[0]


def executable(path: Path, script: str) -> Path:
    path.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A directory with the install rules' inputs and nothing built."""
    for name in ("requirements.txt", "constraints.txt", "package.json", "package-lock.json"):
        (tmp_path / name).touch()
    return tmp_path


@pytest.fixture
def bare_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PATH with no tool but a Python 3.10, which is too old."""
    directory = tmp_path_factory.mktemp("bin")
    executable(directory / "python3", "exit 1")  # what `-c 'sys.exit(version < 3.11)'` gives
    return directory


def test_no_suitable_python_is_one_line(scratch, bare_path):
    line = the_one_line(make(".venv/.installed", cwd=scratch, path=str(bare_path)))
    assert line.startswith("Python 3.11 or newer with venv is missing: install it")
    assert "PYTHON=" in line
    assert not (scratch / ".venv").exists()


def test_the_install_step_picks_a_suitable_python():
    done = make("--eval", "show-python: ; @echo $(PYTHON)", "show-python")
    python = done.stdout.strip()
    assert done.returncode == 0 and python, done.stderr
    check = subprocess.run(
        [python, "-c", "import sys; print(sys.version_info >= (3, 11))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert check.stdout.strip() == "True"


def test_no_npm_is_one_line(scratch, bare_path):
    line = the_one_line(make("node_modules/.installed", cwd=scratch, path=str(bare_path)))
    assert line.startswith("npm is missing: install Node.js 22")
    assert not (scratch / "node_modules").exists()


def test_no_chromium_and_no_apt_is_one_line(bare_path):
    done = make("chromium", "DEBIAN_CHROMIUM=/nonexistent/chromium", path=str(bare_path))
    line = the_one_line(done)
    assert line.startswith("chromium is missing: install it with this system's package manager")
    assert "CHROMIUM_PATH=" in line


def test_a_chromium_path_that_is_no_browser_is_one_line():
    line = the_one_line(make("chromium", "CHROMIUM_PATH=/nonexistent/chrome"))
    assert line.startswith("CHROMIUM_PATH=/nonexistent/chrome is not an executable")


def test_chromium_path_is_honoured_and_passed_to_the_tests(tmp_path: Path):
    browser = executable(tmp_path / "chrome", "exit 0")
    recipe = 'show-chromium: chromium ; @echo "$$CHROMIUM_PATH"'
    done = make("--eval", recipe, "show-chromium", f"CHROMIUM_PATH={browser}")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(browser)


def test_no_tests_collected_fails_make_test():
    """pytest exits 5 when it runs nothing; make passes that on as a failure."""
    args = "ARGS=-q -p no:cacheprovider -k no_test_is_named_like_this"
    done = make("test", "-o", "install", "-o", "chromium", "-o", "lint", args)
    assert done.returncode != 0, done.stdout
    assert re.search(r"\*\*\* \[.*test\] Error 5$", done.stderr, re.M), done.stderr


def test_ci_runs_make_test_and_stops_at_its_failure(tmp_path: Path):
    """.ci/run with a `make` that logs its arguments and fails: CI fails with it."""
    log = tmp_path / "make.log"
    executable(tmp_path / "make", f'echo "$*" >> {log}; exit 7')
    environ = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run([ROOT / ".ci" / "run"], env=environ, capture_output=True, timeout=60)
    assert done.returncode == 7
    assert log.read_text(encoding="utf-8").splitlines() == ["test"]


def test_make_mock_serves_on_the_port_and_host_it_is_given():
    done = make("-n", "mock", "PORT=8010", "HOST=0.0.0.0")

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].split() == [
        ".venv/bin/python",
        "-m",
        "mockserver",
        "--port",
        "8010",
        "--host",
        "0.0.0.0",
    ]


def test_make_help_speaks_of_the_project_only():
    done = make("help")

    assert done.returncode == 0 and "make mock" in done.stdout
    assert not re.search(r"\bissues? \d", done.stdout), done.stdout
