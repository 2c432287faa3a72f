"""The command that runs exactly one failed test again, from any directory.

The interpreter that ran it, `-m contract_tests` (from a checkout, with the checkout on
PYTHONPATH), the test by its absolute path, the same target, profile, seed and every
suite option that was changed from its default.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from contract_tests.pytest.options import OPTIONS, option
from contract_tests.pytest.run import Run

PACKAGE_DIR = Path(__file__).resolve().parents[1]
# Options of a whole run, which a rerun of one test does not repeat (its target is its URL).
# The gate's own settings (strict auth among them) are repeated one by one.
RUN_ONLY = ("env", "summary-file", "gate", "reports")


def rerun_command(item: pytest.Item, run: Run) -> str:
    config = item.config
    # A generated-case test is one item per function, named by schemathesis with brackets
    # that pytest cannot select it by: its function's name selects it.
    test = f"{item.path}::{item.name if hasattr(item, 'callspec') else item.originalname}"
    words = [sys.executable, "-m", "contract_tests", test]
    if run.target.base_url is not None:
        words.append(f"--base-url={run.target.base_url}")
    for name, keywords in OPTIONS.items():
        value = option(config, name)
        if name in RUN_ONLY or value in (None, False, keywords.get("default")):
            continue
        if isinstance(value, str) and Path(value).exists():
            value = Path(value).resolve()  # a file named relative to the run's directory
        words.append(f"--{name}" if value is True else f"--{name}={value}")
    words.append(f"--hypothesis-profile={run.summary.profile}")
    if config.getoption("hypothesis_seed") is not None:
        words.append(f"--hypothesis-seed={config.getoption('hypothesis_seed')}")
    # From a checkout (not installed), the package is importable only with its root on the path.
    installed = PACKAGE_DIR.parent.name in ("site-packages", "dist-packages")
    path = "" if installed else f"PYTHONPATH={shlex.quote(str(PACKAGE_DIR.parent))} "
    return path + shlex.join(words)
