"""The schemathesis schema of the contract, configured in code.

Loaded with `schemathesis.openapi.from_path` rather than through
`schemathesis.pytest.from_fixture`: the fixture loader fails on pytest 9.2.0
(`'Function' object has no attribute '_nodeid'`), a loaded schema works on 9.1.1 and
9.2.0 alike. A run loads it from the spec it reads (pytest/run.py keeps it), when the
first test module asks for it. The configuration is built here, never discovered from a
`schemathesis.toml` in the working directory, so every checkout runs the same suite.
"""

from __future__ import annotations

from pathlib import Path

import schemathesis
from schemathesis.schemas import BaseSchema

CONFIG = schemathesis.Config.from_dict(
    {
        # Nothing is read from or written to `.schemathesis/`: a dirty checkout runs like a clean one.
        "cache": {"enabled": False},
        "generation": {
            # Positive only. The contract defines no schema-based rejection: with a free-form
            # query object every value is a string on the wire, so negative data is still a
            # valid request and a correct server accepts it (schemathesis flags that as ST201).
            "mode": "positive",
            # The suite sends the right token itself (see test_properties.py); generated values
            # for the token header would only be invalid tokens, which the auth matrix covers.
            "with-security-parameters": False,
            # A NUL byte is a valid character of a name (R5), so it stays in the alphabet.
            "allow-x00": True,
        },
        "phases": {
            # examples: the spec's own examples (`blip - Viewed Care Team List`, hex and UUID ids).
            # coverage: boundary values (one-character names, empty query) in positive mode.
            # fuzzing: hypothesis-generated names and query objects, sized by the profile.
            # stateful: off; the API has no links or resources to chain.
            "stateful": {"enabled": False},
        },
    }
)


def load(path: Path) -> BaseSchema:
    return schemathesis.openapi.from_path(path, config=CONFIG)
