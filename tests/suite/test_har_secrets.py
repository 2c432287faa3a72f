"""A HAR is handled as the secret it is: scrubbed wherever it can hold a credential, and
replayed without ever sending one; a malformed one is one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from broken_servers import REFERENCE_TOKENS, create_app, recorded, serving
from test_replay import API, USER_ID, _entry, write

from contract_tests import har, scrub
from contract_tests.credential_names import CREDENTIAL_QUERY_NAMES, is_credential_name
from mockserver import masking

NOT_VERIFIED = 4
# One recorded secret per place a HAR keeps a URL or a message.
SECRETS = {f"recorded-secret-{n}" for n in range(1, 9)}


def leaky_har() -> dict:
    """A HAR with a credential in every place a browser or a proxy tool records one."""
    entry = _entry(
        "GET",
        f"{API}/metrics/thisuser/blip%20-%20x?token=recorded-secret-1&source=web",
        {
            ":path": "/metrics/thisuser/blip%20-%20x?access_token=recorded-secret-2",
            "Referer": "https://app.tidepool.org/data?sessionToken=recorded-secret-3",
        },
        status=302,
        answer={"Location": "/next?restricted_token=recorded-secret-4#top"},
    )
    entry["request"]["queryString"] = [
        {"name": "Session-Token", "value": "recorded-secret-5"},
        {"name": "source", "value": "web"},
    ]
    entry["response"]["redirectURL"] = "/next?API_KEY=recorded-secret-6"
    entry["_webSocketMessages"] = [{"type": "send", "time": 1.0, "data": "recorded-secret-7"}]
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "WebInspector", "version": "537.36"},
            "pages": [
                {"id": "p1", "title": "https://app.tidepool.org/?password=recorded-secret-8"}
            ],
            "entries": [entry],
        }
    }


def test_the_suite_and_the_mock_mask_the_same_credential_names() -> None:
    """Two copies, since the suite never imports the mock: kept equal here."""
    assert CREDENTIAL_QUERY_NAMES == masking.CREDENTIAL_QUERY_NAMES
    for name in ("Access-Token", "access%5Ftoken", "SESSIONTOKEN", "x_tidepool_session_token"):
        assert is_credential_name(name) and masking.is_credential_name(name)
    assert not is_credential_name("source") and not masking.is_credential_name("tokens")


def test_the_scrubber_removes_a_credential_wherever_a_har_holds_one(tmp_path: Path, capsys) -> None:
    recording = write(tmp_path / "leaky.har", leaky_har())

    assert scrub.main([str(recording), str(tmp_path / "clean.har")]) == 0

    clean = (tmp_path / "clean.har").read_text(encoding="utf-8")
    assert not any(secret in clean for secret in SECRETS)
    assert not har.secrets_in(json.loads(clean))
    said = capsys.readouterr().out
    assert "credential-named query values" in said and "WebSocket messages" in said
    assert "no secret found" not in said and "recorded-secret" not in said


@pytest.mark.parametrize(
    ("broken", "says"),
    [
        ({"method": "GET\n::error::x"}, "entry 1: its method is not an HTTP method"),
        ({"url": "http://[::1/metrics/thisuser/x"}, "entry 1: its request URL is malformed"),
        ({"url": 42}, "entry 1 has no request URL"),
    ],
)
def test_a_malformed_entry_is_one_line(run_suite, pytester, broken: dict, says: str) -> None:
    document = leaky_har()
    document["log"]["entries"][0]["request"].update(broken)
    recording = write(pytester.path / "broken.har", document)

    result = run_suite(f"--replay={recording}", "--collect-only")

    assert result.ret == NOT_VERIFIED
    errors = [line for line in result.stderr.lines if line.startswith("ERROR: ")]
    assert len(errors) == 1 and says in errors[0], result.stderr.str()
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    assert not any(line.startswith("::") for line in result.outlines + result.errlines)


def test_replay_never_sends_a_recorded_credential(run_suite, monkeypatch, pytester) -> None:
    for name, token in REFERENCE_TOKENS.items():
        monkeypatch.setenv(name, token)
    entry = _entry(
        "GET",
        f"{API}/metrics/user/{USER_ID}/blip%20-%20x?token=recorded-secret-1"
        "&Access_Token=recorded-secret-2&source=web",
        {},
    )
    document = {"log": {"version": "1.2", "creator": {"name": "x"}, "entries": [entry]}}
    recording = write(pytester.path / "leaky.har", document)
    recording_targets, targets = recorded(create_app())
    with serving(recording_targets) as base_url:
        result = run_suite(f"--base-url={base_url}", f"--replay={recording}", "-k", "test_replay")

    assert result.ret == 0, result.stdout.str()
    replayed = [target for target in targets if "blip%20-%20x" in target]
    assert replayed == [f"/metrics/user/{USER_ID}/blip%20-%20x?source=web"]
    output = result.stdout.str() + result.stderr.str()
    assert "recorded-secret" not in output
    result.stdout.fnmatch_lines(["NOTE leaky.har: 2 credential-named query values * left out*"])
