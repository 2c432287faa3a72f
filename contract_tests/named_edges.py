"""The edges the spec names, as values: sent on every run (test_named_edges.py) and compared
across targets (parity.py).

A path value goes into every path parameter at once; a query goes beside the operation's
examples. Hypothesis may or may not draw them; these are sent whatever it draws.
"""

from __future__ import annotations

PATH_VALUES = {
    "space": "contract tests a b",
    "percent": "100% sure %41 %",
    "slash": "a/b/c",
    "plus": "a+b",
    "ampersand": "a&b=c",
    "question mark": "a?b=c",
    "hash": "a#b",
    "non-ASCII": "é ü ß 日本語 😀",
    "over 1000 characters": "contract tests " + "x" * 1000,
    "dot": ".",
    "dot dot": "..",
}
QUERIES = {
    "repeated name": [("a", "1"), ("a", "2"), ("a", "1")],
    "empty values": [("a", ""), ("b", ""), ("c", "")],
    "non-ASCII names and values": [("é ü", "日本語"), ("ß", "😀")],
    "dozens of parameters": [(f"p{index}", str(index)) for index in range(48)],
}
EXAMPLE_QUERY = [("source", "contract-tests")]
