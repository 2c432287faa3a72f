"""`python -m contract_tests` on its command line: `--help` lists every option of the suite,
and a mistyped option is answered with the one meant, exit 4 and nothing sent."""

from __future__ import annotations

import pytest

from contract_tests.__main__ import main
from contract_tests.pytest.options import OPTIONS
from contract_tests.pytest.verdict import NOT_VERIFIED


def test_help_lists_every_option_of_the_suite(capsys) -> None:
    assert main(["--help"]) == 0
    shown = capsys.readouterr().out
    missing = [name for name in OPTIONS if f"--{name}" not in shown]
    assert not missing, missing


@pytest.mark.parametrize(
    ("mistyped", "meant"),
    [("--evn", "--env"), ("--summary-fil", "--summary-file"), ("--base-ulr", "--base-url")],
)
def test_a_mistyped_option_gets_the_nearest_one(capsys, mistyped, meant) -> None:
    assert main([mistyped, "x", "-p", "no:cacheprovider"]) == NOT_VERIFIED
    error = capsys.readouterr().err
    assert f"unrecognized arguments: {mistyped}" in error
    assert error.strip().endswith(f"did you mean {meant}?"), error


def test_an_option_far_from_any_gets_pytests_line_alone(capsys) -> None:
    assert main(["--zzzzzz", "-p", "no:cacheprovider"]) == NOT_VERIFIED
    assert "did you mean" not in capsys.readouterr().err
