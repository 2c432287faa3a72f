"""`--gate`: the deploy gate's settings, and the targets and options it refuses.

The gate judges one service for a deploy: exactly one of `--env` and `--base-url` (or
`PYTEST_BASE_URL`), never the in-process mock; every kind of token (`--strict-auth`); the
`ci` profile unless another is named; JUnit and Markdown reports in `--reports`. It
refuses `--plan-strict`: a client's requests off its tracking plan must not block a
service's deploy (plan_check.py). Its settings are made before the junitxml plugin and
Hypothesis read theirs, so they act as if given on the command line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from contract_tests.pytest.options import dest, option

JUNIT_FILE, SUMMARY_FILE = "contract-junit.xml", "contract-summary.md"


def configure(config: pytest.Config) -> None:
    if not option(config, "gate"):
        return
    problem = target_problem(option(config, "env"), config.getoption("base_url")) or (
        plan_problem(option(config, "plan-strict"))
    )
    if problem:
        raise pytest.UsageError(f"contract gate: {problem}; nothing was sent.")
    reports = Path(option(config, "reports"))
    setattr(config.option, dest("strict-auth"), True)
    config.option.hypothesis_profile = config.option.hypothesis_profile or "ci"
    config.option.xmlpath = config.option.xmlpath or str(reports / JUNIT_FILE)
    if not option(config, "summary-file"):
        setattr(config.option, dest("summary-file"), str(reports / SUMMARY_FILE))


def plan_problem(plan_strict: bool) -> str | None:
    if plan_strict:
        return "--plan-strict is refused: a client's events off its plan must not block a service's deploy"
    return None


def target_problem(env: str | None, base_url: str | None) -> str | None:
    """Why the gate cannot run against this target, or None: exactly one must be given."""
    if env and base_url:
        return (
            f"both ENV ({env!r}) and BASE_URL are set: set exactly one "
            "(PYTEST_BASE_URL counts as BASE_URL)"
        )
    if not env and not base_url:
        return "no target: set ENV to an environment named in the spec, or BASE_URL"
    return None
