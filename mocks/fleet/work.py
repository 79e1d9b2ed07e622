"""A request's unit of work on the fleet's state: what it read (with the versions it saw), what it changed, the
messages it sent and its journal entry; saved all together by one script, or not at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .cells import Cell, Mirror, build, encode, split, to_json


class Conflict(Exception):
    """Entries this request read changed in Redis before it was saved: nothing was written; catch up and run it
    again. `current` has each such entry as Redis held it when the script ran (None: gone), at version `seen`."""

    def __init__(self, seen: int, current: dict[str, str | None]) -> None:
        super().__init__(f"{len(current)} entries changed meanwhile")
        self.seen = seen
        self.current = current


@dataclass
class Write:
    """A cell to write (`data` None: delete it)."""

    key: str
    data: str | None
    deadline: float | None


@dataclass
class Work:
    """Reads go through `view`: an entry is copied out of the mirror the first time a request asks for it, and its
    version recorded; the request changes its copy (the flows change objects in place). Nothing reaches the mirror
    until Redis has the change and the change log brings it back."""

    mirror: Mirror
    reads: dict[str, int] = field(default_factory=dict)  # key -> version seen (0: absent)
    view: dict[str, Any] = field(default_factory=dict)  # key -> the request's object (None: absent or deleted)
    original: dict[str, str | None] = field(default_factory=dict)  # key -> its JSON when first seen
    deadlines: dict[str, float | None] = field(default_factory=dict)  # key -> deadline, for cells written
    rescheduled: set[str] = field(default_factory=set)  # same value, new deadline
    drops: set[str] = field(default_factory=set)  # deleted whatever their version (swept, or past a cap)
    wipe: bool = False  # everything goes first (`/__admin/reset`)
    messages: list[dict[str, Any]] = field(default_factory=list)
    marks: list[tuple[list[str], bool]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    outbox_cleared: bool = False
    journal: list[str] = field(default_factory=list)
    journal_cleared: bool = False
    saved: list[Write] = field(default_factory=list)  # what the commit wrote, for this process's mirror

    def get(self, cell_key: str) -> Any:
        """The request's object for a cell (None: absent); the first read records the version it saw."""
        view = self.view
        if cell_key in view:
            return view[cell_key]
        cell = None if self.wipe else self.mirror.get(cell_key)
        if not self.wipe:  # a wipe reads the state it makes, not Redis': nothing to check (any version may be there)
            self.reads[cell_key] = cell.version if cell is not None else 0
        obj = build(split(cell_key)[0], cell.value) if cell is not None else None
        view[cell_key] = obj
        self.original[cell_key] = cell.data if cell is not None else None
        return obj

    def cell(self, cell_key: str) -> Cell | None:
        return None if self.wipe else self.mirror.get(cell_key)

    def set(self, cell_key: str, obj: Any, deadline: float | None = None) -> None:
        """Write a cell (None: delete it). A cell never read is written blindly: keys made anew (random secrets,
        tokens) need no check."""
        if cell_key not in self.view:
            self.original[cell_key] = None if self.wipe else self._stored(cell_key)
        self.view[cell_key] = obj
        self.deadlines[cell_key] = deadline
        self.rescheduled.add(cell_key)
        self.drops.discard(cell_key)

    def reschedule(self, cell_key: str, deadline: float | None) -> None:
        self.get(cell_key)
        self.deadlines[cell_key] = deadline
        self.rescheduled.add(cell_key)

    def drop(self, cell_key: str) -> None:
        """Delete a cell whatever its version (expired, or the oldest past a cap)."""
        self.view[cell_key] = None
        self.original.setdefault(cell_key, None)
        self.reads.pop(cell_key, None)
        self.drops.add(cell_key)

    def _stored(self, cell_key: str) -> str | None:
        cell = self.mirror.get(cell_key)
        return cell.data if cell is not None else None

    def writes(self) -> list[Write]:
        """Every cell whose value or deadline the request changed."""
        found = []
        for cell_key, obj in self.view.items():
            if obj is None:
                if cell_key in self.drops or self.original.get(cell_key) is not None:
                    found.append(Write(cell_key, None, None))
                continue
            data = encode(to_json(split(cell_key)[0], obj))
            if data == self.original.get(cell_key) and cell_key not in self.rescheduled:
                continue
            deadline = self.deadlines[cell_key] if cell_key in self.deadlines else self._deadline(cell_key)
            found.append(Write(cell_key, data, deadline))
        return found

    def _deadline(self, cell_key: str) -> float | None:
        cell = self.mirror.get(cell_key)
        return cell.deadline if cell is not None else None

    @property
    def saves_anything(self) -> bool:
        return bool(
            self.reads
            or self.view
            or self.wipe
            or self.messages
            or self.marks
            or self.removed
            or self.outbox_cleared
            or self.journal
            or self.journal_cleared
        )
