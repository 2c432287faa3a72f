"""A refusal of a request with a query is blamed on the part at fault, with the evidence.

The query (R4) or the names in the path (R5) may have caused it; one more request, the
same path without its query, tells which. Against highwater's stand-in, a name over its
router's limit is refused with or without a query: R5, and R6 for the undocumented 404.
A server that refuses non-ASCII query text accepts the path alone: R4. A known drift that
excuses the answer blames the path by its own condition and sends nothing more.
"""

from __future__ import annotations

import pytest
from broken_servers import BREAKS, HIGHWATER, REFERENCE_TOKENS, create_app, recorded, serving

from contract_tests.rules import blamed, path_or_query

LONG_NAME_EDGES = ("-k", "test_a_named_edge_in_the_path_is_accepted and NamedUser-user-over")
BROKEN_CONTRACT = 1


@pytest.fixture
def with_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in REFERENCE_TOKENS.items():
        monkeypatch.setenv(name, value)


def failed_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("FAILED ")]


@pytest.mark.parametrize(
    ("rules", "path_alone_accepted", "named"),
    [
        (("R4", "R5", "R6"), False, ("R5", "R6")),
        (("R4", "R5", "R6"), True, ("R4", "R6")),
        (("R4", "R5"), True, ("R4",)),
    ],
)
def test_the_path_alone_clears_one_of_the_two(rules, path_alone_accepted, named) -> None:
    assert path_or_query(rules)
    assert blamed(rules, path_alone_accepted) == named


def test_a_name_over_highwaters_limit_is_the_paths_fault(run_suite, with_tokens) -> None:
    app, seen = recorded(create_app(HIGHWATER))
    with serving(app) as base_url:
        result = run_suite(f"--base-url={base_url}", *LONG_NAME_EDGES)

    output = result.stdout.str()
    assert result.ret == BROKEN_CONTRACT, output
    (failed,) = failed_lines(output)
    assert failed.endswith("got 404; the same path without its query got 404 [R5, R6]"), failed
    long_paths = [target for target in seen if len(target) > 1000]
    assert len(long_paths) == 4  # three sendings with the query, then the path alone
    assert "?" not in long_paths[-1] and long_paths[-1] == long_paths[0].partition("?")[0]


def test_a_refused_query_is_the_querys_fault(run_suite, with_tokens) -> None:
    with serving(create_app(BREAKS["rejects_non_ascii_query"])) as base_url:
        result = run_suite(
            f"--base-url={base_url}",
            "-k",
            "test_a_named_edge_in_the_query_is_accepted and NamedUser-user-non-ASCII",
        )

    output = result.stdout.str()
    assert result.ret == BROKEN_CONTRACT, output
    (failed,) = failed_lines(output)
    assert failed.endswith("got 400; the same path without its query got 200 [R4, R6]"), failed


def test_a_known_drift_blames_the_path_and_sends_nothing_more(run_suite, with_tokens) -> None:
    app, seen = recorded(create_app(HIGHWATER))
    with serving(app) as base_url:
        result = run_suite(f"--base-url={base_url}", "--known-drifts=shipped", *LONG_NAME_EDGES)

    output = result.stdout.str()
    assert result.ret == 0, output
    assert "KNOWN DRIFT 2 [R5, R6]" in output
    assert [target for target in seen if len(target) > 1000 and "?" not in target] == []
