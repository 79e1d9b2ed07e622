"""The server log stays readable under a flood: the same line again and again (an accept loop out of descriptors,
a thousand clients timing out) is printed once, then once more with a count per `window` while the burst lasts."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

WINDOW_SECONDS = 10.0
KEPT_LINES = 256  # distinct lines remembered; a line older than all of them starts afresh


@dataclass(slots=True)
class _Seen:
    printed_at: float
    held: int  # repeats not printed since
    record: logging.LogRecord  # the last one held, for the count printed when the burst ends


class RepeatedLines(logging.Filter):
    """A handler's filter: a line (logger, level, text) printed less than `window` seconds ago is held back and
    counted; the next one printed after the window says how many were held. A burst that ends leaves its count to be
    printed with the next line of any kind (or by `flush`)."""

    def __init__(
        self, handler: logging.Handler, window: float = WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.handler, self.window, self.clock = handler, window, clock
        self._seen: OrderedDict[tuple[str, int, str], _Seen] = OrderedDict()
        self._lock = threading.Lock()
        self._checked_at = 0.0

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "repeated_lines_summary", False):
            return True
        key = (record.name, record.levelno, record.getMessage())
        now = self.clock()
        with self._lock:
            seen = self._seen.get(key)
            if seen is not None and now - seen.printed_at < self.window:
                seen.held += 1
                seen.record = record
                return False
            held = seen.held if seen is not None else 0
            self._seen[key] = _Seen(now, 0, record)
            self._seen.move_to_end(key)
            while len(self._seen) > KEPT_LINES:
                self._seen.popitem(last=False)
            ended = self._ended_bursts(now, key)
        for summary in ended:
            self.handler.handle(summary)
        if held:
            record.msg, record.args = f"{record.getMessage()} (repeated {held} times since it was last shown)", None
        return True

    def flush(self) -> None:
        """Print the count of every burst still held (at shutdown)."""
        with self._lock:
            ended = self._ended_bursts(float("inf"), None)
        for summary in ended:
            self.handler.handle(summary)

    def _ended_bursts(self, now: float, skip: tuple[str, int, str] | None) -> list[logging.LogRecord]:
        """Counts for lines held back whose window has passed (looked for at most once a second)."""
        if now - self._checked_at < 1.0:
            return []
        self._checked_at = now
        summaries = []
        for key, seen in self._seen.items():
            if key != skip and seen.held and now - seen.printed_at >= self.window:
                summaries.append(_summary(seen))
                seen.held, seen.printed_at = 0, now
        return summaries


def _summary(seen: _Seen) -> logging.LogRecord:
    first_line = seen.record.getMessage().splitlines()[0]
    summary = logging.makeLogRecord(
        {
            "name": seen.record.name,
            "levelno": seen.record.levelno,
            "levelname": seen.record.levelname,
            "msg": "%s (repeated %d more times)",
            "args": (first_line, seen.held),
            "repeated_lines_summary": True,
        }
    )
    return summary


def collapse_repeated_lines(logger: logging.Logger) -> list[RepeatedLines]:
    """Put the filter on each of the logger's handlers (once); the filters, for `flush` at shutdown."""
    filters = []
    for handler in logger.handlers:
        found = [f for f in handler.filters if isinstance(f, RepeatedLines)]
        if not found:
            found = [RepeatedLines(handler)]
            handler.addFilter(found[0])
        filters.append(found[0])
    return filters
