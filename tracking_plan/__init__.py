"""Tracking plans: the events each client should send, learned from traffic, judged per event.

Why a package of its own: the mock judges each event it records against a plan
(`--plan FILE`) and the contract suite judges each request it replays (`--plan` with
`--replay`); both must read a plan exactly alike, yet the suite never imports the mock
and the mock installs without the suite. So the one reading of a plan lives here, below
both, and imports neither (import-linter keeps it so); it needs PyYAML and the standard
library only.

    plan      the `tidepool-metrics-plan` command: learn, check
    learn     traffic -> a draft plan; or what traffic adds to a plan, and contradicts
    traffic   HAR files and a running mock's journal -> seen events
    hook      for the mock: WatchedPlan(path).judge(journal event), re-read when the file changes
    verdict   judge(plan, seen) -> on-plan / off-plan / no-plan, with reasons
    seen      one event as sent: its name decoded and as sent, its properties
    reader    the plan's schema; load(path) -> Plan, or PlanProblem in one line

One event: the mock's journal (or a HAR entry, or a replayed request) -> seen.Seen ->
verdict.judge(reader.load(PLAN), seen) -> Verdict(verdict, reasons).
"""
