"""Faults a developer injects on purpose: a status, a delay or a dropped connection, per vendor and operation
(`/__admin/faults`, like WireMock's), or per request with a `Prefer` header (`code=503`, `delay=300`, like Prism's).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Any

MAX_DELAY_MS = 60_000  # a `Prefer: delay=` beyond this is clamped: a typo must not hang the client for an hour
MAX_DIGITS = 9  # a longer number is no delay or status anyone meant (and `int()` of 5,000 digits raises)


@dataclass(slots=True)
class Fault:
    """One registered fault. `operation` None: every operation of the vendor; `times` None: unlimited."""

    id: str
    vendor: str
    operation: str | None
    status: int | None = None
    delay_ms: int = 0
    drop_connection: bool = False
    times: int | None = None
    probability: float = 1.0
    retry_after: int = 1
    documented: bool | None = None  # whether the operation's spec lists `status` (None: no status, or every operation)
    applied: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    @property
    def remaining(self) -> int | None:
        return None if self.times is None else max(self.times - self.applied, 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "vendor": self.vendor,
            "operation": self.operation,
            "status": self.status,
            "delay_ms": self.delay_ms,
            "drop_connection": self.drop_connection,
            "times": self.times,
            "remaining": self.remaining,
            "probability": self.probability,
            "retry_after": self.retry_after,
            "documented": self.documented,
            "applied": self.applied,
        }


@dataclass(frozen=True, slots=True)
class Injection:
    """What to do to one request instead of (status, drop) or before (delay) answering it normally."""

    status: int | None
    delay_ms: int
    drop_connection: bool
    retry_after: int
    source: str  # "fault 3" or "prefer", for the journal and the request log


class Faults:
    """The registered faults, newest first when several match. Each fault draws from its own RNG, seeded from the
    server's `--seed` and the fault's id, so the same faults created in the same order hit the same requests."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def __bool__(self) -> bool:
        return bool(self._faults)

    def add(self, vendor: str, operation: str | None, **options: Any) -> Fault:
        fault_id = str(next(self._ids))
        fault = Fault(fault_id, vendor, operation, rng=random.Random(f"{self.seed}:{fault_id}"), **options)
        self._faults.append(fault)
        return fault

    def all(self) -> list[Fault]:
        return list(self._faults)

    def remove(self, fault_id: str) -> bool:
        kept = [f for f in self._faults if f.id != fault_id]
        found = len(kept) != len(self._faults)
        self._faults = kept
        return found

    def clear(self) -> None:
        """Forget every fault; ids (and so the RNG streams) start again from 1."""
        self._faults.clear()
        self._ids = itertools.count(1)

    def take(self, vendor: str, operation: str) -> Injection | None:
        """The newest matching fault with `times` left whose probability draw hits; counts it as applied."""
        for fault in reversed(self._faults):
            if fault.vendor != vendor or (fault.operation is not None and fault.operation != operation):
                continue
            if fault.remaining == 0:
                continue
            if fault.probability < 1.0 and fault.rng.random() >= fault.probability:
                continue
            fault.applied += 1
            return Injection(
                fault.status, fault.delay_ms, fault.drop_connection, fault.retry_after, f"fault {fault.id}"
            )
        return None


def parse_prefer(header: str) -> Injection | None:
    """`Prefer: code=503, delay=300` (RFC 7240; Prism's names). As RFC 7240 asks, a preference it does not
    understand is ignored: unknown names, a code outside 400-599, a value that is not plain ASCII digits (`²`, `٥`)
    or longer than any meaningful one. A delay is clamped to MAX_DELAY_MS; None when nothing applies."""
    status: int | None = None
    delay = 0
    for preference in header.split(","):
        name, _, value = preference.split(";", 1)[0].partition("=")
        value = value.strip().strip('"')
        if not (value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS):
            continue
        name = name.strip().lower()
        if name == "code" and 400 <= int(value) <= 599:
            status = int(value)
        elif name == "delay":
            delay = min(int(value), MAX_DELAY_MS)
    if status is None and not delay:
        return None
    return Injection(status, delay, False, 1, "prefer")
