"""The closed surface: a route outside the spec that records an event fails, naming itself.

The file's reading runs in-process; the verdicts come from the suite run in a subprocess
over a real socket (`-k closed_surface`, the closed-surface cases only), against stand-ins
that leave one route open (broken_servers.CLOSED_SURFACE_BREAKS), the correct stand-in
and the real mock, whose journal must not grow (HEAD included).
"""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml
from broken_servers import (
    CLOSED_SURFACE_BREAKS,
    HEAD_RECORDS,
    Target,
    mock_target,
    reference_target,
)
from test_power import run_suite

from contract_tests.closed_surface import (
    SERVICE,
    SHIPPED_PATH,
    ClosedSurfaceProblem,
    cases,
    load,
)
from contract_tests.credentials import Credential
from contract_tests.spec import operations

ONLY = ("-k", "closed_surface")
NOAUTH = "/metrics/noauth/{userId}/{eventName}"
# Within the year a known drift may be accepted for, whenever the test runs.
NEXT_MONTH = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
DRIFTS = {
    "known-drifts": [{"paths": [NOAUTH], "got": 200, "reason": "NOAUTH on qa", "until": NEXT_MONTH}]
}


def test_the_shipped_file_names_the_noauth_route_and_where_it_was_found() -> None:
    routes = {route.path: route for route in load(SHIPPED_PATH)}
    assert "tidepool-org/highwater@" in routes[NOAUTH].found
    assert routes[NOAUTH].scope == "gateway"
    assert {route.scope for path, route in routes.items() if path != NOAUTH} == {SERVICE}


def test_the_aliases_are_sent_only_against_the_service() -> None:
    routes = load(SHIPPED_PATH)
    gateway = {case.route for case in cases(operations(), routes, "gateway") if case.listed}
    service = {case.route for case in cases(operations(), routes, SERVICE) if case.listed}
    assert gateway == {NOAUTH}
    assert "/user/{userId}/{eventName}" in service and NOAUTH in service


def test_writing_methods_are_sent_with_each_credential_the_path_accepts() -> None:
    planned = cases(operations(), (), "gateway")
    sent = {(c.operation.method, c.route, c.credential) for c in planned}
    assert ("POST", "/metrics/server/{serverName}/{eventName}", Credential.SERVER) in sent
    assert ("DELETE", "/metrics/user/{userId}/{eventName}", Credential.NONE) in sent
    assert ("POST", "/metrics/server/{serverName}/{eventName}", Credential.USER) not in sent
    assert {c.may_succeed for c in planned if c.operation.method in ("HEAD", "OPTIONS")} == {True}
    assert not any(c.may_succeed for c in planned if c.operation.method == "PUT")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("closed-surface: [", "not YAML"),
        ("- a list", "a `closed-surface` list"),
        (yaml.safe_dump({"closed-surface": [{"path": "noauth", "found": "x"}]}), "`path`"),
        (yaml.safe_dump({"closed-surface": [{"path": "/a"}]}), "`found` must say"),
        (
            yaml.safe_dump({"closed-surface": [{"path": "/a", "found": "x", "scope": "lan"}]}),
            "`scope` must be one of",
        ),
        (yaml.safe_dump({"closed-surface": [{"path": "/a", "found": "x", "at": 1}]}), "'at'"),
    ],
)
def test_a_malformed_file_is_one_line_naming_the_entry(tmp_path: Path, content, says) -> None:
    path = tmp_path / "closed-surface.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ClosedSurfaceProblem) as raised:
        load(path)
    assert says in str(raised.value) and "\n" not in str(raised.value)


# The suite over a real socket ----------------------------------------------------------


def planned_runs(directory: Path) -> dict[str, tuple[Target, tuple[str, ...]]]:
    drifts = directory / "drifts.yaml"
    drifts.write_text(yaml.safe_dump(DRIFTS), encoding="utf-8")
    noauth = CLOSED_SURFACE_BREAKS["noauth_route_open"]
    return {
        **{name: (reference_target(brk), ()) for name, brk in CLOSED_SURFACE_BREAKS.items()},
        "alias_open_at_the_service": (
            reference_target(CLOSED_SURFACE_BREAKS["alias_open"]),
            ("--closed-surface=service",),
        ),
        "noauth_excused": (reference_target(noauth), (f"--known-drifts={drifts}",)),
        "correct_service": (reference_target(), ("--closed-surface=service",)),
        "mock": (mock_target(suite_options=()), ("--closed-surface=service",)),
        "mock_head_records": (mock_target(HEAD_RECORDS, suite_options=()), ()),
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[pytest.RunResult, Path]]:
    planned = planned_runs(tmp_path_factory.mktemp("files"))
    with ExitStack() as stack, ThreadPoolExecutor(max_workers=2) as pool:
        futures = {}
        for name, (target, options) in planned.items():
            base_url = stack.enter_context(target.serve())
            workdir = tmp_path_factory.mktemp(name)
            futures[name] = (
                pool.submit(run_suite, base_url, workdir, target, *ONLY, *options),
                workdir,
            )
        return {name: (future.result(), workdir) for name, (future, workdir) in futures.items()}


def failed_tests(workdir: Path) -> dict[str, str]:
    """Each failed test's name -> the rules JUnit records for it."""
    root = ET.parse(workdir / "junit.xml").getroot()
    return {
        case.get("name"): next(
            p.get("value") for p in case.iter("property") if p.get("name") == "rules"
        )
        for case in root.iter("testcase")
        if case.find("failure") is not None
    }


def test_a_stand_in_serving_the_noauth_route_fails_naming_that_route(runs) -> None:
    result, workdir = runs["noauth_route_open"]
    output = "\n".join(result.outlines + result.errlines)
    assert result.ret == 1, output
    failed = failed_tests(workdir)
    assert failed and set(failed.values()) == {"closed surface"}, output
    assert all(f"GET {NOAUTH}" in name for name in failed), failed
    assert "/metrics/noauth/0d4f6a93b2/" in output  # the curl that reproduces it


def test_a_method_that_writes_on_a_path_of_the_spec_fails(runs) -> None:
    result, workdir = runs["post_records_an_event"]
    assert result.ret == 1
    failed = failed_tests(workdir)
    assert failed and all("POST /metrics/" in name for name in failed), failed


def test_an_alias_is_checked_only_against_the_service(runs) -> None:
    at_the_gateway, _ = runs["alias_open"]
    at_the_service, workdir = runs["alias_open_at_the_service"]
    assert at_the_gateway.ret == 0, "\n".join(at_the_gateway.outlines)
    assert at_the_service.ret == 1
    assert all("/user/{userId}/{eventName}" in name for name in failed_tests(workdir))


def test_a_known_drift_naming_the_route_excuses_it(runs) -> None:
    result, _ = runs["noauth_excused"]
    output = "\n".join(result.outlines)
    assert result.ret == 0, output
    assert "except 1 known drift" in output


def test_a_mock_that_records_a_head_request_fails(runs) -> None:
    result, workdir = runs["mock_head_records"]
    output = "\n".join(result.outlines)
    assert result.ret == 1, output
    failed = failed_tests(workdir)
    assert failed and all("HEAD /metrics/" in name for name in failed), failed
    assert "expected no event in the journal, got 1" in output


def test_a_correct_service_and_the_mock_pass_and_the_journal_does_not_grow(runs) -> None:
    for name in ("correct_service", "mock"):
        result, _ = runs[name]
        assert result.ret == 0, "\n".join(result.outlines)
        outcomes = result.parseoutcomes()
        assert "failed" not in outcomes and "skipped" not in outcomes, (name, outcomes)
        planned = cases(operations(), load(SHIPPED_PATH), SERVICE)
        assert outcomes["passed"] == len(planned), (name, outcomes)
