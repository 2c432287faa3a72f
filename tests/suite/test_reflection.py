"""A target controls what it answers: a token it reflects, escapes, Markdown or HTML it
sends never reach the reader as such, in the terminal, the Markdown summary or JUnit."""

from __future__ import annotations

from pathlib import Path

import pytest
from broken_servers import (
    PASSWORD,
    SERVER_NAME,
    SERVER_SECRET,
    SERVER_TOKEN,
    TOKEN_HEADER,
    USER_TOKEN,
    USERNAME,
    answer_auth,
    serving,
)
from werkzeug.wrappers import Request, Response

# What a hostile target writes around the token: OSC 52 (sets the terminal's clipboard),
# a line that GitHub Actions would read as a command, HTML, Markdown, a bidirectional
# override.
HOSTILE = "\x1b]52;c;cHduZWQ=\x07\n::error::pwned <img src=x onerror=alert(1)> **b** \u202eX"
LOGINS = {
    "TIDEPOOL_USERNAME": USERNAME,
    "TIDEPOOL_PASSWORD": PASSWORD,
    "TIDEPOOL_SERVER_NAME": SERVER_NAME,
    "TIDEPOOL_SERVER_SECRET": SERVER_SECRET,
}


@Request.application
def reflecting(request: Request) -> Response:
    """Logs in as the reference environment does; answers every metrics request with
    the token it carried: in a body, or in a redirect's path."""
    auth = answer_auth(request)
    if auth is not None:
        return auth
    token = request.headers.get(TOKEN_HEADER, "")
    if "/server/" in request.path:
        return Response(status=302, headers={"Location": f"/next/{token}/\x1b[2J"})
    return Response(f"{token}{HOSTILE}", status=200)


@pytest.fixture
def reflected(run_suite, monkeypatch: pytest.MonkeyPatch, pytester: pytest.Pytester):
    """A run against the reflecting target with tokens the suite logs in for (they are in
    no variable): its output, Markdown summary and JUnit, all as one text."""
    for name, value in LOGINS.items():
        monkeypatch.setenv(name, value)
    with serving(reflecting) as base_url:
        result = run_suite(
            f"--base-url={base_url}",
            "-k",
            "auth_matrix",
            "--summary-file=summary.md",
            "--junitxml=junit.xml",
        )
    files = [
        Path(pytester.path, name).read_text(encoding="utf-8")
        for name in ("summary.md", "junit.xml")
    ]
    return result, result.stdout.str() + result.stderr.str(), *files


def test_a_reflected_token_is_masked_everywhere(reflected) -> None:
    result, output, markdown, junit = reflected

    assert result.ret == 1
    assert "got 200" in output or "bytes:" in output
    for text in (output, markdown, junit):
        assert USER_TOKEN not in text and SERVER_TOKEN not in text
        assert "[Filtered]" in text


def test_what_a_target_sends_is_shown_escaped(reflected) -> None:
    _, output, markdown, junit = reflected

    for text in (output, markdown, junit):
        assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
        assert not any(line.lstrip().startswith("::") for line in text.splitlines())
    assert "\\x1b]52" in output and "\\u202e" in output
    assert "<img" not in markdown and "&lt;img" in markdown
    assert "**b**" not in markdown
