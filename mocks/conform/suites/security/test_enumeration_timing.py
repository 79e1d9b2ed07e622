"""SR-02: known and unknown accounts take the same time to answer a reset request (security.md section 6).

Many requests of both kinds, interleaved in a random order per pair after a warm-up, timed by the client from
sending to the response's headers (`response.elapsed`: no pacing, no inspection). The comparison is
resetkit.conform.timing's: Mann-Whitney U for "do they differ", the Hodges-Lehmann shift for "by how much".
A significant gap of 100 ms or more fails (as plain a leak as SR-01's different answer); one of 50 ms or more
is a severity-S finding; the false-alarm rate of either is at most 1 % (see resetkit/conform/timing.py).
"""

from __future__ import annotations

import random
import secrets

import requests

from ...driving import Driver
from ...outcomes import finding, not_applicable
from ...timing import MIN_SAMPLES, compare_latencies
from .conftest import known_identifier

WARM_UP = 3  # pairs sent first and not counted: connection set-up, caches, lazy imports


def elapsed_ms(response: requests.Response) -> float:
    return response.elapsed.total_seconds() * 1000


def test_sr02_known_and_unknown_accounts_take_the_same_time(initiating: Driver) -> None:
    if (reason := initiating.client.reveals_unknown_users) is not None:
        not_applicable(initiating.vendor, f"{reason}, so timing reveals nothing more")
    known = known_identifier(initiating)
    order = random.Random()
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    for pair in range(WARM_UP + MIN_SAMPLES):
        for kind in order.sample(["known", "unknown"], 2):
            identifier = known if kind == "known" else f"nobody-{secrets.token_hex(6)}@example.org"
            response = initiating.initiate(identifier)
            assert response.ok, f"a {kind} account's request failed: {response.status_code} {response.text[:300]}"
            if pair >= WARM_UP:
                timings[kind].append(elapsed_ms(response))
    comparison = compare_latencies(timings["known"], timings["unknown"])
    cause = (
        " (typical of a message sent before answering, e.g. a synchronous SMTP call)" if comparison.shift_ms > 0 else ""
    )
    assert comparison.verdict != "fail", f"the answer's timing tells accounts apart: {comparison.describe()}{cause}"
    if comparison.verdict == "warn":
        finding("SR-02", f"a material timing gap: {comparison.describe()}{cause}")
