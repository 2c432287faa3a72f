"""The one escaper: what a target or a HAR chose is shown, never acted on by a terminal or a Markdown viewer."""

from __future__ import annotations

import pytest

from contract_tests.escaping import lines, markdown_text, one_line


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b]52;c;cHduZWQ=\x07", "\\x1b]52;c;cHduZWQ=\\x07"),  # OSC 52: the clipboard
        ("a\nb\r\x85c", "a\\nb\\r\\x85c"),  # line breaks, C1 next line included
        ("\u202eevil\u2066", "\\u202eevil\\u2066"),  # bidirectional overrides and isolates
        ("zero\u200bwidth\u2028", "zero\\u200bwidth\\u2028"),
        ("tab\there", "tab\\there"),
        ("plain text, ünïcode and spaces", "plain text, ünïcode and spaces"),
    ],
)
def test_one_line_shows_every_control_escaped(raw: str, shown: str) -> None:
    assert one_line(raw) == shown


def test_lines_keep_their_own_breaks_and_escape_the_rest() -> None:
    assert lines("first\x1b[2J\nsecond\r") == "first\\x1b[2J\nsecond\\r"


def test_markdown_and_html_are_shown_as_text() -> None:
    shown = markdown_text("<img src=x> | **b** [l](u) `c` &amp;\n# h")

    assert "<" not in shown and ">" not in shown and "\n" not in shown
    assert shown == (
        "&lt;img src=x&gt; \\| \\*\\*b\\*\\* \\[l\\]\\(u\\) \\`c\\` &amp;amp;\\\\n\\# h"
    )
