"""`--replay FILE.har` sends what consumers recorded, exactly, and judges it like every case.

The HAR below is written the way Chromium's developer tools save one: a log-in with its
`Authorization` header and the session token in the answer, cookies, a profile call, a
call to another service, and blip's metrics calls with a token that has long expired, a
130-character event name and a repeated query name. Against the mock the run holds, and
the mock's journal shows every event as sent; against a stand-in with Tidepool's router
limit the run is broken, naming the long recorded request.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from broken_servers import (
    HIGHWATER,
    JOURNAL_BREAKS,
    JOURNAL_FORGETS,
    JOURNAL_TARGET_DECODED,
    Break,
    mock_target,
    reference_target,
)
from test_power import first_failure_rules, run_suite

from contract_tests import har, scrub
from contract_tests.credentials import Credential
from contract_tests.replay import plan
from contract_tests.spec import operations

API = "https://qa2.development.tidepool.org"
EXPIRED_TOKEN = "expired-session-token-0a9b8c7d"
USER_ID = "d1e2f3a4b5"
# blip's convention: `blip - <what happened>`, 130 characters, percent-encoded when sent.
LONG_NAME = ("blip - Viewed the device settings of a patient from the clinic workspace list " * 2)[
    :130
]
METRICS = [
    # (url, sends a token, the event name, the query as pairs)
    (
        f"{API}/metrics/thisuser/{quote(LONG_NAME, safe='')}?source=web",
        True,
        LONG_NAME,
        [("source", "web")],
    ),
    (
        f"{API}/metrics/thisuser/blip%20-%20Logged%20in?tag=a&tag=b&tag=a&empty=&clinic=%C3%A9",
        True,
        "blip - Logged in",
        [("tag", "a"), ("tag", "b"), ("tag", "a"), ("empty", ""), ("clinic", "é")],
    ),
    (f"{API}/metrics/user/{USER_ID}/blip%20-%20Viewed%20a%2Bb", True, "blip - Viewed a+b", []),
    (
        f"{API}/metrics/user/{USER_ID}/blip%20-%20Signup%20started?step=1",
        False,
        "blip - Signup started",
        [("step", "1")],
    ),
]


def _headers(pairs: dict[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in pairs.items()]


def _entry(method: str, url: str, headers: dict[str, str], *, status=200, answer=None, post=None):
    """One entry as Chromium writes it (the fields replay reads, and the ones it must not)."""
    return {
        "startedDateTime": "2026-11-30T09:00:00.000Z",
        "time": 42.0,
        "request": {
            "method": method,
            "url": url,
            "httpVersion": "http/2.0",
            "headers": _headers(headers),
            "queryString": [],
            "cookies": [{"name": "_ga", "value": "GA1.2.3"}],
            "headersSize": -1,
            "bodySize": 0,
            **({"postData": post} if post else {}),
        },
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "http/2.0",
            "headers": _headers(answer or {}),
            "cookies": [],
            "content": {"size": 0, "mimeType": "text/plain", "text": ""},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": 0,
        },
        "cache": {},
        "timings": {"send": 1, "wait": 40, "receive": 1},
    }


def browser_har() -> dict:
    token = {"X-Tidepool-Session-Token": EXPIRED_TOKEN, "Origin": "http://localhost:3000"}
    entries = [
        _entry(
            "POST",
            f"{API}/auth/login",
            {"Authorization": "Basic YWxpY2U6c2VjcmV0"},
            answer={"x-tidepool-session-token": EXPIRED_TOKEN},
            post={"mimeType": "application/json", "text": '{"password": "hunter2"}'},
        ),
        _entry("GET", f"{API}/auth/user", token),
        _entry("GET", f"{API}/metadata/{USER_ID}/profile", token),
        _entry("GET", "https://api.segment.io/v1/p?x=1", {}),
    ]
    for url, sends_token, _, _ in METRICS:
        entries.append(_entry("GET", url, token if sends_token else {}))
    entries.append(_entry("OPTIONS", METRICS[0][0], {}))  # a preflight: outside the contract
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "WebInspector", "version": "537.36"},
            "entries": entries,
        }
    }


def write(path: Path, document: dict) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


OPERATIONS = operations()


def test_the_plan_replays_the_metrics_calls_and_counts_the_rest(tmp_path: Path) -> None:
    replay = plan(write(tmp_path / "blip.har", browser_har()), OPERATIONS)
    inside = [case for case in replay.cases if case.outside is None]
    assert [case.recorded.target for case in inside] == [
        url.removeprefix(API) for url, *_ in METRICS
    ]
    assert [case.credential for case in inside] == [
        Credential.USER,
        Credential.USER,
        Credential.USER,
        Credential.NONE,
    ]
    assert (
        "4 metrics requests replayed, 1 outside the contract, 4 other entries skipped"
        in replay.line()
    )
    assert "qa2.development.tidepool.org (5)" in replay.line()
    secrets = replay.secrets_line()
    assert secrets and "x-tidepool-session-token headers" in secrets and "cookies" in secrets
    assert "request bodies" in secrets and EXPIRED_TOKEN not in secrets


def test_the_mocks_record_of_the_token_kind_wins(tmp_path: Path) -> None:
    document = browser_har()
    document["log"]["entries"][6][har.TOKEN_KIND_FIELD] = "server"
    replay = plan(write(tmp_path / "mock.har", document), OPERATIONS)
    by_target = {case.recorded.target: case.credential for case in replay.cases}
    assert by_target[METRICS[2][0].removeprefix(API)] is Credential.SERVER


def test_a_scrubbed_file_keeps_what_replay_needs_and_no_secret(tmp_path: Path) -> None:
    document = browser_har()
    clean = har.scrubbed(document)
    assert not har.secrets_in(clean)
    assert EXPIRED_TOKEN not in json.dumps(clean) and "hunter2" not in json.dumps(clean)
    before = plan(write(tmp_path / "a.har", document), OPERATIONS).cases
    after = plan(write(tmp_path / "b.har", clean), OPERATIONS).cases
    assert after == before
    assert har.secrets_in(document)  # the original is left as it was


def test_the_scrub_command_writes_a_clean_copy_and_says_what_it_removed(tmp_path: Path, capsys):
    recording = write(tmp_path / "blip.har", browser_har())
    assert scrub.main([str(recording), str(tmp_path / "clean.har")]) == 0
    said = capsys.readouterr().out
    assert "9 entries; scrubbed" in said and "cookies" in said and EXPIRED_TOKEN not in said
    clean = (tmp_path / "clean.har").read_text(encoding="utf-8")
    assert EXPIRED_TOKEN not in clean and "hunter2" not in clean and "YWxpY2U6" not in clean
    assert plan(tmp_path / "clean.har", OPERATIONS).secrets_line() is None
    assert scrub.main([str(_text(tmp_path, "{"))] + [str(tmp_path / "out.har")]) == 4


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ('{"log": {"version": "1.2", "entries": [{"request": ', "not JSON"),
        ('{"log": {"version": "1.2", "entries": []}}', "no entries: nothing to replay"),
        ('{"entries": []}', "not a HAR file"),
        ("[1, 2]", "not a HAR file"),
        ('{"log": {"entries": [{"response": {}}]}}', "entry 1 has no request URL"),
    ],
)
def test_bad_input_is_one_line(tmp_path: Path, content: str, says: str) -> None:
    with pytest.raises(har.HarProblem) as raised:
        plan(_text(tmp_path, content), OPERATIONS)
    assert says in str(raised.value) and "\n" not in str(raised.value)


def _text(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "x.har"
    path.write_text(content, encoding="utf-8")
    return path


def test_a_file_of_other_calls_only_is_a_count(tmp_path: Path) -> None:
    document = browser_har()
    document["log"]["entries"] = document["log"]["entries"][:4]
    with pytest.raises(har.HarProblem) as raised:
        plan(write(tmp_path / "x.har", document), OPERATIONS)
    assert "4 entries, none of them a Metrics API request" in str(raised.value)


# Over real sockets -----------------------------------------------------------------------


def test_the_replay_holds_against_the_mock_which_records_every_event_as_sent(tmp_path: Path):
    recording = write(tmp_path / "blip.har", browser_har())
    target = mock_target(suite_options=())
    with target.serve() as base_url:
        result = run_suite(base_url, tmp_path, target, f"--replay={recording}", "-k", "test_replay")
        events = requests.get(f"{base_url}/__mock/events", timeout=10).json()["events"]
    output = "\n".join(result.outlines)
    assert result.ret == 0, output
    # Each of the four checked its own event in the journal (test_replay.py), against the
    # mock served exactly as the broken journals below are.
    assert result.parseoutcomes()["passed"] == 4, output
    assert "NOTE Replayed blip.har: 4 metrics requests replayed" in output
    assert "NOTE blip.har still carries secrets" in output and EXPIRED_TOKEN not in output
    assert "a consumer outside the contract: entry 9: OPTIONS" in output
    shown = [
        (event["eventName"], event["query"]) for event in sorted(events, key=lambda e: e["id"])
    ]
    assert shown == [(name, _grouped(query)) for _, _, name, query in METRICS]


# A mock that answers every replayed request as it should and shows one part of its events
# otherwise (the name still encoded, the last value of a repeated query name only, the
# target decoded), or no event at all.
MISRECORDING = [
    JOURNAL_BREAKS["journal_name_still_encoded"],
    JOURNAL_BREAKS["journal_keeps_last_query_value"],
    JOURNAL_TARGET_DECODED,
    JOURNAL_FORGETS,
]


@pytest.mark.parametrize("brk", MISRECORDING, ids=lambda brk: brk.name)
def test_a_replay_fails_a_mock_that_records_a_replayed_event_wrongly(tmp_path: Path, brk: Break):
    recording = write(tmp_path / "blip.har", browser_har())
    target = mock_target(brk, suite_options=())
    with target.serve() as base_url:
        result = run_suite(base_url, tmp_path, target, f"--replay={recording}", "-k", "test_replay")
    output = "\n".join(result.outlines)
    assert result.ret == 1, output
    assert first_failure_rules(tmp_path / "junit.xml") == brk.rules, output
    result.stdout.fnmatch_lines(
        [f"FAILED * in the journal, got *[[]{', '.join(brk.rules)}]", "    curl -X GET *"]
    )


def test_the_replay_breaks_against_tidepools_router_limit_naming_the_long_name(tmp_path: Path):
    recording = write(tmp_path / "blip.har", browser_har())
    target = reference_target(HIGHWATER)
    with target.serve() as base_url:
        result = run_suite(base_url, tmp_path, target, f"--replay={recording}", "-k", "test_replay")
    output = "\n".join(result.outlines)
    assert result.ret == 1, output
    lines = result.outlines
    # Each failure of the summary: its line, then its curl.
    failed = [
        f"{line} {lines[n + 1]}" for n, line in enumerate(lines) if line.startswith("FAILED ")
    ]
    assert len(failed) == 2, output  # the long name, and the anonymous /metrics/user (R1)
    assert any(quote(LONG_NAME, safe="") in line and "R5" in line for line in failed), output


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def test_events_exported_by_one_mock_are_recorded_identically_by_another(tmp_path: Path):
    """The round trip: sent to a mock, exported as HAR, replayed against a second mock."""
    first, second = mock_target(suite_options=()), mock_target(suite_options=())
    with first.serve() as first_url, second.serve() as second_url:
        for target, credential in [*ROUND_TRIP, LEAKY]:
            # urllib sends the target as given (requests would decode `%2D` and `%7E`).
            sending = urllib.request.Request(
                first_url + target, headers=_mock_login(first_url, credential)
            )
            with urllib.request.urlopen(sending, timeout=10) as answer:
                assert answer.status == 200, target
        exported = requests.get(f"{first_url}/__mock/events.har", timeout=10)
        assert "attachment" in exported.headers["Content-Disposition"]
        recording = write(tmp_path / "exported.har", exported.json())
        assert not har.secrets_in(exported.json())
        result = run_suite(
            second_url, tmp_path, second, f"--replay={recording}", "-k", "test_replay"
        )
        assert result.ret == 0, "\n".join(result.outlines)
        sent, replayed = (_shown_events(url) for url in (first_url, second_url))
    sent, replayed = sent[:-1], replayed[:-1]  # all but the leaky one, masked
    assert [event["target"] for event in sent] == [target for target, _ in ROUND_TRIP]
    assert replayed == sent
    assert "password=***" in exported.text and "password=hunter2" not in exported.text


# Targets with what a journal must keep as sent: `+`, `%2F`, encoded unreserved
# characters, repeated and empty query parameters, and each kind of credential.
ROUND_TRIP = [
    ("/metrics/thisuser/blip%20-%20a+b%2Fc?x=1&x=2&x=&y", "user"),
    ("/metrics/user/u%2D1/blip%20-%20%7Eanonymous?source=web&source=web", "none"),
    (f"/metrics/user/{USER_ID}/blip%20-%20as%20a%20server", "server"),
    ("/metrics/server/clinic%20worker/" + quote(LONG_NAME, safe="") + "?n=%C3%A9", "server"),
    (f"/metrics/user/{USER_ID}/blip%20-%20with%20a%20user%20token?q=a%26b", "user"),
]
# A consumer that put a secret in a query: the export masks it, so it cannot round-trip.
LEAKY = (f"/metrics/user/{USER_ID}/leaky?password=hunter2", "none")


def _mock_login(base_url: str, credential: str) -> dict[str, str]:
    if credential == "none":
        return {}
    if credential == "user":
        answer = requests.post(f"{base_url}/auth/login", auth=("a@example.org", "pw"), timeout=10)
    else:
        secret = requests.get(f"{base_url}/__mock/status", timeout=10).json()["credentials"]
        headers = {
            "X-Tidepool-Server-Name": "round-trip",
            "X-Tidepool-Server-Secret": secret["serverSecret"],
        }
        answer = requests.post(f"{base_url}/auth/serverlogin", headers=headers, timeout=10)
    return {"X-Tidepool-Session-Token": answer.headers["X-Tidepool-Session-Token"]}


def _shown_events(base_url: str) -> list[dict]:
    """What a journal shows of each event that a replay must keep (the user of a token
    is the replaying run's own)."""
    events = requests.get(f"{base_url}/__mock/events", timeout=10).json()["events"]
    kept = ("operationId", "eventName", "serverName", "query", "target", "credential")
    return [{key: event[key] for key in kept} for event in sorted(events, key=lambda e: e["id"])]
