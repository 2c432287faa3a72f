"""mockserver.faults: latency, fail rate and the Prefer header."""

import random

import pytest

from mockserver.config import DEFAULT_SPEC_PATH, Latency
from mockserver.faults import FaultRequestError, Faults, Outcome, Preference
from mockserver.spec import load_spec


@pytest.fixture(scope="module")
def operation():
    return load_spec(DEFAULT_SPEC_PATH).operations[0]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, Preference()),
        ("", Preference()),
        ("code=500", Preference(code=500)),
        ("delay=300", Preference(delay_ms=300)),
        ("code=401, delay=0", Preference(401, 0)),
        ('Code="500"; Delay=10', Preference(500, 10)),
        ("return=minimal, respond-async, example=x", Preference()),
    ],
)
def test_prefer_reads_code_and_delay_and_ignores_the_rest(header, expected):
    assert Preference.parse(header) == expected


@pytest.mark.parametrize(
    "header",
    [
        "code=abc",
        "code=99",
        "code=600",
        "delay=-1",
        "delay=10001",
        "delay=1.5",
        "code=",
        "delay=" + "9" * 5000,
    ],
)
def test_prefer_values_out_of_range_are_refused_with_guidance(header):
    with pytest.raises(FaultRequestError, match="code=NNN"):
        Preference.parse(header)


def test_only_documented_codes_or_500_may_be_preferred(operation):
    faults = Faults(Latency(), 0.0)
    faults.check(operation, Preference(code=401))
    faults.check(operation, Preference(code=500))
    with pytest.raises(FaultRequestError, match="documents 200, 401"):
        faults.check(operation, Preference(code=418))


def test_a_preferred_code_decides_the_outcome(operation):
    faults = Faults(Latency(), fail_rate=1.0)
    assert faults.outcome(operation, Preference(code=200)) == Outcome(200)
    failure = faults.outcome(operation, Preference(code=401))
    assert failure.status == 401 and "Prefer: code=401" in failure.message


def test_the_fail_rate_is_the_share_answered_500(operation):
    faults = Faults(Latency(), fail_rate=0.25, rng=random.Random(7))
    statuses = [faults.outcome(operation, Preference()).status for _ in range(4000)]
    assert set(statuses) == {200, 500}
    assert 0.22 < statuses.count(500) / len(statuses) < 0.28
    assert (
        Faults(Latency(), 1.0)
        .outcome(operation, Preference())
        .message.endswith("(--fail-rate 1.0).")
    )


def test_delay_comes_from_prefer_else_from_the_latency_range():
    faults = Faults(Latency(100, 200), 0.0, rng=random.Random(1))
    assert faults.delay_seconds(Preference(delay_ms=50)) == 0.05
    delays = [faults.delay_seconds(Preference()) for _ in range(200)]
    assert all(0.1 <= d <= 0.2 for d in delays) and len(set(delays)) > 1
    assert Faults(Latency(), 0.0).delay_seconds(Preference()) == 0
