"""mockserver.own_api: the auth calls Tidepool's clients and services make after login."""

import pytest

from mockserver.auth.accounts import derive_userid

TOKEN = "X-Tidepool-Session-Token"


def test_auth_user_describes_the_user_a_user_token_belongs_to(client, log_in):
    token = log_in(client, "Alice@Example.org", "pw")
    response = client.get("/auth/user", headers={TOKEN: token})
    assert response.status_code == 200
    assert response.json == {
        "userid": derive_userid("alice@example.org"),
        "username": "alice@example.org",
        "emails": ["alice@example.org"],
    }


def test_auth_user_refuses_a_server_token_an_invalid_one_and_none(client, server_token):
    for headers in ({TOKEN: server_token}, {TOKEN: "not-a-token"}, {}):
        response = client.get("/auth/user", headers=headers)
        assert response.status_code == 401 and response.mimetype == "text/plain"


def test_auth_token_says_whose_token_it_is_and_if_a_servers(client, user_token, server_token):
    user = client.get("/auth/token", headers={TOKEN: user_token})
    server = client.get("/auth/token", headers={TOKEN: server_token})
    assert user.json == {"userid": derive_userid("alice@example.org"), "isserver": False}
    assert server.json == {"userid": "clinic-worker", "isserver": True}
    assert client.get("/auth/token", headers={TOKEN: "forged"}).status_code == 401
    assert client.get("/auth/token").status_code == 401


def test_a_server_checks_another_token_through_the_path(client, user_token, server_token):
    checked = client.get(f"/auth/token/{user_token}", headers={TOKEN: server_token})
    assert checked.status_code == 200 and checked.json["isserver"] is False
    assert client.get("/auth/token/forged", headers={TOKEN: server_token}).status_code == 401


def test_only_a_server_may_check_another_token(client, user_token):
    for headers in ({TOKEN: user_token}, {}):
        response = client.get(f"/auth/token/{user_token}", headers=headers)
        assert response.status_code == 401 and "server token" in response.text


def test_logout_answers_200_with_or_without_a_token(client, user_token):
    assert client.post("/auth/logout", headers={TOKEN: user_token}).status_code == 200
    assert client.post("/auth/logout").status_code == 200


def test_the_root_says_where_the_inspector_is(client):
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert (
        response.text
        == "This is the Metrics API mock; its event inspector is at http://localhost/__mock/\n"
    )


def test_listings_come_in_pages_that_say_where_the_rest_is(client):
    for name in ("a", "b", "a", "a", "a"):
        client.get(f"/metrics/user/u/{name}")
        client.get(f"/nothing/{name}")
    first = client.get("/__mock/events?eventName=a&limit=2").json
    assert [event["id"] for event in first["events"]] == [1, 3]
    assert first["next"] == "/__mock/events?eventName=a&since=3&limit=2"
    second = client.get(first["next"]).json
    assert [event["id"] for event in second["events"]] == [4, 5] and second["next"] is None
    assert client.get("/__mock/events").json["next"] is None
    export = client.get("/__mock/events.har?eventName=a&limit=2").json["log"]
    assert [entry["request"]["url"][-2:] for entry in export["entries"]] == ["/a", "/a"]
    assert export["_next"] == "/__mock/events.har?eventName=a&since=3&limit=2"
    rest = client.get(export["_next"]).json["log"]
    assert len(rest["entries"]) == 2 and rest["_next"] is None
    refused = client.get("/__mock/rejections?limit=4").json
    assert len(refused["rejections"]) == 4
    rest = client.get(refused["next"]).json
    assert len(rest["rejections"]) == 1 and rest["next"] is None


@pytest.mark.parametrize("limit", ["0", "10001", "x", "-1", "2&limit=3"])
def test_a_page_size_out_of_bounds_is_400(client, limit):
    for path in ("/__mock/events", "/__mock/events.har", "/__mock/rejections"):
        response = client.get(f"{path}?limit={limit}")
        assert response.status_code == 400 and "'limit'" in response.text
