"""`tidepool-metrics-plan` (in a checkout `python -m tracking_plan.plan`): learn a plan, check traffic.

    learn TRAFFIC... -o PLAN   a draft plan from recorded traffic (traffic.py says what TRAFFIC
                               may be); when PLAN exists it is left as it is, and only what the
                               traffic adds to it or contradicts is printed
    check PLAN TRAFFIC...      each event that is not on the plan, on its own line with the
                               reasons; exit 1 if any is off the plan

Exit 0 done, 1 off-plan events (check), 4 bad input: a plan, a HAR or a URL it cannot
read, said in one line naming the place.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from tracking_plan import learn, reader, traffic
from tracking_plan.verdict import ON_PLAN, judge

DONE, OFF_PLAN, BAD_INPUT = 0, 1, 4
PROG = "tidepool-metrics-plan"
DRAFT_HEADER = (
    "# A draft tracking plan learned by `tidepool-metrics-plan learn` from {sources}.\n"
    "# Edit it: keep the events meant to be sent, name their properties, cite where each comes\n"
    "# from (`source:`). `seen:` records what was learned; no verdict reads it.\n"
    "# Schema: docs/tracking-plan.md.\n"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description="Learn and check tracking plans.")
    commands = parser.add_subparsers(dest="command", required=True)
    learning = commands.add_parser("learn", help="a draft plan from recorded traffic")
    learning.add_argument("traffic", nargs="+", help="HAR files, or a mock's journal URL")
    learning.add_argument("-o", "--output", type=Path, required=True, metavar="PLAN")
    checking = commands.add_parser("check", help="each event of the traffic against a plan")
    checking.add_argument("plan", type=Path)
    checking.add_argument("traffic", nargs="+", help="HAR files, or a mock's journal URL")
    args = parser.parse_args(argv)
    try:
        paths = traffic.event_paths(traffic.SPEC_PATH)
        seen = [event for source in args.traffic for event in traffic.read(source, paths)]
        existing = args.plan if args.command == "check" else args.output
        plan = reader.load(existing) if existing.exists() or args.command == "check" else None
    except (reader.PlanProblem, traffic.TrafficProblem) as problem:
        print(f"{PROG}: {problem}", file=sys.stderr)
        return BAD_INPUT
    if args.command == "check":
        return _check(plan, seen)
    if plan is not None:
        lines = learn.changes(plan, seen)
        print(
            "\n".join(lines) or f"{args.output}: the traffic adds nothing and contradicts nothing"
        )
        return DONE
    drafted = learn.draft(seen)
    header = DRAFT_HEADER.format(sources=", ".join(args.traffic))
    args.output.write_text(header + as_yaml(drafted), encoding="utf-8")
    events = sum(len(client["events"]) for client in drafted["clients"])
    flagged = sum(1 for c in drafted["clients"] for e in c["events"] if e["seen"].get("flags"))
    left_out = sum(1 for event in seen if event.is_the_suites)
    print(
        f"{args.output}: {len(drafted['clients'])} clients, {events} events from "
        f"{len(seen)} requests ({left_out} of the contract suite left out); {flagged} flagged"
    )
    return DONE


def as_yaml(drafted: dict) -> str:
    """A draft as learn writes it: in the order learned, each property on one line."""
    return yaml.safe_dump(
        drafted, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None
    )


def _check(plan: reader.Plan, seen: list) -> int:
    off = 0
    for event in seen:
        verdict = judge(plan, event)
        if verdict.verdict != ON_PLAN:
            off += verdict.is_off_plan
            reasons = "; ".join(str(reason) for reason in verdict.reasons)
            print(f"{verdict.verdict}: {event.name!r}: {reasons}")
    print(f"{len(seen)} events, {off} off the plan")
    return OFF_PLAN if off else DONE


if __name__ == "__main__":
    sys.exit(main())
