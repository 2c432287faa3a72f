"""`tidepool-metrics-plan`: learn writes a draft once and never overwrites it; check judges
traffic; bad input is one line and exit 4."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tracking_plan.plan import BAD_INPUT, DONE, OFF_PLAN, main

HAR = str(Path(__file__).with_name("browser-blip-uploader.har"))
ROOT = Path(__file__).resolve().parents[2]


def test_learn_writes_a_draft_then_shows_only_what_new_traffic_changes(tmp_path, capsys):
    draft = tmp_path / "plan.yaml"
    assert main(["learn", HAR, "-o", str(draft)]) == DONE
    said = capsys.readouterr().out
    assert said.strip() == (
        f"{draft}: 2 clients, 9 events from 12 requests "
        "(1 of the contract suite left out); 4 flagged"
    )
    written = draft.read_text(encoding="utf-8")
    assert written.startswith("# A draft tracking plan learned by `tidepool-metrics-plan learn`")
    assert main(["learn", HAR, "-o", str(draft)]) == DONE
    # The draft is left as it is; what the traffic contradicts in it is said.
    assert draft.read_text(encoding="utf-8") == written
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "contradicts: 'blip - Clinic - Edit patient' (1): clinicId is empty"
    assert len(lines) == 2 and "characters percent-encoded as sent" in lines[1]


def test_check_names_each_event_off_the_plan_and_exits_1(tmp_path, capsys):
    draft = tmp_path / "plan.yaml"
    main(["learn", HAR, "-o", str(draft)])
    capsys.readouterr()
    assert main(["check", str(draft), HAR]) == OFF_PLAN
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "12 events, 2 off the plan"
    assert "off-plan: 'blip - Clinic - Edit patient': clinicId is empty" in lines
    assert "no-plan: 'contract-tests - probe': no client of the plan recognises it" in lines


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["learn", "missing.har", "-o", "{tmp}/plan.yaml"], "missing.har: cannot read it"),
        (["learn", "{tmp}/not.har", "-o", "{tmp}/plan.yaml"], "not.har: not JSON"),
        (["check", "{tmp}/bad.yaml", HAR], "bad.yaml: clients[0]: unknown key 'event'"),
        (["learn", "http://127.0.0.1:9/__mock/events", "-o", "{tmp}/p.yaml"], "cannot reach it"),
    ],
)
def test_bad_input_is_one_line_and_exit_4(tmp_path, capsys, args, says):
    (tmp_path / "not.har").write_text("<html>", encoding="utf-8")
    (tmp_path / "bad.yaml").write_text("clients:\n  - {name: a, event: []}\n", encoding="utf-8")
    assert main([arg.format(tmp=tmp_path) for arg in args]) == BAD_INPUT
    error = capsys.readouterr().err
    assert error.startswith("tidepool-metrics-plan: ") and says in error
    assert error.count("\n") == 1


def test_a_checkout_runs_it_as_a_module(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "tracking_plan.plan", "learn", HAR, "-o", str(tmp_path / "p.yaml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "p.yaml").is_file()
