"""The Markdown report: the machine, the figures, and each target of the issues met or not.

Every figure is stated next to the target it is held to, so that a reader of
benchmarks/README.md sees at once what passes and by how much.
"""

import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path
from statistics import median

from benchmarks.load import LoadResults, median_of
from benchmarks.soak import Sample
from benchmarks.suite import SuiteRun
from benchmarks.targets import TARGETS

TARGET_CONNECTIONS = 16
STARTUP_TARGET_S = 0.5


def machine(load_before: float) -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    models = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    model = models[0] if models else platform.processor()
    meminfo = Path("/proc/meminfo").read_text().split()
    ram_gib = int(meminfo[meminfo.index("MemTotal:") + 1]) / 2**20
    wrk_version = subprocess.run(
        ["wrk", "-v"], capture_output=True, text=True, check=False
    ).stdout.split()[1]
    return (
        f"{os.cpu_count()} cores ({model}), {ram_gib:.0f} GiB RAM, Linux {platform.release()},"
        f" Python {platform.python_version()}, wrk {wrk_version} on the same cores;"
        # Anything else running shares the two cores with the servers and wrk: say how much.
        f" 1-minute load average {load_before:.2f} before the run"
    )


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f}"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def load_section(load: LoadResults) -> list[str]:
    lines = [
        f"## Load: `GET /metrics/thisuser/...?a=1&b=2&c=3` with a token, {load.duration_s:.0f} s each",
        "",
        f"Medians over {load.rounds} rounds; the targets take turns within each round.",
        "",
        (
            "| connections | target | req/s | p50 ms | p99 ms | errors | req/s vs nginx"
            " | server CPU us/req | ready in s |"
        ),
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for connections in sorted({row.connections for row in load.rows}):
        for name in TARGETS:
            rows = load.get(name, connections)
            if not rows:
                continue
            share = load.ratios(name, "nginx", connections, "requests_per_s")
            lines.append(
                f"| {connections} | {TARGETS[name].label}"
                f" | {median_of(rows, 'requests_per_s'):,.0f}"
                f" | {median_of(rows, 'p50_ms'):.2f} | {median_of(rows, 'p99_ms'):.2f}"
                f" | {sum(row.result.errors for row in rows)}"
                f" | {f'{median(share):.1%}' if share else '-'}"
                f" | {median(row.server_cpu_us for row in rows):,.0f}"
                f" | {load.ready_after_s[name]:.2f} |"
            )
    for name, reason in load.failed.items():
        lines.append(f"\n{TARGETS[name].label} did not run: {reason}")
    return lines + ["", *_ratio_lines(load)]


def _ratio_lines(load: LoadResults) -> list[str]:
    if not load.get("mock", TARGET_CONNECTIONS):
        return [f"No ratios: the mock was not measured at {TARGET_CONNECTIONS} connections."]
    lines = [
        f"Targets at {TARGET_CONNECTIONS} connections, as the median of the ratios taken within"
        " each round (the spread over rounds in brackets):",
        "",
        "| target | figure | verdict |",
        "|---|---:|---|",
    ]
    goals = [
        ("mock req/s >= 2x Prism", "prism", "requests_per_s", lambda r: r >= 2, "{:.2f}x"),
        ("mock p99 <= 0.5x Prism", "prism", "p99_ms", lambda r: r <= 0.5, "{:.2f}x"),
        ("mock req/s >= 80% of bare app", "bare", "requests_per_s", lambda r: r >= 0.8, "{:.0%}"),
    ]
    for goal, baseline, figure, met, form in goals:
        ratios = load.ratios("mock", baseline, TARGET_CONNECTIONS, figure)
        if ratios:
            typical = median(ratios)
            spread = f"{form.format(min(ratios))}-{form.format(max(ratios))}"
            lines.append(
                f"| {goal} | {form.format(typical)} ({spread}) | {_verdict(met(typical))} |"
            )
    return lines


def startup_section(times: list[float]) -> list[str]:
    typical = median(times)
    return [
        "## Start-up of the mock: process start to first 200",
        "",
        (
            f"{len(times)} starts: median {typical:.3f} s, slowest {max(times):.3f} s"
            f" (target < {STARTUP_TARGET_S} s: {_verdict(typical < STARTUP_TARGET_S)})."
        ),
    ]


def soak_section(samples: list[Sample]) -> list[str]:
    lines = [
        "## Memory and disk of the mock as events accumulate (default --max-events 10000)",
        "",
        "| events recorded | after s | RSS MiB (all processes) | journal db MiB | -wal MiB |",
        "|---:|---:|---:|---:|---:|",
    ]
    for sample in samples:
        lines.append(
            f"| {sample.events:,} | {sample.elapsed_s:.0f} | {_mib(sample.rss_bytes)}"
            f" | {_mib(sample.db_bytes)} | {_mib(sample.wal_bytes)} |"
        )
    return lines


def suite_section(runs: list[SuiteRun]) -> list[str]:
    lines = [
        "## Contract suite speed against the mock (`ci` profile) beside a plain schemathesis run",
        "",
        "| command | exit code | cases | wall s | cases/s |",
        "|---|---:|---:|---:|---:|",
    ]
    for run in runs:
        cases = f"{run.cases:,}" if run.cases is not None else "?"
        rate = f"{run.cases_per_s:.1f}" if run.cases_per_s is not None else "?"
        lines.append(f"| `{run.command}` | {run.exit_code} | {cases} | {run.wall_s:.1f} | {rate} |")
    lines += [f"\n{run.command.split()[0]}: {run.note}" for run in runs if run.note]
    return lines


def render(sections: list[list[str]], load_before: float) -> str:
    header = [
        "# Benchmark results",
        "",
        f"{datetime.date.today().isoformat()}, `{' '.join(['python -m benchmarks', *sys.argv[1:]])}`",
        "",
        f"Machine: {machine(load_before)}.",
    ]
    return "\n".join(header + [line for section in sections for line in ["", *section]]) + "\n"
