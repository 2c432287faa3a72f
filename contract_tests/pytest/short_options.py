"""The suite's options by their short names (`--env`, `--spec-file`, ...), where it is run on purpose.

The installed plugin registers only `--tidepool-NAME` (options.py), since it loads
itself into every pytest run of the environment and another project may have an `--env`
of its own. This checkout's conftest.py and `python -m contract_tests` load this module
too, so the short spellings the README and the Makefile use keep working there; pytest
registers it once however many of them name it.
"""

from __future__ import annotations

import pytest

from contract_tests.pytest.options import add_options


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser, prefix="")
