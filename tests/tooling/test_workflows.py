"""The example CI workflows run commands that exist, and handle secrets safely.

The workflows are examples a release pipeline copies; an example that is never checked
rots. These tests read them as YAML, find every `make <target>` they run and ask make
whether the Makefile has a rule for it, and check that credentials reach the gate only as environment
variables, never interpolated into a script or echoed.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from top_level_make import make

from contract_tests.credentials import VARIABLES
from contract_tests.pytest.gate import SUMMARY_FILE
from contract_tests.pytest.options import REPORTS_DIR

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
GATE = WORKFLOWS / "contract-gate.yml"
TESTS = WORKFLOWS / "test.yml"
EXPLORE = WORKFLOWS / "explore.yml"
SPEC = ROOT / "spec" / "metrics.v1.yaml"
# The pinned actionlint (requirements.txt), installed beside this Python.
ACTIONLINT = Path(sys.executable).with_name("actionlint")

CREDENTIALS = VARIABLES
GATE_ENVIRONMENTS = {"qa1", "qa2", "dev1", "integration"}
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
# `make`, then any VAR=value assignments or options, then the first target.
MAKE_COMMAND = re.compile(r"(?:^|[;&|(]|\s)make(?![^\s;&|)])((?:[ \t]+[^\s;&|)]+)*)", re.MULTILINE)


def load_workflow(path: Path) -> dict:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 (PyYAML) reads the key `on` as the boolean True.
    if True in workflow:
        workflow["on"] = workflow.pop(True)
    return workflow


def make_targets_run(script: str) -> list[list[str]]:
    """The targets of every `make` command in a shell script (`make` alone: none named)."""
    targets = []
    for match in MAKE_COMMAND.finditer(script):
        words = shlex.split(match.group(1))
        targets.append([w for w in words if not w.startswith("-") and "=" not in w])
    return targets


def steps(workflow: dict):
    for job_name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_name, job, step


def walk(node, path=()):
    """Every (path, string) leaf of a parsed YAML document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, index))
    elif isinstance(node, str):
        yield path, node


@pytest.fixture(scope="module", params=[GATE, TESTS, EXPLORE], ids=lambda p: p.name)
def workflow(request) -> dict:
    return load_workflow(request.param)


@pytest.fixture(scope="module")
def gate() -> dict:
    return load_workflow(GATE)


# ---- the parsers above, on known input, so a broken parser cannot pass silently --------


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("make test", [["test"]]),
        ('make gate ENV="$GATE_ENVIRONMENT"', [["gate"]]),
        ("make ENV=qa1 -j2 contract ARGS='-x -q'", [["contract"]]),
        ("cd x && make lint; make", [["lint"], []]),
        ("echo cmake is not make-the-tool\ncmake --build .", []),
    ],
)
def test_make_command_parser(script, expected):
    assert make_targets_run(script) == expected


# ---- both workflows ---------------------------------------------------------------------


def test_every_make_target_a_workflow_runs_exists(workflow):
    """Asked with `make -q` (question mode: no recipe runs), which exits 2 only when make
    knows no rule for a target, as for the one a test made up."""
    commands = [t for _, _, step in steps(workflow) for t in make_targets_run(step.get("run", ""))]
    assert make("-q", "no-such-target").returncode == 2
    missing = [targets for targets in commands if make("-q", *targets).returncode == 2]
    assert not missing, f"make targets missing from the Makefile: {missing}"


@pytest.mark.parametrize("path", [GATE, TESTS], ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_with_its_version_named(path):
    """A tag can be moved to other code; a commit cannot. The comment says which release
    the commit is, for whoever updates it (read as text: YAML drops comments)."""
    used = re.findall(r"^\s*(?:- )?uses: (.*)$", path.read_text(encoding="utf-8"), re.M)
    assert used
    for action in used:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", action), action


def test_the_gate_installs_only_hashed_pins_of_the_suites_dependencies(gate):
    """Every file pip installs in the gate is checked against a hash; the pins are the
    versions of constraints.txt, and the names the suite's run-time dependencies."""
    installs = [s["run"] for _, _, s in steps(gate) if "pip install" in s.get("run", "")]
    assert installs == [
        "python -m pip install --quiet --require-hashes --no-deps -r requirements-gate.txt"
    ]
    pins = dict(
        re.fullmatch(r"([\w.-]+)==(\S+) --hash=sha256:[0-9a-f]{64}", line).groups()
        for line in (ROOT / "requirements-gate.txt").read_text(encoding="utf-8").splitlines()
        if not line.startswith("#")
    )
    constrained = dict(
        line.split("==")
        for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if "==" in line
    )
    assert {name: constrained.get(name) for name in pins} == pins
    wanted = [
        line
        for line in (ROOT / "requirements-gate.in").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    dependencies = [re.match(r"[\w.-]+", d).group() for d in declared["project"]["dependencies"]]
    assert set(wanted) == set(dependencies) - {"tidepool-metrics-plan"}
    assert {normalized(name) for name in wanted} <= {normalized(name) for name in pins}


def normalized(name: str) -> str:
    """A distribution name as the package registry compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def test_secrets_reach_steps_only_through_env(workflow):
    for path, text in walk(workflow):
        for expression in EXPRESSION.findall(text):
            if "secrets." not in expression:
                continue
            # jobs.<job>.steps.<n>.env.<NAME> or jobs.<job>.env.<NAME>, nowhere else.
            assert len(path) >= 2 and path[-2] == "env", f"secret used outside env: {path}"


def test_scripts_interpolate_no_expressions(workflow):
    """`${{ ... }}` inside `run:` is script injection waiting to happen; use env."""
    for job_name, _, step in steps(workflow):
        script = step.get("run", "")
        assert not EXPRESSION.search(script), f"{job_name}: {step.get('name')} interpolates"


def test_no_script_prints_a_credential(workflow):
    for _, job, step in steps(workflow):
        script = step.get("run", "")
        env = {**job.get("env", {}), **step.get("env", {})}
        secret_vars = [name for name, value in env.items() if "secrets." in str(value)]
        assert "set -x" not in script or not secret_vars, "set -x would trace the secrets"
        for line in script.splitlines():
            if re.search(r"\b(echo|printf|env|printenv|export -p)\b", line):
                for name in [*secret_vars, *CREDENTIALS]:
                    assert not re.search(rf"\${{?{name}\b", line), f"prints {name}: {line}"
            assert not re.search(r"^\s*(env|printenv)\s*$", line), "dumps the environment"


def test_read_only_token(workflow):
    assert workflow["permissions"] == {"contents": "read"}


# ---- the deploy gate --------------------------------------------------------------------


# The entry that keeps the exit status (make would turn 1 and 4 into 2).
GATE_ENTRY = ["-m", "contract_tests", "--gate"]


def gate_step(gate: dict) -> dict:
    (step,) = [s for _, _, s in steps(gate) if s.get("id") == "gate"]
    return step


# A whole `${{ context.name }}`, the only kind of expression the gate's env holds.
WHOLE_EXPRESSION = re.compile(r"\$\{\{\s*(\w+)\.([\w-]+)\s*\}\}")
FAKE_SECRETS = {name: f"fake-{name.lower()}" for name in CREDENTIALS}
# Stands in for Python on the runner: records its arguments, exits as told.
FAKE_PYTHON = """#!{python}
import json, os, sys
with open(os.environ["FAKE_ARGV"], "w", encoding="utf-8") as file:
    json.dump(sys.argv[1:], file)
sys.exit(int(os.environ["FAKE_STATUS"]))
"""


def evaluate(value: str, context: dict[str, dict[str, str]]) -> str:
    """A step's env value as GitHub would set it; an input the run was not given is a KeyError."""
    match = WHOLE_EXPRESSION.fullmatch(value)
    if match is None:
        assert "${{" not in value, f"an expression this reader cannot evaluate: {value}"
        return value
    return context[match[1]][match[2]]


@dataclass(frozen=True)
class GateRun:
    argv: list[str]  # what `python` was given
    status: int
    outputs: str  # what the step wrote to $GITHUB_OUTPUT


def run_gate_step(gate: dict, workdir: Path, inputs: dict[str, str], suite_status=0) -> GateRun:
    """The gate step's script, run as GitHub runs it (`bash -e`), its env evaluated from
    `inputs` and fake secrets, and a fake `python` first on PATH."""
    step = gate_step(gate)
    context = {"inputs": inputs, "secrets": FAKE_SECRETS}
    bin_dir = workdir / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "python"
    fake.write_text(FAKE_PYTHON.format(python=sys.executable), encoding="utf-8")
    fake.chmod(0o755)
    script, argv, outputs = workdir / "step.sh", workdir / "argv.json", workdir / "output"
    script.write_text(step["run"], encoding="utf-8")
    outputs.write_text("", encoding="utf-8")
    environ = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_OUTPUT": str(outputs),
        "FAKE_ARGV": str(argv),
        "FAKE_STATUS": str(suite_status),
        **{name: evaluate(value, context) for name, value in step["env"].items()},
    }
    done = subprocess.run(
        ["bash", "-e", str(script)], cwd=workdir, env=environ, capture_output=True, timeout=30
    )
    return GateRun(
        json.loads(argv.read_text(encoding="utf-8")),
        done.returncode,
        outputs.read_text(encoding="utf-8"),
    )


def test_the_gate_step_runner_fails_on_an_input_the_run_lacks(gate, tmp_path):
    """The proof that the runner above cannot pass a step whose env it did not evaluate."""
    with pytest.raises(KeyError):
        run_gate_step(gate, tmp_path, {})


def test_gate_can_be_run_by_hand_and_by_a_deploy_pipeline(gate):
    triggers = gate["on"]
    dispatch = triggers["workflow_dispatch"]["inputs"]["environment"]
    assert dispatch["type"] == "choice"
    assert set(dispatch["options"]) == GATE_ENVIRONMENTS
    call = triggers["workflow_call"]
    assert call["inputs"]["environment"]["required"] is True
    assert set(call["secrets"]) == set(CREDENTIALS)


def test_gate_environments_are_environments_the_suite_knows(gate):
    """The suite selects an environment by the description of a server in the spec."""
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    known = {server["description"] for server in spec["servers"]}
    options = gate["on"]["workflow_dispatch"]["inputs"]["environment"]["options"]
    assert set(options) <= known
    assert "production" not in options


def test_gate_runs_on_the_chosen_environment_with_every_credential(gate):
    step = gate_step(gate)
    assert step["env"]["GATE_ENVIRONMENT"] == "${{ inputs.environment }}"
    for name in CREDENTIALS:
        assert step["env"][name] == f"${{{{ secrets.{name} }}}}"


def test_gate_excuses_the_known_drifts_of_tidepools_environments_only(gate, tmp_path):
    """The shipped file describes Tidepool's service; the gate's choices never include the mock."""
    run = run_gate_step(gate, tmp_path, {"environment": "qa2", "replay": ""})
    assert run.argv == [*GATE_ENTRY, "--env", "qa2", "--known-drifts", "shipped"]
    assert "mock" not in gate["on"]["workflow_dispatch"]["inputs"]["environment"]["options"]


@pytest.mark.parametrize(
    ("suite_status", "verdict"),
    [(0, "holds"), (1, "broken"), (4, "not-verified"), (2, "not-verified")],
)
def test_gate_keeps_the_verdicts_exit_status_and_names_it(gate, tmp_path, suite_status, verdict):
    """make would turn 1 and 4 into 2: the workflow calls the entry that keeps them."""
    run = run_gate_step(gate, tmp_path, {"environment": "qa2", "replay": ""}, suite_status)
    assert run.status == suite_status
    assert run.outputs == f"verdict={verdict}\n"
    assert gate["on"]["workflow_call"]["outputs"]["verdict"]["value"] == (
        "${{ jobs.gate.outputs.verdict }}"
    )


def replay_checkout(gate: dict) -> dict:
    (checkout,) = [
        s
        for _, _, s in steps(gate)
        if s.get("uses", "").startswith("actions/checkout@")
        and s["with"]["repository"] == "${{ github.repository }}"
    ]
    return checkout


@pytest.mark.parametrize("trigger", ["workflow_call", "workflow_dispatch"])
def test_the_replay_input_is_optional_and_empty_by_default(gate, trigger):
    replay = gate["on"][trigger]["inputs"]["replay"]
    assert replay["type"] == "string"
    assert replay["required"] is False and replay["default"] == ""


def test_the_gate_replays_a_har_of_the_calling_repository(gate, tmp_path):
    """The file is checked out from the caller (in a called workflow github.repository and
    github.sha are the caller's), alone, beside the suite, and passed to --replay."""
    checkout = replay_checkout(gate)
    assert checkout["if"] == "inputs.replay != ''"
    assert checkout["with"]["ref"] == "${{ github.sha }}"
    assert checkout["with"]["sparse-checkout"] == "${{ inputs.replay }}"
    assert checkout["with"]["persist-credentials"] is False
    later = [s for _, _, s in steps(gate)]
    assert later.index(checkout) < later.index(gate_step(gate))

    har = "tests/recordings/blip session.har"  # a space: one argument all the same
    run = run_gate_step(gate, tmp_path, {"environment": "dev1", "replay": har}, 1)
    replayed = f"{checkout['with']['path']}/{har}"
    assert run.argv == [
        *GATE_ENTRY,
        "--env",
        "dev1",
        "--known-drifts",
        "shipped",
        "--replay",
        replayed,
    ]
    assert (run.status, run.outputs) == (1, "verdict=broken\n")


def test_make_gate_runs_the_same_command_as_the_workflow(gate, tmp_path):
    """Shipped known drifts included: the two must agree on the same server."""
    done = make("-n", "-o", ".venv/.installed", "gate", "ENV=qa2")
    assert done.returncode == 0, done.stderr
    (command,) = done.stdout.splitlines()
    words = shlex.split(command)[1:]
    workflow_run = run_gate_step(gate, tmp_path, {"environment": "qa2", "replay": ""})
    assert words == workflow_run.argv


@pytest.mark.parametrize("given", ["env=qa2", "BASEURL=http://127.0.0.1:1", "base_url=x"])
def test_make_refuses_a_lookalike_of_env_or_base_url_in_one_line(given):
    done = make("-n", "-o", ".venv/.installed", "contract", given)
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert f"unknown variable {given}; did you mean" in line


def test_gate_publishes_the_summary_the_entry_writes(gate):
    summary = f"{REPORTS_DIR}/{SUMMARY_FILE}"
    later = list(steps(gate))
    index = next(i for i, (_, _, s) in enumerate(later) if s is gate_step(gate))
    posts = [s for _, _, s in later[index + 1 :] if "GITHUB_STEP_SUMMARY" in s.get("run", "")]
    assert posts, "no step writes the job summary"
    assert posts[0]["if"] == "always()", "a failed gate is exactly when the summary matters"
    assert f"cat {summary} >>" in posts[0]["run"]


def test_gate_uploads_the_reports_even_when_it_fails(gate):
    uploads = [s for _, _, s in steps(gate) if "actions/upload-artifact@" in s.get("uses", "")]
    assert len(uploads) == 1
    assert uploads[0]["if"] == "always()"
    assert uploads[0]["with"]["path"].rstrip("/") == REPORTS_DIR


# ---- make test on every push ------------------------------------------------------------


def test_tests_run_on_every_push_with_python_node_and_chromium():
    workflow = load_workflow(TESTS)
    assert "push" in workflow["on"]
    assert list(workflow["on"]["push"] or {}) == [], "every push: no branch or path filter"
    job = workflow["jobs"]["test"]
    assert job["runs-on"] == "ubuntu-latest"
    # Python 3.11 either from the container image or from actions/setup-python.
    python = [
        s["with"]["python-version"] for s in job["steps"] if "setup-python" in s.get("uses", "")
    ]
    assert python == ["3.11"] or re.fullmatch(r"python:3\.11[\w.-]*", job.get("container", ""))
    scripts = "\n".join(s.get("run", "") for s in job["steps"])
    assert re.search(r"apt-get install .*\bchromium\b", scripts)
    assert make_targets_run(scripts) == [["test"]]


def test_a_pull_request_from_this_repository_is_tested_once_by_its_push():
    workflow = load_workflow(TESTS)
    assert set(workflow["on"]) == {"push", "pull_request"}
    for job in workflow["jobs"].values():
        assert job["if"] == (
            "github.event_name == 'push' || "
            "github.event.pull_request.head.repo.full_name != github.repository"
        )


def test_the_installed_distributions_are_tested_on_every_system_and_at_the_lowest_versions():
    """The lowest versions the ranges allow on Linux (make test has the pinned ones there),
    the pinned ones on macOS and Windows."""
    job = load_workflow(TESTS)["jobs"]["installed"]
    systems = {entry["os"]: entry["constraints"] for entry in job["strategy"]["matrix"]["include"]}
    assert systems == {
        "ubuntu-latest": "constraints-lowest.txt",
        "macos-latest": "constraints.txt",
        "windows-latest": "constraints.txt",
    }
    assert all((ROOT / constraints).is_file() for constraints in systems.values())
    assert job["runs-on"] == "${{ matrix.os }}"
    assert job["env"]["PIP_CONSTRAINT"] == "${{ matrix.constraints }}"


def test_the_installed_job_installs_both_and_runs_the_tests_without_a_browser():
    """One `python -m` command a step, as Windows' PowerShell runs it: no make, no bash."""
    job = load_workflow(TESTS)["jobs"]["installed"]
    scripts = [s["run"] for s in job["steps"] if "run" in s]
    assert all(len(script.strip().splitlines()) == 1 for script in scripts), scripts
    assert [shlex.split(script)[:3] for script in scripts] == [
        ["python", "-m", "pip"],
        ["python", "-m", "pytest"],
        ["python", "-m", "contract_tests"],
    ]
    install, tests, suite = (shlex.split(script) for script in scripts)
    assert install[3:] == ["install", "./packaging/mock[reload]", ".[mock]"]
    assert tests[3:6] == ["tests/mock", "--ignore-glob", "*_browser.py"]
    assert not any(word.startswith("--base-url") for word in suite), "the mock is the target"


# ---- Node for the pinned Redocly CLI ----------------------------------------------------


def satisfies(version: tuple[int, ...], engines: str) -> bool:
    """Whether a version meets an npm `engines` range made of `>=`, `<` and `||` only."""
    for alternative in engines.split("||"):
        bounds = re.findall(r"(>=|<)\s*(\d+)\.(\d+)\.(\d+)", alternative)
        assert bounds, f"cannot read the range {alternative!r}"
        if all(
            (version >= bound) if op == ">=" else (version < bound)
            for op, *numbers in bounds
            for bound in [tuple(map(int, numbers))]
        ):
            return True
    return False


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ((22, 12, 0), True),
        ((22, 11, 9), False),
        ((20, 19, 1), True),
        ((20, 18, 0), False),
        ((21, 0, 0), False),
        ((24, 1, 0), True),
    ],
)
def test_engines_reader(version, expected):
    assert satisfies(version, ">=22.12.0 || >=20.19.0 <21.0.0") is expected


def test_the_tests_run_on_a_node_the_pinned_redocly_cli_supports():
    """A major version in setup-node means its newest release; that one must be supported."""
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    engines = lock["packages"]["node_modules/@redocly/cli"]["engines"]["node"]
    job = load_workflow(TESTS)["jobs"]["test"]
    (node,) = [s["with"]["node-version"] for s in job["steps"] if "setup-node" in s.get("uses", "")]
    assert re.fullmatch(r"\d+", node), "a major version, kept current by setup-node"
    assert satisfies((int(node), 999, 999), engines), f"Node {node} against {engines}"


# ---- calling the gate from another repository -------------------------------------------


def test_queued_gates_wait_in_order_and_are_never_replaced(gate):
    """GitHub keeps one pending run per group unless `queue: max`; a replaced gate is a
    cancelled deploy."""
    assert gate["concurrency"] == {
        "group": "contract-gate-${{ inputs.environment }}",
        "cancel-in-progress": False,
        "queue": "max",
    }


def readme_gate_workflows() -> list[str]:
    """The workflows that call the gate from another repository, as the README and the
    pipeline's page show them."""
    pages = (ROOT / "README.md", ROOT / "docs" / "pipeline.md")
    text = "\n".join(page.read_text(encoding="utf-8") for page in pages)
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
    return [b for b in blocks if "contract-gate.yml@" in b]


README_GATE_WORKFLOWS = readme_gate_workflows()
readme_gate_workflow = pytest.mark.parametrize(
    "workflow_text",
    [pytest.param(text, id=f"example-{n}") for n, text in enumerate(README_GATE_WORKFLOWS, 1)],
)


def gate_call(workflow_text: str) -> dict:
    return yaml.safe_load(workflow_text)["jobs"]["contract-gate"]


@readme_gate_workflow
def test_the_readme_calls_the_gate_from_another_repository_with_explicit_secrets(
    gate, workflow_text
):
    jobs = yaml.safe_load(workflow_text)["jobs"]
    call = jobs["contract-gate"]
    assert re.fullmatch(r"[\w.-]+/[\w.-]+/\.github/workflows/contract-gate\.yml@\S+", call["uses"])
    assert isinstance(call["secrets"], dict), "secrets passed by name, not `inherit`"
    declared = gate["on"]["workflow_call"]
    assert set(call["secrets"]) <= set(declared["secrets"])
    assert set(call["with"]) <= set(declared["inputs"])
    assert [name for name, job in jobs.items() if job.get("needs") == "contract-gate"]


def test_the_readme_shows_a_call_without_and_a_call_with_a_replay():
    replays = [gate_call(text)["with"].get("replay") for text in README_GATE_WORKFLOWS]
    assert replays[0] is None
    assert [path for path in replays if path] == ["tests/recordings/blip.har"]


def actionlint(repository: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ACTIONLINT, "-no-color"], cwd=repository, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """An empty repository with this one's gate, for actionlint to check a caller against."""
    (tmp_path / ".git").mkdir()
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(GATE, tmp_path / ".github" / "workflows" / GATE.name)
    return tmp_path


def write_caller(repository: Path, jobs: dict) -> None:
    caller = {"name": "Deploy", "on": {"push": None}, "jobs": jobs}
    path = repository / ".github" / "workflows" / "deploy.yml"
    path.write_text(yaml.safe_dump(caller, sort_keys=False), encoding="utf-8")


@readme_gate_workflow
def test_actionlint_accepts_the_readme_workflow_as_written(repository, workflow_text):
    """actionlint checks the inputs and secrets of a call to a local workflow, so the
    README's call is pointed at the copy of the gate beside it; nothing else changes."""
    workflow = workflow_text
    (uses,) = re.findall(r"uses: (\S+contract-gate\.yml@\S+)", workflow)
    path = repository / ".github" / "workflows" / "deploy.yml"
    path.write_text(workflow.replace(uses, f"./.github/workflows/{GATE.name}"), encoding="utf-8")
    done = actionlint(repository)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_rejects_a_call_with_a_secret_the_gate_does_not_declare(repository):
    """The proof that the check above can fail."""
    call = {
        "uses": f"./.github/workflows/{GATE.name}",
        "with": {"environment": "qa2"},
        "secrets": {"TIDEPOOL_TOKEN": "${{ secrets.X }}"},
    }
    write_caller(repository, {"contract-gate": call})
    done = actionlint(repository)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "TIDEPOOL_TOKEN" in done.stdout


def test_a_called_gate_checks_out_this_suite_not_its_caller(gate):
    """In a called workflow, actions/checkout defaults to the caller's repository: the gate
    names its own (GitHub's job.workflow_* context), at its own commit or at suite-ref."""
    checkout, *others = [
        s for _, _, s in steps(gate) if s.get("uses", "").startswith("actions/checkout@")
    ]
    assert others == [replay_checkout(gate)]
    assert "path" not in checkout["with"], "the suite at the workspace's root, where it runs"
    assert checkout["with"]["repository"] == "${{ job.workflow_repository }}"
    assert checkout["with"]["ref"] == "${{ inputs.suite-ref || job.workflow_sha }}"
    suite_ref = gate["on"]["workflow_call"]["inputs"]["suite-ref"]
    assert suite_ref["required"] is False and suite_ref["default"] == ""
