"""Typed application keys (aiohttp AppKey) for what the apps share."""

from __future__ import annotations

from aiohttp import web

from mocks.env import Env
from mocks.openapi.spec import VendorSpec
from mocks.vendors.base import Vendor

ENV = web.AppKey("env", Env)
VENDOR = web.AppKey("vendor", Vendor)
SPEC = web.AppKey("spec", VendorSpec)
