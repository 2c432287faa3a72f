"""Which server the suite talks to, decided once from the command line, before any request.

One target: `--base-url` (or `PYTEST_BASE_URL`), or `--env NAME` (a server named in the
spec), else the mock started in-process. Both at once are refused unless they name the
same URL: a run that silently picked one would report on a target nobody meant.

The target's host is read once, the way the HTTP client (requests, on urllib3) will send
it: `urllib.parse` and urllib3 disagree about `%2E`, `\\` and more, and a guard that read
the URL one way while the client connected another way let production through. So a
base URL whose host part the client would rewrite is refused as malformed, and production
is recognised by the host the client would connect to (case, a trailing dot, a port, a
path: all the same host), before any request and before any name lookup. A loopback host is
reached without a lookup (or `localhost`, from the hosts file): one with a trailing dot,
which DNS would resolve, is refused. Production is known by its
host name (production.py), whatever spec is loaded.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit

import requests
from urllib3.util import parse_url

from contract_tests.production import PRODUCTION, production_hosts

IN_PROCESS_MOCK = "mock (in-process)"
CUSTOM = "custom base URL"
# What every event name sent to an environment (not a mock) starts with, unless
# --event-prefix says otherwise: it filters test traffic out of metrics.
DEFAULT_EVENT_PREFIX = "contract-tests - "
# The path parameter that carries the event name, which gets the prefix.
EVENT_NAME_PARAM = "eventName"
# Requests per second to a remote host unless --max-rps says otherwise.
DEFAULT_REMOTE_MAX_RPS = 5.0


class BadTarget(ValueError):
    """An unknown environment or a malformed base URL; the message says what to set."""


# A host part the HTTP client sends as written: a DNS name or an IPv4 address (letters,
# digits, `-` and dots), or an IPv6 literal in brackets; then an optional port.
PLAIN_HOST_PART = re.compile(
    r"(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?|\[[0-9a-f:.]+\])(?::[0-9]*)?", re.I
)


def host_of(url: str) -> str:
    """The host the HTTP client connects to for `url`, as DNS sees it: lower case, without
    a trailing dot or brackets; "" for a URL the client would not send."""
    try:
        sent = requests.Request("GET", url).prepare().url or ""
    except (requests.RequestException, ValueError):
        return ""
    return (parse_url(sent).host or "").lower().rstrip(".").strip("[]")


def secret_part(url: str) -> str | None:
    """The part of a URL that may carry a secret (a user, a password, a query, a fragment)
    and so must be refused before any header or line prints the URL; None if it has none."""
    parts = urlsplit(url)
    if "@" in parts.netloc:
        return "a user or password (user:password@host)"
    if parts.query or parts.fragment:
        return "a query or a fragment"
    return None


@dataclass(frozen=True)
class Target:
    name: str
    # None: no URL was given, so the suite starts the mock in-process.
    base_url: str | None
    # The URL of the spec's `production` server, if it names one (production.py).
    spec_production: str | None = None

    @cached_property
    def host(self) -> str:
        return host_of(self.base_url or "http://127.0.0.1")

    @property
    def is_production(self) -> bool:
        production = self.spec_production
        hosts = production_hosts(host_of(production) if production else None)
        return self.name == PRODUCTION or self.host in hosts

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @property
    def in_clear_text(self) -> bool:
        """Plain http:// to a host beyond this machine, where a token could be read on the way."""
        plain = self.base_url is not None and urlsplit(self.base_url).scheme == "http"
        return plain and not self.is_loopback

    def max_rps(self, requested: float | None) -> float | None:
        """The request rate cap: as requested, else none on loopback, else the remote default."""
        if requested is not None:
            return requested
        return None if self.is_loopback else DEFAULT_REMOTE_MAX_RPS


def choose_target(env_name: str | None, base_url: str | None, known: dict[str, str]) -> Target:
    """The target of a run, `known`: the spec's environments (name -> base URL)."""
    production = known.get(PRODUCTION)
    if env_name is not None and env_name not in known:
        raise BadTarget(
            f"unknown environment {env_name!r}; valid names (from the spec's servers): {', '.join(known)}"
        )
    if base_url:
        url = base_url.rstrip("/")
        if env_name and known[env_name] != url:
            raise BadTarget(
                f"two targets: --env {env_name} ({known[env_name]}) and --base-url {_shown(url)}; "
                "give one (PYTEST_BASE_URL counts as --base-url)"
            )
        named = next((name for name, known_url in known.items() if known_url == url), CUSTOM)
        target = Target(named, url, production)
        _check_url(url, target)
        return target
    if env_name is not None:
        return Target(env_name, known[env_name], production)
    return Target(IN_PROCESS_MOCK, None, production)


def _shown(url: str) -> str:
    """The URL as it may be printed: a user or password in it masked."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]).geturl()


def _check_url(url: str, target: Target) -> None:
    """A base URL is scheme and host (and port and path), with the host spelled as sent.

    The lines say what is wrong without repeating the URL: a query may hold a token.
    """
    production = " (production)" if target.is_production else ""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a malformed port)
    except ValueError as error:
        raise BadTarget(f"--base-url is malformed{production}: {error}") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadTarget("--base-url must be an http:// or https:// URL with a host")
    secret = secret_part(url)
    if secret:
        raise BadTarget(f"--base-url must not carry {secret}")
    if target.is_loopback and (parts.hostname or "").endswith("."):
        raise BadTarget(
            f"--base-url: {parts.hostname!r} would be looked up by DNS (a trailing dot), which "
            "may answer with another machine; write the loopback host without the dot"
        )
    if not PLAIN_HOST_PART.fullmatch(parts.netloc):
        sent = target.host or "nowhere (it could not send it)"
        raise BadTarget(
            f"--base-url is malformed: its host part {parts.netloc!r} is not a plain host name "
            f"or IP address, and the HTTP client would rewrite it and connect to {sent}"
            f"{production}; write the host as it is meant, e.g. https://qa1.development.tidepool.org"
        )
