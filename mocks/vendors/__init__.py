"""The server records: `vendors/<name>` contributes the `Vendor` record of each name in the registry."""

from __future__ import annotations

import importlib

from ..registry import VENDORS
from .base import Vendor


def load_vendor(name: str) -> Vendor:
    """The record of a registered vendor, imported when first asked for (`serve --vendor X` loads only X)."""
    if name not in VENDORS:
        raise KeyError(f"no vendor {name!r} (known: {', '.join(VENDORS)})")
    vendor: Vendor = importlib.import_module(f".{name}", __package__).VENDOR
    return vendor
