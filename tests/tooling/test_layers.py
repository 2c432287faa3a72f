"""The layers of the maps (mockserver/__init__.py, contract_tests/__init__.py), as `make lint`
keeps them with import-linter.

The contracts live in pyproject.toml and `make lint` runs `lint-imports` on them; these
tests prove that a forbidden import fails that check, on a copy of the packages.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def copy_of_the_packages(tmp_path: Path) -> Path:
    for package in ("mockserver", "contract_tests", "tracking_plan"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def lint_imports(where: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=where, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("module", "import_line", "contract"),
    [
        ("mockserver/config.py", "from .app import MockApp", "layers below them"),
        ("mockserver/journal/files.py", "from .store import Journal", "Inside the journal"),
        ("contract_tests/rules.py", "import mockserver.app", "never imports the mock"),
        ("contract_tests/spec.py", "import contract_tests.suite", "The suite's parts"),
        ("contract_tests/rules.py", "import contract_tests.journal", "The suite's parts"),
        ("contract_tests/suite.py", "import contract_tests.pytest.run", "The suite's parts"),
        (
            "contract_tests/pytest/options.py",
            "import contract_tests.pytest.run",
            "Inside the plugin",
        ),
        ("contract_tests/spec.py", "import requests", "know no HTTP"),
        ("mockserver/app.py", "import granian", "knows the server"),
        ("tracking_plan/reader.py", "import contract_tests.spec", "imports neither"),
        ("tracking_plan/verdict.py", "import mockserver.app", "imports neither"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(tmp_path, module, import_line, contract):
    where = copy_of_the_packages(tmp_path)
    path = where / module
    path.write_text(path.read_text() + f"\n{import_line}  # noqa\n")
    result = lint_imports(where)
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts")[1]
    assert contract in broken, result.stdout
