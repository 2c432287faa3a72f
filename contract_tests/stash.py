"""Keys for what the top-level conftest decides once per session and the suite's fixtures read."""

from __future__ import annotations

import pytest

from contract_tests.environments import Target
from contract_tests.redaction import Redactor
from contract_tests.summary import RunSummary

TARGET = pytest.StashKey[Target]()
REDACTOR = pytest.StashKey[Redactor]()
SUMMARY = pytest.StashKey[RunSummary]()
