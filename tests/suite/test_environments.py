"""The target is chosen as documented: --base-url, then --env, then the in-process mock."""

from __future__ import annotations

import pytest

from contract_tests.environments import (
    CUSTOM,
    DEFAULT_REMOTE_MAX_RPS,
    IN_PROCESS_MOCK,
    UnknownEnvironment,
    choose_target,
)


def test_an_explicit_base_url_wins_over_the_environment() -> None:
    target = choose_target("qa1", "http://127.0.0.1:8123/")

    assert (target.name, target.base_url) == (CUSTOM, "http://127.0.0.1:8123")


def test_a_base_url_of_a_named_environment_keeps_its_name() -> None:
    assert choose_target(None, "https://qa2.development.tidepool.org").name == "qa2"


def test_an_environment_name_gives_its_url_from_the_spec() -> None:
    target = choose_target("qa1", None)

    assert (target.name, target.base_url) == ("qa1", "https://qa1.development.tidepool.org")


def test_without_either_the_mock_is_started_in_process() -> None:
    assert choose_target(None, None) == choose_target(None, "")
    assert choose_target(None, None).name == IN_PROCESS_MOCK


def test_an_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownEnvironment, match="valid names .*: mock, integration, production"):
        choose_target("staging", None)


@pytest.mark.parametrize(
    ("env_name", "url"), [("production", None), (None, "https://api.tidepool.org/v1")]
)
def test_production_is_recognised_by_name_and_by_host(env_name, url) -> None:
    assert choose_target(env_name, url).is_production


def test_remote_hosts_are_capped_and_loopback_is_not_unless_asked() -> None:
    remote, loopback = choose_target("qa1", None), choose_target(None, "http://localhost:8009")

    assert remote.max_rps(None) == DEFAULT_REMOTE_MAX_RPS
    assert loopback.max_rps(None) is None
    assert loopback.max_rps(50.0) == 50.0
    assert not remote.is_production and not loopback.is_production
