"""The suite's two session fixtures: the target's base URL, and the Suite that reaches it.

`contract_base_url` is the target's URL, or with none given the mock (`python -m
mockserver`, as `make mock` runs it) on a free port for the session. `suite` reaches the
target, tells a mock from an environment (and a forwarding mock from a mock), paces it,
and checks the credentials before any contract test: a target it cannot reach or a
credential it cannot use stops the run at its first test, not verified.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from contract_tests import forwarding, network, parallel
from contract_tests.credentials import CredentialProblem, check_credentials, log_out
from contract_tests.pacing import PacedSession
from contract_tests.pytest.options import option
from contract_tests.pytest.run import RUN
from contract_tests.suite import Suite, Unreachable, probe

# A request that takes this much longer than the budget is abandoned (it has failed already).
TIMEOUT_MARGIN_S = 10.0
# What pytest prints when the suite stops a run that cannot verify anything.
STOPPED = "stopped before any metrics request: see the verdict below"
NO_TARGET_NO_MOCK = (
    "no target given (--base-url or --env) and the mock, which the suite tests by default, "
    "is not installed: name a target, or pip install tidepool-metrics-mock"
)


@pytest.fixture(scope="session")
def contract_base_url(pytestconfig: pytest.Config) -> Iterator[str]:
    """The target's base URL; with none given, the mock on a free port for the session."""
    run = pytestconfig.stash[RUN]
    if run.target.base_url is not None:
        yield run.target.base_url
        return
    try:  # the mock is a distribution of its own, installed beside the suite or not
        from mockserver.config import MockConfig
        from mockserver.running import running_mock
    except ImportError:
        raise pytest.UsageError(NO_TARGET_NO_MOCK) from None

    with running_mock(MockConfig(spec_path=run.spec_path)) as mock:
        yield mock.url


@pytest.fixture(scope="session")
def suite(request: pytest.FixtureRequest, contract_base_url: str) -> Iterator[Suite]:
    """Everything the contract tests need about the target: reached, credentials checked."""
    config = request.config
    run = config.stash[RUN]
    target, redactor, summary = run.target, run.redactor, run.summary
    summary.base_url = contract_base_url
    summary.started = time.monotonic()
    budget_s = option(config, "max-response-time")
    route = network.route(contract_base_url, is_loopback=target.is_loopback)
    summary.notes += route.notes
    http = PacedSession(
        target.max_rps(option(config, "max-rps")), budget_s + TIMEOUT_MARGIN_S, route
    )
    try:
        is_mock = probe(http, contract_base_url)
        upstream = (
            forwarding.metrics_upstream(http, contract_base_url, target.spec_production)
            if is_mock
            else None
        )
        if upstream is not None:  # a forwarding mock: the environment behind it
            is_mock = False
            http.cap(upstream.max_rps(option(config, "max-rps")))
            summary.notes.append(f"The mock forwards metrics to {upstream.host}: tested as it")
        tokens = check_credentials(
            http,
            contract_base_url,
            is_mock=is_mock,
            strict=option(config, "strict-auth"),
            redactor=redactor,
        )
    except (Unreachable, CredentialProblem, *forwarding.REFUSED_MOCKS) as error:
        kind = "credentials: " if isinstance(error, CredentialProblem) else ""
        reason = kind + redactor.redact(str(error))
        summary.not_verified.append(reason)
        # The first test errors with the reason (the one entry CI's JUnit view shows) and
        # the run stops there (under xdist, each worker's); only the verdict repeats it.
        request.session.shouldfail = STOPPED
        raise parallel.NotVerified(reason) from None
    with http:
        yield Suite(
            base_url=contract_base_url,
            http=http,
            tokens=tokens,
            is_mock=is_mock,
            redactor=redactor,
            event_prefix=option(config, "event-prefix"),
            budget_s=budget_s,
            summary=summary,
            known_drifts=run.known_drifts,
            is_production=target.is_production,
        )
        log_out(http, contract_base_url, tokens)
