"""Every operation of every spec, positive and negative data, all of schemathesis' checks, against the target."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis

pytestmark = pytest.mark.contract

placewise = schemathesis.pytest.from_fixture("placewise_schema")
zitadel = schemathesis.pytest.from_fixture("zitadel_schema")
socialid = schemathesis.pytest.from_fixture("socialid_schema")
leadsquared = schemathesis.pytest.from_fixture("leadsquared_schema")


@placewise.parametrize()
def test_placewise_conforms(case: Any) -> None:
    case.call_and_validate()


@zitadel.parametrize()
def test_zitadel_conforms(case: Any) -> None:
    case.call_and_validate()


@socialid.parametrize()
def test_socialid_conforms(case: Any) -> None:
    case.call_and_validate()


@leadsquared.parametrize()
def test_leadsquared_conforms(case: Any) -> None:
    case.call_and_validate()
