"""A burst of the same log line is printed once with a count (`resetkit serve`'s log under a flood)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from resetkit.log_bursts import RepeatedLines, collapse_repeated_lines


@dataclass
class Clock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Logged:
    log: logging.Logger
    out: io.StringIO
    clock: Clock
    repeated: RepeatedLines

    def lines(self) -> list[str]:
        return self.out.getvalue().splitlines()


@pytest.fixture
def logged() -> Iterator[Logged]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    clock = Clock()
    repeated = RepeatedLines(handler, window=10, clock=clock)
    handler.addFilter(repeated)
    log = logging.getLogger("test.bursts")
    log.addHandler(handler)
    log.propagate = False
    yield Logged(log, out, clock, repeated)
    log.removeHandler(handler)


def test_a_burst_of_one_line_is_printed_once(logged: Logged) -> None:
    for _ in range(1000):
        logged.log.error("socket.accept() out of system resource")
    assert logged.lines() == ["ERROR test.bursts: socket.accept() out of system resource"]


def test_a_burst_that_lasts_is_printed_again_with_its_count_after_the_window(logged: Logged) -> None:
    for second in range(25):
        logged.clock.now = second
        for _ in range(100):
            logged.log.error("out of descriptors")
    assert logged.lines() == [
        "ERROR test.bursts: out of descriptors",
        "ERROR test.bursts: out of descriptors (repeated 999 times since it was last shown)",
        "ERROR test.bursts: out of descriptors (repeated 999 times since it was last shown)",
    ]


def test_different_lines_are_all_printed(logged: Logged) -> None:
    for n in range(3):
        logged.log.warning("request %d", n)
    assert len(logged.lines()) == 3


def test_the_count_of_a_burst_that_ended_comes_with_the_next_line(logged: Logged) -> None:
    for _ in range(50):
        logged.log.warning("client timed out")
    logged.clock.now = 11
    logged.log.warning("something else")
    assert logged.lines() == [
        "WARNING test.bursts: client timed out",
        "WARNING test.bursts: client timed out (repeated 49 more times)",
        "WARNING test.bursts: something else",
    ]


def test_flush_prints_the_count_still_held(logged: Logged) -> None:
    for _ in range(5):
        logged.log.warning("client timed out")
    logged.repeated.flush()
    assert logged.lines()[-1] == "WARNING test.bursts: client timed out (repeated 4 more times)"


def test_a_repeated_traceback_is_printed_once(logged: Logged) -> None:
    for _ in range(100):
        try:
            raise OSError(24, "Too many open files")
        except OSError:
            logged.log.exception("socket.accept() out of system resource")
    assert logged.out.getvalue().count("Traceback") == 1


def test_the_filter_goes_on_each_handler_once() -> None:
    log = logging.getLogger("test.bursts.install")
    log.addHandler(logging.NullHandler())
    try:
        first, again = collapse_repeated_lines(log), collapse_repeated_lines(log)
        assert first == again and len(log.handlers[0].filters) == 1
    finally:
        log.handlers.clear()
