"""Time as a dependency: flows take `now`, the server owns a clock that the admin API can move."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """The mock's time: real (or a test's) time moved by `offset` seconds (`/__admin/clock`)."""

    @property
    def offset(self) -> float: ...

    def now(self) -> float: ...

    def advance(self, seconds: float) -> None:
        """Move the clock forward (or back, when negative) by `seconds`."""
        ...

    def set_offset(self, seconds: float) -> None:
        """Put the clock `seconds` away from where it started (0: unmoved)."""
        ...


class SystemClock:
    """Wall-clock time plus an offset, so `POST /__admin/clock` can advance a running server."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def set_offset(self, seconds: float) -> None:
        self.offset = seconds


class ManualClock:
    """A clock that moves only when told to: for tests. Its offset is how far it moved from `start`."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self.start = start
        self.offset = 0.0

    def now(self) -> float:
        return self.start + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def set_offset(self, seconds: float) -> None:
        self.offset = seconds
