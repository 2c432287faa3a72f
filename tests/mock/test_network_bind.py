"""Bound to every interface, the mock tells the developer what the network can do, and
other machines may read but not clear it (real sockets: a client on this machine's
non-loopback address is, to the mock, another machine)."""

from __future__ import annotations

import ipaddress
import socket

import pytest
import requests


def network_address() -> str | None:
    """This machine's address on its default route (connecting UDP sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if ipaddress.ip_address(address).is_loopback else address


NETWORK_ADDRESS = network_address()
needs_a_network = pytest.mark.skipif(NETWORK_ADDRESS is None, reason="no network address here")


def lan_url(mock) -> str:
    return f"http://{NETWORK_ADDRESS}:{mock.port}"


@needs_a_network
def test_other_machines_read_but_do_not_clear(start_cli_mock):
    with start_cli_mock("--host", "0.0.0.0", "--workers", "1") as mock:
        requests.get(f"{mock.url}/metrics/user/u1/kept", timeout=5).raise_for_status()
        lan = lan_url(mock)
        assert requests.get(f"{lan}/__mock/events", timeout=5).json()["events"][0]["eventName"]
        refused = requests.delete(f"{lan}/__mock/events", timeout=5)
        assert refused.status_code == 403 and "--allow-remote-changes" in refused.text
        assert requests.delete(f"{lan}/__mock/rejections", timeout=5).status_code == 403
        assert len(requests.get(f"{mock.url}/__mock/events", timeout=5).json()["events"]) == 1
        kept = requests.get(f"{mock.url}/__mock/rejections", timeout=5).json()["rejections"]
        assert [(r["status"], r["method"]) for r in kept] == [(403, "DELETE")] * 2
        assert requests.delete(f"{mock.url}/__mock/events", timeout=5).status_code == 204
        output = mock.output()
    (note,) = [line for line in output.splitlines() if "anyone on the network" in line]
    assert "only this machine may clear them (--allow-remote-changes)" in note


@needs_a_network
def test_allowed_remote_changes_are_said_and_honoured(start_cli_mock):
    options = ("--host", "0.0.0.0", "--workers", "1", "--allow-remote-changes")
    with start_cli_mock(*options) as mock:
        assert requests.delete(f"{lan_url(mock)}/__mock/events", timeout=5).status_code == 204
        output = mock.output()
    (note,) = [line for line in output.splitlines() if "anyone on the network" in line]
    assert note.endswith("log in and clear them")


def test_a_loopback_bind_says_nothing_of_the_network(start_cli_mock):
    with start_cli_mock("--workers", "1") as mock:
        output = mock.output()
    assert "anyone on the network" not in output


@needs_a_network
def test_other_machines_see_no_folder_and_cannot_change_the_faults(start_cli_mock):
    with start_cli_mock("--host", "0.0.0.0", "--workers", "1") as mock:
        lan = lan_url(mock)
        remote = requests.get(f"{lan}/__mock/status", timeout=5).json()
        local = requests.get(f"{mock.url}/__mock/status", timeout=5).json()
        shown = [remote["spec"]["path"], remote["journal"]["file"]]
        assert not any("/" in name or "\\" in name for name in shown)
        assert local["journal"]["file"].endswith("/" + remote["journal"]["file"])
        refused = requests.put(f"{lan}/__mock/faults", json={"failRate": 1}, timeout=5)
        assert refused.status_code == 403 and "--allow-remote-changes" in refused.text
        assert requests.get(f"{lan}/__mock/faults", timeout=5).json()["changed"] is False
