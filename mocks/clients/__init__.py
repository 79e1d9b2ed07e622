"""The client records: `clients/<name>` contributes the `Client` record of each name in the registry.

The mirror of the server's `vendors/`: the hosted reset pages and the conformance suites read these records, never
the server's vendor modules.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from ..registry import VENDORS
from .base import Client, Request, pick
from .coverage import Coverage, Item, shipped_items


def _record(name: str) -> Client:
    record: Client = importlib.import_module(f".{name}", __package__).CLIENT
    assert record.name == name, f"clients/{name} holds the record of {record.name}"
    return record


def _coverage(name: str) -> Coverage:
    """What the vendor's record adds to observe the coverage items (`COVERAGE`; none: only what the spec says)."""
    found = getattr(importlib.import_module(f".{name}", __package__), "COVERAGE", None)
    return found if isinstance(found, Coverage) else Coverage()


CLIENTS: Mapping[str, Client] = {name: _record(name) for name in VENDORS}
COVERAGE: Mapping[str, Coverage] = {name: _coverage(name) for name in VENDORS}
LABELS = {client.label: client.name for client in CLIENTS.values()}


def coverage_items(vendor: str) -> tuple[Item, ...]:
    """What the vendor's contract documents (and its record reads back), item by item: what conform covers."""
    return shipped_items(vendor, COVERAGE[vendor])


__all__ = ["CLIENTS", "COVERAGE", "LABELS", "VENDORS", "Client", "Request", "coverage_items", "pick"]
