"""Refused requests: kept with why, apart from the events, bounded, secrets left out."""

import pytest
from werkzeug.test import Client

from mockserver.journal.rejections import Rejections
from mockserver.journal.store import Journal

TOKEN = "X-Tidepool-Session-Token"


def rejections(client: Client, query: str = "") -> list[dict]:
    response = client.get("/__mock/rejections" + query)
    assert response.status_code == 200, response.text
    return response.json["rejections"]


def test_the_store_keeps_the_newest_within_the_journals_bound(tmp_path):
    journal = Journal(tmp_path / "journal.sqlite3", max_events=2)
    try:
        store = Rejections(journal)
        first, second, third = (store.record("GET", f"/{n}", 404, "No.") for n in range(3))
        assert store.since() == [second, third]
        assert store.since(second.id) == [third] and first.id < second.id
        store.clear()
        assert store.since() == [] and journal.events() == []
    finally:
        journal.close()


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "No session token was sent"),
        ({TOKEN: "forged"}, "not valid"),
        ("server", "of a kind this operation does not accept"),
    ],
)
def test_a_401_says_why_to_the_client_and_is_kept(client, server_token, headers, reason):
    headers = {TOKEN: server_token} if headers == "server" else headers
    response = client.get("/metrics/thisuser/Viewed?tab=1", headers=headers)
    assert response.status_code == 401 and reason in response.text
    (kept,) = rejections(client)
    assert kept["status"] == 401 and reason in kept["reason"]
    assert kept["method"] == "GET" and kept["target"] == "/metrics/thisuser/Viewed?tab=1"
    assert client.get("/__mock/events").json["events"] == []


def test_a_404_names_the_nearest_path_served(client):
    response = client.get("/metric/thisuser/Viewed")
    assert response.status_code == 404
    assert "nearest one served is GET /metrics/thisuser/{eventName}" in response.text
    assert "GET /metrics/thisuser/{eventName}" in rejections(client)[0]["reason"]
    assert "nearest" not in client.get("/entirely/elsewhere").text


def test_405_400_and_injected_faults_are_kept_too(client):
    client.post("/metrics/user/u/e")
    client.get("/metrics/user/u/e?bad=%ZZ")
    client.get("/metrics/user/u/e", headers={"Prefer": "code=500"})
    assert [kept["status"] for kept in rejections(client)] == [405, 400, 500]
    assert "injected" in rejections(client)[2]["reason"]


def test_a_token_in_the_path_is_never_kept(client, user_token):
    client.get(f"/auth/token/{user_token}")
    assert rejections(client)[0]["target"] == "/auth/token/<token>"
    assert user_token not in client.get("/__mock/rejections").text


def test_since_polls_and_delete_forgets(client):
    client.get("/nothing/here")
    client.get("/nor/here")
    first, second = rejections(client)
    assert rejections(client, f"?since={first['id']}") == [second]
    assert client.get("/__mock/rejections?eventName=x").status_code == 400
    assert client.delete("/__mock/rejections").status_code == 204
    assert rejections(client) == []


@pytest.mark.parametrize(
    "path",
    [
        "/auth//token/{secret}",
        "/auth/token%2F{secret}",
        "/auth/token%252F{secret}",
        "/AUTH/Token/{secret}",
        "//auth/token/{secret}",
        "/x/..%2Fauth%2Ftoken/{secret}",
    ],
)
def test_a_token_in_the_path_is_masked_however_spelled(client, path):
    client.get(path.format(secret="S3CRET-TOKEN"))
    assert rejections(client)[0]["target"] == "/auth/token/<token>"
    assert "S3CRET" not in client.get("/__mock/rejections").text


def test_credential_values_in_the_query_are_masked(client):
    query = "a=1&TOKEN=t1&access_token=t2&Password=p&secret&api%5Fkey=k&tokens=kept"
    client.get(f"/metrics/thisuser/e?{query}")
    assert rejections(client)[0]["target"] == (
        "/metrics/thisuser/e?a=1&TOKEN=***&access_token=***&Password=***&secret=***"
        "&api%5Fkey=***&tokens=kept"
    )
