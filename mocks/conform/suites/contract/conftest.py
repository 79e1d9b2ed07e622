"""One schemathesis schema per vendor of the client registry (a `<vendor>_schema` fixture), pointed at the target."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import settings as hypothesis_settings
from schemathesis.config import SchemathesisConfig

from ....clients import VENDORS
from ...profiles import config_dict, spec_path
from ...target import Target


def load_vendor_schema(vendor: str, target: Target) -> Any:
    if vendor not in target.vendors:
        pytest.skip(f"{vendor} is not selected (--vendor)")
    base_url = target.base_url(vendor)
    max_examples = hypothesis_settings().max_examples
    config = SchemathesisConfig.from_dict(
        config_dict(vendor, target.credentials[vendor], base_url, max_examples=max_examples)
    )
    schema: Any = schemathesis.openapi.from_path(spec_path(vendor), config=config)
    if not target.include_inferred:
        schema = schema.exclude(func=lambda ctx: ctx.operation.definition.raw.get("x-source") == "inferred")
    return schema


def _schema_fixture(vendor: str) -> Callable[[Target], Any]:
    @pytest.fixture(scope="session", name=f"{vendor}_schema")
    def schema(target: Target) -> Any:
        return load_vendor_schema(vendor, target)

    return schema


for _vendor in VENDORS:
    globals()[f"_{_vendor}_schema"] = _schema_fixture(_vendor)
