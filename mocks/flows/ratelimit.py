"""A sliding-window limiter over timestamps kept in the store."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most `limit` calls in any `window_seconds`, counted per value of the credential `scheme`."""

    limit: int
    window_seconds: float
    scheme: str


def take(hits: list[float], limit: RateLimit, now: float) -> int | None:
    """Record a call at `now`; return None if allowed, else the whole seconds to wait (for Retry-After)."""
    cutoff = now - limit.window_seconds
    while hits and hits[0] <= cutoff:
        hits.pop(0)
    if len(hits) >= limit.limit:
        return max(1, math.ceil(hits[0] + limit.window_seconds - now))
    hits.append(now)
    return None
