"""`python -m contract_tests.spec_change OLD NEW --traffic FILE...`: a spec change judged by traffic.

Rule-based diff tools say whether a change is breaking by its shape; whether any real
client would notice is a question of what clients send. This reads each recorded Metrics
API request (a HAR file, or a mock's `GET /__mock/events.har`) under the old spec and
under the new one with the suite's own reading (traffic.py), and reports, per client:
requests the new spec refuses (breaking for that client), requests it newly accepts, and
the structural changes (spec_diff.py), each with how many recorded requests touch it.

    0  no recorded request breaks (or the specs mean the same: "no change")
    1  some recorded request that the old spec accepted the new one refuses
    4  cannot decide: a spec that is not OpenAPI 3.0, a file that is not a HAR or holds no
       Metrics API request, fewer than --min-requests requests, or the newest older than
       --max-age-days (traffic that old may no longer be what clients send)

Everything printed, and the Markdown written with `--markdown FILE`, passes through the
suite's redaction: the HAR files' own secrets and the values that identify a person.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from dataclasses import dataclass
from pathlib import Path

from contract_tests import har, spec, spec_change_report, traffic
from contract_tests.redaction import Redactor
from contract_tests.replay import secrets_line
from contract_tests.spec_diff import ANY_QUERY, Change, changes, route

NO_BREAK, BREAKS, UNDECIDED = 0, 1, 4
NO_CHANGE = "no change"
# Less recorded traffic than this says too little about who would notice a change.
DEFAULT_MIN_REQUESTS = 20
# Traffic older than this may no longer be what clients send.
DEFAULT_MAX_AGE_DAYS = 90


class Undecided(Exception):
    """The change cannot be judged; the message is one line."""


@dataclass(frozen=True)
class Seen:
    """One recorded request, read under both specs."""

    recorded: har.Recorded
    source: str  # the file's name
    old: traffic.Read
    new: traffic.Read

    @property
    def operation(self):
        return self.old.operation or self.new.operation

    @property
    def client(self) -> str:
        return traffic.client_of(self.recorded, self.operation)

    @property
    def example(self) -> str:
        return traffic.shown(self.recorded, self.operation)

    @property
    def breaks(self) -> bool:
        return self.old.accepted and not self.new.accepted

    @property
    def newly_accepted(self) -> bool:
        return self.new.accepted and not self.old.accepted

    def touches(self, change: Change) -> bool:
        if self.operation is None or route(self.operation) != change.route:
            return False
        credential = (self.old if self.old.operation else self.new).credential
        if change.credentials is not None and credential not in change.credentials:
            return False
        names = {item.partition("=")[0] for item in self.recorded.query.split("&") if item}
        if change.query_name == ANY_QUERY:
            return bool(names)
        return change.query_name is None or change.query_name in names


@dataclass(frozen=True)
class Judged:
    old: Path
    new: Path
    seen: tuple[Seen, ...]
    changes: tuple[tuple[Change, int], ...]  # each with how many recorded requests touch it

    @property
    def status(self) -> int:
        return BREAKS if any(seen.breaks for seen in self.seen) else NO_BREAK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    redactor = Redactor()
    try:
        judged, warnings = judge(args, redactor)
    except (Undecided, spec.SpecProblem, har.HarProblem) as problem:
        print(f"spec change: cannot decide: {redactor.redact(str(problem))}", file=sys.stderr)
        return UNDECIDED
    for warning in warnings:
        print(warning, file=sys.stderr)
    if judged is None:
        print(NO_CHANGE)
        if args.markdown:
            args.markdown.write_text(f"{NO_CHANGE}: the two specs mean the same\n", "utf-8")
        return NO_BREAK
    print(redactor.redact(spec_change_report.text(judged)))
    if args.markdown:
        args.markdown.write_text(redactor.redact(spec_change_report.markdown(judged)), "utf-8")
    return judged.status


def judge(args: argparse.Namespace, redactor: Redactor) -> tuple[Judged | None, list[str]]:
    """The judged change (None: the specs mean the same) and the files' warnings."""
    old, new = spec.read(args.old), spec.read(args.new)
    prefixes = {op.path_template.split("/")[1] for op in (*old.operations, *new.operations)}
    seen, warnings = [], []
    for path in args.traffic:
        document = har.load(path)
        recorded = [r for r in har.read(path, document) if r.path.split("/")[1] in prefixes]
        if not recorded:
            raise Undecided(
                f"{path}: no Metrics API request (under /{', /'.join(sorted(prefixes))})"
            )
        for secret in har.secret_values(document):
            redactor.register(secret)
        warnings += filter(None, [secrets_line(path, har.secrets_in(document))])
        seen += [Seen(r, path.name, traffic.read(r, old), traffic.read(r, new)) for r in recorded]
    for one in seen:
        for value in traffic.private_values(one.recorded, one.operation):
            if len(value) >= 4:  # shorter values would blot out unrelated text
                redactor.register(value)
    found = changes(old, new)
    if not found and all(s.old == s.new for s in seen):
        return None, warnings
    _enough(seen, args)
    counted = tuple((change, sum(s.touches(change) for s in seen)) for change in found)
    return Judged(args.old, args.new, tuple(seen), counted), warnings


def _enough(seen: list[Seen], args: argparse.Namespace) -> None:
    """Raise Undecided when the traffic is too small or too old to judge by."""
    if len(seen) < args.min_requests:
        raise Undecided(
            f"only {len(seen)} recorded Metrics API requests; at least {args.min_requests} "
            "are needed to judge by (--min-requests)"
        )
    dates = [_date(one.recorded.started) for one in seen]
    newest = max(filter(None, dates), default=None)
    if newest is None:
        raise Undecided("no recorded request says when it was sent (startedDateTime)")
    today = args.as_of or datetime.date.today()
    if (today - newest).days > args.max_age_days:
        raise Undecided(
            f"the newest recorded request is from {newest}, more than {args.max_age_days} "
            "days ago (--max-age-days): record what clients send now"
        )


def _date(started: str) -> datetime.date | None:
    try:
        return datetime.datetime.fromisoformat(started.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m contract_tests.spec_change",
        description="Judge a change of the spec by recorded traffic: exit 0 no recorded "
        "request breaks, 1 some do, 4 cannot decide.",
    )
    parser.add_argument("old", type=Path, help="the spec as it is")
    parser.add_argument("new", type=Path, help="the spec as it would be")
    parser.add_argument(
        "--traffic",
        type=Path,
        action="extend",
        nargs="+",
        required=True,
        metavar="FILE.har",
        help="recorded requests: HAR files, or a mock's GET /__mock/events.har (repeatable)",
    )
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="also write the report")
    parser.add_argument(
        "--min-requests",
        type=int,
        default=DEFAULT_MIN_REQUESTS,
        help="fewer recorded Metrics API requests cannot decide (default: %(default)s)",
    )
    parser.add_argument(
        "--max-age-days",
        type=int,
        default=DEFAULT_MAX_AGE_DAYS,
        help="traffic whose newest request is older cannot decide (default: %(default)s)",
    )
    parser.add_argument(
        "--as-of",
        type=datetime.date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="judge the traffic's age as of this day (default: today)",
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
