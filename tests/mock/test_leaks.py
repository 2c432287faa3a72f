"""The mock's own leaks, closed: credentials in the journal, characters that fake a
terminal line, delays a foreign page asks for, tokens that never ended, file paths, and
command-line values with stray whitespace."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests
from werkzeug.test import Client

from mockserver.auth.accounts import USER, Accounts, Principal
from mockserver.auth.tokens import Tokens, shared_signing_key
from mockserver.console import event_line
from mockserver.errors import TokenRefused
from mockserver.journal.store import Event
from mockserver.masking import CREDENTIAL_QUERY_NAMES, MASK
from mockserver.running import running_mock

ALICE = Principal(USER, "0d4f6a93b2", "alice", ("alice@example.org",))
SECRET = "s3cr3t-value"
TOKEN_HEADER = "X-Tidepool-Session-Token"


@pytest.mark.parametrize("name", [*sorted(CREDENTIAL_QUERY_NAMES), "Access%5FToken", "PASSWORD"])
def test_a_credential_in_the_query_is_never_kept_listed_or_exported(make_app, name):
    client = Client(make_app())
    client.get(f"/metrics/user/u1/Signed%20In?source=blip&{name}={SECRET}")
    listing = client.get("/__mock/events").get_data(as_text=True)
    har = client.get("/__mock/events.har").get_data(as_text=True)
    assert SECRET not in listing and SECRET not in har
    (event,) = client.get("/__mock/events").get_json()["events"]
    assert event["query"]["source"] == ["blip"] and MASK in event["target"]
    assert [MASK] in event["query"].values()


def test_the_journal_file_itself_holds_no_credential(make_app):
    app = make_app()
    Client(app).get(f"/metrics/user/u1/x?token={SECRET}")
    app.journal.close()
    assert SECRET.encode() not in app.journal.path.read_bytes()


@pytest.mark.parametrize(
    "character", ["\u202e", "\u2028", "\u2029", "\u200e", "\u200f", "\u2066", "\u2069", "\x1b"]
)
def test_characters_that_reorder_or_break_a_line_are_escaped_on_the_terminal(character):
    event = Event(1, "2024-05-01T12:00:00.123Z", "Op", "u1", None, f"a{character}b", {})
    line = event_line(event)
    escape = f"\\x{ord(character):02x}" if character < " " else f"\\u{ord(character):04x}"
    assert character not in line and f"a{escape}b" in line


def test_a_foreign_page_may_not_hold_an_answer_for_long(client_of_app):
    client = client_of_app()
    foreign = {"Origin": "https://ads.example", "Prefer": "delay=5000"}
    refused = client.get("/metrics/user/u1/x", headers=foreign)
    assert refused.status_code == 400 and "0 to 1000" in refused.text
    local = {"Origin": "http://localhost:3000", "Prefer": "delay=5"}
    assert client.get("/metrics/user/u1/x", headers=local).status_code == 200


def test_a_logged_out_token_is_refused_in_every_worker():
    with running_mock() as mock:  # two workers by default
        login = requests.post(f"{mock.url}/auth/login", auth=("a@example.org", "pw"), timeout=5)
        token = {TOKEN_HEADER: login.headers[TOKEN_HEADER]}
        metrics = f"{mock.url}/metrics/thisuser/x"
        assert requests.get(metrics, headers=token, timeout=5).status_code == 200
        requests.post(f"{mock.url}/auth/logout", headers=token, timeout=5).raise_for_status()
        # New connections: each worker, whichever answers, refuses it now.
        answers = [requests.get(metrics, headers=token, timeout=5) for _ in range(8)]
        assert {(a.status_code, "logout" in a.text) for a in answers} == {(401, True)}


def test_an_issued_token_expires_and_a_fixed_one_never_does(tmp_path):
    now = [1000.0]
    accounts_file = tmp_path / "accounts.yaml"
    accounts_file.write_text(
        "users:\n  - {username: ci@example.org, password: pw, token: ci-token}\n", "utf-8"
    )
    tokens = Tokens(Accounts.from_file(accounts_file), b"k" * 32, 60, clock=lambda: now[0])
    issued = tokens.issue(ALICE)
    now[0] += 59.9
    assert tokens.identify(issued) == ALICE
    now[0] += 0.1
    with pytest.raises(TokenRefused, match="expired"):
        tokens.identify(issued)
    now[0] += 10 * 365 * 24 * 3600
    assert tokens.identify("ci-token").username == "ci@example.org"
    tokens.log_out("ci-token")
    assert tokens.identify("ci-token") is not None


def test_an_expired_token_is_401_saying_so(make_app):
    app = make_app()
    # Issued under the mock's own key, by a clock that stopped long ago.
    token = Tokens(Accounts(), shared_signing_key(app.journal.path), 60, clock=lambda: 0).issue(
        ALICE
    )
    client = Client(app)
    answer = client.get("/metrics/thisuser/x", headers={TOKEN_HEADER: token})
    assert answer.status_code == 401 and "expired" in answer.text
    assert client.get("/auth/token", headers={TOKEN_HEADER: token}).status_code == 401


@pytest.mark.parametrize(
    "arguments",
    [
        ["--upstream", " http://127.0.0.1:9"],
        ["--port", " 8009 "],
        ["--cors-origin", " http://localhost:3000"],
        ["--latency=100 "],
        ["--upstream", "http://exa mple.org"],
    ],
)
def test_stray_whitespace_on_the_command_line_is_trimmed_or_refused_in_one_line(arguments):
    code = (
        "import sys; from mockserver.cli import config_from_args;"
        "config, _ = config_from_args(sys.argv[1:]); print('configured')"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, *arguments], capture_output=True, text=True, timeout=30
    )
    assert "Traceback" not in run.stderr
    assert run.stdout.strip() == "configured" or run.stderr.count("\n") == 1


@pytest.fixture
def client_of_app(make_app):
    return lambda **overrides: Client(make_app(**overrides))
