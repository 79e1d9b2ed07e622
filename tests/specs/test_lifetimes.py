"""Lifetimes are data in the specs (`x-lifetimes`), read by the mock's handlers and by the conformance checks alike:
every one parses."""

from __future__ import annotations

from pathlib import Path

import pytest

from resetkit.openapi.spec import load_spec
from resetkit.settings import ALL_VENDORS


@pytest.mark.parametrize("vendor", ALL_VENDORS)
def test_every_lifetime_is_seconds_or_no_fixed_end(vendor: str) -> None:
    lifetimes = [value for operation in load_spec(vendor) for value in operation.lifetimes.values()]
    assert lifetimes and all(value is None or value > 0 for value in lifetimes)


def test_a_lifetime_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    post:\n      operationId: x\n"
        "      x-lifetimes: 3600\n      responses: {'200': {description: ok}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="x-lifetimes"):
        load_spec("broken", path)
