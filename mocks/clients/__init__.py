"""The client registry: what a client knows about each vendor, one record per module (see `base.Client`).

The mirror of the server's `vendors/`: the hosted reset pages and the conformance suites read these records, never
the server's vendor modules.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import leadsquared, placewise, socialid, zitadel
from .base import Client, Request, pick

# One line per vendor, in the order the suites run them.
CLIENTS: Mapping[str, Client] = {
    client.name: client
    for client in (
        placewise.CLIENT,
        zitadel.CLIENT,
        socialid.CLIENT,
        leadsquared.CLIENT,
    )
}
VENDORS = tuple(CLIENTS)
LABELS = {client.label: client.name for client in CLIENTS.values()}

__all__ = ["CLIENTS", "LABELS", "VENDORS", "Client", "Request", "pick"]
