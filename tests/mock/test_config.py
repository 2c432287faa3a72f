"""mockserver.config: the settings value and the latency it parses."""

import dataclasses

import pytest

from mockserver.config import DEFAULT_SPEC_PATH, Latency, MockConfig


def test_defaults_serve_the_repository_spec_on_loopback():
    config = MockConfig()
    assert config.spec_path == DEFAULT_SPEC_PATH and DEFAULT_SPEC_PATH.name == "metrics.v1.yaml"
    assert DEFAULT_SPEC_PATH.is_file()
    assert (config.host, config.port, config.max_events) == ("127.0.0.1", 8009, 10_000)
    assert config.journal_file is None and config.accounts_path is None
    assert (config.latency, config.fail_rate, config.allowed_origins()) == (
        Latency(0, 0),
        0.0,
        ("*",),
    )
    assert config.workers >= 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [("200", Latency(200, 200)), ("100-500", Latency(100, 500)), (" 0 ", Latency(0, 0))],
)
def test_latency_is_fixed_or_a_range(text, expected):
    assert Latency.parse(text) == expected


@pytest.mark.parametrize("text", ["", "fast", "500-100", "-5", "1-2-3", "1.5"])
def test_latency_refuses_what_is_not_ms_or_min_max(text):
    with pytest.raises(ValueError, match="latency"):
        Latency.parse(text)


def test_latency_reads_as_milliseconds():
    assert (str(Latency(200, 200)), str(Latency(100, 500))) == ("200 ms", "100-500 ms")


@pytest.mark.parametrize(
    "overrides", [{"max_events": 0}, {"fail_rate": 1.5}, {"fail_rate": -0.1}, {"workers": 0}]
)
def test_config_refuses_impossible_settings(overrides):
    with pytest.raises(ValueError):
        dataclasses.replace(MockConfig(), **overrides)
