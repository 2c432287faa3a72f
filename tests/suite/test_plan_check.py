"""`--plan` with `--replay` names each replayed request off a tracking plan and leaves the verdict
alone; `--plan-strict` makes such a run exit 1 though the contract holds; the gate refuses it.

The recording is test_replay.py's browser HAR: blip's metrics calls, one with a 130-character
name and one with an empty value, which no plan can accept (the router's limit and "never
empty" hold plan-wide). The mock is served in-process (broken_servers.mock_target).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from broken_servers import mock_target
from shown_markdown import as_text
from test_power import run_suite
from test_replay import browser_har, write

from contract_tests.__main__ import main
from contract_tests.pytest.verdict import NOT_VERIFIED

PLAN = """\
clients:
  - name: blip
    recognised_by: {name_prefix: "blip - "}
    events:
      - name: blip - Logged in
        properties:
          tag: {repeats: true}
          empty: {}
          clinic: {}
      - {name: blip - Viewed a+b}
      - name: blip - Signup started
        properties: {step: {type: integer, required: true}}
      - pattern: "blip - Viewed the device settings .*"
        properties: {source: {}}
"""
OFF_PLAN = [
    "OFF PLAN entry 5: GET /metrics/thisuser/blip%20-%20Viewed*: the name is 178 characters "
    "percent-encoded as sent, over the plan's 100*",
    "OFF PLAN entry 6: GET /metrics/thisuser/blip%20-%20Logged%20in?*: empty is empty",
]


def replay(tmp_path: Path, document: dict, *options: str) -> pytest.RunResult:
    recording = write(tmp_path / "blip.har", document)
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    target = mock_target(suite_options=())
    with target.serve() as base_url:
        return run_suite(
            base_url, tmp_path, target, f"--replay={recording}", f"--plan={plan}", *options
        )


def test_requests_off_the_plan_are_named_and_the_contract_still_holds(tmp_path: Path) -> None:
    result = replay(tmp_path, browser_har(), "-k", "test_replay")
    assert result.ret == 0, "\n".join(result.outlines)
    result.stdout.fnmatch_lines(
        [
            "NOTE Tracking plan plan.yaml: of 4 replayed requests, 2 off the plan, "
            "0 of no client the plan names",
            *OFF_PLAN,
            "Verdict: the contract holds",
        ]
    )
    summary = as_text((tmp_path / "summary.md").read_text(encoding="utf-8"))
    assert "## Off the tracking plan" in summary and "- entry 6: GET" in summary


def test_plan_strict_exits_1_on_a_request_off_the_plan(tmp_path: Path) -> None:
    result = replay(tmp_path, browser_har(), "--plan-strict", "-k", "test_replay")
    assert result.ret == 1, "\n".join(result.outlines)
    result.stdout.fnmatch_lines(
        [
            *OFF_PLAN,
            "Verdict: the contract holds; 2 requests off the plan",
            "exit 1: the contract holds, but the client sent requests off the tracking plan*",
        ]
    )


def test_plan_strict_exits_0_when_every_request_is_on_the_plan(tmp_path: Path) -> None:
    document = browser_har()
    entries = document["log"]["entries"]
    entries[:] = [e for n, e in enumerate(entries, 1) if n not in (5, 6)]
    result = replay(tmp_path, document, "--plan-strict", "-k", "test_replay")
    assert result.ret == 0, "\n".join(result.outlines)
    assert "OFF PLAN" not in result.stdout.str()
    result.stdout.fnmatch_lines(["Verdict: the contract holds"])


@pytest.mark.parametrize(
    ("plan", "options", "says"),
    [
        (
            "clients: [{name: blip, events: [{pattern: '('}]}]",
            ["--replay={har}"],
            "clients[0].events[0].pattern",
        ),
        ("clients: []", [], "--plan judges replayed requests: give --replay FILE.har too"),
    ],
)
def test_bad_plan_input_is_one_line_and_exit_4(tmp_path: Path, capsys, plan, options, says):
    har = write(tmp_path / "blip.har", browser_har())
    (tmp_path / "plan.yaml").write_text(plan, encoding="utf-8")
    args = [f"--plan={tmp_path / 'plan.yaml'}", *(o.format(har=har) for o in options)]
    status = main(["--base-url=http://127.0.0.1:9", "-p", "no:cacheprovider", *args])
    assert status == NOT_VERIFIED
    error = capsys.readouterr().err
    assert says in error and error.strip().count("\n") == 0, error


def test_the_gate_refuses_plan_strict_in_one_line(capsys) -> None:
    assert main(["--gate", "--env", "qa2", "--plan-strict"]) == NOT_VERIFIED
    error = capsys.readouterr().err
    assert error.strip() == (
        "ERROR: contract gate: --plan-strict is refused: a client's events off its plan must "
        "not block a service's deploy; nothing was sent."
    )
