"""A mock served in-process, for learning from a running mock's journal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mockserver.running import running_mock


@pytest.fixture
def running_mock_url() -> Iterator[str]:
    with running_mock() as mock:
        yield mock.url
