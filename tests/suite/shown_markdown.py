"""The summary's Markdown read back as the text it shows (its values are written escaped)."""

from __future__ import annotations

import html
import re


def as_text(markdown: str) -> str:
    """What a Markdown viewer shows of the escaped values: backslashes and entities undone."""
    return html.unescape(re.sub(r"\\(.)", r"\1", markdown))
