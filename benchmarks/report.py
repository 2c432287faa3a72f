"""The Markdown report: the machine, the figures, and each target of the issues met or not.

Every figure is stated next to the target it is held to (issue 27's, for the mock beside
its peers), so that a reader of benchmarks/README.md sees at once what passes, and where
one is missed, by how much.
"""

import datetime
import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from statistics import median

from benchmarks.app_alone import AppAloneRun, medians
from benchmarks.journal_load import JournalRun
from benchmarks.load import MAX_WARMUP_ROUNDS, LoadResults, LoadRow, median_of
from benchmarks.slow_clients import SlowRound
from benchmarks.soak import Sample
from benchmarks.suite import SuiteRun
from benchmarks.targets import PEERS, TARGETS
from benchmarks.waits import WaitsResult
from mockserver.config import MockConfig

STARTUP_TARGET_S = 0.5
TARGET_CONNECTIONS = 16


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


def _na(value: float | None, form: str) -> str:
    """A figure that only Linux measures (from /proc): 'n/a' elsewhere."""
    return "n/a" if value is None else form.format(value)


def _rss(rows: list[LoadRow]) -> str:
    sizes = [row.rss_per_worker for row in rows if row.rss_per_worker]
    if not sizes:
        return "n/a"
    return f"{_mib(median(size for size, _ in sizes))} x {sizes[-1][1]}"


def load_section(load: LoadResults) -> list[str]:
    lines = [
        f"## Load: `GET /metrics/thisuser/...?a=1&b=2&c=3` with a token, {load.duration_s:.0f} s each",
        "",
        f"Each target warmed until two successive rounds agreed within 5% (at most"
        f" {MAX_WARMUP_ROUNDS}), then medians over {load.rounds} rounds in which the targets"
        " take turns. Server CPU and RSS are of the server's whole process tree; RSS is per"
        " worker (the tree's leaves) times the workers.",
        "",
        (
            "| connections | target | req/s | p50 ms | p99 ms | errors | req/s vs nginx"
            " | server CPU us/req | RSS MiB per worker | ready in s | warm-up rounds |"
        ),
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for connections in sorted({row.connections for row in load.rows}):
        for name in TARGETS:
            rows = load.get(name, connections)
            if not rows:
                continue
            share = load.ratios(name, "nginx", connections, "requests_per_s")
            warmup = load.warmups.get((name, connections))
            warmed = (
                "-"
                if warmup is None
                else f"{len(warmup.rates)}" + ("" if warmup.settled else " (not settled)")
            )
            lines.append(
                f"| {connections} | {TARGETS[name].label}"
                f" | {median_of(rows, 'requests_per_s'):,.0f}"
                f" | {median_of(rows, 'p50_ms'):.2f} | {median_of(rows, 'p99_ms'):.2f}"
                f" | {sum(row.result.errors for row in rows)}"
                f" | {f'{median(share):.1%}' if share else '-'}"
                f" | {_na(median_of(rows, 'server_cpu_us'), '{:,.0f}')}"
                f" | {_rss(rows)} | {load.ready_after_s[name]:.2f} | {warmed} |"
            )
    for name, reason in load.failed.items():
        lines.append(f"\n{TARGETS[name].label} did not run: {reason}")
    return lines


def slow_section(rounds: list[SlowRound], label: str) -> list[str]:
    held = rounds[0].held
    lines = [
        f"## Slow clients: {label} at 16 connections, alone and beside {held:,} stalled"
        f" and {held:,} idle connections",
        "",
        "| round | req/s alone | req/s beside them | ratio | p99 ms alone | p99 ms beside them"
        " | errors | connections re-opened |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for number, slow in enumerate(rounds, start=1):
        alone, beside = slow.without, slow.with_held
        lines.append(
            f"| {number} | {alone.requests_per_s:,.0f} | {beside.requests_per_s:,.0f}"
            f" | {beside.requests_per_s / alone.requests_per_s:.0%} | {alone.p99_ms:.2f}"
            f" | {beside.p99_ms:.2f} | {alone.errors + beside.errors} | {slow.reopened:,} |"
        )
    return lines


def waits_section(result: WaitsResult) -> list[str]:
    lines = [
        f"## Waits (issue 29): the mock at 16 connections, alone and beside {result.waits}"
        " open `GET /__mock/events?wait=30&eventName=never`",
        "",
    ]
    if result.unsupported:
        return [*lines, f"{result.unsupported[0].upper()}{result.unsupported[1:]}."]
    lines += [
        "| round | req/s alone | req/s beside them | ratio | p99 ms alone | p99 ms beside them"
        " | errors | waits renewed |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for number, waits in enumerate(result.rounds, start=1):
        alone, beside = waits.without, waits.with_waits
        lines.append(
            f"| {number} | {alone.requests_per_s:,.0f} | {beside.requests_per_s:,.0f}"
            f" | {beside.requests_per_s / alone.requests_per_s:.0%} | {alone.p99_ms:.2f}"
            f" | {beside.p99_ms:.2f} | {alone.errors + beside.errors} | {waits.renewed:,} |"
        )
    return lines


def journal_section(runs: list[JournalRun]) -> list[str]:
    lines = [
        "## The journal alone: processes recording into one journal at once, no HTTP",
        "",
        "| processes | commits/s (median) | rounds | vs 1 process |",
        "|---:|---:|---:|---:|",
    ]
    medians = _journal_medians(runs)
    for processes, rate in medians.items():
        rounds = sum(run.processes == processes for run in runs)
        lines.append(
            f"| {processes} | {rate:,.0f} | {rounds} | {rate / medians[min(medians)]:.2f}x |"
        )
    return lines


def _journal_medians(runs: list[JournalRun]) -> dict[int, float]:
    counts = sorted({run.processes for run in runs})
    return {n: median(r.commits_per_s for r in runs if r.processes == n) for n in counts}


def app_alone_section(runs: list[AppAloneRun], load: LoadResults | None) -> list[str]:
    """The least a request costs the mock with no server at all, beside Prism's whole cost."""
    floor = medians(runs)
    prism = load.get("prism", TARGET_CONNECTIONS) if load else []
    prism_cpu = median_of(prism, "server_cpu_us") if prism else None
    prism_us = f"{prism_cpu:,.0f} us" if prism_cpu is not None else "not measured"
    return [
        "## The apps alone: called directly, one thread, no server",
        "",
        "| app | CPU per request (median) | rounds |",
        "|---|---:|---:|",
        f"| mock (MockApp, journal included, no terminal line) | {floor.mock_us:,.0f} us | {len(runs)} |",
        f"| bare ASGI app | {floor.bare_us:,.0f} us | {len(runs)} |",
        "",
        f"Prism -v warn's whole CPU per request at {TARGET_CONNECTIONS} connections, its server"
        f" included, in this run: {prism_us}. To serve 1.25x Prism's requests on the same"
        " cores, the mock, server included, may spend at most 0.8x of that figure.",
    ]


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


@dataclass
class Measured:
    """Whatever parts of the benchmark ran; the targets section judges what it can."""

    load: LoadResults | None = None
    slow: list[SlowRound] | None = None
    startup: list[float] | None = None
    soak: list[Sample] | None = None


def _ratio(values: list[float], form: str) -> str:
    """The median of per-round ratios, with their spread in brackets."""
    spread = f" ({form.format(min(values))}-{form.format(max(values))})" if len(values) > 1 else ""
    return form.format(median(values)) + spread


def _more_than(ratio: float, goal: float, strictly: bool = False) -> str:
    """Verdict on a req/s ratio that must reach `goal`; missed says by how much."""
    if ratio > goal or (ratio == goal and not strictly):
        return "met"
    return f"**missed** by {1 - ratio / goal:.0%} (needs {goal / ratio - 1:+.0%} req/s)"


def _lower_than(ratio: float, goal: float = 1.0, strictly: bool = True) -> str:
    """Verdict on a p99 ratio that must stay under `goal`; missed says by how much."""
    if ratio < goal or (ratio == goal and not strictly):
        return "met"
    return f"**missed** by {ratio / goal - 1:.0%} (p99 must fall {1 - goal / ratio:.0%})"


def targets_section(measured: Measured) -> list[str]:
    """Issue 27's targets for the mock, each with its figure and whether it is met."""
    load = measured.load
    rows = [
        *_load_rows(load),
        *_slow_rows(measured.slow),
        *_kept_rows(measured.startup, measured.soak),
        *_cost_rows(load),
    ]
    lines = [
        "## Issue 27's targets",
        "",
        f"At {TARGET_CONNECTIONS} connections. Ratios are the mock's figure over the other's,"
        " taken within each round, seconds apart; the median over rounds is given, with the"
        " spread in brackets. The peers are Prism, WireMock and Mockoon; the bare app and"
        " nginx are references, not peers.",
        "",
        "| target | against | figure | verdict |",
        "|---|---|---:|---|",
        *[
            f"| {goal} | {against} | {figure} | {verdict} |"
            for goal, against, figure, verdict in rows
        ],
    ]
    unsettled = [
        f"{TARGETS[name].label} ({', '.join(f'{rate:,.0f}' for rate in warmup.rates)} req/s)"
        for (name, connections), warmup in (load.warmups.items() if load else [])
        if connections == TARGET_CONNECTIONS and not warmup.settled
    ]
    if unsettled:
        lines += [
            "",
            f"Never settled within {MAX_WARMUP_ROUNDS} warm-up rounds, so measured still"
            f" warming: {'; '.join(unsettled)}.",
        ]
    return lines


def _load_rows(load: LoadResults | None) -> list[tuple]:
    goals = [
        *[
            (
                "req/s ahead of every peer",
                name,
                "requests_per_s",
                "{:.2f}x",
                _more_than,
                (1.0, True),
            )
            for name in PEERS
        ],
        (
            "req/s at least 1.25x quiet Prism",
            "prism",
            "requests_per_s",
            "{:.2f}x",
            _more_than,
            (1.25,),
        ),
        *[
            ("p99 the lowest of all peers", name, "p99_ms", "{:.2f}x", _lower_than, ())
            for name in PEERS
        ],
        (
            "never slower than today's stack: req/s",
            "previous",
            "requests_per_s",
            "{:.2f}x",
            _more_than,
            (1.0,),
        ),
        (
            "never slower than today's stack: p99",
            "previous",
            "p99_ms",
            "{:.2f}x",
            _lower_than,
            (1.0, False),
        ),
    ]
    rows = []
    for goal, baseline, figure, form, judge, args in goals:
        ratios = load.ratios("mock", baseline, TARGET_CONNECTIONS, figure) if load else []
        against = TARGETS[baseline].label
        if ratios:
            rows.append((goal, against, _ratio(ratios, form), judge(median(ratios), *args)))
        else:
            rows.append((goal, against, "not measured", "-"))
    return rows


def _slow_rows(slow: list[SlowRound] | None) -> list[tuple]:
    goal = "beside 1,000 stalled + 1,000 idle connections: p99 < 100 ms, no errors"
    if not slow:
        return [(goal, "-", "not measured", "-")]
    goal = goal.replace("1,000", f"{slow[0].held:,}")
    p99 = median(r.with_held.p99_ms for r in slow)
    errors = sum(r.with_held.errors for r in slow)
    kept = median(r.with_held.requests_per_s / r.without.requests_per_s for r in slow)
    figure = f"{p99:.1f} ms, {errors} errors, req/s {kept:.0%} of alone"
    # A round that answered nothing beside them has no p99 to miss by: it is starved.
    starved = any(r.with_held.requests_per_s == 0 for r in slow)
    if p99 < 100 and errors == 0 and not starved:
        verdict = "met"
    else:
        verdict = (
            "**missed**"
            + (": nothing answered beside them" if starved else "")
            + (f" by {p99 - 100:.1f} ms" if p99 >= 100 else "")
            + (f", {errors} errors" if errors else "")
        )
    return [(goal, "-", figure, verdict)]


def _kept_rows(startup: list[float] | None, soak: list[Sample] | None) -> list[tuple]:
    goal = f"start-up < {STARTUP_TARGET_S} s"
    if startup:
        typical = median(startup)
        verdict = (
            "met"
            if typical < STARTUP_TARGET_S
            else f"**missed** by {typical - STARTUP_TARGET_S:.3f} s"
        )
        rows = [(goal, "-", f"{typical:.3f} s", verdict)]
    else:
        rows = [(goal, "-", "not measured", "-")]
    # From the first sample with a full journal (the mock's default --max-events): before
    # it the journal, and each thread's SQLite connection, are still filling up.
    full = [sample for sample in soak or [] if sample.events >= MockConfig().max_events]
    if len(full) > 1:
        first, last = full[0], full[-1]
        growth = last.rss_bytes / first.rss_bytes
        disk = (last.db_bytes + last.wal_bytes) / max(1, first.db_bytes + first.wal_bytes)
        rows.append(
            (
                f"memory and disk flat from {first.events:,} to {last.events:,} events"
                " (at most +20%, issue 11)",
                "-",
                f"RSS {growth - 1:+.0%}, files {disk - 1:+.0%}",
                _verdict(growth <= 1.2 and disk <= 1.2),
            )
        )
    return rows


def _cost_rows(load: LoadResults | None) -> list[tuple]:
    """Shown, not judged: the mock's server CPU per request and RSS per worker."""
    rows = load.get("mock", TARGET_CONNECTIONS) if load else []
    if not rows:
        return [("server CPU per request, RSS per worker", "-", "not measured", "-")]
    cpu = median_of(rows, "server_cpu_us")
    peers = {name: median_of(load.get(name, TARGET_CONNECTIONS), "server_cpu_us") for name in PEERS}
    peers = {name: us for name, us in peers.items() if us is not None}
    lowest = min(peers, key=peers.get) if peers else None
    against = f"lowest peer: {TARGETS[lowest].label}, {peers[lowest]:,.0f} us" if lowest else "-"
    return [
        ("server CPU per request", against, _na(cpu, "{:,.0f} us"), "shown"),
        ("RSS per worker (MiB x workers)", "-", _rss(rows), "shown"),
    ]
