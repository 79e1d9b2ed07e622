"""A map whose entries expire at their own deadline and whose size is capped: the store's bounded state."""

from __future__ import annotations

import heapq
from collections import OrderedDict
from collections.abc import Iterator
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

# Expired entries removed per write: small enough that no request pays for a backlog (after a clock jump), more than
# one so that a backlog shrinks faster than writes add to it.
SWEEP_BUDGET = 16


class Expiring(Generic[K, V]):
    """Entries with an optional deadline, swept a few at a time on each write (never by a timer racing the
    handlers) and at most `cap` of them: past it the entry written first is dropped.

    Time comes from the caller (`now`), so the map stays pure. Writes return the entries they swept or dropped
    (not those replaced), so that an owner can keep its indexes in step.
    """

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._entries: OrderedDict[K, tuple[V, int, float | None]] = OrderedDict()  # value, serial, deadline
        self._deadlines: list[tuple[float, int, K]] = []  # a heap; entries replaced since are skipped when due
        self._serial = 0

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        return entry[0] if entry is not None else None

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def values(self) -> Iterator[V]:
        return (entry[0] for entry in self._entries.values())

    def items(self) -> Iterator[tuple[K, V]]:
        return ((key, entry[0]) for key, entry in self._entries.items())

    def deadline(self, key: K) -> float | None:
        entry = self._entries.get(key)
        return entry[2] if entry is not None else None

    def put(self, key: K, value: V, *, deadline: float | None, now: float) -> list[tuple[K, V]]:
        """Write `value` as the newest entry, sweep what is due at `now`, drop the oldest past the cap; returns the
        entries swept and dropped."""
        self._entries.pop(key, None)
        self._schedule(key, value, deadline)
        gone = self.sweep(now)
        while len(self._entries) > self.cap:
            dropped, (old, _, _) = self._entries.popitem(last=False)
            gone.append((dropped, old))
        return gone

    def reschedule(self, key: K, deadline: float | None) -> None:
        """A new deadline for an entry, keeping its place in the cap's order."""
        entry = self._entries.get(key)
        if entry is not None:
            self._schedule(key, entry[0], deadline)

    def pop(self, key: K) -> V | None:
        entry = self._entries.pop(key, None)
        return entry[0] if entry is not None else None

    def sweep(self, now: float, budget: int = SWEEP_BUDGET) -> list[tuple[K, V]]:
        """Remove up to `budget` entries whose deadline is `now` or earlier; returns them."""
        swept: list[tuple[K, V]] = []
        heap = self._deadlines
        while budget and heap and heap[0][0] <= now:
            _, serial, key = heapq.heappop(heap)
            entry = self._entries.get(key)
            if entry is not None and entry[1] == serial:
                del self._entries[key]
                swept.append((key, entry[0]))
                budget -= 1
        if len(heap) > 2 * len(self._entries) + 64:  # mostly stale (replaced, dropped): rebuild from the live ones
            self._deadlines = [(d, serial, k) for k, (_, serial, d) in self._entries.items() if d is not None]
            heapq.heapify(self._deadlines)
        return swept

    def clear(self) -> None:
        self._entries.clear()
        self._deadlines.clear()

    def _schedule(self, key: K, value: V, deadline: float | None) -> None:
        self._serial = serial = self._serial + 1
        self._entries[key] = (value, serial, deadline)
        if deadline is not None:
            heapq.heappush(self._deadlines, (deadline, serial, key))
