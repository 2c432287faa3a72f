"""tox as the README promises it: installed by `make install`, linting with the pinned tools.

`make lint` runs `tox -e lint`, so every `make test` proves that the lint env works; these
tests keep the pieces it relies on from drifting apart: the pin of tox itself, the Redocly
CLI taken from node_modules as package-lock.json pins it, and no tool fetched on the fly.
"""

from __future__ import annotations

import configparser
import json
import re
import shlex
from importlib.metadata import version
from pathlib import Path

import pytest
from top_level_make import make

ROOT = Path(__file__).resolve().parents[2]
# Files whose commands run on a developer's machine or in CI.
RUNNERS = [
    ROOT / "tox.ini",
    ROOT / "Makefile",
    ROOT / ".ci" / "run",
    *sorted((ROOT / ".github" / "workflows").glob("*.yml")),
]


def pins(path: Path) -> dict[str, str]:
    """`name==version` lines of a requirements or constraints file, by lower-case name
    (without the extras a requirement names: `granian[reload]` is granian)."""
    found = re.findall(
        r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==(\S+)", path.read_text(encoding="utf-8"), re.M
    )
    return {name.lower(): pinned for name, pinned in found}


def tox_ini() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "tox.ini", encoding="utf-8")
    return parser


def test_pins_parser_reads_exact_pins_only(tmp_path: Path):
    text = "# comment\ntox==4.67.13\nPyYAML==6.0.3\nloose>=1\n-c constraints.txt\nx[y]==2\n"
    path = tmp_path / "requirements.txt"
    path.write_text(text, encoding="utf-8")
    assert pins(path) == {"tox": "4.67.13", "pyyaml": "6.0.3", "x": "2"}


def test_tox_is_pinned_and_installed_by_the_install_step():
    required = pins(ROOT / "requirements.txt")["tox"]
    assert pins(ROOT / "constraints.txt")["tox"] == required
    assert version("tox") == required, "run make install: .venv has another tox"


def test_make_lint_runs_the_tox_lint_env():
    done = make("-n", "-o", "install", "lint")
    assert done.returncode == 0, done.stderr
    assert [shlex.split(line)[1:] for line in done.stdout.splitlines()] == [["-e", "lint"]]
    assert done.stdout.split()[0].endswith("/tox")


def test_the_lint_env_runs_the_redocly_cli_that_package_lock_pins():
    lint = tox_ini()["testenv:lint"]
    assert "{toxinidir}/node_modules/.bin/redocly lint" in lint["commands"]
    assert lint["allowlist_externals"].split() == ["{toxinidir}/node_modules/.bin/redocly"]
    wanted = json.loads((ROOT / "package.json").read_text())["devDependencies"]["@redocly/cli"]
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert re.fullmatch(r"\d+\.\d+\.\d+", wanted), "package.json pins an exact version"
    assert lock["packages"]["node_modules/@redocly/cli"]["version"] == wanted


def test_redocly_sends_no_telemetry():
    lines = tox_ini()["testenv:lint"]["setenv"].strip().splitlines()
    setenv = dict(tuple(part.strip() for part in line.split("=", 1)) for line in lines)
    assert setenv["REDOCLY_TELEMETRY"] == "off"


@pytest.mark.parametrize("path", RUNNERS, ids=lambda p: p.name)
def test_no_tool_is_fetched_outside_the_pinned_lists(path: Path):
    """npx, curl or wget would fetch an unpinned tool, or reach beyond the registries."""
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"\b(npx|curl|wget|pipx)\b", text), f"{path.name} fetches a tool"
