"""A plan is read once, the same for the mock and the suite; anything it cannot use is one line naming the place."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracking_plan.reader import ROUTER_LIMIT, PlanProblem, load

GOOD = """\
clients:
  - name: blip
    recognised_by: {name_prefix: "blip - "}
    properties:
      sourceVersion: {required: true, pattern: '[0-9]+\\.[0-9]+\\.[0-9]+'}
    events:
      - name: blip - Logged In
        until: 2030-01-01
        properties:
          clinician: {required: true, type: boolean}
      - pattern: 'blip - Turn (on|off) .*'
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_plan_reads_into_its_clients_events_and_properties(tmp_path: Path) -> None:
    plan = load(write(tmp_path, GOOD))
    assert plan.max_name_length == ROUTER_LIMIT
    (blip,) = plan.clients
    assert blip.recognised_by.name_prefix == "blip - "
    assert blip.properties["sourceVersion"].required
    logged_in, turned = blip.events
    assert logged_in.until.isoformat() == "2030-01-01"
    assert logged_in.properties["clinician"].accepts.fullmatch("true")
    assert not logged_in.properties["clinician"].accepts.fullmatch("y")
    assert turned.matches("blip - Turn on 250") and not turned.matches("blip - Turned on")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("clients: [", "not YAML"),
        ("clients: []\nextra: 1\n", "the plan: unknown key 'extra'"),
        (
            "clients:\n  - name: a\n    events:\n      - {name: x, properties: {p: {repeat: true}}}\n",
            "clients[0].events[0].properties.p: unknown key 'repeat'",
        ),
        (
            "clients:\n  - name: a\n    events: [{pattern: '(unclosed'}]\n",
            "clients[0].events[0].pattern: the pattern '(unclosed' does not compile",
        ),
        (
            "clients:\n  - name: a\n    events: [{name: x, properties: {p: {type: bool}}}]\n",
            "clients[0].events[0].properties.p.type: unknown type 'bool'",
        ),
        (
            "clients:\n  - name: a\n    recognised_by: {user_agent: '['}\n",
            "clients[0].recognised_by.user_agent: the pattern '[' does not compile",
        ),
        ("clients:\n  - events: []\n", "clients[0].name: expected non-empty text"),
        (
            "clients:\n  - name: a\n    events: [{name: x, pattern: y}]\n",
            "clients[0].events[0]: give exactly one of `name` and `pattern`",
        ),
        (
            "clients:\n  - name: a\n    events: [{name: x, until: soon}]\n",
            "clients[0].events[0].until: 'soon' is not a date",
        ),
        ("max_name_length: 0\nclients: []\n", "max_name_length: 0 is not a positive"),
        ("- a list\n", "the plan: expected a mapping, got list"),
    ],
)
def test_a_malformed_plan_is_one_line_naming_the_place(tmp_path: Path, text: str, says: str):
    with pytest.raises(PlanProblem) as raised:
        load(write(tmp_path, text))
    message = str(raised.value)
    assert says in message and "\n" not in message, message
    assert message.startswith(f"{tmp_path / 'plan.yaml'}: ")


def test_a_missing_plan_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(PlanProblem, match=r"nowhere\.yaml: cannot read it"):
        load(tmp_path / "nowhere.yaml")
