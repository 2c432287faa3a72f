"""mockserver.config: the settings value and the latency it parses."""

import dataclasses

import pytest

from mockserver.config import Latency, MockConfig


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
