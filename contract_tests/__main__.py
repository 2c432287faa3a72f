"""`python -m contract_tests`: run the suite and exit with its verdict, for pipelines.

    0  the contract holds
    1  the contract is broken (a rule named, with a curl)
    4  could not verify: a wrong or missing target, an unreachable one, a credential
       problem, or no test ran

pytest's own statuses are folded into these three, and `make` would turn every failure
into 2, so a pipeline calls this entry (the Makefile's gate and contract targets do).
`--gate` is the deploy gate: it demands exactly one of `--env` and `--base-url` (never
the in-process mock), every kind of token, refuses `--plan-strict`, and writes JUnit and
Markdown reports. Every
other argument goes to pytest as is; a path to one of the suite's tests (as the rerun
commands of the summary give) runs that test instead of the whole suite.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pytest

HOLDS, BROKEN, NOT_VERIFIED = 0, 1, 4
REPORTS_DIR = "reports"
JUNIT_FILE, SUMMARY_FILE = "contract-junit.xml", "contract-summary.md"
SUITE_DIR = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m contract_tests",
        description="Run the Metrics API contract suite; exit 0 holds, 1 broken, 4 not verified.",
        epilog="Any other option is passed to pytest (see --help of the suite's plugin there).",
    )
    parser.add_argument("--gate", action="store_true", help="the deploy gate (see module doc)")
    parser.add_argument("--env", default="", help="environment named in the spec's servers")
    parser.add_argument("--base-url", default="", help="base URL of the service to test")
    parser.add_argument(
        "--reports", default=REPORTS_DIR, metavar="DIR", help="where --gate writes its reports"
    )
    args, pytest_args = parser.parse_known_args(argv)
    base_url = args.base_url or os.environ.get("PYTEST_BASE_URL", "")
    if args.gate:
        problem = gate_target_problem(args.env, base_url) or gate_plan_problem(pytest_args)
        if problem:
            print(f"contract gate: {problem}; nothing was sent.", file=sys.stderr)
            return NOT_VERIFIED
        pytest_args = [
            "--strict-auth",
            "--hypothesis-profile=ci",
            f"--junitxml={Path(args.reports) / JUNIT_FILE}",
            f"--summary-file={Path(args.reports) / SUMMARY_FILE}",
            *pytest_args,
        ]
    if args.env:
        pytest_args = ["--env", args.env, *pytest_args]
    if base_url:
        pytest_args = [f"--base-url={base_url}", *pytest_args]
    plugins = ["-p", "contract_tests.plugin", "-p", "contract_tests.short_options"]
    tests = [] if any(map(_is_suite_test, pytest_args)) else [str(SUITE_DIR)]
    status = pytest.main([*tests, *plugins, *pytest_args])
    return status if status in (HOLDS, BROKEN) else NOT_VERIFIED


def _is_suite_test(arg: str) -> bool:
    """An argument naming one of the suite's tests by path (a rerun command's), which then
    runs alone instead of the whole suite."""
    path = Path(arg.partition("::")[0])
    return not arg.startswith("-") and SUITE_DIR in path.resolve().parents


def gate_plan_problem(pytest_args: list[str]) -> str | None:
    """The gate judges the service: a client's requests off its tracking plan must not block
    its deploy (plan_check.py)."""
    if {"--plan-strict", "--tidepool-plan-strict"} & set(pytest_args):
        return "--plan-strict is refused: a client's events off its plan must not block a service's deploy"
    return None


def gate_target_problem(env: str, base_url: str) -> str | None:
    """Why the gate cannot run against this target, or None: exactly one must be given."""
    if env and base_url:
        return (
            f"both ENV ({env!r}) and BASE_URL are set: set exactly one "
            "(PYTEST_BASE_URL counts as BASE_URL)"
        )
    if not env and not base_url:
        return "no target: set ENV to an environment named in the spec, or BASE_URL"
    return None


if __name__ == "__main__":
    sys.exit(main())
