"""A spec change judged by recorded traffic: who it breaks, who it does not, and when it cannot say.

The command runs in-process (`spec_change.main`) on HAR files written here
(recorded_traffic.py) and on the real mock's `GET /__mock/events.har`; the specs are this
project's, changed in one way each.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import requests
from recorded_traffic import (
    RECORDED_TOKEN,
    changed_spec,
    described,
    entry,
    names_up_to_100,
    published,
    write_har,
)

from contract_tests.spec import SPEC_PATH
from contract_tests.spec_change import main
from mockserver.config import MockConfig
from mockserver.running import running_mock

AS_OF = "--as-of=2026-12-01"
USER_ID, CLINIC_ID = "0d4f6a93b2", "5f2b8a01"
LONG_NAME = "uploader - " + "x" * 119  # 130 characters
ANONYMOUS = 6


def traffic() -> list[dict]:
    """Three clients: blip (anonymous and with a token), a server, the uploader's long name."""
    anonymous = f"/metrics/user/{USER_ID}/blip%20-%20Viewed%20Care%20Team%20List"
    return [
        *[entry(f"{anonymous}?clinicId={CLINIC_ID}&source=care-team") for _ in range(ANONYMOUS)],
        *[entry(f"/metrics/user/{USER_ID}/blip%20-%20Signed%20In", token=True)] * 10,
        *[entry("/metrics/server/clinic-worker/Sent%20reminder", token=True)] * 4,
        entry("/metrics/thisuser/" + LONG_NAME.replace(" ", "%20"), token=True),
        entry("/auth/login"),  # not a metrics request: not counted
    ]


@pytest.fixture
def har(tmp_path: Path) -> Path:
    return write_har(tmp_path / "blip.har", traffic())


def run(capsys, *args) -> tuple[int, str, str]:
    status = main([*map(str, args), AS_OF, "--min-requests=10"])
    out, err = capsys.readouterr()
    return status, out, err


def section(out: str, heading: str) -> list[str]:
    lines = out.splitlines()
    start = lines.index(f"{heading}:") + 1
    rest = lines[start:]
    end = next((i for i, line in enumerate(rest) if not line.startswith(" ")), len(rest))
    return [line.strip() for line in rest[:end] if line.strip().startswith("- ")]


def test_names_limited_to_100_characters_break_only_the_client_that_sent_130(tmp_path, har, capsys):
    new = changed_spec(tmp_path, "short-names.yaml", names_up_to_100)
    status, out, _ = run(capsys, SPEC_PATH, new, "--traffic", har)
    assert status == 1, out
    (broken,) = section(out, "Breaking for these clients")
    assert broken.startswith("- uploader: 1 request of 1: path parameter eventName")
    assert "maxLength 100" in broken
    assert set(section(out, "Not affected")) == {
        "- blip: 16 requests",
        "- server clinic-worker: 4 requests",
    }


def test_a_change_that_only_adds_a_description_is_no_change(tmp_path, har, capsys):
    new = changed_spec(tmp_path, "described.yaml", described)
    markdown = tmp_path / "report.md"
    status, out, _ = run(capsys, SPEC_PATH, new, "--traffic", har, "--markdown", markdown)
    assert (status, out) == (0, "no change\n")
    assert markdown.read_text(encoding="utf-8").startswith("no change")


def test_requiring_the_token_on_user_breaks_exactly_the_anonymous_requests(tmp_path, har, capsys):
    new = changed_spec(tmp_path, "published.yaml", published)
    status, out, err = run(capsys, SPEC_PATH, new, "--traffic", har)
    assert status == 1, out
    assert section(out, "Breaking for these clients") == [
        f"- blip: {ANONYMOUS} requests of 16: sent with no token, which the spec refuses there"
    ]
    (change,) = section(out, "Structural changes")
    assert "no longer accepts no token" in change and f"{ANONYMOUS} requests recorded" in change
    # The recorded example hides the user and the clinic; the token never shows.
    assert "e.g. GET /metrics/user/{userId}/blip%20-%20Viewed" in out
    assert "clinicId=[Filtered]&source=care-team" in out
    for secret in (USER_ID, CLINIC_ID, RECORDED_TOKEN):
        assert secret not in out + err
    assert "blip.har still carries secrets (15 x-tidepool-session-token headers)" in err


def test_the_markdown_report_escapes_what_traffic_sent(tmp_path, capsys):
    hostile = "/metrics/user/u1234/%5Bclick%5D%28https%3A%2F%2Fevil%29%20-%20x"
    har = write_har(tmp_path / "hostile.har", [entry(hostile)] * 10)
    new = changed_spec(tmp_path, "published.yaml", published)
    markdown = tmp_path / "report.md"
    status, _, _ = run(capsys, SPEC_PATH, new, "--traffic", har, "--markdown", markdown)
    assert status == 1
    text = markdown.read_text(encoding="utf-8")
    assert "- \\[click\\](https://evil): 10 requests of 10" in text
    assert "**Verdict:** BREAKING for 1 of 1 clients" in text


def test_a_breaking_shape_no_recorded_request_touches_is_unobserved(tmp_path, capsys):
    def server_takes_no_server_token(document):
        path = document["paths"]["/metrics/server/{serverName}/{eventName}"]["get"]
        path["security"] = [{"userToken": []}]

    har = write_har(tmp_path / "users.har", [entry("/metrics/user/u/blip%20-%20x")] * 10)
    new = changed_spec(tmp_path, "no-servers.yaml", server_takes_no_server_token)
    status, out, _ = run(capsys, SPEC_PATH, new, "--traffic", har)
    assert status == 0, out
    assert "no longer accepts a server token (breaking by its shape; unobserved" in out
    assert "Verdict: no recorded request breaks" in out


def test_the_mocks_own_har_is_traffic_with_its_token_kinds(tmp_path, capsys):
    config = dataclasses.replace(MockConfig(), journal_file=str(tmp_path / "journal.db"))
    with running_mock(config) as mock, requests.Session() as http:
        for index in range(12):
            http.get(f"{mock.url}/metrics/user/{USER_ID}/blip%20-%20Opened%20{index}", timeout=10)
        exported = http.get(f"{mock.url}/__mock/events.har", timeout=10)
    har = tmp_path / "events.har"
    har.write_bytes(exported.content)
    new = changed_spec(tmp_path, "published.yaml", published)
    status = main([str(SPEC_PATH), str(new), "--traffic", str(har), "--min-requests=10"])
    out = capsys.readouterr().out
    assert status == 1, out
    assert "- blip: 12 requests of 12: sent with no token" in out


def not_openapi(directory: Path) -> list[str]:
    path = directory / "not.yaml"
    path.write_text("swagger: '2.0'\n", encoding="utf-8")
    return [str(path), str(SPEC_PATH), "--traffic", str(write_har(directory / "t.har", traffic()))]


def judged_by(name: str, entries: list[dict] | None = None, text: str | None = None):
    """The published-spec change judged by one traffic file, of `entries` or raw `text`."""

    def arrange(directory: Path) -> list[str]:
        path = directory / name
        if text is not None:
            path.write_text(text, encoding="utf-8")
        else:
            write_har(path, entries)
        new = changed_spec(directory, "published.yaml", published)
        return [str(SPEC_PATH), str(new), "--traffic", str(path)]

    return arrange


OLD_ENTRY = entry("/metrics/user/u/x", started="2025-01-01T00:00:00Z")


@pytest.mark.parametrize(
    ("arrange", "says"),
    [
        (not_openapi, "not.yaml"),
        (judged_by("other.har", [entry("/auth/login")] * 30), "no Metrics API request"),
        (judged_by("few.har", traffic()[:3]), "only 3 recorded"),
        (judged_by("old.har", [OLD_ENTRY] * 20), "from 2025-01-01, more than 90 days ago"),
        (judged_by("cut.har", text="{"), "not JSON"),
    ],
    ids=["not-openapi", "no-metrics", "too-few", "too-old", "not-a-har"],
)
def test_what_cannot_decide_is_one_line_and_exit_4(tmp_path, capsys, arrange, says):
    status = main([*arrange(tmp_path), AS_OF])
    out, err = capsys.readouterr()
    assert status == 4
    assert out == "" and len(err.strip().splitlines()) == 1, err
    assert says in err and "Traceback" not in err


def test_the_documented_report_of_the_published_spec_is_what_the_tool_writes(tmp_path, capsys):
    docs = (Path(__file__).resolve().parents[2] / "docs" / "spec-change.md").read_text("utf-8")
    shown = docs.split("<!-- published-example -->\n")[1].split("<!-- /published-example -->")[0]
    har = write_har(tmp_path / "blip.har", traffic())
    new = changed_spec(tmp_path, "published.yaml", published)
    markdown = tmp_path / "spec-change.md"
    status, _, _ = run(capsys, SPEC_PATH, new, "--traffic", har, "--markdown", markdown)
    assert status == 1
    assert markdown.read_text(encoding="utf-8") == shown
