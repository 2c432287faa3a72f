"""The documented workflow that judges a spec change on pull requests, checked as written.

docs/spec-change.md shows it for copying into the repository that holds the spec; an
example nobody runs rots, so actionlint reads it, and it keeps the rules the repository's
own workflows keep (test_workflows.py): pinned actions, no expression inside a script,
the token only as an environment variable.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from test_workflows import EXPRESSION, actionlint, steps

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "spec-change.md"


def documented_workflow() -> str:
    (block,) = [
        b
        for b in re.findall(r"```yaml\n(.*?)```", DOC.read_text("utf-8"), re.DOTALL)
        if "spec_change" in b
    ]
    return block


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    return tmp_path


def test_actionlint_accepts_the_documented_workflow(repository):
    path = repository / ".github" / "workflows" / "spec-change.yml"
    path.write_text(documented_workflow(), encoding="utf-8")
    done = actionlint(repository)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_would_reject_it_with_an_expression_in_a_script(repository):
    """The proof that the check above can fail: actionlint flags an untrusted input."""
    broken = documented_workflow().replace(
        'git show "$BASE_SHA:',
        'echo "${{ github.event.pull_request.title }}"\n          git show "$BASE_SHA:',
    )
    (repository / ".github" / "workflows" / "spec-change.yml").write_text(broken, "utf-8")
    assert actionlint(repository).returncode == 1


def test_it_runs_on_pull_requests_touching_the_spec_and_keeps_the_exit_status():
    workflow = yaml.safe_load(documented_workflow())
    trigger = workflow[True]["pull_request"]  # YAML 1.1 reads the key `on` as True
    assert trigger["paths"] == ["spec/metrics.v1.yaml"]
    scripts = [step.get("run", "") for _, _, step in steps(workflow)]
    judging = next(script for script in scripts if "contract_tests.spec_change" in script)
    assert "||" not in judging and "continue-on-error" not in documented_workflow()
    for script in scripts:
        assert not EXPRESSION.search(script)
    for _, _, step in steps(workflow):
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"])  # pinned
