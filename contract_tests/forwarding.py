"""A mock that forwards metrics (`--upstream ENV --forward-metrics`) is the environment behind it.

The suite takes a target for a mock when it keeps a journal (`GET /__mock/events`), and
then sends event names without the `contract-tests - ` prefix, unpaced, with the mock's
demo logins. A mock that forwards metrics passes each metrics request on to its
upstream, real tokens included: treated as a mock, it sent the whole suite to a shared
environment unprefixed. So the suite reads the mock's status (`GET /__mock/status`,
spec/mockserver.v1.yaml: `upstream.url`, `upstream.forwardMetrics`) first; a forwarding
mock is treated as its upstream: the prefix, the pacing of the upstream's host, and the
production guard on that host (production is tested directly, never through a mock).
The status also gives the mock's version: a mock of another version than the suite's
(the two install apart) is refused in one line naming both.
"""

from __future__ import annotations

import requests

from contract_tests import __version__
from contract_tests.environments import CUSTOM, Target


class ForwardsToProduction(Exception):
    """The mock forwards metrics to production; the message says what to do instead."""


class OtherMockVersion(Exception):
    """The mock is not of the suite's version; the message names both."""


def metrics_upstream(
    http: requests.Session, base_url: str, spec_production: str | None
) -> Target | None:
    """The environment a mock forwards metrics to, or None when it answers them itself
    (`spec_production`: the URL of the spec's production server, if any)."""
    try:
        status = http.get(f"{base_url}/__mock/status").json()
    except (requests.RequestException, ValueError):
        return None
    if isinstance(status, dict) and status.get("version") != __version__:
        theirs = status.get("version")
        shown = f"version {theirs!r}" if isinstance(theirs, str) else "of no stated version"
        raise OtherMockVersion(
            f"the mock at {base_url} is {shown}, this suite version {__version__!r}: "
            f"install the two at one version (tidepool-metrics-mock=={__version__})"
        )
    upstream = status.get("upstream") if isinstance(status, dict) else None
    if not isinstance(upstream, dict) or upstream.get("forwardMetrics") is not True:
        return None
    url = upstream.get("url")
    if not isinstance(url, str):
        return None
    target = Target(CUSTOM, url, spec_production)
    if target.is_production:
        raise ForwardsToProduction(
            f"the mock at {base_url} forwards metrics to production ({target.host}): "
            "nothing was sent through it; test production directly, with --env production "
            "--allow-production (the smoke set only)"
        )
    return target


# What the suite refuses to test through: the run is not verified, with the reason.
REFUSED_MOCKS = (ForwardsToProduction, OtherMockVersion)
