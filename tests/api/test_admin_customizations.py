"""`/__admin/customizations/{vendor}`: what a team shapes of a vendor's instance (ZITADEL: the organisation's name,
branding colours, password and lockout policies), read and changed at run time, put back by `/__admin/reset`."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from resetkit.env import Env
from resetkit.vendors.zitadel.customization import DEFAULTS

CUSTOMIZATIONS = "/__admin/customizations/zitadel"


async def test_zitadel_answers_its_defaults(client: TestClient) -> None:
    answer = await (await client.get(CUSTOMIZATIONS)).json()
    assert answer == {"vendor": "zitadel", "values": DEFAULTS, "defaults": DEFAULTS}


async def test_a_change_applies_and_the_other_values_stay(client: TestClient, env: Env) -> None:
    response = await client.patch(CUSTOMIZATIONS, json={"org_name": "Acme", "password_min_length": "12"})
    values = (await response.json())["values"]
    assert response.status == 200 and values["org_name"] == "Acme" and values["password_min_length"] == 12
    assert values["primary_color"] == DEFAULTS["primary_color"]
    assert env.customizations["zitadel"] == values


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"logo": "x"}, "unknown logo"),
        ({"primary_color": "green"}, "primary_color is a colour"),
        ({"password_min_length": 0}, "password_min_length is 1 or more"),
        ({"password_requires_symbol": "sometimes"}, "password_requires_symbol is true or false"),
        ({"max_password_attempts": "three"}, "max_password_attempts is a whole number"),
        ({"max_password_attempts": 1.5}, "is not of type"),  # the spec refuses it before the vendor sees it
    ],
)
async def test_a_change_the_vendor_refuses_is_400_and_changes_nothing(
    client: TestClient, env: Env, change: dict[str, object], complaint: str
) -> None:
    response = await client.patch(CUSTOMIZATIONS, json={"org_name": "Acme", **change})
    assert response.status == 400 and complaint in (await response.json())["error"]
    assert env.customizations["zitadel"] == DEFAULTS


async def test_a_vendor_with_nothing_to_shape_is_404(client: TestClient) -> None:
    assert (await client.get("/__admin/customizations/placewise")).status == 404


async def test_the_reset_puts_back_the_start_up_values(client: TestClient, env: Env) -> None:
    await client.patch(CUSTOMIZATIONS, json={"org_name": "Acme"})
    assert (await client.post("/__admin/reset")).status == 204
    assert env.customizations["zitadel"]["org_name"] == DEFAULTS["org_name"]


async def test_new_accounts_must_pass_the_policy_in_force(client: TestClient) -> None:
    await client.patch(CUSTOMIZATIONS, json={"password_min_length": 20})
    body = {"vendor": "zitadel", "email": "short@example.com", "password": "Demo-Passw0rd!"}
    response = await client.post("/__admin/accounts", json=body)
    assert response.status == 400 and "DOMAIN-HuJf6" in (await response.json())["error"]
