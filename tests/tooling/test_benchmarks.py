"""benchmarks: wrk's report is read right, and the verdicts follow from the figures."""

import pytest

from benchmarks import report, wrk
from benchmarks.load import LoadResults, LoadRow

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


def row(target, round_number, requests_per_s, p99_ms):
    result = wrk.WrkResult(1000, requests_per_s, 1.0, p99_ms, 0)
    return LoadRow(target, 16, round_number, result, server_cpu_us=500.0)


def results(mock, prism, bare):
    """Rounds of (req/s, p99 ms) per target."""
    rows = [
        row(name, number, *figures)
        for name, rounds in (("mock", mock), ("prism", prism), ("bare", bare))
        for number, figures in enumerate(rounds, start=1)
    ]
    return LoadResults(10.0, len(mock), rows, {"mock": 0.3, "prism": 1.3, "bare": 0.3}, {})


def test_ratios_pair_figures_of_the_same_round():
    load = results(mock=[(3000, 5), (1000, 5)], prism=[(1000, 10), (2000, 10)], bare=[(1, 1)] * 2)
    assert load.ratios("mock", "prism", 16, "requests_per_s") == [3.0, 0.5]
    assert load.ratios("mock", "prism", 16, "p99_ms") == [0.5, 0.5]


def test_verdicts_follow_the_median_ratio_of_the_rounds():
    met = results(
        mock=[(4200, 7), (4000, 8), (3000, 9)],
        prism=[(2000, 16), (2000, 16), (2000, 16)],
        bare=[(5000, 5), (5000, 5), (5000, 5)],
    )
    lines = "\n".join(report._ratio_lines(met))
    assert "| mock req/s >= 2x Prism | 2.00x (1.50x-2.10x) | met |" in lines
    assert "| mock p99 <= 0.5x Prism | 0.50x (0.44x-0.56x) | met |" in lines
    assert "| mock req/s >= 80% of bare app | 80% (60%-84%) | met |" in lines

    missed = results(mock=[(3900, 9)] * 3, prism=[(2000, 16)] * 3, bare=[(5000, 5)] * 3)
    lines = "\n".join(report._ratio_lines(missed))
    assert lines.count("**missed**") == 3
