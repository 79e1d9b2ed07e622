"""The client records: `clients/<name>` contributes the `Client` record of each name in the registry.

The mirror of the server's `vendors/`: the hosted reset pages and the conformance suites read these records, never
the server's vendor modules.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from ..registry import VENDORS
from .base import Client, Request, pick


def _record(name: str) -> Client:
    record: Client = importlib.import_module(f".{name}", __package__).CLIENT
    assert record.name == name, f"clients/{name} holds the record of {record.name}"
    return record


CLIENTS: Mapping[str, Client] = {name: _record(name) for name in VENDORS}
LABELS = {client.label: client.name for client in CLIENTS.values()}

__all__ = ["CLIENTS", "LABELS", "VENDORS", "Client", "Request", "pick"]
