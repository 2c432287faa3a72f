"""How the suite's requests reach the target: directly, or through a proxy only as a tunnel.

requests reads the environment on every request: `HTTP_PROXY` and the like, and the home
folder's `.netrc`. A proxy variable (common on corporate runners) would send an http://
target's tokens in clear to the proxy, which could also answer in the target's place; a
`default` entry of `.netrc` adds `Authorization: Basic` to every request. So the suite's
session reads neither (`trust_env` off) and this module decides its proxies itself:

- a loopback target: never through a proxy;
- an http:// target elsewhere: never through a proxy either (it would read the tokens);
- an https:// target: through the proxy the environment names, as a CONNECT tunnel that
  the proxy cannot read, unless `NO_PROXY` names the host;

and each proxy variable it ignores is one line of the summary. The CA bundle the
environment names (`REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE`) is kept, as requests would.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from requests.utils import get_environ_proxies, select_proxy

# The variables requests reads a proxy from, in its order, each in both cases.
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@dataclass(frozen=True)
class Route:
    """The proxies the session uses (none: direct), the CA bundle, and what was ignored."""

    proxies: dict[str, str] = field(default_factory=dict)
    verify: str | bool = True
    notes: tuple[str, ...] = ()


def route(base_url: str, *, is_loopback: bool) -> Route:
    verify = next((os.environ[n] for n in CA_BUNDLE_VARIABLES if os.environ.get(n)), True)
    proxy = select_proxy(base_url, get_environ_proxies(base_url))
    if not proxy:
        return Route(verify=verify)
    scheme = urlsplit(base_url).scheme
    if scheme == "https" and not is_loopback:
        return Route({"https": proxy}, verify)
    why = (
        "the target is loopback, reached directly"
        if is_loopback
        else "an http:// target's tokens would cross it in clear; reached directly"
    )
    return Route(verify=verify, notes=(f"{_proxy_variable(scheme)} ignored: {why}",))


def _proxy_variable(scheme: str) -> str:
    """The variable that named the proxy for `scheme` (its value is not shown: it may
    hold a password)."""
    for name in (f"{scheme.upper()}_PROXY", "ALL_PROXY"):
        for spelling in (name.lower(), name):
            if os.environ.get(spelling):
                return spelling
    return "the proxy variable"
