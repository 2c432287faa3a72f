"""mockserver.app through Werkzeug's test client: every rule and endpoint."""

import time

import pytest
from werkzeug.test import Client, EnvironBuilder

from mockserver.admission import MockRequest
from mockserver.auth.accounts import DEFAULT_SERVER_SECRET, derive_userid
from mockserver.config import Latency

TOKEN = "X-Tidepool-Session-Token"
ACCOUNTS_YAML = """
users:
  - {username: alice@example.org, password: alice-password, userid: 0d4f6a93b2, token: ci-alice-token}
servers:
  - {name: clinic-worker, secret: worker-secret}
"""


def events(client, query=""):
    response = client.get("/__mock/events" + query)
    assert response.status_code == 200, response.text
    return response.json


# Recording (R1-R6) -------------------------------------------------------------------


def test_named_user_event_is_recorded_with_path_user_and_decoded_name(client):
    response = client.get(
        "/metrics/user/0d4f6a93b2/blip%20-%20Viewed%20Care%20Team%20List?source=care-team"
    )
    assert (response.status_code, response.data) == (200, b"")
    (event,) = events(client)["events"]
    assert event["operationId"] == "RecordMetricsEventForNamedUser"
    assert (event["userId"], event["serverName"]) == ("0d4f6a93b2", None)
    assert event["eventName"] == "blip - Viewed Care Team List"
    assert event["query"] == {"source": ["care-team"]}


def test_an_event_keeps_the_user_agent_that_sent_it(client):
    client.get("/metrics/user/u/a", headers={"User-Agent": "tidepool-metrics-contract (x)"})
    client.get("/metrics/user/u/b")
    agents = [event["userAgent"] for event in events(client)["events"]]
    assert agents == ["tidepool-metrics-contract (x)", ""]


def test_thisuser_takes_the_user_id_from_the_token(client, user_token):
    assert client.get("/metrics/thisuser/e", headers={TOKEN: user_token}).status_code == 200
    (event,) = events(client)["events"]
    assert event["userId"] == derive_userid("alice@example.org") and event["serverName"] is None


def test_server_events_name_the_server_from_the_path_and_no_user(client, server_token):
    assert (
        client.get("/metrics/server/clinic%2Fworker/e", headers={TOKEN: server_token}).status_code
        == 200
    )
    (event,) = events(client)["events"]
    assert (event["userId"], event["serverName"]) == (None, "clinic/worker")


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("a%2Fb", "a/b"),
        ("a+b", "a+b"),
        ("100%25%20%26", "100% &"),
        ("caf%C3%A9", "café"),
        ("%E2%9C%93", "✓"),
    ],
)
def test_event_names_are_decoded_once_and_plus_stays_plus(client, raw, decoded):
    assert client.get(f"/metrics/user/u/{raw}").status_code == 200
    assert events(client)["events"][0]["eventName"] == decoded


def test_query_is_recorded_with_repeats_blanks_and_non_ascii(client):
    client.get("/metrics/user/u/e?a=1&b=&a=2&%C3%A9t%C3%A9=%E2%9C%93&flag&sp=x+y")
    assert events(client)["events"][0]["query"] == {
        "a": ["1", "2"],
        "b": [""],
        "été": ["✓"],
        "flag": [""],
        "sp": ["x y"],
    }


@pytest.mark.parametrize(
    ("path", "kind", "status"),
    [
        ("/metrics/user/u/e", None, 200),
        ("/metrics/user/u/e", "user", 200),
        ("/metrics/user/u/e", "server", 200),
        ("/metrics/user/u/e", "invalid", 401),
        ("/metrics/thisuser/e", None, 401),
        ("/metrics/thisuser/e", "user", 200),
        ("/metrics/thisuser/e", "server", 401),
        ("/metrics/thisuser/e", "invalid", 401),
        ("/metrics/server/s/e", None, 401),
        ("/metrics/server/s/e", "user", 401),
        ("/metrics/server/s/e", "server", 200),
        ("/metrics/server/s/e", "invalid", 401),
    ],
)
def test_token_rules_and_only_accepted_requests_are_recorded(
    client, user_token, server_token, path, kind, status
):
    tokens = {"user": user_token, "server": server_token, "invalid": user_token[:-4] + "AAAA"}
    headers = {TOKEN: tokens[kind]} if kind else {}
    response = client.get(path, headers=headers)
    assert response.status_code == status
    assert len(events(client)["events"]) == (1 if status == 200 else 0)


# HTTP hygiene ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/metrics/user/u/%zz",
        "/metrics/user/u/%C3",
        "/metrics/user/%FF/e",
        "/metrics/user/u/e?a=%G1",
        "/__mock/status?%C3%28",
    ],
)
def test_malformed_encoding_is_400_in_plain_text_and_not_recorded(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert response.mimetype == "text/plain" and "percent-encoded UTF-8" in response.text
    assert events(client)["events"] == []


@pytest.mark.parametrize(
    "path",
    [
        "/nope",
        "/metrics/user/u",
        "/metrics/user/u/e/extra",
        "//metrics/user/u/e",
        "/metrics/user//e",
    ],
)
def test_unknown_paths_are_404_in_plain_text(client, path):
    response = client.get(path)
    assert response.status_code == 404 and response.mimetype == "text/plain"
    assert "<" not in response.text


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/metrics/user/u/e"), ("PUT", "/__mock/status"), ("GET", "/auth/serverlogin")],
)
def test_a_wrong_method_is_405_with_allow(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 405 and response.headers["Allow"]
    assert method not in response.headers["Allow"] and response.mimetype == "text/plain"


def test_every_response_carries_cors_headers(client):
    for response in (
        client.get("/metrics/user/u/e"),
        client.get("/nope"),
        client.get("/metrics/thisuser/e"),
    ):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["Access-Control-Expose-Headers"] == TOKEN


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/metrics/thisuser/e", {"GET"}),
        ("/auth/login", {"GET", "POST"}),
        ("/__mock/events", {"GET", "DELETE"}),
    ],
)
def test_preflight_is_answered_for_every_route(client, path, methods):
    response = client.options(
        path,
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": f"{TOKEN}, X-Tidepool-Trace-Session",
        },
    )
    assert response.status_code == 204
    assert methods <= set(response.headers["Access-Control-Allow-Methods"].split(", "))
    allowed = response.headers["Access-Control-Allow-Headers"]
    assert TOKEN in allowed and "X-Tidepool-Trace-Session" in allowed and "Authorization" in allowed
    # The mock's own API names the page's origin, only ever one of this machine, never `*`.
    own = path.startswith("/__mock")
    expected = "http://localhost:3000" if own else "*"
    assert response.headers["Access-Control-Allow-Origin"] == expected
    assert events(client)["events"] == []


def test_head_on_a_metrics_path_is_405_and_records_nothing(client):
    response = client.head("/metrics/user/u/e")
    assert response.status_code == 405 and response.headers["Allow"] == "GET"
    assert client.get("/__mock/events").json["events"] == []


def test_preflight_of_an_unknown_path_is_404(client):
    assert client.options("/nope").status_code == 404


def test_cors_origins_can_be_restricted(make_app):
    client = Client(make_app(cors_origins=("http://localhost:3000", "http://127.0.0.1:3000")))
    refused = client.get("/metrics/user/u/e", headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert refused.headers["Vary"] == "Origin"
    for origin in ("http://localhost:3000", "http://127.0.0.1:3000"):
        allowed = client.get("/metrics/user/u/e", headers={"Origin": origin})
        assert allowed.headers["Access-Control-Allow-Origin"] == origin


# Faults ------------------------------------------------------------------------------


def test_prefer_code_forces_a_documented_status_without_recording(client, user_token):
    response = client.get("/metrics/thisuser/e", headers={TOKEN: user_token, "Prefer": "code=401"})
    assert response.status_code == 401
    assert client.get("/metrics/user/u/e", headers={"Prefer": "code=500"}).status_code == 500
    assert events(client)["events"] == []
    assert client.get("/metrics/user/u/e", headers={"Prefer": "code=200"}).status_code == 200
    assert len(events(client)["events"]) == 1


def test_prefer_cannot_bypass_the_token_rules(client):
    assert client.get("/metrics/thisuser/e", headers={"Prefer": "code=200"}).status_code == 401


@pytest.mark.parametrize("prefer", ["code=404", "code=abc", "delay=20000"])
def test_an_unhonourable_prefer_is_400_explaining_why(client, prefer):
    response = client.get("/metrics/user/u/e", headers={"Prefer": prefer})
    assert response.status_code == 400 and "Prefer" in response.text
    assert events(client)["events"] == []


def test_prefer_delay_and_latency_slow_the_answer(make_app):
    client = Client(make_app(latency=Latency(60, 60)))
    started = time.monotonic()
    assert client.get("/metrics/user/u/e").status_code == 200
    assert time.monotonic() - started >= 0.06
    started = time.monotonic()
    assert client.get("/metrics/user/u/e", headers={"Prefer": "delay=150"}).status_code == 200
    assert time.monotonic() - started >= 0.15


def test_fail_rate_answers_metrics_500_but_not_the_mocks_own_endpoints(make_app):
    client = Client(make_app(fail_rate=1.0))
    response = client.get("/metrics/user/u/e")
    assert response.status_code == 500 and "fail-rate" in response.text
    assert client.post("/auth/login", auth=("a", "b")).status_code == 200
    assert events(client)["events"] == []


# Login -------------------------------------------------------------------------------


def test_login_answers_a_token_and_the_user(client):
    response = client.post("/auth/login", auth=("alice@example.org", "anything"))
    assert response.status_code == 200 and response.headers[TOKEN]
    assert response.json == {
        "userid": derive_userid("alice@example.org"),
        "username": "alice@example.org",
        "emails": ["alice@example.org"],
    }


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer abc"},
        {"Authorization": "Basic !!!"},
        {"Authorization": "Basic OnB3"},
    ],
)
def test_login_without_usable_basic_credentials_is_401(client, headers):
    response = client.post("/auth/login", headers=headers)
    assert response.status_code == 401 and TOKEN not in response.headers


def test_refresh_gives_a_new_token_for_the_same_user(client, user_token, server_token):
    response = client.get("/auth/login", headers={TOKEN: user_token})
    assert response.status_code == 200 and response.json["username"] == "alice@example.org"
    fresh = response.headers[TOKEN]
    assert fresh != user_token
    assert client.get("/metrics/thisuser/e", headers={TOKEN: fresh}).status_code == 200
    for headers in ({}, {TOKEN: server_token}, {TOKEN: "nonsense"}):
        assert client.get("/auth/login", headers=headers).status_code == 401


def test_server_login_needs_the_secret(client):
    ok = client.post(
        "/auth/serverlogin",
        headers={"X-Tidepool-Server-Name": "w", "X-Tidepool-Server-Secret": DEFAULT_SERVER_SECRET},
    )
    assert ok.status_code == 200 and ok.headers[TOKEN] and ok.data == b""
    wrong = client.post(
        "/auth/serverlogin",
        headers={"X-Tidepool-Server-Name": "w", "X-Tidepool-Server-Secret": "guess"},
    )
    assert wrong.status_code == 401 and TOKEN not in wrong.headers
    assert client.post("/auth/serverlogin").status_code == 401


def test_with_an_accounts_file_only_its_accounts_log_in(make_app, tmp_path, log_in, log_in_server):
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text(ACCOUNTS_YAML, encoding="utf-8")
    client = Client(make_app(accounts_path=accounts))
    assert client.post("/auth/login", auth=("alice@example.org", "wrong")).status_code == 401
    assert client.post("/auth/login", auth=("bob", "alice-password")).status_code == 401
    token = log_in(client, "alice@example.org", "alice-password")
    client.get("/metrics/thisuser/e", headers={TOKEN: token})
    client.get("/metrics/thisuser/e", headers={TOKEN: "ci-alice-token"})
    assert [e["userId"] for e in events(client)["events"]] == ["0d4f6a93b2", "0d4f6a93b2"]
    server = log_in_server(client, "clinic-worker", "worker-secret")
    assert client.get("/metrics/server/clinic-worker/e", headers={TOKEN: server}).status_code == 200


def test_tokens_from_one_app_are_valid_in_another_sharing_the_journal(make_app, tmp_path, log_in):
    journal = tmp_path / "shared.sqlite3"
    first, second = Client(make_app(journal_file=journal)), Client(make_app(journal_file=journal))
    token = log_in(first)
    assert second.get("/metrics/thisuser/e", headers={TOKEN: token}).status_code == 200
    assert Client(make_app()).get("/metrics/thisuser/e", headers={TOKEN: token}).status_code == 401


def test_tokens_and_passwords_are_never_stored_or_shown(client, app):
    token = client.post("/auth/login", auth=("alice@example.org", "s3cret-password")).headers[TOKEN]
    client.get("/metrics/thisuser/e?x=1", headers={TOKEN: token})
    client.get("/metrics/thisuser/e", headers={TOKEN: token + "x"})
    shown = client.get("/__mock/status").text + client.get("/__mock/events").text
    stored = b"".join(
        p.read_bytes() for p in app.journal.path.parent.glob(app.journal.path.name + "*")
    )
    for secret in (token, "s3cret-password"):
        assert secret not in shown and secret.encode() not in stored


# The mock's own endpoints ----------------------------------------------------------------


def test_events_filters_and_since(client, user_token):
    client.get("/metrics/user/u1/a")
    client.get("/metrics/user/u2/b")
    client.get("/metrics/thisuser/a", headers={TOKEN: user_token})
    all_ids = [e["id"] for e in events(client)["events"]]
    assert [e["userId"] for e in events(client, "?eventName=a")["events"]] == [
        "u1",
        derive_userid("alice@example.org"),
    ]
    assert [e["eventName"] for e in events(client, "?userId=u2")["events"]] == ["b"]
    assert len(events(client, "?operationId=RecordMetricsEventForLoggedInUser")["events"]) == 1
    assert [e["id"] for e in events(client, f"?since={all_ids[0]}")["events"]] == all_ids[1:]
    assert events(client, "?eventName=a&userId=u2")["events"] == []


@pytest.mark.parametrize(
    "query", ["?eventname=a", "?since=x", "?since=-1", "?userId=a&userId=b", "?since=" + "9" * 40]
)
def test_events_refuses_unknown_repeated_or_bad_filters(client, query):
    response = client.get("/__mock/events" + query)
    assert response.status_code == 400 and response.mimetype == "text/plain"


def test_delete_empties_the_journal(make_app):
    client = Client(make_app(max_events=1))
    client.get("/metrics/user/u/1")
    client.get("/metrics/user/u/2")
    assert events(client)["dropped"] == 1
    assert client.delete("/__mock/events").status_code == 204
    assert events(client) == {"events": [], "dropped": 0, "next": None}


def test_delete_with_filters_deletes_exactly_the_matching_events(make_app):
    client = Client(make_app(max_events=3))
    for path in (
        "/metrics/user/u/gone",
        "/metrics/user/u/a",
        "/metrics/user/u/b",
        "/metrics/user/v/a",
    ):
        client.get(path)
    assert client.delete("/__mock/events?eventName=a&userId=u").status_code == 204
    assert [(e["userId"], e["eventName"]) for e in events(client)["events"]] == [
        ("u", "b"),
        ("v", "a"),
    ]
    assert events(client)["dropped"] == 1  # the bound dropped one; the delete changed nothing


@pytest.mark.parametrize("query", ["?eventname=a", "?name=a", "?since=x", "?userId=a&userId=b"])
def test_delete_refuses_unknown_filters_and_deletes_nothing(client, query):
    client.get("/metrics/user/u/a")
    response = client.delete("/__mock/events" + query)
    assert response.status_code == 400 and "filter" in response.text.lower()
    assert len(events(client)["events"]) == 1


def test_status_describes_the_running_mock(make_app):
    client = Client(make_app(latency=Latency(10, 20), fail_rate=0.0, max_events=5))
    client.get("/metrics/user/u/e")
    status = client.get("/__mock/status").json
    assert status["spec"]["title"] == "Tidepool Metrics API"
    assert (status["faults"]["latency"], status["faults"]["failRate"]) == ("10-20", 0.0)
    assert status["credentials"]["serverSecret"] == DEFAULT_SERVER_SECRET
    assert (
        status["counts"] == {"events": 1, "dropped": 0, "refused": 0}
        and status["journal"]["maxEvents"] == 5
    )
    assert status["corsOrigins"] == ["*"]


@pytest.mark.parametrize("path", ["/__mock", "/__mock/", "/__mock/static/inspector.html"])
def test_the_inspector_page_is_served(client, path):
    response = client.get(path, buffered=True)  # buffered: the file is read and closed
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert b"<html" in response.data


@pytest.mark.parametrize(
    "path",
    [
        "/__mock/static/nope.js",
        "/__mock/static/../app.py",
        "/__mock/static/%2E%2E/app.py",
        "/__mock/static/%00",
    ],
)
def test_static_files_outside_or_missing_are_404(client, path):
    assert client.get(path).status_code == 404


# Errors inside the mock -------------------------------------------------------------------


def test_a_bug_is_answered_500_in_plain_text_and_reported_to_on_error(make_app, monkeypatch):
    failures = []
    app = make_app(on_error=failures.append)
    client = Client(app)

    def broken(*args, **kwargs):
        raise RuntimeError("journal broke")

    monkeypatch.setattr(app.journal, "record", broken)
    response = client.get("/metrics/user/u/e")
    assert response.status_code == 500 and "log has the traceback" in response.text
    assert [str(error) for error in failures] == ["journal broke"]
    assert client.get("/__mock/status").status_code == 200


def test_each_recorded_event_is_reported_to_on_events(tmp_path):
    from mockserver.app import MockApp
    from mockserver.config import MockConfig

    seen = []
    app = MockApp(MockConfig(journal_file=tmp_path / "j.sqlite3"), on_events=seen.extend)
    try:
        Client(app).get("/metrics/user/u/e?a=1")
        Client(app).get("/metrics/thisuser/e")
        assert [(e.user_id, e.event_name, dict(e.query)) for e in seen] == [
            ("u", "e", {"a": ("1",)})
        ]
    finally:
        app.close()


def test_only_requests_that_may_block_are_said_to_be_slow(make_app):
    """The server answers the others on its event loop, delays included (serving/asgi.py)."""

    def request(path: str) -> MockRequest:
        return MockRequest(EnvironBuilder(path=path, headers={"Prefer": "delay=5"}).get_environ())

    plain = make_app(latency=Latency(0, 5))
    assert not plain.may_be_slow(request("/metrics/thisuser/e"))
    assert not plain.may_be_slow(request("/auth/login"))
    assert not plain.may_be_slow(request("/__mock/status"))
    assert plain.may_be_slow(request("/__mock/events"))
    assert plain.may_be_slow(request("/__mock/rejections"))
    passing_through = make_app(upstream="http://127.0.0.1:9")
    assert passing_through.may_be_slow(request("/metrics/thisuser/e"))
