"""Fixtures that the mock's tests and the suite's tests both use."""

from __future__ import annotations

import socket

import pytest


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Every name lookup and connection begun in the test, none of them made: a URL
    check must decide before any of them."""
    begun: list[tuple] = []

    def record(*args, **kwargs):
        begun.append(args)
        raise OSError("these tests open no socket")

    monkeypatch.setattr(socket, "getaddrinfo", record)
    monkeypatch.setattr(socket, "create_connection", record)
    return begun
