"""`--plan PLAN.yaml` with `--replay`: each replayed request judged against a tracking plan.

The contract says what the service must record; a tracking plan says what each client
should send (tracking_plan/, the reading the mock shares). A request off the plan is the
client's bug, not the service's, so it never changes the contract's verdict: the summary
names each on a line of its own (`OFF PLAN entry N: ...: reasons`). `--plan-strict` makes
a run whose contract holds exit 1 all the same, with the verdict "the contract holds; N
requests off the plan", for a client's pipeline; the deploy gate refuses it (__main__.py),
since a client's bug must not block a service's deploy.

A verdict reads the recorded request only (its name as sent, its query): it is decided
when the run is configured, before anything is sent. A HAR keeps no User-Agent for
replay, so a client recognised by its User-Agent alone is not recognised here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote

import pytest

from contract_tests.environments import EVENT_NAME_PARAM
from contract_tests.replay import Replay, ReplayCase
from contract_tests.summary import RunSummary
from tracking_plan.reader import PlanProblem, load
from tracking_plan.seen import Seen
from tracking_plan.verdict import NO_PLAN, Verdict, judge

SERVER_NAME_PARAM = "serverName"
OPTIONS: dict[str, dict] = {
    "plan": {
        "metavar": "PLAN.yaml",
        "help": "with --replay: name each replayed request off this tracking plan "
        "(docs/tracking-plan.md); the contract's verdict stays as it is",
    },
    "plan-strict": {
        "action": "store_true",
        "help": "with --plan: exit 1 when the contract holds but replayed requests are off the "
        "plan (refused with --gate)",
    },
}


@dataclass(frozen=True)
class PlanCheck:
    path: Path
    strict: bool
    verdicts: tuple[tuple[ReplayCase, Verdict], ...]

    def note(self) -> str:
        off = [v for _, v in self.verdicts if v.is_off_plan]
        unknown = [v for _, v in self.verdicts if v.verdict == NO_PLAN]
        return (
            f"Tracking plan {self.path.name}: of {len(self.verdicts)} replayed requests, "
            f"{len(off)} off the plan, {len(unknown)} of no client the plan names"
        )

    def off_plan_lines(self) -> list[str]:
        return [
            f"{case.name}: {'; '.join(str(reason) for reason in verdict.reasons)}"
            for case, verdict in self.verdicts
            if verdict.is_off_plan
        ]


def check(plan: str | None, strict: bool, replayed: Replay | None) -> PlanCheck | None:
    """The run's plan check, or None without --plan; pytest.UsageError (exit 4, one line)
    for a plan it cannot read or options that do not go together."""
    if plan is None:
        if strict:
            raise pytest.UsageError("--plan-strict needs --plan PLAN.yaml")
        return None
    if replayed is None:
        raise pytest.UsageError("--plan judges replayed requests: give --replay FILE.har too")
    try:
        loaded = load(Path(plan))
    except PlanProblem as problem:
        raise pytest.UsageError(f"--plan {problem}") from None
    today = datetime.date.today()
    verdicts = tuple(
        (case, judge(loaded, seen(case), today))
        for case in replayed.cases
        if case.operation is not None
    )
    return PlanCheck(Path(plan), strict, verdicts)


def seen(case: ReplayCase) -> Seen:
    """A replayed request as the plan sees it: its name and query as recorded."""
    values = case.path_values(case.operation)
    name, server = values[EVENT_NAME_PARAM], values.get(SERVER_NAME_PARAM)
    return Seen(
        name=unquote(name),
        sent_name=name,
        properties=tuple(parse_qsl(case.recorded.query, keep_blank_values=True)),
        server_name=None if server is None else unquote(server),
    )


def report(checked: PlanCheck | None, summary: RunSummary) -> None:
    """The plan's lines in the run's summary."""
    if checked is not None:
        summary.notes.append(checked.note())
        summary.off_plan += checked.off_plan_lines()
        summary.plan_strict = checked.strict
