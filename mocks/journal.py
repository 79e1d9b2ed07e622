"""The requests the vendors received, newest last, bounded: kept as taken (references and bounded slices) and
redacted only when `/__admin/journal` reads them, because it is written on every call and read rarely."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import NamedTuple


class JournalEntry(NamedTuple):
    """One request a vendor received (a tuple: the journal is written on every call)."""

    at: float
    method: str
    path: str
    status: int
    operation: str | None
    duration_ms: float
    request_headers: Mapping[str, str] | None = None
    request_body: bytes = b""
    request_size: int = 0
    response_headers: Mapping[str, str] | None = None
    response_body: bytes | None = None
    response_size: int = 0
    fault: str | None = None  # "fault 3" or "prefer" when the answer was injected


class Journal(deque[JournalEntry]):
    """The last `maxlen` entries; `body_limit` bytes of each body are kept."""

    def __init__(self, maxlen: int = 500, body_limit: int = 8192) -> None:
        super().__init__(maxlen=maxlen)
        self.body_limit = body_limit
