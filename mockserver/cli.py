"""`python -m mockserver`: the command line builds a MockConfig, nothing more.

Every mistake on it is one line that names the option and the value (a password in a
URL masked): a mistyped option with the nearest valid one, a file that cannot be read
with the option that named it.
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import re
import sys
from pathlib import Path

import yaml

from tracking_plan.reader import PlanProblem

from .auth.accounts import AccountsError
from .config import (
    DEFAULT_SPEC_PATH,
    MAX_HEADER_TIMEOUT_S,
    MAX_UPSTREAM_TIMEOUT_S,
    Latency,
    MockConfig,
)
from .cors import parse_origin
from .journal.store import JournalError
from .serving.serve import serve
from .spec import SpecError, load_spec
from .upstream.passthrough import UpstreamError, host_of, is_production, resolve_upstream

MAX_PORT = 65535
# `scheme://user:password@`: the part of a URL that never reaches the terminal.
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")
# An address without a scheme, which --upstream takes for a name.
_HOST_PORT = re.compile(r"[\w.-]+:\d+")
# granian's reloader needs watchfiles, an extra of the package: installing the mock for a
# test setup brings neither it nor its pytest plugin (anyio's).
NO_RELOADER = (
    "mockserver: --reload needs granian's reloader (watchfiles), which is not installed:"
    " pip install 'tidepool-metrics-mock[reload]'"
)


def masked(text: str) -> str:
    """`text` with the user and password of any URL in it replaced by `***`."""
    return _USERINFO.sub("***@", text)


class _Parser(argparse.ArgumentParser):
    """One line per mistake instead of the usage; a mistyped option gets the nearest one."""

    def error(self, message: str) -> None:  # type: ignore[override]
        unknown = re.match(r"unrecognized arguments: (-[^\s=]+)", message)
        hint = ""
        if unknown:
            known = [name for name in self._option_string_actions if name.startswith("--")]
            nearest = difflib.get_close_matches(unknown[1], known, n=1)
            hint = f"; did you mean {nearest[0]}?" if nearest else ""
        self.exit(2, f"{self.prog}: {masked(message)}{hint} (--help lists the options)\n")


def _latency(text: str) -> Latency:
    try:
        return Latency.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a share between 0 and 1, got {text!r}")
    return value


def _origin(text: str) -> str:
    try:
        return parse_origin(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit() and int(text) <= MAX_PORT):
        raise argparse.ArgumentTypeError(f"expected a port from 0 to {MAX_PORT}, got {text!r}")
    return int(text)


def _positive(text: str) -> int:
    if not (text.isdigit() and int(text) >= 1):
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def _upstream(args: argparse.Namespace) -> str | None:
    """The URL --upstream names, or a one-line exit saying why it names none."""
    if args.upstream is None:
        if args.forward_metrics:
            sys.exit("mockserver: --forward-metrics needs --upstream NAME|URL")
        return None
    try:
        spec = load_spec(args.spec)
        url = resolve_upstream(args.upstream, spec, (args.host, args.port))
    except (UpstreamError, ValueError) as error:  # a URL the HTTP library cannot read
        hint = ""
        if _HOST_PORT.fullmatch(args.upstream):
            hint = f"; for the server at that address: --upstream http://{args.upstream}"
        sys.exit(f"mockserver: {masked(str(error))}{hint}")
    except (SpecError, OSError, yaml.YAMLError) as error:
        sys.exit(f"mockserver: {startup_error(error, args.spec, None, None)}")
    if args.forward_metrics and is_production(url, spec) and not args.allow_production:
        sys.exit(
            f"mockserver: --upstream {args.upstream!r} is production ({host_of(url)}), where "
            "--forward-metrics would record every metrics call as a real event; pass "
            "--allow-production if you mean it (without --forward-metrics, only the rest passes through)"
        )
    return url


def _seconds_at_most(maximum: float):
    """A positive number of seconds, at most `maximum` (the option's type)."""

    def seconds(text: str) -> float:
        value = _seconds(text)
        if value > maximum:
            raise argparse.ArgumentTypeError(f"expected at most {maximum:g} seconds, got {text!r}")
        return value

    return seconds


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    defaults = MockConfig()
    cli = _Parser(
        prog="python -m mockserver",
        description="Serve a mock of Tidepool's Metrics API, driven by its OpenAPI spec.",
    )
    cli.add_argument(
        "--spec", type=Path, default=DEFAULT_SPEC_PATH, help="OpenAPI document to serve"
    )
    cli.add_argument("--host", default=defaults.host, help="address to bind (default %(default)s)")
    cli.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name requests may use besides localhost and IP addresses (repeatable)",
    )
    cli.add_argument("--port", type=_port, default=defaults.port, help="port (default %(default)s)")
    cli.add_argument("--accounts", type=Path, help="YAML file of the only accounts that may log in")
    cli.add_argument(
        "--plan",
        type=Path,
        metavar="FILE",
        help="a tracking plan (YAML) to judge each event by: the listing, the inspector and"
        " this terminal show each verdict; re-read when the file changes",
    )
    cli.add_argument(
        "--journal-file", type=Path, help="SQLite journal kept across runs (default: temporary)"
    )
    cli.add_argument(
        "--max-events",
        type=_positive,
        default=defaults.max_events,
        help="events kept; older ones are dropped and counted (default %(default)s)",
    )
    cli.add_argument(
        "--latency",
        type=_latency,
        default=defaults.latency,
        help="delay of each metrics answer: MS or MIN-MAX milliseconds",
    )
    cli.add_argument(
        "--fail-rate",
        type=_share,
        default=defaults.fail_rate,
        help="share of metrics requests answered 500, 0 to 1",
    )
    cli.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        type=_origin,
        metavar="ORIGIN",
        help="an origin (scheme://host[:port]) whose pages may call the mock; repeatable; "
        "'*' for any page, 'loopback' for pages on this machine (default: '*', or "
        "'loopback' with --upstream)",
    )
    cli.add_argument(
        "--allow-remote-changes",
        action="store_true",
        help="with --host other than loopback: let other machines clear the journal and"
        " the refusals too (default: they may only read)",
    )
    cli.add_argument(
        "--workers",
        type=_positive,
        default=defaults.workers,
        help="worker processes, each answering its connections on one event loop"
        " (default %(default)s; on Windows granian serves with one)",
    )
    cli.add_argument(
        "--threads",
        type=_positive,
        default=defaults.threads,
        help="threads per worker for the requests that may block (--upstream, event"
        " listings); the rest, delays included, are answered on the event loop"
        " (default %(default)s)",
    )
    cli.add_argument(
        "--upstream",
        metavar="NAME|URL",
        help="pass what the mock does not serve through to this Tidepool environment"
        " (a name from the spec's servers, e.g. qa2, or a URL)",
    )
    cli.add_argument(
        "--forward-metrics",
        action="store_true",
        help="with --upstream: send metrics requests there too and check its answers",
    )
    cli.add_argument(
        "--allow-production",
        action="store_true",
        help="with --upstream production and --forward-metrics: record real events there",
    )
    cli.add_argument(
        "--forward-cookies",
        action="store_true",
        help="with --upstream: send the browser's cookies there and its Set-Cookie back"
        " (default: neither; Tidepool's clients use the session-token header)",
    )
    cli.add_argument(
        "--upstream-timeout",
        type=_seconds_at_most(MAX_UPSTREAM_TIMEOUT_S),
        default=defaults.upstream_timeout_s,
        metavar="SECONDS",
        help="bound on connecting to the upstream and on each read (default %(default)g)",
    )
    cli.add_argument(
        "--header-timeout",
        type=_seconds_at_most(MAX_HEADER_TIMEOUT_S),
        default=defaults.header_timeout_s,
        help="seconds a client has to send a request's headers, at most"
        f" {MAX_HEADER_TIMEOUT_S:g} (default %(default)s)",
    )
    cli.add_argument(
        "--body-timeout",
        type=_seconds,
        default=defaults.body_timeout_s,
        help="seconds a client may pause between two parts of a request's body"
        " (default %(default)s; a slow but steady body is never cut)",
    )
    cli.add_argument(
        "--token-lifetime",
        type=_seconds,
        default=defaults.token_lifetime_s,
        metavar="SECONDS",
        help="how long an issued session token is valid (default %(default)g, a day);"
        " an accounts file's fixed tokens never expire",
    )
    cli.add_argument(
        "--reload",
        action="store_true",
        help="development mode: the workers restart when the code, the spec or the"
        " accounts file changes",
    )
    return cli


def trimmed(argv: list[str]) -> list[str]:
    """The arguments without stray whitespace around them or a value (`--upstream ' URL'`,
    `--port=8009 `), as a value pasted with a space means the value without it."""
    items = []
    for item in argv:
        name, equals, value = item.strip().partition("=")
        items.append(
            f"{name}={value.strip()}" if equals and name.startswith("--") else item.strip()
        )
    return items


def config_from_args(argv: list[str] | None = None) -> tuple[MockConfig, bool]:
    """The configuration the arguments ask for, and whether to serve with auto-reload."""
    args = parser().parse_args(trimmed(sys.argv[1:] if argv is None else argv))
    config = MockConfig(
        spec_path=args.spec,
        host=args.host,
        allowed_hosts=tuple(args.allowed_host),
        port=args.port,
        accounts_path=args.accounts,
        journal_file=args.journal_file,
        max_events=args.max_events,
        latency=args.latency,
        fail_rate=args.fail_rate,
        cors_origins=tuple(args.cors_origin),
        allow_remote_changes=args.allow_remote_changes,
        forward_cookies=args.forward_cookies,
        workers=args.workers,
        threads=args.threads,
        upstream=_upstream(args),
        forward_metrics=args.forward_metrics,
        allow_production=args.allow_production,
        upstream_timeout_s=args.upstream_timeout,
        header_timeout_s=args.header_timeout,
        body_timeout_s=args.body_timeout,
        token_lifetime_s=args.token_lifetime,
        plan_path=args.plan,
    )
    return config, args.reload


def main(argv: list[str] | None = None) -> None:
    config, reload = config_from_args(argv)
    if reload and importlib.util.find_spec("watchfiles") is None:
        sys.exit(NO_RELOADER)
    try:
        serve(config, reload)
    except PlanProblem as problem:  # one line naming the file and the place
        sys.exit(f"mockserver: --plan {masked(str(problem))}")
    except (SpecError, AccountsError, JournalError, yaml.YAMLError, OSError) as error:
        # A file or an address the user named is wrong: say which, no traceback.
        files = (config.spec_path, config.accounts_path, config.journal_file)
        where = f"--host {config.host} --port {config.port}"
        sys.exit(f"mockserver: {startup_error(error, *files, where)}")


def startup_error(
    error: Exception,
    spec: Path,
    accounts: Path | None,
    journal: Path | None,
    address: str | None = None,
) -> str:
    """The error with the option and value it is about in front (secrets masked)."""
    named = {"--spec": spec, "--accounts": accounts, "--journal-file": journal}
    options = {str(path): option for option, path in named.items() if path is not None}
    by_type = {SpecError: "--spec", AccountsError: "--accounts", JournalError: "--journal-file"}
    option = next((name for kind, name in by_type.items() if isinstance(error, kind)), None)
    text = str(error)
    if isinstance(error, OSError):
        option = options.get(str(error.filename)) if error.filename else None
        text = error.strerror or text
        if option is None and error.filename is None and address:
            return masked(f"{address}: {text}")
    elif isinstance(error, yaml.YAMLError):
        mark = getattr(error, "problem_mark", None)
        option = options.get(getattr(mark, "name", None) or "")
    if option is None:
        return masked(text)
    return masked(f"{option} {named[option]}: {text}")
