"""What the mock prints for the developer watching its terminal.

The start banner says where it serves and how to log in; then one line per recorded event,
and one per refused request with the reason its client got, while they come at a pace a
person can read (Feed counts the rest, one line per second).
Text from requests is escaped, so a client cannot move the cursor or recolour the terminal.
Tokens and passwords are never printed: they are not in an event, and the banner shows
only account names and the documented default server secret.
"""

from __future__ import annotations

import functools
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import TextIO

from tracking_plan.hook import WatchedPlan

from .app import MockApp
from .auth.accounts import EXAMPLE_SERVER_NAME, EXAMPLE_USERNAME
from .callers import is_loopback_host
from .config import ANY_ORIGIN, LOOPBACK_ORIGINS
from .fault_settings import FaultSettings
from .journal.rejections import Rejection
from .journal.store import Event
from .masking import MASK, is_credential_name
from .upstream.passthrough import is_production

# Below this many connections per worker (macOS starts with 256 descriptors), the banner
# says how many: the slow-clients protection holds only as many as there are.
FEW_CONNECTIONS = 1000
# Lines of events and refusals per second that a person watching the terminal can follow.
READABLE_PER_SECOND = 10
# Escaped wherever request text reaches the terminal: control characters (the cursor,
# colours), and the invisible ones that reorder or break a line, so a name cannot fake a
# line or show its text backwards: the bidirectional marks, embeddings, overrides and
# isolates (U+200E-F, U+202A-E, U+2066-9) and the line and paragraph separators.
_INVISIBLE = [0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029]
_CONTROL_CHARACTERS = str.maketrans(
    {
        **{code: f"\\x{code:02x}" for code in [*range(0x20), *range(0x7F, 0xA0)]},
        **{code: f"\\u{code:04x}" for code in _INVISIBLE},
    }
)


def _safe(text: str) -> str:
    return text.translate(_CONTROL_CHARACTERS)


def banner(
    app: MockApp, url: str, network_urls: Sequence[str] = (), connection_limit: int | None = None
) -> str:
    """What the mock says when it starts; `network_urls`: where other machines reach it;
    `connection_limit`: the connections a worker may hold, said when they are few."""
    credentials = app.accounts.describe()
    if credentials["users"] is None:
        users = f"any username and password (e.g. {EXAMPLE_USERNAME})"
    else:
        users = f"the accounts in {credentials['accountsFile']}: {', '.join(credentials['users'])}"
    if credentials["serverSecret"] is not None:
        servers = (
            f"any server name (e.g. {EXAMPLE_SERVER_NAME}), secret {credentials['serverSecret']}"
        )
    else:
        servers = (
            f"the servers in {credentials['accountsFile']}: {', '.join(credentials['servers'])}"
        )
    config = app.config
    login = [
        f"  log in     POST {url}/auth/login with HTTP Basic: {users}",
        f"  servers    POST {url}/auth/serverlogin with headers X-Tidepool-Server-Name and"
        f" X-Tidepool-Server-Secret: {servers}",
    ]
    if config.upstream:
        metrics = "forwarded, answers checked" if config.forward_metrics else "answered here"
        login = [
            f"  upstream   {config.upstream}: all but metrics and /__mock passes through",
            f"  log in     there, through {url}; metrics {metrics}",
        ]
        if config.forward_metrics and is_production(config.upstream, app.spec):
            login.append(
                "  PRODUCTION metrics are forwarded to production: each is a real event there"
            )
    return "\n".join(
        [
            f"Mock of {app.spec.title} {app.spec.version} ({app.spec.path})",
            f"  serving    {url}",
            *_network_lines(network_urls),
            *_exposure_lines(config),
            f"  pages      {_origins(app.cors.origins)}",
            *login,
            f"  events     {url}/__mock/events   refused {url}/__mock/rejections",
            f"  inspector  {url}/__mock/",
            f"  journal    {app.journal.path} (newest {app.journal.max_events} kept)",
            f"  faults     {app.faults.start.describe()}; change them at {url}/__mock/",
            *_plan_lines(app.plan),
            *_limit_lines(connection_limit),
            "",
        ]
    )


def _plan_lines(plan: WatchedPlan | None) -> list[str]:
    if plan is None:
        return []
    return [
        f"  plan       {plan.path}: each event judged on-plan, off-plan or no-plan"
        " (re-read when it changes; ?plan=off-plan filters the listing)"
    ]


def _limit_lines(connection_limit: int | None) -> list[str]:
    if connection_limit is None or connection_limit >= FEW_CONNECTIONS:
        return []
    return [
        f"  limit      {connection_limit} connections per worker, as the open-files limit "
        "allows (raise it with ulimit -n)"
    ]


def _network_lines(network_urls: Sequence[str]) -> list[str]:
    if not network_urls:
        return []
    return [f"  network    {', '.join(network_urls)} (other machines, e.g. a phone)"]


def _exposure_lines(config) -> list[str]:
    """Bound beyond loopback: what anyone on the network may now do, in one line."""
    if is_loopback_host(config.host):
        return []
    may = "read the journal and the refusals, record events, log in"
    if config.upstream:
        may += f", reach {config.upstream} through this machine"
    if config.allow_remote_changes:
        may += " and clear them"
    else:
        may += "; only this machine may clear them (--allow-remote-changes)"
    return [f"  NOTE       anyone on the network may {may}"]


def _origins(origins: Sequence[str]) -> str:
    if ANY_ORIGIN in origins:
        return "any web page may call it (--cors-origin to allow only yours)"
    shown = ["pages on this machine" if o == LOOPBACK_ORIGINS else o for o in origins]
    return f"only {', '.join(shown)} may call it from a browser"


def event_line(event: Event, plan: WatchedPlan | None = None) -> str:
    """`12:00:00.123 #42 blip - Viewed Care Team List  user 0d4f6a93b2  source=care-team`,
    and with a plan that calls it off-plan, `  OFF-PLAN mobile is required, and missing`."""
    if event.server_name is not None:
        who = f"server {event.server_name}"
    elif event.user_id is not None:
        who = f"user {event.user_id}"
    else:
        who = "anonymous"
    query = " ".join(
        f"{name}={MASK if is_credential_name(name) else value}"
        for name, values in event.query.items()
        for value in values
    )
    time_of_day = event.received_at[11:23]
    line = f"{time_of_day} #{event.id} {event.event_name}  {who}  {query}".rstrip()
    if event.repeat_of is not None:
        line += f"  probably a repeat of #{event.repeat_of} (a retry?)"
    if event.upstream_status is not None:
        line += f"  upstream {event.upstream_status}"
    for violation in event.violations:
        line += f"  BREAKS {violation.rule}: {violation.reason}"
    verdict = plan.judge(event.to_json()) if plan is not None else None
    if verdict is not None and verdict.is_off_plan:
        line += f"  OFF-PLAN {'; '.join(str(reason) for reason in verdict.reasons)}"
    return _safe(line)


def faults_line(settings: FaultSettings, until: float | None) -> str:
    """`12:00:00 faults now latency 0 ms, fail rate 100% (503) until 12:01:00`."""
    now = time.strftime("%H:%M:%S")
    if not settings.changed:
        return f"{now} faults back to the command line's: {settings.describe()}"
    lapse = f" until {time.strftime('%H:%M:%S', time.localtime(until))}" if until else ""
    return _safe(f"{now} faults now {settings.describe()}{lapse} (PUT /__mock/faults)")


def rejection_line(rejection: Rejection) -> str:
    """`12:00:00.123 refused 401 GET /metrics/thisuser/x  No session token was sent, ...`."""
    time_of_day = rejection.received_at[11:23]
    status = rejection.status or "cut"  # 0: closed unanswered, its head or body stalled
    return _safe(
        f"{time_of_day} refused {status} {rejection.method} {rejection.target}"
        f"  {rejection.reason}".rstrip()
    )


class Feed:
    """The event and refusal lines of the terminal, one per request while a person can
    read them, and one summary line per second when they come faster.

    A page load's few events print one by one, as they come. A contract suite's thousand
    would scroll the banner and every useful line away: within one second (by `clock`)
    the first `per_second` lines are printed and the rest only counted, and the count is
    printed as one line when the second is over, on the next line or by a timer (so the
    end of a burst is reported too). The inspector and GET /__mock/events keep them all.
    Each batch is one write of whole lines, so worker processes do not interleave. With
    a tracking plan (--plan), an event's line names an off-plan verdict and its reasons:
    judged as the line is written, so the events only counted cost nothing.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        per_second: int = READABLE_PER_SECOND,
        plan: WatchedPlan | None = None,
    ) -> None:
        self._stream, self._clock, self._per_second = stream, clock, per_second
        self._plan = plan
        self._lock = threading.Lock()
        self._second: int | None = None
        self._shown = self._held = 0
        self._timer: threading.Timer | None = None

    def events(self, events: list[Event]) -> None:
        self._emit(events, functools.partial(event_line, plan=self._plan))

    def rejection(self, rejection: Rejection) -> None:
        self._emit([rejection], rejection_line)

    def faults(self, settings: FaultSettings, until: float | None) -> None:
        """A change of the faults: always printed, however busy the second."""
        with self._lock:
            self._write([faults_line(settings, until)])

    def flush(self) -> None:
        """Print the count of the lines held back, if any (the timer calls this)."""
        with self._lock:
            self._timer = None
            self._write(self._held_line())

    def _emit(self, records: list, line: Callable[..., str]) -> None:
        """Print the records' lines while a person can read them; only count the rest,
        which are never formatted (under load, most are not)."""
        with self._lock:
            second = int(self._clock())
            out = []
            if second != self._second:
                out = self._held_line()
                self._second, self._shown = second, 0
            shown = records[: max(self._per_second - self._shown, 0)]
            self._shown += len(shown)
            self._held += len(records) - len(shown)
            out += [line(record) for record in shown]
            if self._held and self._timer is None:
                self._timer = threading.Timer(1.0, self.flush)
                self._timer.daemon = True
                self._timer.start()
            self._write(out)

    def _held_line(self) -> list[str]:
        if not self._held:
            return []
        held, self._held = self._held, 0
        return [
            f"... and {held} more in that second, not printed one by one "
            "(the inspector and GET /__mock/events have every one)"
        ]

    def _write(self, lines: list[str]) -> None:
        if lines:
            stream = self._stream or sys.stdout
            stream.write("".join(line + "\n" for line in lines))
            stream.flush()
