"""The open-files limit the mock raises before its workers fork (waitress_worker.py), on
systems that report their hard limit as they enforce it (Linux) and as unlimited (macOS)."""

from __future__ import annotations

import resource

import pytest

from mockserver.serving import waitress_worker
from mockserver.serving.waitress_worker import RESERVED_FDS, raise_open_files_limit


class FakeLimits:
    """getrlimit and setrlimit of a system that accepts at most `ceiling` descriptors."""

    def __init__(self, soft: int, hard: int, ceiling: int) -> None:
        self.soft, self.hard, self.ceiling = soft, hard, ceiling

    def getrlimit(self, which: int) -> tuple[int, int]:
        return self.soft, self.hard

    def setrlimit(self, which: int, limits: tuple[int, int]) -> None:
        if limits[0] > self.ceiling:
            raise ValueError("not allowed to raise maximum limit")
        self.soft = limits[0]


@pytest.fixture
def limits(monkeypatch):
    def install(soft: int, hard: int, ceiling: int) -> FakeLimits:
        fake = FakeLimits(soft, hard, ceiling)
        monkeypatch.setattr(waitress_worker.resource, "getrlimit", fake.getrlimit)
        monkeypatch.setattr(waitress_worker.resource, "setrlimit", fake.setrlimit)
        return fake

    return install


def test_the_soft_limit_goes_up_to_a_hard_limit_the_system_takes(limits):
    fake = limits(soft=1024, hard=524288, ceiling=524288)
    assert raise_open_files_limit() == 524288 - RESERVED_FDS
    assert fake.soft == 524288


def test_an_unlimited_hard_limit_goes_as_far_as_the_system_allows(limits):
    fake = limits(soft=256, hard=resource.RLIM_INFINITY, ceiling=10240)  # as macOS does
    assert raise_open_files_limit() == 10240 - RESERVED_FDS
    assert fake.soft == 10240


def test_a_limit_that_cannot_be_raised_stays(limits):
    fake = limits(soft=256, hard=resource.RLIM_INFINITY, ceiling=0)
    assert raise_open_files_limit() == 256 - RESERVED_FDS
    assert fake.soft == 256
