"""Which server the suite talks to, decided once from the command line, before any request.

One target: `--base-url` (or `PYTEST_BASE_URL`), or `--env NAME` (a server named in the
spec), else the mock started in-process. Both at once are refused unless they name the
same URL: a run that silently picked one would report on a target nobody meant. Production is recognised
here by its host, however the URL spells it (case, a trailing dot, a port, userinfo, a
path), so that the guard can refuse it before a single request is sent.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from contract_tests.spec import environments

PRODUCTION = "production"
IN_PROCESS_MOCK = "mock (in-process)"
CUSTOM = "custom base URL"
# Requests per second to a remote host unless --max-rps says otherwise.
DEFAULT_REMOTE_MAX_RPS = 5.0


class BadTarget(ValueError):
    """An unknown environment or a malformed base URL; the message says what to set."""


def host_of(url: str) -> str:
    """The host a URL reaches, as DNS sees it: lower case, without a trailing dot."""
    return (urlsplit(url).hostname or "").rstrip(".")


def carries_userinfo(url: str) -> bool:
    return "@" in urlsplit(url).netloc


@dataclass(frozen=True)
class Target:
    name: str
    # None: no URL was given, so the suite starts the mock in-process.
    base_url: str | None

    @property
    def host(self) -> str:
        return host_of(self.base_url or "http://127.0.0.1")

    @property
    def is_production(self) -> bool:
        production = environments().get(PRODUCTION)
        return self.name == PRODUCTION or (
            production is not None and self.host == host_of(production)
        )

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def max_rps(self, requested: float | None) -> float | None:
        """The request rate cap: as requested, else none on loopback, else the remote default."""
        if requested is not None:
            return requested
        return None if self.is_loopback else DEFAULT_REMOTE_MAX_RPS


def choose_target(env_name: str | None, base_url: str | None) -> Target:
    known = environments()
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
        target = Target(named, url)
        if not target.is_production:
            _check_url(url)
        return target
    if env_name is not None:
        return Target(env_name, known[env_name])
    return Target(IN_PROCESS_MOCK, None)


def _shown(url: str) -> str:
    """The URL as it may be printed: a user or password in it masked."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]).geturl()


def _check_url(url: str) -> None:
    """A base URL is scheme and host (and port and path); nothing that would leak or mislead."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a malformed port)
    except ValueError as error:
        raise BadTarget(f"--base-url {url!r} is malformed: {error}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadTarget(f"--base-url {url!r} must be an http:// or https:// URL with a host")
    if carries_userinfo(url):
        raise BadTarget("--base-url must not carry a user or password (user:password@host)")
    if parts.query or parts.fragment:
        raise BadTarget(f"--base-url {url!r} must not have a query or a fragment")
