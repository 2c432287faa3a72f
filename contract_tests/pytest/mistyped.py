"""A mistyped option of `python -m contract_tests`: pytest's one line, and the option meant.

pytest's parser says "unrecognized arguments: --evn" and stops. `python -m contract_tests`
hands pytest this plugin object before pytest parses the command line (a plugin named
with `-p` loads while it parses, too late to see the error), and it adds the nearest
option the suite's pages show, as the mock's command line does.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

import pytest

# Options of pytest and its plugins that the suite's pages show, beside the suite's own.
SHOWN = ("--base-url", "--hypothesis-profile", "--hypothesis-seed", "--junitxml", "--help")


class NearestOption:
    @pytest.hookimpl(wrapper=True)
    def pytest_cmdline_parse(self) -> Iterator[None]:
        try:
            return (yield)
        except pytest.UsageError as error:
            hint = nearest(str(error))
            if hint is None:
                raise
            raise pytest.UsageError(f"{error}\ndid you mean {hint}?") from None


def nearest(message: str) -> str | None:
    """The known option nearest the first unrecognized one of pytest's `message`."""
    unknown = re.search(r"unrecognized arguments: (--[^\s=]+)", message)
    if unknown is None:
        return None
    from contract_tests.pytest.options import OPTIONS, PREFIX  # pytest has imported it by now

    known = [*SHOWN, *(f"--{p}{name}" for name in OPTIONS for p in ("", PREFIX))]
    found = difflib.get_close_matches(unknown[1], known, n=1)
    return found[0] if found else None
