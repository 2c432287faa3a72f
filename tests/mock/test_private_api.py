"""The insides of waitress and gunicorn the mock uses are checked before it serves
(serving/private_api.py): a release that lacks one stops the mock with one line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import waitress

from mockserver.errors import UnsupportedDependency
from mockserver.serving import private_api
from mockserver.serving.private_api import HTTPChannel, TcpWSGIServer, check_insides

ROOT = Path(__file__).resolve().parents[2]
TESTED = private_api.TESTED["waitress"]


def test_the_installed_versions_have_every_name():
    check_insides()  # raises otherwise


def test_an_attribute_set_by_the_constructor_is_checked(monkeypatch):
    def without_output_lock(self, server, sock, addr, adj, map=None):
        """A constructor that no longer sets `outbuf_lock`."""

    monkeypatch.setattr(HTTPChannel, "__init__", without_output_lock)
    with pytest.raises(UnsupportedDependency) as refusal:
        check_insides()
    assert str(refusal.value) == (
        f"waitress {TESTED} lacks HTTPChannel.outbuf_lock, which the mock uses; it runs"
        f" with waitress {TESTED} (pip install 'waitress=={TESTED}')"
    )


def test_a_constructor_keyword_is_checked(monkeypatch):
    monkeypatch.setattr(TcpWSGIServer, "__init__", lambda self, application, map=None: None)
    with pytest.raises(UnsupportedDependency, match=r"lacks TcpWSGIServer\._sock,"):
        check_insides()


def fake_new_waitress(folder: Path) -> Path:
    """A copy of waitress whose version is 3.1.0 and whose server calls `maintenance`
    `upkeep`, as a later release might."""
    package = folder / "waitress"
    shutil.copytree(Path(waitress.__file__).parent, package)
    server = package / "server.py"
    server.write_text(server.read_text().replace("maintenance", "upkeep"))
    info = folder / "waitress-3.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: waitress\nVersion: 3.1.0\n")
    return folder


def test_a_new_waitress_without_a_name_stops_the_mock_in_one_line(tmp_path):
    path = os.pathsep.join([str(fake_new_waitress(tmp_path)), str(ROOT)])
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "--port", "0"],
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "mockserver: waitress 3.1.0 lacks TcpWSGIServer.maintenance, which the mock uses; it"
        f" runs with waitress {TESTED} (pip install 'waitress=={TESTED}')\n"
    )
