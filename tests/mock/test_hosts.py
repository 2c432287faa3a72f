"""mockserver.hosts: only requests that name the mock by an address or a known name."""

import pytest
from werkzeug.test import Client

from mockserver.hosts import HostPolicy


@pytest.mark.parametrize(
    "host",
    [
        None,
        "127.0.0.1:8009",
        "localhost",
        "LOCALHOST:1",
        "[::1]:8009",
        "192.168.1.20:8009",
        "app.localhost:3000",
        "mybox.local",
        "MyBox.Local.:8009",
    ],
)
def test_addresses_localhost_and_named_hosts_are_answered(host):
    assert HostPolicy(["127.0.0.1", "mybox.local"]).allows(host)


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:8009", "127.0.0.1.evil.example", "a@127.0.0.1", "", "x/y"],
)
def test_other_names_are_refused(host):
    assert not HostPolicy(["127.0.0.1", "mybox.local"]).allows(host)


def test_the_mock_refuses_a_rebound_name_with_403_and_keeps_the_refusal(make_app):
    client = Client(make_app())
    response = client.get("/metrics/user/u/e", headers={"Host": "rebound.example:8009"})
    assert response.status_code == 403 and "--allowed-host" in response.text
    assert client.get("/__mock/events").json["events"] == []
    assert client.get("/__mock/rejections").json["rejections"][0]["status"] == 403


def test_allowed_hosts_extend_the_names_answered(make_app):
    client = Client(make_app(allowed_hosts=("dev.example",)))
    assert client.get("/metrics/user/u/e", headers={"Host": "dev.example"}).status_code == 200
