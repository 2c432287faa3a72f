"""benchmarks: wrk's report is read right, the verdicts follow from the figures, and the
targets start and answer the load's request."""

import contextlib
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from benchmarks import installs, load, processes, report, waits, wrk
from benchmarks.app_alone import AppAloneRun
from benchmarks.installs import Unavailable
from benchmarks.load import LoadResults, LoadRow, WarmUp, settled_after
from benchmarks.processes import Server
from benchmarks.slow_clients import SlowRound
from benchmarks.soak import Sample
from benchmarks.targets import LOAD_PATH, PEERS, TARGETS, TOKEN_HEADER

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
    return LoadRow(target, 16, round_number, result, cpu_us, (40 * 2**20, 2))


def results(**rounds_of):
    """Rounds of (req/s, p99 ms[, CPU us]) per target."""
    rows = [
        row(name, number, *figures)
        for name, rounds in rounds_of.items()
        for number, figures in enumerate(rounds, start=1)
    ]
    ready = dict.fromkeys(rounds_of, 0.3)
    return LoadResults(10.0, len(rounds_of["mock"]), rows, ready)


def verdicts(measured: report.Measured) -> dict[tuple[str, str], str]:
    """(target, against) -> 'figure | verdict', from the targets table."""
    lines = [line for line in report.targets_section(measured) if line.startswith("| ")]
    return {
        (cells[0], cells[1]): f"{cells[2]} | {cells[3]}"
        for cells in ([c.strip() for c in line.strip("|").split("|")] for line in lines[1:])
    }


AHEAD = "req/s ahead of every peer"
LOWEST = "p99 the lowest of all peers"
QUIET = TARGETS["prism"].label
PREVIOUS = TARGETS["previous"].label


def test_ratios_pair_figures_of_the_same_round():
    load = results(mock=[(3000, 5, 400), (1000, 5, 600)], prism=[(1000, 10), (2000, 10)])
    assert load.ratios("mock", "prism", 16, "requests_per_s") == [3.0, 0.5]
    assert load.ratios("mock", "prism", 16, "p99_ms") == [0.5, 0.5]
    assert load.ratios("mock", "prism", 16, "server_cpu_us") == [0.8, 1.2]


def peers_at(requests_per_s, p99_ms):
    return {name: [(requests_per_s, p99_ms)] * 3 for name in PEERS}


def test_the_mock_must_lead_every_peer_and_quiet_prism_by_a_quarter():
    met = results(
        mock=[(4200, 7, 300), (4000, 8, 300), (3000, 9, 300)],
        previous=[(3000, 10)] * 3,
        **peers_at(2000, 16),
    )
    found = verdicts(report.Measured(load=met))
    for name in PEERS:
        assert found[AHEAD, TARGETS[name].label] == "2.00x (1.50x-2.10x) | met"
        assert found[LOWEST, TARGETS[name].label] == "0.50x (0.44x-0.56x) | met"
    assert found["req/s at least 1.25x quiet Prism", QUIET] == "2.00x (1.50x-2.10x) | met"
    assert found["never slower than today's stack: req/s", PREVIOUS].endswith("| met")
    assert found["never slower than today's stack: p99", PREVIOUS].endswith("| met")

    peers = peers_at(2000, 16)
    peers["wiremock-nojournal"] = [(5000, 8)] * 3  # ahead of the mock, and a lower p99
    peers["prism"] = [(3500, 16)] * 3  # behind the mock, but not by a quarter
    missed = results(mock=[(4000, 10, 300)] * 3, previous=[(5000, 5)] * 3, **peers)
    found = verdicts(report.Measured(load=missed))
    nojournal = TARGETS["wiremock-nojournal"].label
    assert found[AHEAD, nojournal] == "0.80x (0.80x-0.80x) | **missed** by 20% (needs +25% req/s)"
    assert found[LOWEST, nojournal] == "1.25x (1.25x-1.25x) | **missed** by 25% (p99 must fall 20%)"
    assert found[AHEAD, QUIET].endswith("| met")
    assert found["req/s at least 1.25x quiet Prism", QUIET] == (
        "1.14x (1.14x-1.14x) | **missed** by 9% (needs +9% req/s)"
    )
    assert found["never slower than today's stack: req/s", PREVIOUS].endswith(
        "**missed** by 20% (needs +25% req/s)"
    )
    assert found["never slower than today's stack: p99", PREVIOUS].endswith(
        "**missed** by 100% (p99 must fall 50%)"
    )


def test_equal_is_not_ahead_of_a_peer_but_is_not_slower_than_todays_stack():
    load = results(mock=[(3000, 10)], previous=[(3000, 10)], prism=[(3000, 10)])
    found = verdicts(report.Measured(load=load))
    assert "**missed**" in found[AHEAD, QUIET]
    assert "**missed**" in found[LOWEST, QUIET]
    assert found["never slower than today's stack: req/s", PREVIOUS].endswith("| met")
    assert found["never slower than today's stack: p99", PREVIOUS].endswith("| met")


def test_cpu_per_request_and_rss_per_worker_are_shown_or_na():
    load = results(mock=[(3000, 10, 250)] * 3, prism=[(2000, 16, 400)] * 3)
    found = verdicts(report.Measured(load=load))
    assert found["server CPU per request", f"lowest peer: {QUIET}, 400 us"] == "250 us | shown"
    assert found["RSS per worker (MiB x workers)", "-"] == "40.0 x 2 | shown"
    unmeasured = LoadResults(10.0, 1, [LoadRow("mock", 16, 1, wrk.WrkResult(1, 1, 1, 1, 0), None)])
    found = verdicts(report.Measured(load=unmeasured))
    assert found["server CPU per request", "-"] == "n/a | shown"
    assert found["RSS per worker (MiB x workers)", "-"] == "n/a | shown"


def test_a_warm_up_settles_when_two_successive_rounds_agree_within_5_percent():
    assert settled_after([3000, 4000, 4100]) == 3
    assert settled_after([3000, 3140]) == 2
    assert settled_after([3000, 3200, 3500, 3900]) is None
    assert settled_after([3000]) is None


def test_a_peer_that_never_settled_is_named_under_the_targets():
    load = results(mock=[(3000, 10)], wiremock=[(5000, 10)])
    load.warmups["wiremock", 16] = WarmUp([3000, 3500, 4000])
    load.warmups["mock", 16] = WarmUp([2900, 3000])
    text = "\n".join(report.targets_section(report.Measured(load=load)))
    assert f"warming: {TARGETS['wiremock'].label} (3,000, 3,500, 4,000 req/s)." in text
    assert TARGETS["mock"].label not in text


def slow_round(alone, beside, p99_beside, errors=0):
    return SlowRound(
        1000,
        wrk.WrkResult(1000, alone, 1.0, 10.0, 0),
        wrk.WrkResult(1000, beside, 1.0, p99_beside, errors),
        reopened=0,
    )


SLOW = "beside 1,000 stalled + 1,000 idle connections: p99 < 100 ms, no errors", "-"


def test_beside_held_connections_the_p99_must_stay_under_100_ms_without_errors():
    met = verdicts(report.Measured(slow=[slow_round(2000, 1700, 50.0)] * 3))
    assert met[SLOW] == "50.0 ms, 0 errors, req/s 85% of alone | met"
    starved = verdicts(report.Measured(slow=[slow_round(2000, 1700, 150.0, errors=3)] * 3))
    assert starved[SLOW].endswith("| **missed** by 50.0 ms, 9 errors")


def test_a_mock_that_answers_nothing_beside_held_connections_misses_the_target():
    """wrk reports no latency when nothing came back: a p99 of 0 ms is no pass."""
    silent = verdicts(report.Measured(slow=[slow_round(2000, 0, 0.0)] * 3))
    assert silent[SLOW].endswith("| **missed**: nothing answered beside them")


def test_start_up_is_judged_against_half_a_second():
    assert verdicts(report.Measured(startup=[0.3, 0.2, 0.4]))["start-up < 0.5 s", "-"] == (
        "0.300 s | met"
    )
    assert verdicts(report.Measured(startup=[0.7]))["start-up < 0.5 s", "-"] == (
        "0.700 s | **missed** by 0.200 s"
    )


def test_unmeasured_parts_are_said_so_not_judged():
    found = verdicts(report.Measured())
    assert found["req/s at least 1.25x quiet Prism", QUIET] == "not measured | -"
    assert not any("met" in verdict for verdict in found.values())


def test_memory_and_disk_are_judged_from_the_first_full_journal_on():
    def sample(events, rss_mib, wal_mib):
        return Sample(events, 0.0, rss_mib * 2**20, 2**20, wal_mib * 2**20)

    goal = "memory and disk flat from 10,500 to 1,000,000 events (at most +20%, issue 11)", "-"
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
    assert "| bare ASGI app | 32 us | 3 |" in text
    assert "its server included, in this run: 260 us" in text
    assert "in this run: not measured" in "\n".join(report.app_alone_section(runs, None))


def test_a_servers_workers_are_the_leaves_of_its_process_tree(monkeypatch):
    """A launcher with one child: the child is the worker; without /proc, nothing is read."""
    shell = subprocess.Popen(["sh", "-c", "sleep 30 & wait"], start_new_session=True)
    try:
        server = Server("http://127.0.0.1:1", shell, 0.0)
        deadline = time.monotonic() + 10
        while len(server.pids()) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.pids()[0] == shell.pid and len(server.pids()) == 2
        size, workers = server.rss_per_worker()
        assert workers == 1 and size > 0
        assert server.cpu_seconds() >= 0
        monkeypatch.setattr(processes, "_PROC", processes.Path("/nonexistent-proc"))
        assert server.cpu_seconds() is None and server.rss_per_worker() is None
    finally:
        processes._stop(shell)


def test_the_bare_baseline_is_served_by_granian(tmp_path):
    """The load's baseline and the pass-through's upstream: a plain ASGI app on granian."""
    with (
        TARGETS["bare"].start(tmp_path) as server,
        urllib.request.urlopen(f"{server.url}/metrics/thisuser/x", timeout=10) as answer,
    ):
        assert answer.status == 200
        assert server.rss_per_worker()[1] == 2


def test_wiremock_answers_the_load_request_with_a_token_only(tmp_path):
    """The stub mapping matches what Prism checks: without the token header, no stub."""
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(TARGETS["wiremock"].start(tmp_path))
        except Unavailable as missing:
            pytest.skip(str(missing))
        request = urllib.request.Request(server.url + LOAD_PATH, headers={TOKEN_HEADER: "t"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(server.url + LOAD_PATH, timeout=10)
        refused.value.close()
        assert refused.value.code == 404


def test_a_missing_java_or_npm_is_said_in_one_line_and_the_run_goes_on(
    monkeypatch, tmp_path, capsys
):
    monkeypatch.setattr(installs.shutil, "which", lambda name: None)
    monkeypatch.setattr(installs, "CACHE", tmp_path / "nothing-installed")
    results = LoadResults(1.0, 1)
    with contextlib.ExitStack() as stack:
        assert load._start_all(["wiremock", "mockoon"], tmp_path, stack, results) == {}
    assert results.failed == {
        "wiremock": "Java 17+ is missing (no java on PATH)",
        "mockoon": "npm is missing: @mockoon/cli 9.9.0 cannot be installed",
    }
    assert capsys.readouterr().out.count("\n") == 2


def test_a_java_older_than_17_is_refused(monkeypatch, tmp_path):
    old_java = tmp_path / "java"
    old_java.write_text("#!/bin/sh\necho 'openjdk version \"11.0.22\" 2024-01-16' >&2\n")
    old_java.chmod(0o755)
    monkeypatch.setattr(installs.shutil, "which", lambda name: str(old_java))
    with pytest.raises(Unavailable, match=r'^Java 17\+ is missing \(found openjdk version "11'):
        installs.java()


@contextlib.contextmanager
def listening(answer: bytes | None):
    """A server on a free port that answers `answer` to each request, or never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    held = []

    def accept():
        with contextlib.suppress(OSError):
            while True:
                connection, _ = listener.accept()
                held.append(connection)
                connection.recv(65536)
                if answer is not None:
                    connection.sendall(answer)

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        for connection in held:
            connection.close()


def test_a_wait_is_supported_only_when_the_mock_holds_it_open():
    with listening(None) as port:
        assert waits.supported(port) == ""
    refused = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
    with listening(refused) as port:
        assert waits.supported(port).startswith("not supported: the mock answered 400")
