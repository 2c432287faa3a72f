"""mockserver.console: the banner and the event lines a developer reads."""

import io
from types import MappingProxyType

from mockserver.auth.accounts import DEFAULT_SERVER_SECRET
from mockserver.console import (
    FEW_CONNECTIONS,
    Feed,
    banner,
    event_line,
    rejection_line,
)
from mockserver.journal.rejections import Rejection
from mockserver.journal.store import Event
from tracking_plan.hook import WatchedPlan


def event(**changes):
    fields = dict(
        id=42,
        received_at="2024-05-01T12:00:00.123Z",
        operation_id="RecordMetricsEventForNamedUser",
        user_id="0d4f6a93b2",
        server_name=None,
        event_name="blip - Viewed Care Team List",
        query=MappingProxyType({"source": ("care-team",), "tag": ("a", "")}),
    )
    return Event(**{**fields, **changes})


def test_an_event_line_says_when_what_who_and_query():
    assert event_line(event()) == (
        "12:00:00.123 #42 blip - Viewed Care Team List  user 0d4f6a93b2  source=care-team tag=a tag="
    )


def test_servers_and_anonymous_requests_are_named_as_such():
    assert "  server clinic-worker" in event_line(event(user_id=None, server_name="clinic-worker"))
    assert "  anonymous" in event_line(event(user_id=None))


def test_control_characters_from_clients_are_escaped():
    line = event_line(event(event_name="red\x1b[31m\nnext\x00", query=MappingProxyType({})))
    assert "\x1b" not in line and "\n" not in line and "\x00" not in line
    assert "red\\x1b[31m\\x0anext\\x00" in line


class Clock:
    """The feed's clock, moved by the test: no test waits for a real second."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def a_feed(per_second: int = 3) -> tuple[Feed, list[str], Clock]:
    writes: list[str] = []
    stream = io.StringIO()
    stream.write = writes.append
    clock = Clock()
    return Feed(stream, clock, per_second), writes, clock


def test_a_batch_of_events_is_one_write_of_one_line_each():
    feed, writes, _ = a_feed()
    feed.events([event(), event(id=43)])
    assert len(writes) == 1 and writes[0].count("\n") == 2
    assert writes[0].startswith("12:00:00.123 #42") and "\n12:00:00.123 #43" in writes[0]


def test_events_that_come_slowly_print_one_by_one():
    feed, writes, clock = a_feed(per_second=3)
    for number in range(10):
        feed.events([event(id=number)])
        clock.now += 0.5  # two a second: readable
    assert [w.split()[1] for w in writes] == [f"#{n}" for n in range(10)]


def test_a_flood_prints_a_few_lines_then_the_exact_count_once_the_second_is_over():
    feed, writes, clock = a_feed(per_second=3)
    feed.events([event(id=n) for n in range(500)])
    feed.rejection(Rejection(1, "2024-05-01T12:00:00.500Z", "GET", "/x", 404, "No.", ""))
    clock.now += 1
    feed.events([event(id=600)])
    lines = "".join(writes).splitlines()
    assert [line.split()[1] for line in lines[:3]] == ["#0", "#1", "#2"]
    assert lines[3].startswith("... and 498 more in that second"), lines
    assert lines[4].split()[1] == "#600" and len(lines) == 5


def test_the_end_of_a_flood_is_counted_without_another_event():
    feed, writes, _ = a_feed(per_second=1)
    feed.events([event(id=1), event(id=2)])
    feed.flush()  # what the timer does a second later
    feed.flush()  # and nothing is said twice
    assert "".join(writes).splitlines()[-1].startswith("... and 1 more in that second")
    assert "".join(writes).count("more in that second") == 1


def test_the_banner_shows_url_and_demo_credentials_only(app):
    text = banner(app, "http://127.0.0.1:8009")
    assert "http://127.0.0.1:8009" in text and "/__mock/events" in text
    assert "any username and password" in text and DEFAULT_SERVER_SECRET in text
    assert "headers X-Tidepool-Server-Name and X-Tidepool-Server-Secret" in text
    assert str(app.journal.path) in text


def test_the_banner_says_how_many_connections_a_worker_holds_only_when_few(app):
    url = "http://127.0.0.1:8009"
    assert "192 connections per worker" in banner(app, url, connection_limit=192)
    assert "connections per worker" not in banner(app, url, connection_limit=FEW_CONNECTIONS)


def test_with_accounts_the_banner_names_accounts_without_secrets(make_app, tmp_path):
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text(
        "users: [{username: alice, password: pw-alice, token: tok-alice}]\n"
        "servers: [{name: worker, secret: sec-worker, token: tok-worker}]\n",
        encoding="utf-8",
    )
    text = banner(make_app(accounts_path=accounts), "http://127.0.0.1:8009")
    assert "alice" in text and "worker" in text
    for secret in ("pw-alice", "tok-alice", "sec-worker", "tok-worker", DEFAULT_SERVER_SECRET):
        assert secret not in text


def test_a_rejection_line_says_when_what_and_why_with_control_characters_escaped():
    rejection = Rejection(
        7, "2024-05-01T12:00:00.123Z", "GET", "/metrics/x\x1b[31m", 404, "No.", ""
    )
    assert rejection_line(rejection) == "12:00:00.123 refused 404 GET /metrics/x\\x1b[31m  No."


PLAN = """
clients:
  - name: blip
    recognised_by: {name_prefix: "blip - "}
    events:
      - name: blip - Logged In
        properties:
          mobile: {required: true, type: boolean}
"""


def test_an_off_plan_event_line_names_the_verdict_and_its_reasons(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN, encoding="utf-8")
    plan = WatchedPlan(path)
    missing = event(event_name="blip - Logged In", query=MappingProxyType({}))
    on_plan = event(event_name="blip - Logged In", query=MappingProxyType({"mobile": ("true",)}))
    assert event_line(missing, plan).endswith("  OFF-PLAN mobile is required, and missing")
    assert "PLAN" not in event_line(on_plan, plan)
    unknown = event(event_name="Viewed Page", query=MappingProxyType({}))
    assert "PLAN" not in event_line(unknown, plan)  # no client recognises it: no-plan
    assert "PLAN" not in event_line(missing)  # no plan, no verdict


def test_an_off_plan_reason_quoting_the_name_is_escaped(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN, encoding="utf-8")
    line = event_line(
        event(event_name="blip - \x1b[2J\u202eX", query=MappingProxyType({})), WatchedPlan(path)
    )
    assert "OFF-PLAN blip has no event" in line
    assert "\x1b" not in line and "\u202e" not in line
    assert line.count("\\x1b[2J") == 2  # in the name and in the reason


def test_the_feed_judges_the_lines_it_prints_by_its_plan(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN, encoding="utf-8")
    writes: list[str] = []
    stream = io.StringIO()
    stream.write = writes.append
    feed = Feed(stream, Clock(), plan=WatchedPlan(path))
    feed.events([event(event_name="blip - Logged In", query=MappingProxyType({}))])
    assert "OFF-PLAN mobile is required, and missing" in writes[0]
