"""Which server the suite talks to, decided once from the command line, before any request.

Precedence: an explicit `--base-url` (or `PYTEST_BASE_URL`) wins, then `--env NAME` (a
server named in the spec), else the mock started in-process. Production is recognised
here so that the guard can refuse it before a single request is sent.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from contract_tests.contract import environments

PRODUCTION_HOSTS = frozenset({"api.tidepool.org"})
IN_PROCESS_MOCK = "mock (in-process)"
CUSTOM = "custom base URL"
# Requests per second to a remote host unless --max-rps says otherwise.
DEFAULT_REMOTE_MAX_RPS = 5.0


class UnknownEnvironment(ValueError):
    pass


@dataclass(frozen=True)
class Target:
    name: str
    # None: no URL was given, so the suite starts the mock in-process.
    base_url: str | None

    @property
    def host(self) -> str:
        return urlsplit(self.base_url or "http://127.0.0.1").hostname or ""

    @property
    def is_production(self) -> bool:
        return self.name == "production" or self.host in PRODUCTION_HOSTS

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
        raise UnknownEnvironment(
            f"unknown environment {env_name!r}; valid names (from the spec's servers): {', '.join(known)}"
        )
    if base_url:
        named = next((name for name, url in known.items() if url == base_url.rstrip("/")), CUSTOM)
        return Target(named, base_url.rstrip("/"))
    if env_name is not None:
        return Target(env_name, known[env_name])
    return Target(IN_PROCESS_MOCK, None)
