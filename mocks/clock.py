"""Time as a dependency: flows take `now`, the server owns a clock that the admin API can move."""

from __future__ import annotations

import time


class SystemClock:
    """Wall-clock time plus an offset, so `POST /__admin/clock` can advance a running server."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


class ManualClock:
    """A clock that moves only when told to: for tests."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self.current = start

    def now(self) -> float:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += seconds
