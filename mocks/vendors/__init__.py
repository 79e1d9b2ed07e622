"""The vendor registry: every module here contributes one `Vendor` record named like the module."""

from __future__ import annotations

import importlib

from mocks.vendors.base import Vendor

MODULES = {
    "placewise": "mocks.vendors.placewise",
    "zitadel": "mocks.vendors.zitadel",
    "socialid": "mocks.vendors.socialid",
    "leadsquared": "mocks.vendors.leadsquared",
    "admin": "mocks.admin",
}


def load_vendor(name: str) -> Vendor:
    vendor: Vendor = importlib.import_module(MODULES[name]).VENDOR
    return vendor
