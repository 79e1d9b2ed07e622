"""SR-02's statistic on synthetic latencies: calibrated under equal distributions, and a planted delay is caught.

Seeded, so every run draws the same samples; the bounds leave four binomial standard deviations of room.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from itertools import combinations

import pytest

from resetkit.conform.timing import ALPHA, MIN_SAMPLES, compare_latencies, hodges_lehmann_shift, mann_whitney_p

Draw = Callable[[random.Random], float]


def local(rng: random.Random) -> float:
    """A mock on localhost: about 2 ms, a little exponential jitter, now and then a 40 ms hiccup."""
    return 2.0 + rng.expovariate(2.0) + (40.0 if rng.random() < 0.02 else 0.0)


def internet(rng: random.Random) -> float:
    """A deployment across the Internet: 80 ms, log-normal jitter, rare one-second stalls."""
    return 60.0 + rng.lognormvariate(3.0, 0.5) + (1000.0 if rng.random() < 0.01 else 0.0)


def rounded(rng: random.Random) -> float:
    """A coarse clock (whole milliseconds), so many ties."""
    return float(round(internet(rng)))


def samples(rng: random.Random, draw: Draw, delay_ms: float = 0.0) -> list[float]:
    return [draw(rng) + delay_ms for _ in range(MIN_SAMPLES)]


def alarm_rate(draw: Draw, trials: int) -> float:
    """How often equal distributions get a finding or a failure, with the documented thresholds."""
    rng = random.Random(20240610)
    return (
        sum(compare_latencies(samples(rng, draw), samples(rng, draw)).verdict != "same" for _ in range(trials)) / trials
    )


def significance_rate(draw: Draw, trials: int) -> float:
    """How often equal distributions differ at p < alpha: the verdict with both thresholds at zero."""
    rng = random.Random(20240610)
    return sum(mann_whitney_p(samples(rng, draw), samples(rng, draw)) < ALPHA for _ in range(trials)) / trials


def within(rate: float, expected: float, trials: int) -> bool:
    spread = 4 * math.sqrt(expected * (1 - expected) / trials)
    return expected - spread <= rate <= expected + spread


@pytest.mark.parametrize("draw", [local, internet, rounded], ids=["local", "internet", "ties"])
def test_equal_distributions_raise_an_alarm_at_the_documented_rate(draw: Draw) -> None:
    """With the practical thresholds set to zero, the test alone: about alpha (1 %) of equal pairs alarm."""
    trials = 3000
    rate = significance_rate(draw, trials)
    assert within(rate, ALPHA, trials), f"false-alarm rate {rate:.4f}, documented {ALPHA}"


@pytest.mark.parametrize("draw", [local, internet], ids=["local", "internet"])
def test_the_practical_thresholds_only_lower_the_false_alarm_rate(draw: Draw) -> None:
    assert alarm_rate(draw, 500) <= ALPHA


def test_a_planted_delay_for_known_accounts_fails() -> None:
    rng = random.Random(7)
    verdicts = [compare_latencies(samples(rng, internet, 150.0), samples(rng, internet)).verdict for _ in range(300)]
    assert verdicts.count("fail") == len(verdicts)


def test_a_planted_delay_for_unknown_accounts_fails_too() -> None:
    rng = random.Random(8)
    verdicts = [compare_latencies(samples(rng, local), samples(rng, local, 150.0)).verdict for _ in range(300)]
    assert verdicts.count("fail") == len(verdicts)


def test_a_gap_between_the_thresholds_is_a_finding() -> None:
    rng = random.Random(9)
    verdicts = [compare_latencies(samples(rng, local, 70.0), samples(rng, local)).verdict for _ in range(300)]
    assert verdicts.count("warn") == len(verdicts)


def test_a_significant_but_immaterial_gap_passes() -> None:
    """Half a millisecond more work for known accounts is measurable on localhost, and tells an attacker nothing."""
    rng = random.Random(10)
    comparisons = [compare_latencies(samples(rng, local, 0.5), samples(rng, local)) for _ in range(200)]
    assert sum(c.p_value < ALPHA for c in comparisons) > 100
    assert all(c.verdict == "same" for c in comparisons)


def test_slow_outliers_in_one_group_do_not_make_a_gap() -> None:
    rng = random.Random(11)
    unknown = samples(rng, local)
    unknown[::10] = [2000.0] * len(unknown[::10])  # five two-second stalls
    assert compare_latencies(samples(rng, local), unknown).verdict == "same"


def exact_p(first: list[float], second: list[float]) -> float:
    """The exact two-sided permutation p-value of the rank-sum (tiny samples only)."""
    pooled = first + second
    ranks = {v: i + 1 for i, v in enumerate(sorted(pooled))}
    observed = sum(ranks[v] for v in first)
    centre = len(first) * (len(pooled) + 1) / 2
    sums = [sum(ranks[pooled[i]] for i in chosen) for chosen in combinations(range(len(pooled)), len(first))]
    return sum(abs(s - centre) >= abs(observed - centre) for s in sums) / len(sums)


def test_the_normal_approximation_agrees_with_the_exact_test() -> None:
    rng = random.Random(12)
    for _ in range(20):
        first = [rng.gauss(10, 2) for _ in range(8)]
        second = [rng.gauss(11.5, 2) for _ in range(8)]
        assert mann_whitney_p(first, second) == pytest.approx(exact_p(first, second), abs=0.03)


def test_identical_samples_are_not_different() -> None:
    assert mann_whitney_p([3.0] * 60, [3.0] * 60) == 1.0


def test_the_shift_is_the_median_pairwise_difference() -> None:
    assert hodges_lehmann_shift([10.0, 11.0, 12.0], [1.0, 2.0]) == 9.5
