"""The package as another repository gets it: a wheel, installed into a fresh environment.

The wheel is built from this checkout (`pip wheel`, the build backend pinned in
pyproject.toml) and installed into a new virtual environment in a temporary directory,
far from the checkout and without its site packages, with the pinned constraints. From
there, as a service repository's CI would: the mock starts through its console script on
a free loopback port, and the installed suite (`pytest --pyargs contract_tests`, its
plugin loaded by the `pytest11` entry point) runs against it from a directory outside
the checkout. The installed packages must read their own copies of the spec, and the
plugin must leave unrelated tests alone and be registered once even where a conftest
loads it by name, as this repository's does.

Installing pulls every dependency from a wheelhouse kept beside pip's cache, one per
version of constraints.txt: filled from the package index on the first run, it makes
every later run an offline install (`--no-index`) that resolves the wheel's requirements
for real. The venv is created without pip, and the checkout's pip installs into it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from test_tox import pins

ROOT = Path(__file__).resolve().parents[2]
CONSTRAINTS = ROOT / "constraints.txt"
SPEC = ROOT / "spec" / "metrics.v1.yaml"
# Bounds on the mock's start (a loaded machine) and on each command.
MOCK_START_S = 60
COMMAND_S = 600


def test_each_dependency_admits_the_version_the_checkout_pins_and_tests():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    required, constrained = pins(ROOT / "requirements.txt"), pins(CONSTRAINTS)
    for line in project["dependencies"]:
        dependency = Requirement(line)
        name = dependency.name.lower()
        assert name in required, f"{name} is not pinned in requirements.txt"
        assert constrained[name] == required[name]
        assert dependency.specifier.contains(required[name]), line


def pip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        timeout=COMMAND_S,
    )


def wheelhouse() -> Path:
    """Where the pinned dependencies' wheels are kept between runs, per constraints.txt."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    version = hashlib.sha256(CONSTRAINTS.read_bytes()).hexdigest()[:12]
    return cache / "tidepool-metrics-contract" / f"wheelhouse-{version}"


def install(python: Path, wheel: Path) -> None:
    """Install `wheel` and its pinned requirements offline; fetch what the wheelhouse lacks."""
    house = wheelhouse()
    offline = ("--no-index", "--find-links", str(house), "-c", str(CONSTRAINTS), str(wheel))
    done = pip("--python", str(python), "install", "--quiet", *offline)
    if done.returncode != 0:
        # pip download keeps a copy of the wheel itself there too; one of an earlier run,
        # same version but older requirements, would contradict the fresh one.
        for kept in house.glob("tidepool_metrics_contract-*.whl"):
            kept.unlink(missing_ok=True)
        fetched = pip("download", "--quiet", "-d", str(house), "-c", str(CONSTRAINTS), str(wheel))
        assert fetched.returncode == 0, fetched.stderr
        done = pip("--python", str(python), "install", "--quiet", *offline)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ directory of a fresh environment with the wheel of this checkout installed."""
    dist = tmp_path_factory.mktemp("dist")
    built = pip("wheel", "--no-deps", "--quiet", "-w", str(dist), str(ROOT))
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("tidepool_metrics_contract-*.whl")
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=COMMAND_S
    )
    install(venv / "bin" / "python", wheel)
    return venv / "bin"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A working directory outside the checkout, and an environment that names nothing of it."""
    assert ROOT not in tmp_path.parents
    return tmp_path


def clean_environment() -> dict[str, str]:
    dropped = ("PYTHONPATH", "PYTEST_BASE_URL", "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "VIRTUAL_ENV")
    return {
        name: value
        for name, value in os.environ.items()
        if name not in dropped and not name.startswith("TIDEPOOL_")
    }


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=cwd, env=clean_environment(), capture_output=True, text=True, timeout=COMMAND_S
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def mock_url(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The mock, started through its console script; stopped at the end."""
    outside = tmp_path_factory.mktemp("mock")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(installed / "tidepool-metrics-mock"), "--port", str(port), "--workers", "1"]
    with open(outside / "mock.log", "w", encoding="utf-8") as log:
        mock = subprocess.Popen(
            command, cwd=outside, env=clean_environment(), stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + MOCK_START_S
        while True:
            assert mock.poll() is None, (outside / "mock.log").read_text(encoding="utf-8")
            try:
                with urllib.request.urlopen(f"{url}/__mock/status", timeout=5):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the mock did not answer in time"
                time.sleep(0.2)
        yield url
    finally:
        mock.terminate()
        try:
            mock.wait(timeout=15)
        except subprocess.TimeoutExpired:
            mock.kill()
            mock.wait()


# What a service repository's CI runs (README): the suite as pytest runs it (where the
# installed plugin's options are spelled `--tidepool-NAME`), and the gate.
SUITE_COMMANDS = {
    "pytest": (
        ["-m", "pytest", "--pyargs", "contract_tests", "--tidepool-summary-file=summary.md"],
        "summary.md",
    ),
    "gate": (["-m", "contract_tests", "--gate"], "reports/contract-summary.md"),
}


@pytest.mark.parametrize("command", SUITE_COMMANDS)
def test_the_installed_suite_passes_the_mock_started_by_its_console_script(
    installed: Path, outside: Path, mock_url: str, command: str
):
    words, summary = SUITE_COMMANDS[command]
    done = run(
        [
            str(installed / "python"),
            *words,
            f"--base-url={mock_url}",
            "-p",
            "no:cacheprovider",
            "--hypothesis-profile=quick",
        ],
        outside,
    )
    output = done.stdout + done.stderr
    counts = [line for line in done.stdout.splitlines() if re.fullmatch(r"=+ .* in .* =+", line)]
    outcome = counts[-1] if counts else ""

    assert done.returncode == 0, output  # 5 (no test collected) counts as a failure
    passed = re.search(r"\b(\d+) passed\b", outcome)
    assert passed and int(passed[1]) > 0, output
    assert not re.search(r"\b(failed|errors?|warnings?)\b", outcome), output
    assert str(ROOT) not in output, "the checkout's files were used"
    text = (outside / summary).read_text(encoding="utf-8")
    assert "| Verdict | the contract holds |" in text


@pytest.fixture(scope="module")
def broken_url() -> Iterator[str]:
    """A server that answers every request 500, in a thread of this process."""
    from werkzeug.serving import make_server
    from werkzeug.wrappers import Request, Response

    server = make_server("127.0.0.1", 0, Request.application(lambda r: Response(status=500)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join()


def test_a_failures_rerun_command_runs_from_any_directory(
    installed: Path, outside: Path, broken_url: str, tmp_path_factory: pytest.TempPathFactory
):
    """The rerun line of the installed suite's summary, pasted into a shell elsewhere."""
    suite = [str(installed / "python"), "-m", "contract_tests", f"--base-url={broken_url}"]
    done = run([*suite, "-p", "no:cacheprovider", "--hypothesis-profile=quick"], outside)
    reruns = [line.split("rerun: ", 1)[1] for line in done.stdout.splitlines() if "rerun: " in line]
    assert done.returncode == 1 and reruns, done.stdout + done.stderr

    elsewhere = tmp_path_factory.mktemp("elsewhere")
    again = subprocess.run(
        ["/bin/sh", "-c", reruns[-1]],
        cwd=elsewhere,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=COMMAND_S,
    )

    interpreter, dash_m, module, test, *_ = shlex.split(reruns[-1])
    assert [interpreter, dash_m, module] == [str(installed / "python"), "-m", "contract_tests"]
    assert test.startswith(f"{installed.parent}/")
    assert again.returncode == 1, again.stdout + again.stderr
    assert "Tests: 0 passed, 1 failed, 0 skipped" in again.stdout
    assert again.stdout.splitlines()[-2] == "Verdict: the contract is BROKEN"
    assert str(ROOT) not in reruns[-1] + again.stdout


def test_the_installed_mock_and_suite_each_read_their_own_copy_of_the_spec(
    installed: Path, outside: Path, mock_url: str
):
    with urllib.request.urlopen(f"{mock_url}/__mock/status", timeout=10) as answer:
        served = Path(json.load(answer)["spec"]["path"])
    done = run(
        [str(installed / "python"), "-c", "import contract_tests.spec as s; print(s.SPEC_PATH)"],
        outside,
    )
    read = Path(done.stdout.strip())

    environment = installed.parent
    for path in (served, read):
        assert environment in path.parents, path
        assert path.read_bytes() == SPEC.read_bytes()
    assert served != read, "the mock and the suite share one file"


def test_the_installed_suite_finds_the_shipped_known_drifts(installed: Path, outside: Path):
    done = run(
        [
            str(installed / "python"),
            "-c",
            "import contract_tests.drifts as d; print(d.SHIPPED_PATH)",
        ],
        outside,
    )
    path = Path(done.stdout.strip())
    assert installed.parent in path.parents, done.stderr
    assert path.read_bytes() == (ROOT / "spec" / "known-drifts.yaml").read_bytes()


UNRELATED_TESTS = """
import json
from hypothesis import given, settings, strategies

def test_what_the_plugin_leaves_alone(pytestconfig):
    manager = pytestconfig.pluginmanager
    copies = [p for p in manager.get_plugins() if getattr(p, "__name__", "") == "contract_tests.plugin"]
    seen = {
        "registered": len(copies),
        "option": hasattr(pytestconfig.option, "tidepool_summary_file"),
        "profile": settings.get_current_profile_name(),
        "settings": repr(settings.default),
    }
    print("SEEN", json.dumps(seen))

@given(strategies.integers())
def test_hypothesis_runs(number):
    assert isinstance(number, int)
"""


def test_other_tests_run_unchanged_where_the_package_is_installed(installed: Path, outside: Path):
    """With the plugin (by its entry point and by name from a conftest, as this checkout
    loads it) and without it, the same Hypothesis settings, and one registration."""
    (outside / "conftest.py").write_text('pytest_plugins = ["contract_tests.plugin"]\n')
    (outside / "test_unrelated.py").write_text(UNRELATED_TESTS)
    pytest_command = [str(installed / "python"), "-m", "pytest", "-p", "no:cacheprovider", "-s"]
    seen = {}
    for blocked in ((), ("-p", "no:contract_tests.plugin")):
        done = run([*pytest_command, *blocked], outside)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "2 passed" in done.stdout.splitlines()[-1]
        assert "contract summary" not in done.stdout
        (line,) = re.findall(r"^.*SEEN (.*)$", done.stdout, re.M)
        seen[bool(blocked)] = json.loads(line)

    assert (seen[False]["registered"], seen[True]["registered"]) == (1, 0)
    assert (seen[False]["option"], seen[True]["option"]) == (True, False)
    assert seen[False]["profile"] == seen[True]["profile"]
    assert seen[False]["settings"] == seen[True]["settings"]


NEIGHBOUR_CONFTEST = """
def pytest_addoption(parser):
    for name in ("--env", "--spec-file", "--summary-file", "--strict-auth"):
        parser.addoption(name, action="store", default="theirs")
"""
NEIGHBOUR_TESTS = """
def test_the_options_are_this_projects(pytestconfig):
    assert pytestconfig.getoption("env") == "staging"
    assert pytestconfig.getoption("spec_file") == "no/such/file.yaml"
    assert pytestconfig.getoption("strict_auth") == "theirs"

def test_its_base_url_is_its_own(base_url):
    assert base_url == "https://user:pw@staging.example.org"
"""


def test_a_project_with_options_of_the_same_names_runs_as_if_the_suite_were_not_there(
    installed: Path, outside: Path
):
    """Its own --env and --spec-file, and a base URL with a password that only it reads."""
    (outside / "conftest.py").write_text(NEIGHBOUR_CONFTEST)
    (outside / "test_neighbour.py").write_text(NEIGHBOUR_TESTS)
    done = run(
        [
            str(installed / "python"),
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--env=staging",
            "--spec-file=no/such/file.yaml",
            "--base-url=https://user:pw@staging.example.org",
        ],
        outside,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout.splitlines()[-1]
    assert "contract summary" not in done.stdout
