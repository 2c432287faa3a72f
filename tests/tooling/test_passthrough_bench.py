"""benchmarks/passthrough.py: the added latency and its verdict follow from the figures."""

from benchmarks.passthrough import PassThroughResult, percentile, section


def test_the_added_latency_is_the_difference_of_the_figures_and_judged_against_2_ms():
    direct = [1.0] * 98 + [5.0, 9.0]
    fast = PassThroughResult(100, direct, [value + 1.5 for value in direct])
    text = "\n".join(section(fast))
    assert "| added by the mock | 1.500 | 1.500 |" in text
    assert "per-pair differences: 1.500 ms" in text and ": met." in text
    slow = PassThroughResult(100, direct, [value + 2.5 for value in direct])
    assert "NOT met" in "\n".join(section(slow))


def test_percentiles_are_read_from_the_sorted_figures():
    assert percentile([5.0, 1.0, 3.0], 0.5) == 3.0
    assert percentile(list(map(float, range(1, 101))), 0.99) == 99.0
