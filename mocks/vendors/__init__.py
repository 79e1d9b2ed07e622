"""The vendor registry: every module here contributes one `Vendor` record named like the module."""

from __future__ import annotations

import importlib

from .base import Vendor

# Relative to this package: the code does not care under which name it is installed (see mocks/ARCHITECTURE.md).
MODULES = {
    "placewise": ".placewise",
    "zitadel": ".zitadel",
    "socialid": ".socialid",
    "leadsquared": ".leadsquared",
    "admin": "..admin",
}


def load_vendor(name: str) -> Vendor:
    vendor: Vendor = importlib.import_module(MODULES[name], __package__).VENDOR
    return vendor
