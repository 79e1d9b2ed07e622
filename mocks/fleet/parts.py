"""The rest of a running mock's state as the fleet shares it: the outbox, the faults, the clock's offset and the
journal. Each keeps the in-process class's interface (vendors and the admin API use them unchanged): reads come from
this process's mirror, changes go into the request's unit of work."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import asdict, replace
from typing import Any

from ..faults import Fault, Faults, Injection
from ..journal import Journal, JournalEntry
from ..outbox import Channel, Message, Outbox
from ..protocols import Customizable
from .cells import CLOCK, CUSTOMIZED, FAULT, FAULTS, decode, encode, key
from .work import Work

_FAULT_FIELDS = (
    "id",
    "vendor",
    "operation",
    "status",
    "delay_ms",
    "drop_connection",
    "times",
    "probability",
    "retry_after",
    "documented",
    "applied",
)


class FleetOutbox(Outbox):
    """The outbox of every process: messages arrive through the change log (`deliver`), in the order of their ids;
    a request's sends, read flags, removals and clears are saved with the rest of its work."""

    def __init__(self, capacity: int, work: Callable[[], Work]) -> None:
        super().__init__(capacity)
        self._work = work
        self._here: list[Callable[[Message], None]] = []

    def subscribe_sent_here(self, listener: Callable[[Message], None]) -> Callable[[], None]:
        self._here.append(listener)
        return lambda: self._here.remove(listener) if listener in self._here else None

    def send(
        self,
        *,
        vendor: str,
        channel: Channel,
        to: str,
        sender: str,
        subject: str,
        text: str,
        html: str = "",
        link: str | None = None,
        token: str | None = None,
        now: float,
    ) -> Message:
        """Recorded with the request's work; the id is drawn when it is saved (ids follow the fleet's order)."""
        message = Message("", vendor, channel, to, sender, subject, text, html, link, token, now)
        fields = asdict(message)
        del fields["id"], fields["read"]
        self._work().messages.append(fields)
        return message

    def mark_read(self, message_ids: Iterable[str], read: bool = True) -> list[Message]:
        marked = [replace(m, read=read) for i in message_ids if (m := self.get(i)) is not None]
        if marked:
            self._work().marks.append(([m.id for m in marked], read))
        return marked

    def remove(self, message_ids: Iterable[str]) -> list[str]:
        removed = [i for i in dict.fromkeys(message_ids) if self.get(i) is not None]
        self._work().removed.extend(removed)
        return removed

    def clear(self) -> None:
        self._work().outbox_cleared = True

    # from the change log ---------------------------------------------------------------------------------------
    def deliver(self, message: Message, *, sent_here: bool = False) -> None:
        """A message some process sent (this one too), for the mirror and the live streams."""
        self._keep(message)
        self._last_id = max(self._last_id, int(message.id))
        for listener in (*self._listeners, *(self._here if sent_here else ())):
            try:
                listener(message)
            except Exception:  # a broken listener must not stop the change log
                pass

    def apply_marks(self, ids: list[str], read: bool) -> None:
        Outbox.mark_read(self, ids, read)

    def apply_removals(self, ids: list[str]) -> None:
        Outbox.remove(self, ids)

    def apply_clear(self) -> None:
        Outbox.clear(self)


def message_from(message_id: int, body: str | bytes, read: bool = False) -> Message:
    return Message(id=str(message_id), read=read, **decode(body))


class FleetCustomizations(MutableMapping[str, dict[str, Customizable]]):
    """The vendors' customizations as cells: a change through one process is every process's. A vendor whose values no
    process changed (or after a reset) has the values this process started with (`--customize`)."""

    def __init__(
        self,
        start: Mapping[str, dict[str, Customizable]],
        work: Callable[[], Work],
        read: Callable[[str], Any],
    ) -> None:
        self._start = {vendor: dict(values) for vendor, values in start.items()}
        self._work = work
        self._read = read

    def __getitem__(self, vendor: str) -> dict[str, Customizable]:
        if vendor not in self._start:
            raise KeyError(vendor)
        found = self._read(key(CUSTOMIZED, vendor))
        return dict(found) if found is not None else dict(self._start[vendor])

    def __setitem__(self, vendor: str, values: dict[str, Customizable]) -> None:
        self._work().set(key(CUSTOMIZED, vendor), dict(values))

    def __delitem__(self, vendor: str) -> None:
        self._work().set(key(CUSTOMIZED, vendor), None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._start)

    def __len__(self) -> int:
        return len(self._start)


class FleetFaults(Faults):
    """Faults as cells: a fault's uses are counted fleet-wide (`times` holds across the fleet), each process draws
    from its own seeded RNG for `probability`."""

    def __init__(self, seed: int, work: Callable[[], Work]) -> None:
        super().__init__(seed)
        self._work = work
        self._rngs: dict[str, random.Random] = {}

    def _registry(self) -> dict[str, int]:
        found: dict[str, int] | None = self._work().get(key(FAULTS, "-"))
        return found or {"next": 1, "count": 0}

    def __bool__(self) -> bool:
        return self._registry()["count"] > 0

    def _fault(self, fields: Mapping[str, Any]) -> Fault:
        fault_id = str(fields["id"])
        rng = self._rngs.get(fault_id)
        if rng is None:
            rng = self._rngs[fault_id] = random.Random(f"{self.seed}:{fault_id}")
        return Fault(**{name: fields[name] for name in _FAULT_FIELDS}, rng=rng)

    def _cells(self) -> list[tuple[str, dict[str, Any]]]:
        work = self._work()
        work.get(key(FAULTS, "-"))
        keys = set(work.mirror.keys(FAULT, "-")) | {k for k in work.view if k.startswith(f"{FAULT}|-|")}
        found = [(k, work.get(k)) for k in keys]
        return sorted(((k, v) for k, v in found if v is not None), key=lambda item: int(item[1]["id"]))

    def add(self, vendor: str, operation: str | None, **options: Any) -> Fault:
        registry = dict(self._registry())
        fault_id = str(registry["next"])
        self._rngs.pop(fault_id, None)
        fields = {"id": fault_id, "vendor": vendor, "operation": operation, "applied": 0, **options}
        fields = {name: fields.get(name, _FAULT_DEFAULTS.get(name)) for name in _FAULT_FIELDS}
        work = self._work()
        work.set(key(FAULT, "-", fault_id), fields)
        work.set(key(FAULTS, "-"), {"next": registry["next"] + 1, "count": registry["count"] + 1})
        return self._fault(fields)

    def all(self) -> list[Fault]:
        return [self._fault(fields) for _, fields in self._cells()]

    def remove(self, fault_id: str) -> bool:
        work = self._work()
        if work.get(key(FAULT, "-", fault_id)) is None:
            return False
        registry = self._registry()
        work.set(key(FAULT, "-", fault_id), None)
        work.set(key(FAULTS, "-"), {**registry, "count": registry["count"] - 1})
        return True

    def clear(self) -> None:
        work = self._work()
        for cell_key, _ in self._cells():
            work.set(cell_key, None)
        work.set(key(FAULTS, "-"), {"next": 1, "count": 0})
        self._rngs.clear()

    def take(self, vendor: str, operation: str) -> Injection | None:
        for _, fields in reversed(self._cells()):
            fault = self._fault(fields)
            if fault.vendor != vendor or (fault.operation is not None and fault.operation != operation):
                continue
            if fault.remaining == 0:
                continue
            if fault.probability < 1.0 and fault.rng.random() >= fault.probability:
                continue
            fields["applied"] += 1  # the request's copy: saved with its work, checked against the fleet's count
            return Injection(
                fault.status, fault.delay_ms, fault.drop_connection, fault.retry_after, f"fault {fault.id}"
            )
        return None


_FAULT_DEFAULTS: dict[str, Any] = {
    "status": None,
    "delay_ms": 0,
    "drop_connection": False,
    "times": None,
    "probability": 1.0,
    "retry_after": 1,
    "documented": None,
}


class FleetClock:
    """Real time plus the fleet's offset (`/__admin/clock` on any process moves every process's clock)."""

    def __init__(self, work: Callable[[], Work], read: Callable[[str], Any]) -> None:
        self._work = work
        self._read = read

    @property
    def offset(self) -> float:
        found = self._read(CLOCK)
        return float(found) if found is not None else 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.set_offset(self.offset + seconds)

    def set_offset(self, seconds: float) -> None:
        self._work().set(CLOCK, seconds if seconds else None)


class FleetJournal(Journal):
    """The fleet's journal: entries are saved with their request's work; `/__admin/...` reads this process's copy,
    which the pipeline brings up to date (`Fleet.barrier`) before an admin request runs."""

    def __init__(self, maxlen: int, body_limit: int, work: Callable[[], Work | None], later: Callable[[str], None]):
        super().__init__(maxlen, body_limit)
        self._work = work
        self._later = later  # an entry recorded outside any request's work (aiohttp's own 404, say)

    def append(self, entry: JournalEntry) -> None:
        encoded = encode_entry(entry)
        work = self._work()
        if work is not None:
            work.journal.append(encoded)
        else:
            self._later(encoded)

    def clear(self) -> None:
        work = self._work()
        if work is not None:
            work.journal_cleared = True

    def replace_all(self, entries: list[JournalEntry]) -> None:
        Journal.clear(self)
        self.extend(entries)


def _pairs(headers: Mapping[str, str] | None) -> list[list[str]] | None:
    return None if headers is None else [[str(k), v] for k, v in headers.items()]


def encode_entry(entry: JournalEntry) -> str:
    return encode(
        [
            entry.at,
            entry.method,
            entry.path,
            entry.status,
            entry.operation,
            entry.duration_ms,
            _pairs(entry.request_headers),
            entry.request_body.decode("latin-1"),
            entry.request_size,
            _pairs(entry.response_headers),
            None if entry.response_body is None else entry.response_body.decode("latin-1"),
            entry.response_size,
            entry.fault,
        ]
    )


class _Headers(dict[str, str]):
    """Headers read back from the journal: looked up by name in any case, as aiohttp's are."""

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        lowered = name.lower()
        return next((v for k, v in self.items() if k.lower() == lowered), default)


def decode_entry(raw: str | bytes) -> JournalEntry:
    fields = decode(raw)
    request_headers = _Headers(fields[6]) if fields[6] is not None else None
    response_headers = _Headers(fields[9]) if fields[9] is not None else None
    response_body = None if fields[10] is None else fields[10].encode("latin-1")
    return JournalEntry(
        fields[0],
        fields[1],
        fields[2],
        fields[3],
        fields[4],
        fields[5],
        request_headers,
        fields[7].encode("latin-1"),
        fields[8],
        response_headers,
        response_body,
        fields[11],
        fields[12],
    )
