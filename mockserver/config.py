"""Every setting of the mock server, in one immutable value.

The command line only builds a `MockConfig`; `MockApp` and the servers only read one.
Tests build their own with `dataclasses.replace(MockConfig(), ...)`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# The copy an installed package carries (pyproject.toml), else the checkout's spec/.
DEFAULT_SPEC_PATH = next(
    path
    for path in (
        Path(__file__).resolve().parent / "specs" / "metrics.v1.yaml",
        Path(__file__).resolve().parent.parent / "spec" / "metrics.v1.yaml",
    )
    if path.is_file()
)
MAX_PREFERRED_DELAY_MS = 10_000
# The longest `Prefer: delay` from a page of another machine's site (app.py).
MAX_FOREIGN_DELAY_MS = 1_000
# The two words --cors-origin takes besides an origin: any page, or pages of this machine.
ANY_ORIGIN = "*"
LOOPBACK_ORIGINS = "loopback"
MAX_UPSTREAM_TIMEOUT_S = 300.0
# The server (granian) waits at most a minute for a request's headers.
MAX_HEADER_TIMEOUT_S = 60.0
# Limits on what a client may send (gunicorn's maxima), the same under every server the
# mock runs on: 414 past the request line's, 431 past a header field's or the count.
REQUEST_LINE_LIMIT = 8190
HEADER_FIELD_LIMIT = 8190
HEADER_COUNT_LIMIT = 100
# The largest request body, 413 past it: what passes through to an upstream (device data
# uploads are large, but bounded), and what the mock's own routes take (the Metrics
# operations and the listings need none; a login sends at most a small form).
PASS_THROUGH_BODY_LIMIT = 64 * 1024 * 1024
OWN_BODY_LIMIT = 8 * 1024


@dataclass(frozen=True)
class Latency:
    """A delay added to each metrics answer: fixed when `min_ms == max_ms`, else uniform."""

    min_ms: int = 0
    max_ms: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.min_ms <= self.max_ms:
            raise ValueError(f"latency must be 0 <= min <= max, got {self.min_ms}-{self.max_ms}")

    @classmethod
    def parse(cls, text: str) -> Latency:
        """Read `200` (fixed) or `100-500` (a range), in milliseconds."""
        low, _, high = text.strip().partition("-")
        try:
            return cls(int(low), int(high or low))
        except ValueError:
            raise ValueError(
                f"latency must be MS or MIN-MAX in milliseconds, got {text!r}"
            ) from None

    def __str__(self) -> str:
        if self.min_ms == self.max_ms:
            return f"{self.min_ms} ms"
        return f"{self.min_ms}-{self.max_ms} ms"


def default_workers() -> int:
    """One worker process per core: the app is CPU-bound, so more only contend."""
    return max(2, os.cpu_count() or 1)


@dataclass(frozen=True)
class MockConfig:
    spec_path: Path = DEFAULT_SPEC_PATH
    host: str = "127.0.0.1"
    # Host names requests may name besides localhost, IP addresses and `host` (hosts.py).
    allowed_hosts: tuple[str, ...] = ()
    port: int = 8009
    # YAML accounts file (see mockserver/auth/accounts.py); None lets any username log in.
    accounts_path: Path | None = None
    # SQLite journal; None means a fresh temporary file, deleted when the mock stops.
    journal_file: Path | None = None
    max_events: int = 10_000
    latency: Latency = Latency()
    # Share (0..1) of otherwise successful metrics requests answered 500.
    fail_rate: float = 0.0
    # Origins whose pages may read the mock's answers (cors.py); empty: `*`, or with an
    # upstream only pages served from this machine.
    cors_origins: tuple[str, ...] = ()
    # Whether clients on other machines may change the mock's state (clear its journal
    # and refusals) when it serves the network; they may always read (callers.py).
    allow_remote_changes: bool = False
    # The pass-through forwards the client's cookies and hands back the upstream's only
    # when asked: cookies for localhost belong to every local app (upstream/passthrough.py).
    forward_cookies: bool = False
    workers: int = default_workers()
    # Threads per worker, for the requests that may block (the upstream, the journal's
    # listings); the event loop answers the rest itself, delays included.
    threads: int = 16
    # The Tidepool environment (base URL) that what the mock does not serve passes through
    # to; None: the mock answers everything itself (upstream.py).
    upstream: str | None = None
    # Metrics requests go to the upstream too, and its answers are checked (validating_proxy).
    forward_metrics: bool = False
    # The person asked for metrics forwarded to production, where each is a real event.
    allow_production: bool = False
    # Bound on connecting to the upstream and on each read from it.
    upstream_timeout_s: float = 10.0
    # How long an issued session token is valid (the accounts file's fixed ones always are).
    token_lifetime_s: float = 24 * 3600.0
    # The tracking plan each event is judged by (tracking_plan), re-read when it changes;
    # None: events get no verdict.
    plan_path: Path | None = None

    def allowed_origins(self) -> tuple[str, ...]:
        if self.cors_origins:
            return self.cors_origins
        return (LOOPBACK_ORIGINS,) if self.upstream else (ANY_ORIGIN,)

    # A request whose headers have not all arrived this long after its first byte is
    # closed unanswered (slow or stalled clients).
    header_timeout_s: float = 10.0
    # A request whose body pauses this long between two reads is closed unanswered; a
    # slow but steady body (a phone uploading device data) is never cut on its total.
    body_timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if self.max_events < 1:
            raise ValueError(f"max_events must be at least 1, got {self.max_events}")
        if not 0.0 <= self.fail_rate <= 1.0:
            raise ValueError(f"fail_rate must be between 0 and 1, got {self.fail_rate}")
        if self.workers < 1 or self.threads < 1:
            raise ValueError("workers and threads must be at least 1")
        if self.forward_metrics and self.upstream is None:
            raise ValueError("forwarding metrics needs an upstream")
        if not 0 < self.upstream_timeout_s <= MAX_UPSTREAM_TIMEOUT_S:
            raise ValueError(
                f"the upstream timeout must be above 0 and at most {MAX_UPSTREAM_TIMEOUT_S} s"
            )
        if self.header_timeout_s <= 0:
            raise ValueError(f"header_timeout_s must be positive, got {self.header_timeout_s}")
        if self.token_lifetime_s <= 0:
            raise ValueError(f"token_lifetime_s must be positive, got {self.token_lifetime_s}")
        if self.body_timeout_s <= 0:
            raise ValueError(f"body_timeout_s must be positive, got {self.body_timeout_s}")

    def as_arguments(self) -> list[str]:
        """The options of `python -m mockserver` that give this configuration."""
        options = {
            "--spec": self.spec_path,
            "--host": self.host,
            "--port": self.port,
            "--accounts": self.accounts_path,
            "--journal-file": self.journal_file,
            "--max-events": self.max_events,
            "--latency": f"{self.latency.min_ms}-{self.latency.max_ms}",
            "--fail-rate": repr(self.fail_rate),
            "--workers": self.workers,
            "--threads": self.threads,
            "--upstream": self.upstream,
            "--upstream-timeout": repr(self.upstream_timeout_s),
            "--header-timeout": repr(self.header_timeout_s),
            "--body-timeout": repr(self.body_timeout_s),
            "--token-lifetime": repr(self.token_lifetime_s),
            "--plan": self.plan_path,
        }
        repeated = [("--allowed-host", self.allowed_hosts), ("--cors-origin", self.cors_origins)]
        switches = {
            "--allow-remote-changes": self.allow_remote_changes,
            "--forward-cookies": self.forward_cookies,
            "--forward-metrics": self.forward_metrics,
            "--allow-production": self.allow_production,
        }
        return [
            *(
                item
                for name, value in options.items()
                if value is not None
                for item in (name, str(value))
            ),
            *(item for name, values in repeated for value in values for item in (name, value)),
            *(name for name, on in switches.items() if on),
        ]
