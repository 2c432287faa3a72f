"""Known drifts excuse exactly the answers they describe, until their date, and nothing else.

The file's checks run in-process; the gate's verdicts come from the suite run in a
subprocess over a real socket against a stand-in of Tidepool's service with its two
drifts (broken_servers.HIGHWATER), with the shipped spec/known-drifts.yaml. Every run
fixes "today" (`--known-drifts-as-of`), so that the shipped `until` never turns these
tests red on the day it passes.
"""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml
from broken_servers import HIGHWATER, HIGHWATER_AND_NEW, Answer, Break, reference_target
from test_power import run_suite

from contract_tests.credentials import Credential
from contract_tests.drifts import SHIPPED_PATH, DriftFileProblem, KnownDrifts, load
from contract_tests.spec import operations

TODAY = datetime.date(2026, 12, 1)
OPERATIONS = [operation.operation_id for operation in operations()]
NAMED_USER = "RecordMetricsEventForNamedUser"
SHORT = "http://127.0.0.1:1/metrics/user/u/short%20name"
LONG = "http://127.0.0.1:1/metrics/user/u/" + "blip%20-%20" * 10


def shipped(today: datetime.date = TODAY) -> KnownDrifts:
    return load(SHIPPED_PATH, operations(), today)


def test_the_shipped_file_is_valid_and_in_force_on_the_fixed_day() -> None:
    known = shipped()
    assert len(known.drifts) == 2
    assert not any(drift.expired(TODAY) for drift in known.drifts)


@pytest.mark.parametrize(
    ("credential", "url", "expected", "got", "drift"),
    [
        (Credential.NONE, SHORT, 200, 401, 1),
        (Credential.USER, SHORT, 200, 401, None),  # a token the operation accepts: a new break
        (Credential.NONE, LONG, 200, 404, 2),
        (Credential.SERVER, LONG, 200, 404, 2),
        (Credential.USER, SHORT, 200, 404, None),  # a 404 for a short name is not the router's
        (Credential.USER, LONG, 200, 500, None),
        (Credential.INVALID, LONG, 401, 404, None),
    ],
)
def test_an_entry_excuses_only_the_answer_it_describes(credential, url, expected, got, drift):
    known = shipped()
    matched = known.excuse(NAMED_USER, credential, url, expected, got)
    assert (matched.number if matched else None) == drift
    assert matched is None or known.in_force(matched)


def test_the_segment_is_counted_as_sent_percent_encoded() -> None:
    """Sixty spaces are 180 characters as sent: over the router's limit of 100."""
    url = "http://127.0.0.1:1/metrics/thisuser/" + "%20" * 60
    assert shipped().excuse("RecordMetricsEventForLoggedInUser", Credential.USER, url, 200, 404)
    exactly = "http://127.0.0.1:1/metrics/thisuser/" + "x" * 100
    assert not shipped().excuse(
        "RecordMetricsEventForLoggedInUser", Credential.USER, exactly, 200, 404
    )


def test_an_expired_entry_excuses_nothing_and_says_so() -> None:
    later = datetime.date(2100, 1, 1)
    known = shipped(later)
    matched = known.excuse(NAMED_USER, Credential.NONE, SHORT, 200, 401)
    assert matched is not None and matched.number == 1
    assert not known.in_force(matched)


ENTRY = {
    "operations": [NAMED_USER],
    "expected": 200,
    "got": 401,
    "reason": "r",
    "until": "2027-01-01",
}
CLOSED = {
    "paths": ["/metrics/noauth/{userId}/{eventName}"],
    "got": 200,
    "reason": "r",
    "until": "2027-01-01",
}


# An entry for every operation, as the attack wrote it: its `when` must narrow it.
BROAD = {
    "credentials": ["user", "server", "invalid"],
    "expected": 200,
    "got": 500,
    "reason": "r",
    "until": "2027-01-01",
}
BROAD_CONDITIONS = [
    ({"path-segment-longer-than": 0}, "too broad: `path-segment-longer-than: 0` holds for plain"),
    ({"path-segment-longer-than": 1}, "too broad: `path-segment-longer-than: 1` holds for plain"),
    ({"path-segment-longer-than": True}, "must be a number of characters"),
    ({}, "too broad: it would excuse that answer from every operation"),
]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("known-drifts: [", "not YAML at line"),
        ("- a list", "a `known-drifts` list"),
        (
            yaml.safe_dump({"known-drifts": [{**ENTRY, "operations": ["Nope"]}]}),
            "unknown operation 'Nope'",
        ),
        (
            yaml.safe_dump({"known-drifts": [{**ENTRY, "credentials": ["root"]}]}),
            "unknown credential",
        ),
        (yaml.safe_dump({"known-drifts": [{**ENTRY, "until": "soon"}]}), "`until` must be a date"),
        (yaml.safe_dump({"known-drifts": [{**ENTRY, "rules": ["R1"]}]}), "unknown field 'rules'"),
        (
            yaml.safe_dump({"known-drifts": [{k: v for k, v in ENTRY.items() if k != "reason"}]}),
            "`reason` is missing",
        ),
        (
            yaml.safe_dump(
                {"known-drifts": [{k: v for k, v in ENTRY.items() if k != "operations"}]}
            ),
            "too broad",
        ),
        (yaml.safe_dump({"known-drifts": [{**ENTRY, "operations": OPERATIONS}]}), "too broad"),
        (
            yaml.safe_dump({"known-drifts": [{**ENTRY, "when": {"path-matches": "x"}}]}),
            "`when` takes only",
        ),
        (yaml.safe_dump({"known-drifts": [{**CLOSED, "got": 404}]}), "must be the 2xx"),
        (
            yaml.safe_dump({"known-drifts": [{**CLOSED, "expected": 404}]}),
            "`expected` does not go with `paths`",
        ),
        *(
            (yaml.safe_dump({"known-drifts": [{**BROAD, "when": when}]}), says)
            for when, says in BROAD_CONDITIONS
        ),
        (
            yaml.safe_dump({"known-drifts": [{**ENTRY, "when": {"path-segment-longer-than": 20}}]}),
            "too broad: `path-segment-longer-than: 20` holds for plain requests",
        ),
        (yaml.safe_dump({"known-drifts": [{**ENTRY, "until": "9999-12-31"}]}), "more than a year"),
        (
            yaml.safe_dump({"known-drifts": [{**ENTRY, "until": TODAY.replace(year=2027, day=3)}]}),
            "`until` 2027-12-03 is more than a year after 2026-12-01",
        ),
    ],
)
def test_a_bad_file_is_one_line_naming_the_entry(tmp_path: Path, content: str, says: str) -> None:
    path = tmp_path / "drifts.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DriftFileProblem) as raised:
        load(path, operations(), TODAY)
    assert says in str(raised.value)
    assert "\n" not in str(raised.value)


def test_an_entry_naming_a_route_excuses_only_its_closed_surface_answers(tmp_path: Path) -> None:
    path = tmp_path / "drifts.yaml"
    path.write_text(yaml.safe_dump({"known-drifts": [CLOSED]}), encoding="utf-8")
    known = load(path, operations(), TODAY)
    route = CLOSED["paths"][0]
    assert known.excuse(f"GET {route}", Credential.NONE, SHORT, None, 200, route=route)
    assert not known.excuse(f"GET {route}", Credential.NONE, SHORT, None, 204, route=route)
    assert not known.excuse(NAMED_USER, Credential.NONE, SHORT, None, 200, route="/other")
    assert not known.excuse(NAMED_USER, Credential.NONE, SHORT, 401, 200)


# The gate over a real socket ----------------------------------------------------------

QUICK = ("--hypothesis-profile=quick", f"--known-drifts-as-of={TODAY}")


def moved_into_the_past(directory: Path) -> Path:
    document = yaml.safe_load(SHIPPED_PATH.read_text(encoding="utf-8"))
    for entry in document["known-drifts"]:
        entry["until"] = TODAY - datetime.timedelta(days=1)
    path = directory / "expired.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def gate_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[pytest.RunResult, Path]]:
    expired = moved_into_the_past(tmp_path_factory.mktemp("drifts"))
    planned = {
        "highwater": (HIGHWATER, "--known-drifts=shipped"),
        "new_drift": (HIGHWATER_AND_NEW, "--known-drifts=shipped"),
        "expired": (HIGHWATER, f"--known-drifts={expired}"),
        "without_file": (HIGHWATER, "-x"),
    }
    with ExitStack() as stack, ThreadPoolExecutor(max_workers=2) as pool:
        futures = {}
        for name, (brk, drifts_option) in planned.items():
            target = reference_target(brk)
            base_url = stack.enter_context(target.serve())
            workdir = tmp_path_factory.mktemp(name)
            future = pool.submit(run_suite, base_url, workdir, target, *QUICK, drifts_option)
            futures[name] = (future, workdir)
        return {name: (future.result(), workdir) for name, (future, workdir) in futures.items()}


def junit_properties(workdir: Path, name: str) -> list[str]:
    root = ET.parse(workdir / "junit.xml").getroot()
    return [p.get("value") for p in root.iter("property") if p.get("name") == name]


def test_without_the_file_the_service_breaks_the_contract(gate_runs) -> None:
    result, _ = gate_runs["without_file"]
    assert result.ret == 1


def test_the_shipped_drifts_make_the_service_hold_except_two(gate_runs) -> None:
    result, workdir = gate_runs["highwater"]
    output = "\n".join(result.outlines)
    assert result.ret == 0, output
    assert "Verdict: the contract holds, except 2 known drifts" in output
    assert "KNOWN DRIFT 1 [R1]" in output
    # A refusal of a long name: the path's (R5), by the entry's condition, even where the
    # request carried a query; R6 for the undocumented 404 (README).
    assert "KNOWN DRIFT 2 [R5, R6]" in output, output
    summary = (workdir / "summary.md").read_text(encoding="utf-8")
    assert "## Known drifts" in summary and "until 2027" in summary
    recorded = junit_properties(workdir, "known drift")
    assert any("R1 excused: known drift 1," in value for value in recorded)
    assert any("excused: known drift 2," in value for value in recorded)


def test_a_new_drift_breaks_the_gate_naming_only_itself(gate_runs) -> None:
    result, workdir = gate_runs["new_drift"]
    output = "\n".join(result.outlines)
    assert result.ret == 1, output
    root = ET.parse(workdir / "junit.xml").getroot()
    failed_rules = {
        p.get("value")
        for case in root.iter("testcase")
        if case.find("failure") is not None
        for p in case.iter("property")
        if p.get("name") == "rules"
    }
    assert failed_rules == {"R3"}, output


def test_expired_drifts_break_the_gate_and_say_so(gate_runs) -> None:
    result, workdir = gate_runs["expired"]
    output = "\n".join(result.outlines)
    assert result.ret == 1, output
    assert "EXPIRED known drift 1 (until" in output and "EXPIRED known drift 2 (until" in output
    assert "it excuses nothing now" in (workdir / "summary.md").read_text(encoding="utf-8")


def test_an_entry_that_matched_nothing_is_named_for_removal(tmp_path: Path) -> None:
    """Against a service that keeps the contract, both entries are not seen."""
    target = reference_target()
    with target.serve() as base_url:
        result = run_suite(
            base_url, tmp_path, target, *QUICK, "--known-drifts=shipped", "-k", "auth_matrix"
        )
    output = "\n".join(result.outlines)
    assert result.ret == 0, output
    assert output.count("NOT SEEN this run:") == 2
    assert "remove it when the service is fixed" in output


def test_a_malformed_file_stops_the_run_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "drifts.yaml"
    path.write_text(yaml.safe_dump({"known-drifts": [{**ENTRY, "operations": ["Nope"]}]}))
    target = reference_target()
    result = run_suite("http://127.0.0.1:9", tmp_path, target, f"--known-drifts={path}")
    assert result.ret == 4
    errors = [line for line in result.errlines if "unknown operation" in line]
    assert len(errors) == 1 and "Traceback" not in "\n".join(result.errlines)


def test_drifts_that_would_excuse_a_working_contract_never_make_a_broken_service_hold(
    tmp_path: Path,
) -> None:
    """A service that answers 500 to valid tokens and 200 to invalid ones, and three entries
    meant to excuse all of it: the file is refused in one line before any request."""
    entries = [
        {**BROAD, "credentials": [credential], "expected": expected, "got": got, "when": when}
        for (credential, expected, got), when in zip(
            [("user", 200, 500), ("server", 200, 500), ("invalid", 401, 200)],
            [
                {"path-segment-longer-than": 0},
                {"path-segment-longer-than": 1},
                {"path-segment-longer-than": True},
            ],
            strict=True,
        )
    ]
    path = tmp_path / "excuse-everything.yaml"
    path.write_text(yaml.safe_dump({"known-drifts": entries}), encoding="utf-8")

    inverted = Break(
        "inverted",
        (),
        lambda call, answer: Answer(
            {"user": 500, "server": 500, "invalid": 200}.get(call.token, answer.status)
        ),
    )
    target = reference_target(inverted, suite_options=(f"--known-drifts={path}", *QUICK))
    with target.serve() as base_url:
        result = run_suite(base_url, tmp_path, target)

    assert result.ret == 4
    errors = [line for line in result.stderr.lines if line.startswith("ERROR: ")]
    assert len(errors) == 1 and "entry 1: too broad" in errors[0], result.stderr.str()
