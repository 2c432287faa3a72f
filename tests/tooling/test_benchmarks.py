"""benchmarks: wrk's report is read right, the verdicts follow from the figures, and the
baseline starts."""

import urllib.request

import pytest

from benchmarks import report, wrk
from benchmarks.app_alone import AppAloneRun
from benchmarks.journal_load import JournalRun
from benchmarks.load import LoadResults, LoadRow
from benchmarks.slow_clients import SlowRound
from benchmarks.soak import Sample
from benchmarks.targets import TARGETS

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:8009/metrics/thisuser/bench%20-%20load?a=1&b=2&c=3
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.12ms    2.01ms  40.11ms   88.00%
    Req/Sec     1.95k   210.00     2.30k    70.00%
  Latency Distribution
     50%  850.00us
     75%    4.80ms
     90%    6.10ms
     99%   12.50ms
  38912 requests in 10.01s, 4.21MB read
  Non-2xx or 3xx responses: 7
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec:   3887.31
Transfer/sec:    430.55KB
"""


def test_wrk_report_is_read_with_units_and_errors():
    result = wrk.parse(WRK_OUTPUT)
    assert result == wrk.WrkResult(
        requests=38912, requests_per_s=3887.31, p50_ms=0.85, p99_ms=12.5, errors=10
    )


def test_a_wrk_report_without_percentiles_is_refused():
    without_latency = WRK_OUTPUT.replace("     99%   12.50ms\n", "")
    with pytest.raises(ValueError, match="unexpected wrk output"):
        wrk.parse(without_latency)


def row(target, round_number, requests_per_s, p99_ms, cpu_us=500.0):
    result = wrk.WrkResult(1000, requests_per_s, 1.0, p99_ms, 0)
    return LoadRow(target, 16, round_number, result, server_cpu_us=cpu_us)


def results(**rounds_of):
    """Rounds of (req/s, p99 ms[, CPU us]) per target."""
    rows = [
        row(name, number, *figures)
        for name, rounds in rounds_of.items()
        for number, figures in enumerate(rounds, start=1)
    ]
    ready = dict.fromkeys(rounds_of, 0.3)
    return LoadResults(10.0, len(rounds_of["mock"]), rows, ready, {})


def verdicts(measured: report.Measured) -> dict[str, str]:
    """target -> 'figure | verdict', from the targets table."""
    lines = [line for line in report.targets_section(measured) if line.startswith("| ")]
    return {
        cells[1]: f"{cells[2]} | {cells[3]}"
        for cells in ([c.strip() for c in line.strip("|").split("|")] for line in lines[1:])
    }


def test_ratios_pair_figures_of_the_same_round():
    load = results(mock=[(3000, 5, 400), (1000, 5, 600)], prism=[(1000, 10), (2000, 10)])
    assert load.ratios("mock", "prism", 16, "requests_per_s") == [3.0, 0.5]
    assert load.ratios("mock", "prism", 16, "p99_ms") == [0.5, 0.5]
    assert load.ratios("mock", "prism", 16, "server_cpu_us") == [0.8, 1.2]


def test_load_verdicts_follow_the_median_ratio_of_the_rounds():
    met = report.Measured(
        load=results(
            mock=[(4200, 7, 600), (4000, 8, 700), (3000, 9, 800)],
            prism=[(2000, 16, 500)] * 3,
            **{"prism-info": [(1000, 30)] * 3},
            bare=[(5000, 5)] * 3,
        )
    )
    found = verdicts(met)
    assert found["req/s >= 1.25x Prism -v warn"] == "2.00x (1.50x-2.10x) | met"
    assert found["req/s >= 2.5x Prism at default logging"] == "4.00x (3.00x-4.20x) | met"
    assert found["p99 <= Prism -v warn's"] == "0.50x (0.44x-0.56x) | met"
    assert found["req/s >= 70% of the bare app"] == "80% (60%-84%) | met"
    assert found["server CPU per request <= 1.5x Prism -v warn's"] == "1.40x (1.20x-1.60x) | met"

    missed = report.Measured(
        load=results(
            mock=[(2000, 20, 900)] * 3,
            prism=[(2000, 16, 500)] * 3,
            **{"prism-info": [(1000, 30)] * 3},
            bare=[(5000, 5)] * 3,
        )
    )
    assert sum("**missed**" in v for v in verdicts(missed).values()) == 5


def slow_round(alone, beside, p99_beside, errors=0):
    return SlowRound(
        1000,
        wrk.WrkResult(1000, alone, 1.0, 10.0, 0),
        wrk.WrkResult(1000, beside, 1.0, p99_beside, errors),
        reopened=0,
    )


def test_slow_clients_must_keep_80_percent_without_errors_and_a_p99_under_100_ms():
    met = verdicts(report.Measured(slow=[slow_round(2000, 1700, 50.0)] * 3))
    assert met["beside held connections: req/s >= 80% of alone"] == "85% (85%-85%) | met"
    assert met["beside held connections: p99 < 100 ms"] == "50.0 ms | met"
    starved = verdicts(report.Measured(slow=[slow_round(2000, 1700, 150.0, errors=3)] * 3))
    assert "**missed**" in starved["beside held connections: req/s >= 80% of alone"]
    assert "**missed**" in starved["beside held connections: p99 < 100 ms"]


def test_the_journal_must_scale_to_the_cores(monkeypatch):
    monkeypatch.setattr(report.os, "cpu_count", lambda: 2)
    goal = "journal commits/s at 2 processes >= 0.75 x 2 x 1 process's"

    def runs(one, two):
        return [JournalRun(1, one, 1.0), JournalRun(2, two, 1.0)]

    assert verdicts(report.Measured(journal=runs(1000, 1600)))[goal].endswith("| met")
    assert verdicts(report.Measured(journal=runs(1000, 1400)))[goal].endswith("**missed**")


def test_unmeasured_parts_are_said_so_not_judged():
    found = verdicts(report.Measured())
    assert found["req/s >= 1.25x Prism -v warn"] == "not measured | -"
    assert not any("met" in verdict for verdict in found.values())


def test_memory_and_disk_are_judged_from_the_first_full_journal_on():
    def sample(events, rss_mib, wal_mib):
        return Sample(events, 0.0, rss_mib * 2**20, 2**20, wal_mib * 2**20)

    goal = "memory and disk flat from 10,500 to 1,000,000 events (at most +20%)"
    filling = [sample(1, 60, 0), sample(5_000, 90, 3)]  # before the journal is full
    flat = filling + [sample(10_500, 110, 4), sample(1_000_000, 121, 4)]
    assert verdicts(report.Measured(soak=flat))[goal] == "RSS +10%, files +0% | met"
    growing = filling + [sample(10_500, 110, 4), sample(1_000_000, 140, 4)]
    assert verdicts(report.Measured(soak=growing))[goal].endswith("**missed**")


def test_the_apps_alone_are_set_beside_prisms_whole_cpu_per_request():
    runs = [AppAloneRun(210.0, 30.0), AppAloneRun(190.0, 34.0), AppAloneRun(200.0, 32.0)]
    load = results(
        mock=[(2000, 10, 600)] * 3, prism=[(3000, 8, 250), (3000, 8, 270), (3000, 8, 260)]
    )
    text = "\n".join(report.app_alone_section(runs, load))
    assert "| mock (MockApp, journal included, no terminal line) | 200 us | 3 |" in text
    assert "| bare Werkzeug app | 32 us | 3 |" in text
    assert "its server included, in this run: 260 us" in text
    assert "in this run: not measured" in "\n".join(report.app_alone_section(runs, None))


def test_the_bare_baseline_is_served_by_the_mocks_own_server(tmp_path):
    """The load's baseline and the pass-through's upstream: the mock's gunicorn and waitress
    worker around a plain WSGI app, which has none of MockApp's methods."""
    with (
        TARGETS["bare"].start(tmp_path) as server,
        urllib.request.urlopen(f"{server.url}/metrics/thisuser/x", timeout=10) as answer,
    ):
        assert answer.status == 200
