"""Environments side by side: parity names exactly the cases where two targets differ.

Two stand-ins of a Tidepool environment on 127.0.0.1 (broken_servers.py), one correct and
one with the router limit of Tidepool's service (404 for a path segment over 100
characters as sent); parity runs in-process with each target's own token variables.
"""

from __future__ import annotations

import re
from contextlib import ExitStack

import pytest
from broken_servers import (
    REFERENCE_TOKENS,
    ROUTER_LIMIT,
    SERVER_TOKEN,
    USER_TOKEN,
    reference_target,
)

from contract_tests.credentials import VARIABLES
from contract_tests.parity import cases, credentials_of, main

LONG = "over 1000 characters"


@pytest.fixture
def own_tokens(monkeypatch: pytest.MonkeyPatch):
    """Each named target's tokens in its own variables; no common credential at all."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def give(*names: str) -> None:
        for name in names:
            for variable, value in REFERENCE_TOKENS.items():
                own = variable.replace("TIDEPOOL_", f"TIDEPOOL_{name.upper().replace('-', '_')}_")
                monkeypatch.setenv(own, value)

    return give


def test_parity_names_exactly_the_long_name_cases(own_tokens, capsys) -> None:
    own_tokens("correct", "router-limit")
    with ExitStack() as stack:
        correct = stack.enter_context(reference_target().serve())
        limited = stack.enter_context(reference_target(ROUTER_LIMIT).serve())
        status = main(["--target", f"correct={correct}", "--target", f"router-limit={limited}"])
    out, err = capsys.readouterr()
    assert status == 1, out + err
    rows = [line for line in out.splitlines()[1:] if line.startswith("Record")]
    long_cases = [case.id for case in cases() if f"{LONG} in the path" in case.id]
    assert sorted(re.split(r"\s{2,}", row)[0] for row in rows) == sorted(long_cases)
    assert all(re.split(r"\s{2,}", row)[1:] == ["200", "404"] for row in rows), rows
    assert f"{len(long_cases)} of {len(cases())} cases answered differently" in out
    assert USER_TOKEN not in out + err and SERVER_TOKEN not in out + err


def test_two_correct_targets_agree(own_tokens, capsys) -> None:
    own_tokens("a", "b")
    with ExitStack() as stack:
        a = stack.enter_context(reference_target().serve())
        b = stack.enter_context(reference_target().serve())
        assert main(["--target", f"a={a}", "--target", f"b={b}"]) == 0
    assert f"a, b: all {len(cases())} cases answered alike" in capsys.readouterr().out


def test_a_common_token_is_never_taken_for_a_target(monkeypatch) -> None:
    environ = {
        "TIDEPOOL_SESSION_TOKEN": "common-token",
        "TIDEPOOL_USERNAME": "qa@example.org",
        "TIDEPOOL_PASSWORD": "pw",
        "TIDEPOOL_QA_2_SERVER_TOKEN": "qa2-server",
    }
    assert credentials_of("qa-2", environ) == {
        "TIDEPOOL_USERNAME": "qa@example.org",
        "TIDEPOOL_PASSWORD": "pw",
        "TIDEPOOL_SERVER_TOKEN": "qa2-server",
    }


@pytest.mark.parametrize(
    ("targets", "says"),
    [
        (["a=http://127.0.0.1:9"], "two targets at least"),
        (["a=http://127.0.0.1:9", "a=http://127.0.0.1:10"], "named twice"),
        (["production", "qa1"], "refusing to compare production"),
        (["a=http://127.0.0.1:9", "nowhere"], "not NAME=URL"),
        (["a=http://127.0.0.1:9", "b=http://127.0.0.1:9"], "a: cannot reach"),
    ],
)
def test_what_cannot_be_compared_is_one_line_and_exit_4(own_tokens, capsys, targets, says):
    own_tokens()
    status = main([arg for target in targets for arg in ("--target", target)])
    out, err = capsys.readouterr()
    assert status == 4 and out == ""
    assert len(err.strip().splitlines()) == 1 and says in err, err
