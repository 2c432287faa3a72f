"""Which target a run tests, decided before any request, and the guards that refuse one.

`--base-url` (or `PYTEST_BASE_URL`, or the ini file's `base_url`), else `--env`, else the
mock in-process (environments.choose_target). Production is refused unless
`--allow-production`, and then only the smoke set runs; credentials over plain http:// to
a host that is not loopback are refused unless `--allow-http-with-tokens`; a base URL
that carries a secret is refused before any report header could print it. Under xdist,
the controller refuses a wrong target before any worker starts (an error in a worker's
collection would be an internal error).
"""

from __future__ import annotations

import os

import pytest

from contract_tests import parallel
from contract_tests.credentials import VARIABLES
from contract_tests.environments import BadTarget, Target, choose_target, secret_part
from contract_tests.pytest.options import option
from contract_tests.pytest.run import Run


def refuse_url_options(config: pytest.Config, runs_suite: bool) -> None:
    """pytest-base-url's options the suite cannot take; a run that does not name the suite
    is another project's business (collecting the suite refuses the URL later)."""
    # The ini file's base_url too: pytest-base-url copies it to the option, maybe later.
    secret = secret_part(config.getoption("base_url") or config.getini("base_url") or "")
    if secret and runs_suite:
        raise pytest.UsageError(f"--base-url must not carry {secret}")
    if config.getoption("verify_base_url", False) and runs_suite:
        # pytest-base-url's check is a GET that follows redirects to any host, where
        # requests hands it the ~/.netrc credentials for that host.
        raise pytest.UsageError(
            "--verify-base-url (or VERIFY_BASE_URL) is refused: its check follows redirects, "
            "with ~/.netrc credentials, to any host; the suite reaches the target itself "
            "before any test and follows none"
        )


def allowed_target(config: pytest.Config, run: Run) -> Target:
    try:
        target = choose_target(
            option(config, "env") or None,  # `--env ""`: none, as an unset ENV= gives
            config.getoption("base_url"),
            run.reading.environments,
        )
    except BadTarget as error:
        raise pytest.UsageError(str(error)) from None
    if target.is_production and not option(config, "allow-production"):
        raise pytest.UsageError(
            f"refusing to test production ({target.host}): nothing was sent. Real users' "
            "metrics live there; pass --allow-production to run the small smoke set only."
        )
    given = [name for name in VARIABLES if os.environ.get(name)]
    if target.in_clear_text and given and not option(config, "allow-http-with-tokens"):
        raise pytest.UsageError(
            f"refusing to send credentials ({', '.join(given)}) in clear text to {target.host}: "
            "nothing was sent. Use https://, or pass --allow-http-with-tokens if you mean it."
        )
    return target


def refuse_early(config: pytest.Config, run: Run, runs_suite: bool) -> None:
    """xdist's controller collects nothing: it checks the target before any worker starts."""
    if parallel.is_controller(config) and runs_suite:
        allowed_target(config, run)


def smoke_only(config: pytest.Config, items: list[pytest.Item], is_suite) -> None:
    """Against production, only the smoke set of the suite's tests runs."""
    kept = [item for item in items if not is_suite(item) or item.get_closest_marker("smoke")]
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = kept
