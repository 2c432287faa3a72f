"""`python -m contract_tests`: run the suite and exit with its verdict, for pipelines.

    0  the contract holds
    1  the contract is broken (a rule named, with a curl)
    4  could not verify: a wrong or missing target, an unreachable one, a credential
       problem, or no test ran

pytest's own statuses are folded into these three (pytest/verdict.py decides them), and
`make` would turn every failure into 2, so a pipeline calls this entry (the Makefile's
gate and contract targets do). Every argument goes to pytest as is, with the suite's
plugin and its short options (`--env`, `--gate`, ...: `--help` lists them, and a mistyped
one gets the nearest: pytest/mistyped.py); a path to one
of the suite's tests (as the rerun commands of the summary give) runs that test instead
of the whole suite.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from contract_tests.pytest.mistyped import NearestOption
from contract_tests.pytest.verdict import command_status

SUITE_DIR = Path(__file__).resolve().parent
PLUGINS = ["-p", "contract_tests.pytest.plugin", "-p", "contract_tests.pytest.short_options"]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    tests = [] if any(map(_is_suite_test, args)) else [str(SUITE_DIR)]
    return command_status(pytest.main([*tests, *PLUGINS, *args], plugins=[NearestOption()]))


def _is_suite_test(arg: str) -> bool:
    """An argument naming one of the suite's tests by path (a rerun command's), which then
    runs alone instead of the whole suite."""
    path = Path(arg.partition("::")[0])
    return not arg.startswith("-") and SUITE_DIR in path.resolve().parents


if __name__ == "__main__":
    sys.exit(main())
