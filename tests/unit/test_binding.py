"""The spec drives the app: an operation without a handler, or a handler without an operation, stops start-up."""

from __future__ import annotations

from dataclasses import replace

import pytest

from resetkit.admin import admin_api
from resetkit.api import Reply, SpecDriftError, bind_operations
from resetkit.env import create_env
from resetkit.openapi.spec import load_spec
from resetkit.settings import Settings
from resetkit.vendors import load_vendor


def test_every_vendor_binds_to_its_spec() -> None:
    for name in ("placewise", "zitadel", "socialid", "leadsquared"):
        vendor = load_vendor(name)
        bind_operations(vendor, load_spec(vendor.spec_file.removesuffix(".yaml")))


def test_the_admin_api_binds_to_its_spec() -> None:
    bind_operations(admin_api(create_env(Settings(accounts=0))), load_spec("admin"), home="mocks/admin.py")


def test_an_operation_without_a_handler_names_both_sides() -> None:
    vendor = load_vendor("leadsquared")
    handlers = {k: v for k, v in vendor.handlers.items() if k != "signIn"}
    with pytest.raises(SpecDriftError, match=r"operation signIn in leadsquared\.yaml has no handler"):
        bind_operations(replace(vendor, handlers=handlers), load_spec("leadsquared"))


def test_a_handler_without_an_operation_names_both_sides() -> None:
    vendor = load_vendor("leadsquared")
    handlers = {**vendor.handlers, "changePassword": lambda call: Reply(200)}
    with pytest.raises(
        SpecDriftError, match=r"handler changePassword in mocks/vendors/leadsquared\.py has no operation"
    ):
        bind_operations(replace(vendor, handlers=handlers), load_spec("leadsquared"))
