"""The journal under concurrent load, served by `python -m mockserver` with several
worker processes (tests/mock/test_journal.py has processes writing one file directly)."""

from concurrent.futures import ThreadPoolExecutor

import requests

THREADS = 32
EVENTS_PER_THREAD = 100  # 3,200 events in all


def send_events(url: str, thread: int) -> list[int]:
    with requests.Session() as http:  # one keep-alive connection per thread
        return [
            http.get(
                f"{url}/metrics/user/u{thread}/c-{thread}-{n}?n={n}&t={thread}&n=again", timeout=30
            ).status_code
            for n in range(EVENTS_PER_THREAD)
        ]


def test_thousands_of_concurrent_events_are_all_recorded_intact_once(start_cli_mock):
    with start_cli_mock("--workers", "2", "--max-events", "10000") as mock:
        with ThreadPoolExecutor(THREADS) as pool:
            statuses = [
                s
                for result in pool.map(lambda t: send_events(mock.url, t), range(THREADS))
                for s in result
            ]
        assert statuses == [200] * (THREADS * EVENTS_PER_THREAD)
        journal = requests.get(mock.url + "/__mock/events", timeout=30).json()
    events = journal["events"]
    assert journal["dropped"] == 0 and len(events) == THREADS * EVENTS_PER_THREAD
    assert len({e["id"] for e in events}) == len(events)
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    expected = {f"c-{t}-{n}" for t in range(THREADS) for n in range(EVENTS_PER_THREAD)}
    assert {e["eventName"] for e in events} == expected
    for event in events:
        _, thread, n = event["eventName"].split("-")
        assert event["userId"] == f"u{thread}"
        assert event["query"] == {"n": [n, "again"], "t": [thread]}


def test_the_journal_stays_bounded_and_counts_what_it_dropped(start_cli_mock):
    with start_cli_mock("--workers", "2", "--max-events", "100") as mock:
        with ThreadPoolExecutor(5) as pool:
            pool.map(lambda t: send_events(mock.url, t), range(5))  # 500 events
        journal = requests.get(mock.url + "/__mock/events", timeout=30).json()
        status = requests.get(mock.url + "/__mock/status", timeout=30).json()
    assert len(journal["events"]) == 100 and journal["dropped"] == 400
    assert status["counts"] == {"events": 100, "dropped": 400, "refused": 0}
    ids = [e["id"] for e in journal["events"]]
    assert ids == list(range(ids[0], ids[0] + 100)) and ids[-1] == 500  # the newest kept


def test_a_worker_killed_while_recording_loses_nothing_it_answered(start_cli_mock, tmp_path):
    """SIGKILL to the main process (and with it, within its parent check, each worker):
    every event answered 200 before is in the journal file when the mock starts again."""
    journal_file = tmp_path / "killed.sqlite3"
    with start_cli_mock("--workers", "2", "--journal-file", str(journal_file)) as mock:
        answered = [
            requests.get(f"{mock.url}/metrics/user/u/before-{n}", timeout=5).status_code
            for n in range(50)
        ]
        mock.process.kill()
        mock.process.wait(timeout=30)
    assert answered == [200] * 50
    with start_cli_mock("--journal-file", str(journal_file)) as again:
        events = requests.get(again.url + "/__mock/events", timeout=5).json()["events"]
    assert [e["eventName"] for e in events] == [f"before-{n}" for n in range(50)]


def test_events_survive_a_restart_with_a_journal_file(start_cli_mock, tmp_path):
    journal_file = tmp_path / "kept.sqlite3"
    with start_cli_mock("--journal-file", str(journal_file)) as mock:
        for n in range(3):
            requests.get(f"{mock.url}/metrics/user/u/kept-{n}", timeout=5).close()
    with start_cli_mock("--journal-file", str(journal_file)) as mock:
        requests.get(f"{mock.url}/metrics/user/u/after", timeout=5).close()
        names = [
            e["eventName"]
            for e in requests.get(mock.url + "/__mock/events", timeout=5).json()["events"]
        ]
    assert names == ["kept-0", "kept-1", "kept-2", "after"]
    assert journal_file.exists()
