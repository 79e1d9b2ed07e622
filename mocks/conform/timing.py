"""SR-02: do known and unknown accounts take the same time to answer? A robust two-sample comparison.

The decision (security.md section 6, SR-02):
- Mann-Whitney U (two-sided, normal approximation with tie and continuity correction) says whether the two
  latency distributions differ at all; rank-based, so a few slow outliers (GC pauses, a busy CI runner) do not
  decide it.
- The Hodges-Lehmann estimate (the median of all known-minus-unknown differences, MW's own shift estimator) says
  by how much, in milliseconds.
- A gap counts only when it is both significant (p < `alpha`) and material (|shift| >= a practical threshold):
  `warn_ms` (50 ms, security.md's SR-02 figure) makes it a severity-S finding, `fail_ms` (100 ms, more than the
  jitter of an Internet round trip, so a handful of requests tells accounts apart: the same leak as SR-01's
  different answer) makes it a failure.

False-alarm rate: when both distributions are the same, the U statistic's p-value is (approximately, exactly as
the samples grow) uniform, so P(p < alpha) = alpha. The materiality condition can only lower that, so a run on an
implementation without a leak reports a finding (or a failure) with probability at most alpha = 1 % per vendor;
when the latency spread is far below the threshold (a local mock: about a millisecond) it is practically zero.
`tests/conform/test_timing.py` measures both on synthetic data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist, median

ALPHA = 0.01
WARN_MS = 50.0
FAIL_MS = 100.0
MIN_SAMPLES = 50  # per group (security.md SR-02: at least 50 known and 50 unknown)


@dataclass(frozen=True, slots=True)
class TimingComparison:
    """Known versus unknown latencies (milliseconds): medians, the shift, its p-value and the verdict."""

    known_median_ms: float
    unknown_median_ms: float
    shift_ms: float  # Hodges-Lehmann: known minus unknown
    p_value: float
    samples: int  # per group
    verdict: str  # "same" | "warn" | "fail"

    def describe(self) -> str:
        slower = "known" if self.shift_ms > 0 else "unknown"
        return (
            f"{slower} accounts answer {abs(self.shift_ms):.1f} ms slower (Hodges-Lehmann shift; medians: known "
            f"{self.known_median_ms:.1f} ms, unknown {self.unknown_median_ms:.1f} ms; Mann-Whitney p = "
            f"{self.p_value:.2g}, {self.samples} requests each)"
        )


def mann_whitney_p(first: Sequence[float], second: Sequence[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test (normal approximation, tie and continuity corrected)."""
    n1, n2 = len(first), len(second)
    if n1 == 0 or n2 == 0:
        raise ValueError("both samples need at least one value")
    ranked = sorted([(value, 0) for value in first] + [(value, 1) for value in second])
    ranks = [0.0] * len(ranked)
    tie_term = 0.0
    start = 0
    while start < len(ranked):
        end = start
        while end + 1 < len(ranked) and ranked[end + 1][0] == ranked[start][0]:
            end += 1
        for index in range(start, end + 1):
            ranks[index] = (start + end) / 2 + 1
        tied = end - start + 1
        tie_term += tied**3 - tied
        start = end + 1
    rank_sum = sum(rank for rank, (_, group) in zip(ranks, ranked, strict=True) if group == 0)
    u = rank_sum - n1 * (n1 + 1) / 2
    total = n1 + n2
    variance = n1 * n2 / 12 * ((total + 1) - tie_term / (total * (total - 1)))
    if variance <= 0:
        return 1.0  # every value is the same
    z = (abs(u - n1 * n2 / 2) - 0.5) / math.sqrt(variance)
    return min(1.0, 2 * (1 - NormalDist().cdf(max(z, 0.0))))


def hodges_lehmann_shift(first: Sequence[float], second: Sequence[float]) -> float:
    """The median of all pairwise differences first[i] - second[j]: a robust estimate of the shift."""
    return median(a - b for a in first for b in second)


def compare_latencies(
    known_ms: Sequence[float],
    unknown_ms: Sequence[float],
    *,
    alpha: float = ALPHA,
    warn_ms: float = WARN_MS,
    fail_ms: float = FAIL_MS,
) -> TimingComparison:
    """The SR-02 verdict for interleaved samples of both kinds of request."""
    p_value = mann_whitney_p(known_ms, unknown_ms)
    shift = hodges_lehmann_shift(known_ms, unknown_ms)
    verdict = "same"
    if p_value < alpha and abs(shift) >= fail_ms:
        verdict = "fail"
    elif p_value < alpha and abs(shift) >= warn_ms:
        verdict = "warn"
    return TimingComparison(
        known_median_ms=median(known_ms),
        unknown_median_ms=median(unknown_ms),
        shift_ms=shift,
        p_value=p_value,
        samples=min(len(known_ms), len(unknown_ms)),
        verdict=verdict,
    )
