"""The fleet's state as versioned cells: one key per account, reset, token, rate window, index entry and fault, as
Redis holds them and every process mirrors them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..store.models import AccessToken, Account, PendingReset

try:  # `resetkit[fast]`
    import orjson

    def encode(value: Any) -> str:
        return orjson.dumps(value).decode()

    decode: Callable[[str | bytes], Any] = orjson.loads
except ImportError:  # pragma: no cover - without the extra
    _encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

    def encode(value: Any) -> str:
        return _encoder(value)

    decode = json.loads

# Kinds of cell; a key is `kind|vendor|rest` (a vendor name never holds "|").
ACCOUNT = "a"  # rest: account id -> the account
IDENTIFIER = "i"  # rest: an identifier, normalised -> the account id
ACCOUNTS = "A"  # a vendor's set of accounts: rewritten whenever one is added or removed (listings check it)
RESET = "r"  # rest: secret -> the pending reset
RESET_OF = "ra"  # rest: account id|purpose -> the secret of the account's current reset
TOKEN = "t"  # rest: token value -> the access token
TOKENS = "T"  # a vendor's set of tokens: rewritten whenever one is added or removed
REFRESH = "rf"  # rest: refresh token -> the access token it renews (while it may still be spent)
WINDOW = "w"  # rest: rate-limit key -> the hits
FAULT = "f"  # vendor part "-", rest: fault id -> the fault
FAULTS = "F"  # "F|-|" -> the next fault id; rewritten when a fault is added, removed or the faults cleared
CUSTOMIZED = "C"  # rest empty: a vendor's customized values (`/__admin/customizations/VENDOR`)
CLOCK = "clock|-|"  # the clock's offset
SEEDED = "seeded|-|"  # written once, by the process that seeded the fleet


def key(kind: str, vendor: str, rest: str = "") -> str:
    return f"{kind}|{vendor}|{rest}"


def split(cell_key: str) -> tuple[str, str, str]:
    kind, vendor, rest = cell_key.split("|", 2)
    return kind, vendor, rest


def account_to_json(account: Account) -> Any:
    return {name: getattr(account, name) for name in Account.__slots__}


def reset_to_json(reset: PendingReset) -> Any:
    return {name: getattr(reset, name) for name in PendingReset.__slots__}


def token_to_json(token: AccessToken) -> Any:
    return {name: getattr(token, name) for name in AccessToken.__slots__}


def build(kind: str, value: Any) -> Any:
    """A fresh object for a request from a cell's parsed value (never the mirror's own: requests change them)."""
    if kind == ACCOUNT:
        return Account(**{**value, "extra": dict(value.get("extra") or {})})
    if kind == RESET:
        return PendingReset(**value)
    if kind == TOKEN:
        return AccessToken(**value)
    if kind == WINDOW:
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def to_json(kind: str, obj: Any) -> Any:
    if kind == ACCOUNT:
        return account_to_json(obj)
    if kind == RESET:
        return reset_to_json(obj)
    if kind == TOKEN:
        return token_to_json(obj)
    return obj


@dataclass(slots=True)
class Cell:
    """One entry as Redis last committed it: its version (the committing script's sequence number), its deadline in
    the mock's time (None: none) and its JSON, parsed once."""

    version: int
    deadline: float | None
    data: str
    value: Any


@dataclass
class Mirror:
    """This process's copy of every cell, kept in commit order by the change log; never handed to a request."""

    cells: dict[str, Cell] = field(default_factory=dict)
    # (kind, vendor) -> keys in the order they were first written: listings, and caps drop the oldest first
    order: dict[tuple[str, str], dict[str, None]] = field(default_factory=dict)
    applied: int = 0  # the newest version applied

    def get(self, cell_key: str) -> Cell | None:
        return self.cells.get(cell_key)

    def put(self, cell_key: str, cell: Cell | None) -> None:
        kind, vendor, _ = split(cell_key)
        if cell is None:
            if self.cells.pop(cell_key, None) is not None:
                self.order.get((kind, vendor), {}).pop(cell_key, None)
            return
        if cell_key not in self.cells:
            self.order.setdefault((kind, vendor), {})[cell_key] = None
        self.cells[cell_key] = cell

    def keys(self, kind: str, vendor: str) -> Iterator[str]:
        return iter(list(self.order.get((kind, vendor), {})))

    def count(self, kind: str, vendor: str) -> int:
        return len(self.order.get((kind, vendor), {}))

    def clear(self) -> None:
        self.cells.clear()
        self.order.clear()


def parse_stored(raw: str) -> tuple[int, float | None, str]:
    """`version|deadline|json` as Redis stores a cell."""
    version, deadline, data = raw.split("|", 2)
    return int(version), float(deadline) if deadline else None, data
