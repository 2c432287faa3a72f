"""The two distributions as other repositories get them: wheels, in fresh environments.

This checkout builds two (docs/another-repository.md):
tidepool-metrics-mock (packaging/mock/pyproject.toml: the mock, its console script and its
runtime dependencies, nothing of the suite) and tidepool-metrics-contract (pyproject.toml:
the suite, its pytest11 plugin, and the extra `[mock]` for its default target). Each wheel
is built from this checkout (`pip wheel`, the build backend pinned in each pyproject) and
installed into new virtual environments in a temporary directory, far from the checkout
and without its site packages, with the pinned constraints: the mock alone, the suite with
the mock, the suite alone. From there, as a frontend's or a service repository's CI would:
the mock starts through its console script on a free loopback port, and the installed
suite (`pytest --pyargs contract_tests`, its plugin loaded by the `pytest11` entry point)
runs against it, or against the mock it starts itself, from a directory outside the
checkout. The installed packages must read their own copies of the spec, and the plugin
must leave unrelated tests alone and be registered once even where a conftest loads it by
name, as this repository's does.

Installing pulls every dependency from a wheelhouse kept beside pip's cache, one per
version of constraints.txt: filled from the package index on the first run, it makes
every later run an offline install (`--no-index`) that resolves the wheels' requirements
for real. The venvs are created without pip, and the checkout's pip installs into them.
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
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from contract_tests.pytest.fixtures import NO_TARGET_NO_MOCK
from mockserver.cli import NO_RELOADER

ROOT = Path(__file__).resolve().parents[2]
CONSTRAINTS = ROOT / "constraints.txt"
LOWEST = ROOT / "constraints-lowest.txt"
SPEC = ROOT / "spec" / "metrics.v1.yaml"
# Where each distribution's pyproject.toml is, by the name its wheel file starts with.
PROJECTS = {
    "tidepool_metrics_mock": ROOT / "packaging" / "mock",
    "tidepool_metrics_contract": ROOT,
    "tidepool_metrics_plan": ROOT / "packaging" / "plan",
}
MOCK, SUITE, PLAN = PROJECTS
# What only the suite needs: none of it may come with the mock.
SUITE_ONLY = {"pytest", "schemathesis", "hypothesis", "requests", "tidepool-metrics-contract"}
# Bounds on the mock's start (a loaded machine) and on each command.
MOCK_START_S = 60
COMMAND_S = 600


def pins(path: Path) -> dict[str, str]:
    """`name==version` lines of a requirements or constraints file, by lower-case name
    (without the extras a requirement names: `granian[reload]` is granian)."""
    found = re.findall(
        r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==(\S+)", path.read_text(encoding="utf-8"), re.M
    )
    return {name.lower(): pinned for name, pinned in found}


def project(name: str) -> dict:
    text = (PROJECTS[name] / "pyproject.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)["project"]


def requirements(name: str) -> list[Requirement]:
    """A distribution's requirements on others than this checkout's own distributions."""
    wanted = [Requirement(line) for line in project(name)["dependencies"]]
    return [r for r in wanted if canonicalize_name(r.name).replace("-", "_") not in PROJECTS]


@pytest.mark.parametrize("name", PROJECTS)
def test_each_dependency_admits_the_version_the_checkout_pins_and_tests(name):
    required, constrained = pins(ROOT / "requirements.txt"), pins(CONSTRAINTS)
    for dependency in requirements(name):
        pinned = required.get(dependency.name.lower())
        assert pinned, f"{dependency.name} is not pinned in requirements.txt"
        assert constrained[dependency.name.lower()] == pinned
        assert dependency.specifier.contains(pinned), dependency


def lower_bounds() -> dict[str, str]:
    """Each dependency of either distribution by name, with the lowest version it allows;
    a dependency of both must start at the same version in both."""
    bounds: dict[str, str] = {}
    for name in PROJECTS:
        for dependency in requirements(name):
            (lowest,) = [s.version for s in dependency.specifier if s.operator == ">="]
            kept = bounds.setdefault(canonicalize_name(dependency.name), lowest)
            assert kept == lowest, f"{dependency.name}: {kept} in one, {lowest} in the other"
    return bounds


def test_constraints_lowest_holds_the_lower_bound_of_every_range():
    """What CI's lowest-versions job installs (.github/workflows/test.yml)."""
    lowest = {canonicalize_name(name): pinned for name, pinned in pins(LOWEST).items()}
    assert lowest == lower_bounds()


def test_the_suites_mock_extra_admits_the_mock_of_this_checkout():
    (extra,) = [Requirement(line) for line in project(SUITE)["optional-dependencies"]["mock"]]
    assert extra.name == project(MOCK)["name"]
    assert extra.specifier.contains(Version(project(MOCK)["version"]))


def test_each_package_states_its_distributions_version():
    """What the mock's status reports and the suite compares (contract_tests/forwarding.py)."""
    import contract_tests
    import mockserver

    assert mockserver.__version__ == project(MOCK)["version"]
    assert contract_tests.__version__ == project(SUITE)["version"]


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


def offline(*wanted: str, constraints: Path = CONSTRAINTS) -> tuple[str, ...]:
    return ("--no-index", "--find-links", str(wheelhouse()), "-c", str(constraints), *wanted)


def install(python: Path, *wanted: str) -> None:
    """Install `wanted` (wheels of this checkout) and their pinned requirements offline;
    fetch what the wheelhouse lacks."""
    done = pip("--python", str(python), "install", "--quiet", *offline(*wanted))
    if done.returncode != 0:
        house = wheelhouse()
        fetched = pip("download", "--quiet", "-d", str(house), "-c", str(CONSTRAINTS), *wanted)
        assert fetched.returncode == 0, fetched.stderr
        # pip download keeps copies of this checkout's wheels there too; an earlier run's,
        # same version but older requirements, would contradict a fresh one.
        for kept in house.glob("tidepool_metrics_*.whl"):
            kept.unlink()
        done = pip("--python", str(python), "install", "--quiet", *offline(*wanted))
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The wheels, built from this checkout, by the name their files start with."""
    dist = tmp_path_factory.mktemp("dist")
    for folder in PROJECTS.values():
        built = pip("wheel", "--no-deps", "--quiet", "-w", str(dist), str(folder))
        assert built.returncode == 0, built.stderr
    return {name: next(dist.glob(f"{name}-*.whl")) for name in PROJECTS}


def environment(tmp_path_factory: pytest.TempPathFactory, *wanted: str) -> Path:
    """The bin/ directory of a fresh environment with `wanted` installed."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=COMMAND_S
    )
    install(venv / "bin" / "python", *wanted)
    return venv / "bin"


@pytest.fixture(scope="module")
def mock_alone(wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pip install tidepool-metrics-mock`, as a frontend repository installs it (with the
    tracking plan's reader, which it needs and which is not the suite's)."""
    return environment(tmp_path_factory, str(wheels[MOCK]), str(wheels[PLAN]))


@pytest.fixture(scope="module")
def installed(wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pip install "tidepool-metrics-contract[mock]"`: the suite with its default target."""
    return environment(
        tmp_path_factory, f"{wheels[SUITE]}[mock]", str(wheels[MOCK]), str(wheels[PLAN])
    )


@pytest.fixture(scope="module")
def suite_alone(wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pip install tidepool-metrics-contract`: a service repository's CI, which names its
    own target."""
    return environment(tmp_path_factory, str(wheels[SUITE]), str(wheels[PLAN]))


def wheel_files(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {name for name in archive.namelist() if ".dist-info/" not in name}


def checkout_files(package: str) -> set[str]:
    return {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.mark.parametrize(
    ("name", "package", "copies"),
    [
        (
            MOCK,
            "mockserver",
            {"specs/metrics.v1.yaml", "specs/closed-surface.yaml", "specs/mockserver.v1.yaml"},
        ),
        (SUITE, "contract_tests", {"metrics.v1.yaml", "known-drifts.yaml", "closed-surface.yaml"}),
        (PLAN, "tracking_plan", {"metrics.v1.yaml"}),
    ],
    ids=["mock", "suite", "plan"],
)
def test_each_wheel_holds_its_package_and_its_copies_of_the_specs(wheels, name, package, copies):
    """Nothing of the other package, and each spec copy the package looks for first
    (mockserver/config.py DEFAULT_SPEC_PATH and closed-surface.yaml beside it;
    contract_tests/spec.py shipped_file)."""
    copied = {f"{package}/{copy}" for copy in copies}
    assert wheel_files(wheels[name]) == checkout_files(package) | copied
    with zipfile.ZipFile(wheels[name]) as archive:
        for copy in copied:
            assert archive.read(copy) == (ROOT / "spec" / Path(copy).name).read_bytes()


def installed_names(bin_dir: Path) -> set[str]:
    listed = pip("--python", str(bin_dir / "python"), "list", "--format=json")
    assert listed.returncode == 0, listed.stderr
    return {canonicalize_name(package["name"]) for package in json.loads(listed.stdout)}


def pytest_plugins_registered(bin_dir: Path) -> list[str]:
    """The `pytest11` entry points of an environment: plugins every pytest run there loads."""
    names = (
        "import importlib.metadata as m, json;"
        " print(json.dumps(sorted(e.name for e in m.entry_points(group='pytest11'))))"
    )
    done = subprocess.run(
        [str(bin_dir / "python"), "-c", names], capture_output=True, text=True, timeout=COMMAND_S
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_mock_installs_alone(mock_alone: Path, installed: Path):
    """Its runtime dependencies and no part of the suite; the suite's environment, which
    has them, shows that the checks can fail."""
    alone, both = installed_names(mock_alone), installed_names(installed)
    wanted = {"tidepool-metrics-mock", "tidepool-metrics-plan", "granian", "werkzeug", "urllib3"}
    assert wanted | {"cachetools"} <= alone
    assert not alone & SUITE_ONLY, alone & SUITE_ONLY
    assert both >= SUITE_ONLY
    assert pytest_plugins_registered(mock_alone) == []
    assert "contract_tests.pytest.plugin" in pytest_plugins_registered(installed)


def test_without_its_reload_extra_the_mock_says_in_one_line_how_to_reload(
    mock_alone: Path, outside: Path
):
    """watchfiles (and anyio's pytest plugin with it) comes only with `[reload]`."""
    command = [str(mock_alone / "tidepool-metrics-mock"), "--reload", "--port", str(free_port())]
    done = run(command, outside)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", NO_RELOADER + "\n")


@pytest.mark.parametrize(
    ("name", "outside_its_range", "within_it"),
    [(MOCK, "granian==2.0.0", "granian==2.8.7"), (SUITE, "pytest==9.2.0", "pytest==9.1.1")],
)
def test_pip_refuses_a_dependency_outside_its_range(
    wheels, mock_alone, tmp_path, name, outside_its_range, within_it
):
    """As a project that pins the other version would find: pip resolves nothing. The same
    command with a version inside the range resolves, so the refusal is the range's."""
    outcomes = {}
    for pinned in (outside_its_range, within_it):
        constraints = tmp_path / "constraints.txt"
        constraints.write_text(f"{pinned}\n", encoding="utf-8")
        command = ("install", "--dry-run", "--ignore-installed", "--quiet")
        done = pip(
            "--python",
            str(mock_alone / "python"),
            *command,
            "-c",
            str(constraints),
            *offline(str(wheels[name]), str(wheels[MOCK]), str(wheels[PLAN])),
        )
        outcomes[pinned] = done
    refused = outcomes[outside_its_range]
    assert refused.returncode != 0
    assert "conflicting dependencies" in refused.stderr or "ResolutionImpossible" in refused.stderr
    assert outcomes[within_it].returncode == 0, outcomes[within_it].stderr


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
def mock_url(mock_alone: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The mock installed alone, started through its console script; stopped at the end."""
    outside = tmp_path_factory.mktemp("mock")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(mock_alone / "tidepool-metrics-mock"), "--port", str(port), "--workers", "1"]
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


def suite_outcome(done: subprocess.CompletedProcess) -> str:
    """pytest's closing count line (`== 12 passed in 3.4s ==`), or nothing."""
    counts = [line for line in done.stdout.splitlines() if re.fullmatch(r"=+ .* in .* =+", line)]
    return counts[-1] if counts else ""


def assert_the_suite_passed(done: subprocess.CompletedProcess) -> None:
    output, outcome = done.stdout + done.stderr, suite_outcome(done)
    assert done.returncode == 0, output  # 5 (no test collected) counts as a failure
    passed = re.search(r"\b(\d+) passed\b", outcome)
    assert passed and int(passed[1]) > 0, output
    assert not re.search(r"\b(failed|errors?|warnings?)\b", outcome), output
    assert str(ROOT) not in output, "the checkout's files were used"


# What a service repository's CI runs (docs/another-repository.md): the suite as pytest runs it (where the
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
    suite_alone: Path, outside: Path, mock_url: str, command: str
):
    words, summary = SUITE_COMMANDS[command]
    done = run(
        [
            str(suite_alone / "python"),
            *words,
            f"--base-url={mock_url}",
            "-p",
            "no:cacheprovider",
            "--hypothesis-profile=quick",
        ],
        outside,
    )
    assert_the_suite_passed(done)
    text = (outside / summary).read_text(encoding="utf-8")
    assert "| Verdict | the contract holds |" in text


def test_with_the_mock_extra_the_suite_tests_the_mock_when_no_target_is_named(
    installed: Path, outside: Path
):
    """The installed mock (`python -m mockserver`, started by the suite), not a copy of it."""
    suite = [str(installed / "python"), "-m", "contract_tests", "-p", "no:cacheprovider"]
    done = run([*suite, "--hypothesis-profile=quick"], outside)
    assert_the_suite_passed(done)
    assert "the contract holds" in done.stdout


def test_without_the_mock_the_suite_says_in_one_line_to_name_a_target(
    suite_alone: Path, outside: Path
):
    done = run(
        [str(suite_alone / "python"), "-m", "contract_tests", "-p", "no:cacheprovider"], outside
    )
    output = done.stdout + done.stderr
    assert done.returncode == 4, output  # not verified
    assert [line for line in output.splitlines() if NO_TARGET_NO_MOCK in line], output
    assert "Traceback" not in output


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
    suite_alone: Path, outside: Path, broken_url: str, tmp_path_factory: pytest.TempPathFactory
):
    """The rerun line of the installed suite's summary, pasted into a shell elsewhere."""
    suite = [str(suite_alone / "python"), "-m", "contract_tests", f"--base-url={broken_url}"]
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
    assert [interpreter, dash_m, module] == [str(suite_alone / "python"), "-m", "contract_tests"]
    assert test.startswith(f"{suite_alone.parent}/")
    assert again.returncode == 1, again.stdout + again.stderr
    assert "Tests: 0 passed, 1 failed, 0 skipped" in again.stdout
    assert again.stdout.splitlines()[-2] == "Verdict: the contract is BROKEN"
    assert str(ROOT) not in reruns[-1] + again.stdout


def test_the_installed_mock_and_suite_each_read_their_own_copy_of_the_spec(
    mock_alone: Path, installed: Path, outside: Path, mock_url: str
):
    """The mock installed alone serves its own; installed side by side, each reads its own."""
    with urllib.request.urlopen(f"{mock_url}/__mock/status", timeout=10) as answer:
        served = Path(json.load(answer)["spec"]["path"])
    paths = "import mockserver.config as m, contract_tests.spec as s; print(m.DEFAULT_SPEC_PATH); print(s.SPEC_PATH)"
    done = run([str(installed / "python"), "-c", paths], outside)
    mocks, suites = map(Path, done.stdout.split())

    assert mock_alone.parent in served.parents, served
    for path in (mocks, suites):
        assert installed.parent in path.parents, path
    for path in (served, mocks, suites):
        assert path.read_bytes() == SPEC.read_bytes()
    assert mocks != suites, "the mock and the suite share one file"


def test_the_suite_installed_alone_finds_the_shipped_known_drifts(suite_alone: Path, outside: Path):
    done = run(
        [
            str(suite_alone / "python"),
            "-c",
            "import contract_tests.drifts as d; print(d.SHIPPED_PATH)",
        ],
        outside,
    )
    path = Path(done.stdout.strip())
    assert suite_alone.parent in path.parents, done.stderr
    assert path.read_bytes() == (ROOT / "spec" / "known-drifts.yaml").read_bytes()


UNRELATED_TESTS = """
import json
from hypothesis import given, settings, strategies

def test_what_the_plugin_leaves_alone(pytestconfig):
    manager = pytestconfig.pluginmanager
    copies = [p for p in manager.get_plugins() if getattr(p, "__name__", "") == "contract_tests.pytest.plugin"]
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
    (outside / "conftest.py").write_text('pytest_plugins = ["contract_tests.pytest.plugin"]\n')
    (outside / "test_unrelated.py").write_text(UNRELATED_TESTS)
    pytest_command = [str(installed / "python"), "-m", "pytest", "-p", "no:cacheprovider", "-s"]
    seen = {}
    for blocked in ((), ("-p", "no:contract_tests.pytest.plugin")):
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
    suite_alone: Path, outside: Path
):
    """Its own --env and --spec-file, and a base URL with a password that only it reads."""
    (outside / "conftest.py").write_text(NEIGHBOUR_CONFTEST)
    (outside / "test_neighbour.py").write_text(NEIGHBOUR_TESTS)
    done = run(
        [
            str(suite_alone / "python"),
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
