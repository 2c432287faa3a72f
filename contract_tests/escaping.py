"""Text a target, a HAR or a drifts file controls, made safe to print: one escaper for every output.

A target chooses its bodies, its Location headers and its statuses' reasons; a HAR file
chooses methods, paths and hosts. Printed raw, an escape sequence rewrites the terminal
(OSC 52 even writes its clipboard), a newline starts a line of the reader's log with
text the target chose (`::` starts a GitHub Actions command), a bidirectional control
reorders what the reader sees, and Markdown or HTML renders in the step summary. So:

- `one_line`: every control, format (bidirectional and zero-width included) and line or
  paragraph separator character shown escaped, as Python would write it (`\\x1b`,
  `\\u202e`, `\\n`): the text stays one line and shows what was there.
- `lines`: the same for a text of several lines the suite composed itself (a failure's
  text): its own line breaks kept, each line escaped.
- `markdown_text`: one line, and Markdown and HTML shown as text (punctuation escaped
  with a backslash, `<`, `>` and `&` as entities), for a Markdown value outside a code
  block; inside one, `one_line` suffices, since no line of it starts with the fence.

Secrets are masked before escaping (redaction.Redactor), as an escaped token would no
longer be found.
"""

from __future__ import annotations

import re
import unicodedata

# Unicode categories never printed as themselves: controls (C0, DEL, C1), format
# characters (bidirectional controls, zero-width ones), line and paragraph separators,
# unassigned code points and lone surrogates.
_UNSHOWN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cn", "Cs"})
# What Markdown (GitHub's included) gives a meaning to, where a backslash makes it literal.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def one_line(text: str) -> str:
    return "".join(_shown(character) for character in text)


def lines(text: str) -> str:
    return "\n".join(one_line(line) for line in text.split("\n"))


def markdown_text(text: str) -> str:
    escaped = _MARKDOWN.sub(r"\\\1", one_line(text))
    return "".join(_HTML.get(character, character) for character in escaped)


def _shown(character: str) -> str:
    if unicodedata.category(character) in _UNSHOWN:
        return character.encode("unicode_escape").decode("ascii")
    return character
