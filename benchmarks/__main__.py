"""`python -m benchmarks` (`make bench`): measure, print the Markdown report, and save it.

The default run takes about 40 minutes on the 2-core machine; `--quick` measures every
part briefly, and `--only`, `--targets`, `--rounds` and `--duration` pick a subset.
The report goes to benchmarks/results/latest.md, which git ignores: figures worth keeping
are copied by hand into benchmarks/README.md.
"""

import argparse
import os
import tempfile
from pathlib import Path

from benchmarks import (
    app_alone,
    journal_load,
    listing,
    load,
    passthrough,
    report,
    slow_clients,
    soak,
    startup,
    suite,
    waits,
)
from benchmarks.targets import TARGETS

RESULTS = Path(__file__).resolve().parent / "results" / "latest.md"
PARTS = (
    "load",
    "alone",
    "slow",
    "waits",
    "journal",
    "startup",
    "soak",
    "suite",
    "passthrough",
    "listing",
)
# --quick: one short round of everything, enough to see each verdict.
QUICK = {
    "duration": 3.0,
    "rounds": 1,
    "events": [10_000],
    "soak_limit": 60.0,
    "journal_seconds": 2.0,
}


def _numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",")]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--only",
        choices=PARTS,
        action="append",
        help="run only this part (repeatable); default: all of them",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="every part, briefly: " + ", ".join(f"{k}={v}" for k, v in QUICK.items()),
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=10.0,
        help="seconds of load per target and connection count (default 10)",
    )
    parser.add_argument(
        "--connections",
        type=_numbers,
        default=[16],
        help="comma-separated connection counts (default 16, where the targets are judged)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="turns of every target at every load; ratios are taken within a round (default 3)",
    )
    parser.add_argument(
        "--targets",
        type=lambda text: text.split(","),
        default=list(TARGETS),
        help=f"comma-separated load targets (default {','.join(TARGETS)})",
    )
    parser.add_argument(
        "--held",
        type=int,
        default=1000,
        help="stalled and idle connections, of each, in the slow-clients part (default 1000)",
    )
    parser.add_argument(
        "--processes",
        type=_numbers,
        default=[1, 2, 4],
        help="process counts of the journal-only part (default 1,2,4)",
    )
    parser.add_argument(
        "--journal-seconds",
        type=float,
        default=5.0,
        help="seconds each process count records in the journal-only part (default 5)",
    )
    parser.add_argument(
        "--events",
        type=_numbers,
        default=[10_000, 100_000, 1_000_000],
        help="soak checkpoints in events (default 10000,100000,1000000)",
    )
    parser.add_argument(
        "--soak-limit",
        type=float,
        default=420.0,
        help="stop the soak after this many seconds (default 420)",
    )
    args = parser.parse_args()
    unknown = set(args.targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown targets {sorted(unknown)}; choose from {list(TARGETS)}")
    if args.quick:
        vars(args).update(QUICK)
    return args


def main() -> None:
    args = parse_args()
    parts = args.only or PARTS
    load_before = os.getloadavg()[0]
    measured = report.Measured()
    sections = []
    with tempfile.TemporaryDirectory(prefix="tidepool-bench-") as workdir:
        workdir = Path(workdir)
        if "load" in parts:
            measured.load = load.measure(
                args.targets, args.connections, args.duration, args.rounds, workdir
            )
            sections.append(report.load_section(measured.load))
        if "alone" in parts:
            runs = app_alone.measure(args.rounds, workdir)
            sections.append(report.app_alone_section(runs, measured.load))
        if "slow" in parts:
            measured.slow = slow_clients.measure(args.held, args.duration, args.rounds, workdir)
            sections.append(report.slow_section(measured.slow, TARGETS["mock"].label))
        if "waits" in parts:
            result = waits.measure(args.duration, args.rounds, workdir)
            sections.append(report.waits_section(result))
        if "journal" in parts:
            runs = journal_load.measure(args.processes, args.journal_seconds, args.rounds, workdir)
            sections.append(report.journal_section(runs))
        if "startup" in parts:
            measured.startup = startup.measure(5, workdir)
            sections.append(report.startup_section(measured.startup))
        if "soak" in parts:
            measured.soak = soak.measure(args.events, args.soak_limit, workdir)
            sections.append(report.soak_section(measured.soak))
        if "suite" in parts:
            sections.append(report.suite_section(suite.measure(workdir)))
        if "passthrough" in parts:
            requests = passthrough.QUICK_REQUESTS if args.quick else passthrough.REQUESTS
            sections.append(passthrough.section(passthrough.measure(workdir, requests)))
        if "listing" in parts:
            sections.append(listing.section(listing.measure(workdir)))
    sections.insert(0, report.targets_section(measured))
    text = report.render(sections, load_before)
    print(text)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text)
    print(f"Written to {RESULTS}")


if __name__ == "__main__":
    main()
