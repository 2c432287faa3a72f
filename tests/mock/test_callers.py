"""Who may call what (mockserver/callers.py), through the app with Werkzeug's test client."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

LAN_CLIENT = {"REMOTE_ADDR": "192.168.1.20"}


def kept(client: Client) -> list[tuple[int, str]]:
    rejections = client.get("/__mock/rejections").json["rejections"]
    return [(r["status"], r["reason"]) for r in rejections]


@pytest.mark.parametrize("path", ["/__mock/", "/__mock/events", "/__mock/status", "/nothing"])
def test_every_answer_of_the_mock_forbids_framing_and_sniffing(client, path):
    with client.get(path) as response:
        headers = response.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"},
    ],
)
def test_the_own_api_refuses_foreign_pages_even_with_any_origin_allowed(client, headers):
    response = client.get("/__mock/events", headers=headers)
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers
    assert client.delete("/__mock/events", headers=headers).status_code == 403
    assert [status for status, _ in kept(client)] == [403, 403]


@pytest.mark.parametrize(
    "origin", ["http://localhost:3000", "http://127.0.0.1:5173", "http://[::1]:8080", None]
)
def test_the_own_api_answers_pages_of_this_machine_and_its_own(client, origin):
    headers = {"Origin": origin, "Sec-Fetch-Site": "same-site"} if origin else {}
    response = client.get("/__mock/events", headers=headers)
    assert response.status_code == 200
    assert response.headers.get("Access-Control-Allow-Origin") == origin
    assert client.delete("/__mock/events", headers=headers).status_code == 204


def test_the_mocks_own_page_on_a_lan_address_may_clear(make_app):
    client = Client(make_app(allow_remote_changes=True))
    own = {"Host": "192.168.1.5:8009", "Origin": "http://192.168.1.5:8009"}
    response = client.delete("/__mock/events", headers=own, environ_base=LAN_CLIENT)
    assert response.status_code == 204


def test_following_a_link_to_the_inspector_from_another_site_opens_it(client):
    navigation = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    with client.get("/__mock/", headers=navigation) as response:
        assert response.status_code == 200


def test_other_machines_may_read_but_not_clear_unless_allowed(client, make_app):
    assert client.get("/__mock/events", environ_base=LAN_CLIENT).status_code == 200
    response = client.delete("/__mock/events", environ_base=LAN_CLIENT)
    assert response.status_code == 403
    assert "--allow-remote-changes" in response.text
    assert client.delete("/__mock/rejections", environ_base=LAN_CLIENT).status_code == 403
    assert len(kept(client)) == 2
    allowed = Client(make_app(allow_remote_changes=True))
    assert allowed.delete("/__mock/events", environ_base=LAN_CLIENT).status_code == 204


def test_with_any_origin_allowed_any_page_may_send_metrics(client):
    headers = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    assert client.get("/metrics/user/u/e", headers=headers).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"},
    ],
)
def test_a_narrower_cors_origin_refuses_other_pages_and_shows_them(make_app, headers):
    client = Client(make_app(cors_origins=("http://localhost:3000",)))
    assert client.get("/metrics/user/u/e", headers=headers).status_code == 403
    assert client.post("/auth/login", auth=("a", "b"), headers=headers).status_code == 403
    ((status, reason), _) = kept(client)
    assert status == 403 and "may not call this mock" in reason
    allowed = {"Origin": "http://localhost:3000", "Sec-Fetch-Site": "cross-site"}
    assert client.get("/metrics/user/u/e", headers=allowed).status_code == 200
    assert client.get("/metrics/user/u/e").status_code == 200
    assert len(client.get("/__mock/events").json["events"]) == 2
