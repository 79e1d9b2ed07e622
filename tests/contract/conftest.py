"""One schemathesis schema per vendor, pointed at the selected target."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import settings as hypothesis_settings
from schemathesis.config import SchemathesisConfig

from resetkit.conform.profiles import config_dict, spec_path
from resetkit.conform.target import Target


def load_vendor_schema(vendor: str, target: Target) -> Any:
    if vendor not in target.vendors:
        pytest.skip(f"{vendor} is not selected (--vendor)")
    base_url = target.base_url(vendor)
    max_examples = hypothesis_settings().max_examples
    config = SchemathesisConfig.from_dict(
        config_dict(vendor, target.credentials[vendor], base_url, max_examples=max_examples)
    )
    schema = schemathesis.openapi.from_path(spec_path(vendor), config=config)
    if not target.include_inferred:
        schema = schema.exclude(func=lambda ctx: ctx.operation.definition.raw.get("x-source") == "inferred")
    return schema


@pytest.fixture(scope="session")
def placewise_schema(target: Target) -> Any:
    return load_vendor_schema("placewise", target)


@pytest.fixture(scope="session")
def zitadel_schema(target: Target) -> Any:
    return load_vendor_schema("zitadel", target)


@pytest.fixture(scope="session")
def socialid_schema(target: Target) -> Any:
    return load_vendor_schema("socialid", target)


@pytest.fixture(scope="session")
def leadsquared_schema(target: Target) -> Any:
    return load_vendor_schema("leadsquared", target)
