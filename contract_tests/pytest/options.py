"""The suite's options, registered once as `--tidepool-NAME` (and, run on purpose, `--NAME`).

The plugin loads itself wherever the package is installed, so its own spelling keeps any
other project's `--env` or `--spec-file` apart; the short `--NAME` is added only where the
suite is run on purpose (short_options.py). Both spellings set the same `tidepool_NAME`
destination, which pytest parses once; `option` reads it.
"""

from __future__ import annotations

import datetime

import pytest

from contract_tests import drifts, plan_check, spec
from contract_tests.environments import DEFAULT_EVENT_PREFIX

REPORTS_DIR = "reports"

OPTIONS: dict[str, dict] = {
    "env": {"metavar": "NAME", "help": "environment named in the spec's servers (mock, qa1, ...)"},
    "strict-auth": {
        "action": "store_true",
        "help": "refuse to run (exit 4), instead of skipping, when a kind of token is missing",
    },
    "allow-production": {
        "action": "store_true",
        "help": "allow api.tidepool.org; only the small smoke set runs",
    },
    "allow-http-with-tokens": {
        "action": "store_true",
        "help": "send credentials over plain http:// to a host that is not loopback",
    },
    "event-prefix": {
        "default": DEFAULT_EVENT_PREFIX,
        "help": "prefix of every event name sent to a non-mock environment (default: %(default)r)",
    },
    "max-rps": {
        "type": float,
        "help": "requests per second at most (default: 5 to remote hosts, uncapped on loopback)",
    },
    "max-response-time": {
        "type": float,
        "default": 2.0,
        "metavar": "SECONDS",
        "help": "time budget of each answer (default: %(default)s)",
    },
    "summary-file": {"metavar": "PATH", "help": "write the run's summary as Markdown"},
    "spec-file": {
        "metavar": "PATH",
        "help": f"the contract to test (default: {spec.SPEC_PATH.name} of this suite)",
    },
    "known-drifts": {
        "metavar": "PATH",
        "help": f"breaks of the contract accepted until a date (YAML); {drifts.SHIPPED!r}: "
        "the file shipped with the suite, for Tidepool's environments",
    },
    "known-drifts-as-of": {
        "metavar": "YYYY-MM-DD",
        "type": datetime.date.fromisoformat,
        "help": "judge the known drifts' `until` as of this day (default: today), "
        "to rerun a past gate as it ran",
    },
    "closed-surface": {
        "choices": ("gateway", "service"),
        "default": "gateway",
        "help": "service: also the unprefixed routes of the metrics service itself (default: %(default)s)",
    },
    "replay": {
        "metavar": "FILE.har",
        "help": "also send each Metrics API request recorded in this HAR file, as recorded",
    },
    **plan_check.OPTIONS,
    "gate": {
        "action": "store_true",
        "help": "the deploy gate: exactly one of --env and --base-url (never the in-process "
        "mock), every kind of token (--strict-auth), the ci profile, JUnit and Markdown "
        "reports in --reports; --plan-strict refused",
    },
    "reports": {
        "metavar": "DIR",
        "default": REPORTS_DIR,
        "help": "where --gate writes its reports (default: %(default)s)",
    },
}
PREFIX = "tidepool-"
GROUP = "contract"


def add_options(parser: pytest.Parser, prefix: str) -> None:
    """Register every suite option as `--{prefix}NAME`, with the destination both share."""
    group = parser.getgroup(GROUP, "Metrics API contract suite")
    for name, keywords in OPTIONS.items():
        group.addoption(f"--{prefix}{name}", dest=dest(name), **keywords)


def dest(name: str) -> str:
    return (PREFIX + name).replace("-", "_")


def option(config: pytest.Config, name: str):
    """The value of the suite's option `name` (as in OPTIONS), whichever spelling set it."""
    return config.getoption(dest(name))
