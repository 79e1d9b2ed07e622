"""Links that lead somewhere: each vendor's default link points at `--link-base` or at the mock's hosted reset page,
whose recipe completes the reset through the vendor's own API and signs in."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from aiohttp.test_utils import TestClient

from resetkit.clients import CLIENTS
from resetkit.clock import ManualClock
from resetkit.env import Env
from resetkit.settings import Settings
from tests.fixtures.app import MockFactory

from .calls import VENDORS, initiate, new_account

NEW = "N3w-Passw0rd!"


async def reset_link(client: TestClient, env: Env, vendor: str, account: dict[str, Any]) -> str:
    response = await initiate(client, vendor, account)
    assert response.status < 300, await response.text()
    message = env.outbox.latest(vendor=vendor, to=account["email"])
    assert message is not None and message.link is not None
    return message.link


@pytest.mark.parametrize("vendor", VENDORS)
async def test_the_default_link_points_at_the_hosted_reset_page(client: TestClient, env: Env, vendor: str) -> None:
    link = await reset_link(client, env, vendor, await new_account(client, vendor))
    assert link.startswith(f"http://127.0.0.1:8080/__admin/reset-page/{vendor}?")


@pytest.mark.parametrize("vendor", VENDORS)
async def test_link_base_sets_where_the_default_link_points(make_mock: MockFactory, vendor: str) -> None:
    client, env = await make_mock(link_bases=((vendor, "http://localhost:3000/reset?app=1"),))
    account = await new_account(client, vendor)
    link = await reset_link(client, env, vendor, account)
    assert link.startswith("http://localhost:3000/reset?app=1&")
    message = env.outbox.latest(vendor=vendor)
    assert message is not None and message.token is not None and message.token in link


async def test_a_callers_own_url_wins_over_the_link_base(make_mock: MockFactory) -> None:
    client, env = await make_mock(link_bases=(("socialid", "http://localhost:3000/reset"),))
    account = await new_account(client, "socialid")
    await client.post(
        "/socialid/v2/marketing/login/users/reset_password/email",
        json={"email_address": account["email"], "redirect_url": "https://shop.example/new"},
        headers={"Authorization": "Bearer " + env.vendors["socialid"].credentials()["login_app_token"]},
    )
    message = env.outbox.latest(vendor="socialid")
    assert message is not None and message.link is not None and message.link.startswith("https://shop.example/new?")


async def test_public_url_sets_the_origin_of_hosted_links(make_mock: MockFactory) -> None:
    client, env = await make_mock(public_url="https://mock.dev.example/")
    link = await reset_link(client, env, "leadsquared", await new_account(client, "leadsquared"))
    assert link.startswith("https://mock.dev.example/__admin/reset-page/leadsquared?")


async def test_forwarded_host_headers_never_change_the_link(make_mock: MockFactory) -> None:
    client, env = await make_mock(allowed_hosts=("*",))  # the Host check off: the forged Host reaches the vendor
    account = await new_account(client, "placewise")
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
    await initiate(client, "placewise", account, forged)
    message = env.outbox.latest(vendor="placewise")
    assert message is not None and message.link is not None and "evil.example" not in message.link


@pytest.mark.parametrize(
    ("host", "expected"),
    [("0.0.0.0", "http://127.0.0.1:9000"), ("::", "http://127.0.0.1:9000"), ("::1", "http://[::1]:9000")],
)
def test_the_base_url_shows_a_reachable_address(host: str, expected: str) -> None:
    assert Settings(host=host, port=9000).base_url == expected


# The hosted page -------------------------------------------------------------------------------------------------
def page_config(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="config">(.*?)</script>', html, re.DOTALL)
    assert found is not None
    config: dict[str, Any] = json.loads(found.group(1))
    return config


def fill(template: Any, values: dict[str, str]) -> Any:
    """What the page's script does to a step before sending it."""
    if isinstance(template, str):
        return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)
    if isinstance(template, dict):
        return {k: fill(v, values) for k, v in template.items()}
    return template


async def run_step(client: TestClient, step: dict[str, Any], values: dict[str, str]) -> int:
    url = fill(step["url"], values).removeprefix("../..")
    headers = fill(step["headers"], values)
    if step["json"] is not None:
        response = await client.request(step["method"], url, json=fill(step["json"], values), headers=headers)
    else:
        response = await client.request(step["method"], url, data=fill(step["form"], values), headers=headers)
    return response.status


@pytest.mark.parametrize("vendor", VENDORS)
async def test_the_hosted_page_completes_the_reset_and_signs_in(client: TestClient, env: Env, vendor: str) -> None:
    account = await new_account(client, vendor)
    link = await reset_link(client, env, vendor, account)
    parts = urlsplit(link)
    response = await client.get(parts.path + "?" + parts.query)
    assert response.status == 200 and response.content_type == "text/html"
    html = await response.text()
    config = page_config(html)
    if vendor != "zitadel":
        assert f'value="{account["email"]}"' in html  # the account the link is for, looked up from its token
    values = {**config["values"], "password": NEW, "email": account["email"]}
    assert dict(parse_qsl(parts.query)).items() <= config["values"].items()
    reset, sign_in = config["steps"]
    assert await run_step(client, reset, values) < 300
    assert await run_step(client, sign_in, values) < 300
    assert await run_step(client, sign_in, {**values, "password": "Old-Passw0rd!"}) >= 400


@pytest.mark.parametrize("vendor", VENDORS)
async def test_the_hosted_page_keeps_its_token_to_itself(client: TestClient, vendor: str) -> None:
    response = await client.get(f"/__admin/reset-page/{vendor}", params={"token": "abc"})
    html = await response.text()
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert all("src=" not in attributes for attributes in re.findall(r"<script([^>]*)>", html))  # SR-21


async def test_an_unknown_token_says_so_up_front_and_hides_the_form(client: TestClient) -> None:
    html = await (await client.get("/__admin/reset-page/placewise", params={"token": "nope"})).text()
    assert code_state(html) == ("unknown", True)
    assert '<input name="identifier" autocomplete="username" value="">' in html


async def test_an_account_id_alone_never_shows_the_accounts_address(client: TestClient) -> None:
    """The page is open without the admin token: only a link's secret may name the account it is for."""
    account = await new_account(client, "leadsquared")
    html = await (await client.get("/__admin/reset-page/leadsquared", params={"LeadId": account["id"]})).text()
    assert account["email"] not in html and '<input name="identifier" autocomplete="username" value="">' in html


def code_state(html: str) -> tuple[str, bool]:
    """What the page says about its code up front, and whether its form is hidden."""
    state = re.search(r'<p id="code-status" role="status" data-state="([\w-]+)">', html)
    form = re.search(r'<form id="reset"( hidden)?>', html)
    assert state is not None and form is not None
    return state.group(1), form.group(1) is not None


async def hosted_page(client: TestClient, link: str) -> str:
    parts = urlsplit(link)
    return await (await client.get(parts.path + "?" + parts.query)).text()


@pytest.mark.parametrize("vendor", VENDORS)
async def test_a_fresh_link_shows_the_form_and_how_long_it_stays_valid(
    client: TestClient, env: Env, vendor: str
) -> None:
    html = await hosted_page(client, await reset_link(client, env, vendor, await new_account(client, vendor)))
    assert code_state(html) == ("redeemable", False) and "This link is valid for" in html


@pytest.mark.parametrize("vendor", VENDORS)
async def test_a_used_link_says_so_before_the_form_is_filled(client: TestClient, env: Env, vendor: str) -> None:
    account = await new_account(client, vendor)
    link = await reset_link(client, env, vendor, account)
    config = page_config(await hosted_page(client, link))
    values = {**config["values"], "password": NEW, "email": account["email"]}
    assert await run_step(client, config["steps"][0], values) < 300
    html = await hosted_page(client, link)
    assert code_state(html) == ("used", True) and "This link was already used" in html


async def test_an_expired_link_says_so(client: TestClient, env: Env, clock: ManualClock) -> None:
    link = await reset_link(client, env, "placewise", await new_account(client, "placewise"))
    lifetime = CLIENTS["placewise"].reset_lifetime()
    assert lifetime is not None
    clock.advance(lifetime + 3600)
    html = await hosted_page(client, link)
    assert code_state(html) == ("expired", True) and "This link expired 1 h ago" in html


async def test_a_link_without_its_code_says_it_is_missing(client: TestClient) -> None:
    html = await (await client.get("/__admin/reset-page/socialid")).text()
    assert code_state(html) == ("missing", True) and "carries no reset code" in html


async def test_a_vendor_this_server_does_not_run_has_no_page(make_mock: MockFactory) -> None:
    client, _env = await make_mock(vendors=("zitadel",))
    assert (await client.get("/__admin/reset-page/placewise")).status == 404
    assert (await client.get("/__admin/reset-page/acme")).status == 400


async def test_hosted_page_urls_follow_the_vendors_mount(make_mock: MockFactory) -> None:
    client, _env = await make_mock(vendors=("leadsquared",), mount_at_root=True)
    config = page_config(await (await client.get("/__admin/reset-page/leadsquared")).text())
    assert config["steps"][0]["url"] == "../../api/Authentication/v2/ResetPassword"


# Placewise's other links ------------------------------------------------------------------------------------------
def placewise_headers(env: Env) -> dict[str, str]:
    return {"X-Client-Authorization": env.vendors["placewise"].credentials()["client_token"]}


async def test_a_reset_link_that_names_the_member_does_not_ask_for_the_address(client: TestClient, env: Env) -> None:
    account = await new_account(client, "placewise")
    html = await hosted_page(client, await reset_link(client, env, "placewise", account))
    config = page_config(html)
    assert config["kind"] == "reset" and config["values"]["email"] == account["email"]
    assert '<label id="identifier-row" hidden>' in html
    assert "{email}" in config["steps"][0]["url"]  # filled in by the script, from the link


async def test_a_one_time_password_link_signs_in_with_the_address_given(client: TestClient, env: Env) -> None:
    account = await new_account(client, "placewise")
    sent = await client.post(
        f"/placewise/v3/infinity-mall/members/by_email/{account['email']}/send_one_time_password_via_email",
        headers=placewise_headers(env),
    )
    assert sent.status == 200
    message = env.outbox.latest(vendor="placewise", to=account["email"])
    assert message is not None and message.link is not None and message.token is not None
    html = await hosted_page(client, message.link)
    config = page_config(html)
    assert config["kind"] == "sign-in" and code_state(html) == ("sign-in", False)
    assert '<label id="identifier-row">' in html and '<label id="password-row" hidden>' in html
    assert "<h1>Sign in with your one-time password</h1>" in html
    (sign_in,) = config["steps"]
    assert config["values"]["password"] == message.token
    values = {**config["values"], "email": account["email"]}
    assert await run_step(client, sign_in, values) == 200
    assert await run_step(client, sign_in, values) == 461  # once only


async def test_a_verification_link_confirms_the_mobile_number_it_names(client: TestClient, env: Env) -> None:
    response = await client.post(
        "/__admin/accounts",
        json={"vendor": "placewise", "email": "v@example.org", "password": "Old-Passw0rd!", "phone": "+4791112222"},
    )
    assert response.status == 201
    sent = await client.put(
        "/placewise/v3/infinity-mall/members/channels/msisdn/4791112222/send_verification",
        headers=placewise_headers(env),
    )
    assert sent.status == 204
    message = env.outbox.latest(vendor="placewise", to="+4791112222")
    assert message is not None and message.link is not None
    html = await hosted_page(client, message.link)
    config = page_config(html)
    assert config["kind"] == "verify" and code_state(html) == ("redeemable", False)
    assert "<h1>Confirm your mobile number</h1>" in html and "Confirm 4791112222</button>" in html
    (confirm,) = config["steps"]
    assert await run_step(client, confirm, config["values"]) == 200
    assert code_state(await hosted_page(client, message.link)) == ("used", True)
