"""Every operation of every spec, positive and negative data, all of schemathesis' checks, against the target:
one `test_<vendor>_conforms` per vendor of the client registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis

from ....clients import VENDORS

pytestmark = pytest.mark.contract


def conforms(vendor: str) -> Callable[..., None]:
    @schemathesis.pytest.from_fixture(f"{vendor}_schema").parametrize()  # type: ignore[untyped-decorator]
    def test(case: Any) -> None:
        case.call_and_validate()

    test.__name__ = test.__qualname__ = f"test_{vendor}_conforms"
    return test  # type: ignore[no-any-return]


for _vendor in VENDORS:
    globals()[f"test_{_vendor}_conforms"] = conforms(_vendor)
