"""The target is chosen as documented, and production is recognised however it is spelled."""

from __future__ import annotations

import pytest
import requests
from production_spellings import PRODUCTION_SPELLINGS

from contract_tests.environments import (
    CUSTOM,
    DEFAULT_REMOTE_MAX_RPS,
    IN_PROCESS_MOCK,
    PRODUCTION,
    BadTarget,
    choose_target,
    host_of,
)
from contract_tests.spec import environments

# The environments of the shipped spec, which choose_target is given by a run.
KNOWN = environments()


def test_two_targets_are_refused_naming_both() -> None:
    with pytest.raises(BadTarget) as refused:
        choose_target("qa1", "http://user:pw@127.0.0.1:8123/", KNOWN)

    assert str(refused.value) == (
        "two targets: --env qa1 (https://qa1.development.tidepool.org) and --base-url "
        "http://***@127.0.0.1:8123; give one (PYTEST_BASE_URL counts as --base-url)"
    )


def test_an_environment_and_its_own_url_are_one_target() -> None:
    target = choose_target("qa1", "https://qa1.development.tidepool.org/", KNOWN)

    assert (target.name, target.base_url) == ("qa1", "https://qa1.development.tidepool.org")


def test_a_base_url_alone_is_a_custom_target() -> None:
    target = choose_target(None, "http://127.0.0.1:8123/", KNOWN)

    assert (target.name, target.base_url) == (CUSTOM, "http://127.0.0.1:8123")


def test_a_base_url_of_a_named_environment_keeps_its_name() -> None:
    assert choose_target(None, "https://qa2.development.tidepool.org", KNOWN).name == "qa2"


def test_an_environment_name_gives_its_url_from_the_spec() -> None:
    target = choose_target("qa1", None, KNOWN)

    assert (target.name, target.base_url) == ("qa1", "https://qa1.development.tidepool.org")


def test_without_either_the_mock_is_started_in_process() -> None:
    assert choose_target(None, None, KNOWN) == choose_target(None, "", KNOWN)
    assert choose_target(None, None, KNOWN).name == IN_PROCESS_MOCK


def test_an_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(BadTarget, match="valid names .*: mock, integration, production"):
        choose_target("staging", None, KNOWN)


def guard(url: str) -> str:
    """What the guard says of `url`: why it is malformed, or that it is production."""
    try:
        target = choose_target(None, url, KNOWN)
    except BadTarget as refused:
        return str(refused)
    return PRODUCTION if target.is_production else f"allowed: {target.host}"


@pytest.mark.parametrize(("url", "said"), PRODUCTION_SPELLINGS)
def test_production_is_refused_however_spelled_before_any_lookup(
    url: str, said: str, lookups: list[tuple]
) -> None:
    assert host_of(url) == "api.tidepool.org"  # where the client would connect
    assert said in guard(url)
    assert lookups == []


def test_a_rewritten_host_names_where_the_client_would_connect() -> None:
    assert "connect to api.tidepool.org (production)" in guard("https://api%2Etidepool.org")
    assert "connect to qa1.development.tidepool.org;" in guard(
        "https://qa1%2Edevelopment.tidepool.org"
    )


def test_the_lookup_recorder_sees_a_connection(lookups: list[tuple]) -> None:
    """The fixture above records what the suite's client begins (else its `== []` proves nothing)."""
    with pytest.raises(requests.ConnectionError):
        requests.get("http://127.0.0.1:1/", timeout=1)
    assert lookups


def test_production_is_recognised_by_name() -> None:
    assert choose_target("production", None, KNOWN).is_production


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("qa2.development.tidepool.org", "http:// or https://"),
        ("ftp://127.0.0.1", "http:// or https://"),
        ("http://user:secret@127.0.0.1:8009", "must not carry a user or password"),
        ("http://127.0.0.1:8009/?a=1", "query or a fragment"),
        ("http://127.0.0.1:99999", "malformed"),
    ],
)
def test_a_malformed_base_url_is_refused_saying_why(url: str, said: str) -> None:
    with pytest.raises(BadTarget, match=said) as refused:
        choose_target(None, url, KNOWN)
    assert "secret" not in str(refused.value)


def test_remote_hosts_are_capped_and_loopback_is_not_unless_asked() -> None:
    remote, loopback = (
        choose_target("qa1", None, KNOWN),
        choose_target(None, "http://localhost:8009", KNOWN),
    )

    assert remote.max_rps(None) == DEFAULT_REMOTE_MAX_RPS
    assert loopback.max_rps(None) is None
    assert loopback.max_rps(50.0) == 50.0
    assert not remote.is_production and not loopback.is_production
