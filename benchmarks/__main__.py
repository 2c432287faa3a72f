"""`python -m benchmarks` (`make bench`): measure, print the Markdown report, and save it.

The default run takes about 20 minutes on the 2-core machine; `--only`, `--rounds` and
`--duration` give a developer a quick subset. The report goes to
benchmarks/results/latest.md, which git ignores: figures worth keeping are copied by hand
into benchmarks/README.md.
"""

import argparse
import os
import tempfile
from pathlib import Path

from benchmarks import load, passthrough, report, soak, startup, suite
from benchmarks.targets import TARGETS

RESULTS = Path(__file__).resolve().parent / "results" / "latest.md"
PARTS = ("load", "startup", "soak", "suite", "passthrough")


def _numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--only",
        choices=PARTS,
        action="append",
        help="run only this part (repeatable); default: all of them",
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
        default=[1, 16, 64],
        help="comma-separated connection counts (default 1,16,64)",
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
    parts = args.only or PARTS

    load_before = os.getloadavg()[0]
    sections = []
    with tempfile.TemporaryDirectory(prefix="tidepool-bench-") as workdir:
        workdir = Path(workdir)
        if "load" in parts:
            results = load.measure(
                args.targets, args.connections, args.duration, args.rounds, workdir
            )
            sections.append(report.load_section(results))
        if "startup" in parts:
            sections.append(report.startup_section(startup.measure(5, workdir)))
        if "soak" in parts:
            sections.append(
                report.soak_section(soak.measure(args.events, args.soak_limit, workdir))
            )
        if "suite" in parts:
            sections.append(report.suite_section(suite.measure(workdir)))
        if "passthrough" in parts:
            sections.append(passthrough.section(passthrough.measure(workdir)))
    text = report.render(sections, load_before)
    print(text)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text)
    print(f"Written to {RESULTS}")


if __name__ == "__main__":
    main()
