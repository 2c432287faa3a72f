"""Tokens reach the target only: not through a proxy in clear, not with .netrc's password,
not to a loopback name that DNS would resolve."""

from __future__ import annotations

import pytest
import recorded_network
from broken_servers import (
    REFERENCE_TOKENS,
    SERVER_TOKEN,
    USER_TOKEN,
    create_app,
    recorded,
    serving,
)
from standin_proxy import standin_proxy

NOT_VERIFIED = 4
REMOTE = recorded_network.REMOTE_LOOKING


def output_of(result: pytest.RunResult) -> str:
    return result.stdout.str() + result.stderr.str()


@pytest.fixture
def with_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, token in REFERENCE_TOKENS.items():
        monkeypatch.setenv(name, token)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_a_loopback_target_is_reached_directly_whatever_proxy_is_set(
    run_suite, with_tokens, monkeypatch, variable
) -> None:
    with standin_proxy() as (proxy, received), serving(create_app()) as base_url:
        monkeypatch.setenv(variable, proxy)
        result = run_suite(f"--base-url={base_url}", "-k", "auth_matrix")

    assert result.ret == 0, output_of(result)
    assert received == []
    ignored = [line for line in result.stdout.lines if f"{variable} ignored" in line]
    assert ignored == [f"NOTE {variable} ignored: the target is loopback, reached directly"]


def test_an_http_target_elsewhere_is_reached_directly_not_in_clear_through_a_proxy(
    run_suite, with_tokens, monkeypatch
) -> None:
    with standin_proxy() as (proxy, received), serving(create_app()) as base_url:
        monkeypatch.setenv("HTTP_PROXY", proxy)
        remote = base_url.replace("127.0.0.1", REMOTE)
        result = run_suite(f"--base-url={remote}", "--allow-http-with-tokens", "-k", "auth_matrix")

    assert result.ret == 0, output_of(result)
    assert received == []
    result.stdout.fnmatch_lines(["NOTE HTTP_PROXY ignored: an http:// target's tokens would*"])


def test_an_https_target_goes_through_a_proxy_only_as_a_tunnel(
    run_suite, with_tokens, monkeypatch
) -> None:
    with standin_proxy() as (proxy, received):
        monkeypatch.setenv("HTTPS_PROXY", proxy)
        result = run_suite(f"--base-url=https://{REMOTE}:8443")

    assert result.ret == NOT_VERIFIED
    assert received, "the proxy was not used"
    for head in received:
        assert head.startswith(f"CONNECT {REMOTE}:8443 HTTP/".encode())
        assert USER_TOKEN.encode() not in head and SERVER_TOKEN.encode() not in head
    assert "Traceback" not in output_of(result)


def test_no_proxy_is_respected(run_suite, with_tokens, monkeypatch) -> None:
    with standin_proxy() as (proxy, received):
        monkeypatch.setenv("HTTPS_PROXY", proxy)
        monkeypatch.setenv("NO_PROXY", "localhost,.example.org")
        result = run_suite(f"--base-url=https://{REMOTE}:8443")

    assert result.ret == NOT_VERIFIED
    assert received == []


def test_netrc_credentials_are_never_sent(
    run_suite, with_tokens, monkeypatch, pytester: pytest.Pytester
) -> None:
    netrc = pytester.path / ".netrc"
    netrc.write_text("default login someone password netrc-password\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("HOME", str(pytester.path))
    monkeypatch.setenv("NETRC", str(netrc))
    recording, authorizations = recorded(
        create_app(), lambda request: request.headers.get("Authorization", "")
    )
    with serving(recording) as base_url:
        result = run_suite(f"--base-url={base_url}", "-k", "auth_matrix")

    assert result.ret == 0, output_of(result)
    assert authorizations and not any(a.startswith("Basic ") for a in authorizations)


@pytest.mark.parametrize("host", ["localhost.", "127.0.0.1."])
def test_a_loopback_name_that_dns_would_resolve_is_refused(
    run_suite, connections_begun, with_tokens, host: str
) -> None:
    result = run_suite(f"--base-url=http://{host}:8009")

    assert result.ret == NOT_VERIFIED
    result.stderr.fnmatch_lines([f"ERROR: --base-url: '{host}' would be looked up by DNS*"])
    assert connections_begun() == []
