"""Placewise scenarios (features/placewise) and the steps only Placewise has: SMS, v3 tokens, clubs, member tokens."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from pytest_bdd import parsers, scenarios, then, when

from resetkit.conform.target import Target

from .conftest import Account, Context, Surface, describe, fresh_deliveries, http, link_params, step_text

scenarios("placewise")

# v1 (by e-mail or MSISDN) and v3 (send_password_reset_token) are different operations with their own scenarios.
SURFACES = [Surface("placewise", "default")]


@dataclass
class PlacewiseDriver:
    """v1 reset message by e-mail or MSISDN, v3 reset with the link's token, password-grant sign-in."""

    base: str
    club: str
    client_token: str
    vendor: str = "placewise"
    sign_in_refused_status: int = 461

    def send_reset_message(
        self, body: str | dict[str, Any], headers: dict[str, str] | None = None
    ) -> requests.Response:
        sent = {"X-Loyalty-Club-Slug": self.club} if headers is None else headers
        if isinstance(body, dict):
            return http("POST", f"{self.base}/v1/auth/reset_password/send", json=body, headers=sent)
        sent = {**sent, "Content-Type": "application/json"}
        return http("POST", f"{self.base}/v1/auth/reset_password/send", data=body.encode(), headers=sent)

    def request_reset(self, account: Account) -> requests.Response:
        return self.send_reset_message({"identifier": account.email})

    def request_reset_with_body(self, body: str) -> requests.Response:
        return self.send_reset_message(body)

    def v3(
        self,
        path: str,
        body: dict[str, Any],
        *,
        club: str | None = None,
        client_token: str | None = None,
        completes: Sequence[tuple[str, str]] = (),
    ) -> requests.Response:
        headers = {"X-Client-Authorization": self.client_token if client_token is None else client_token}
        url = f"{self.base}/v3/{club or self.club}/members/{path}"
        return http("POST", url, json=body, headers=headers, completes=completes)

    def complete_reset(self, link: str, password: str) -> requests.Response:
        return self.reset_with_token(link_params(link).get("token", ""), password)

    def reset_with_token(self, token: str, password: str, **options: Any) -> requests.Response:
        completes = [(password, "the new password"), (token, "the reset token")]
        return self.v3("reset_password", {"token": token, "password": password}, completes=completes, **options)

    def sign_in(self, account: Account, password: str) -> requests.Response:
        body = {"grant_type": "password", "identifier_type": "email", "identifier": account.email, "password": password}
        return self.v3("oauth/token", body)


@pytest.fixture
def driver(target: Target) -> PlacewiseDriver:
    credentials = target.credentials["placewise"]
    return PlacewiseDriver(target.base_url("placewise"), credentials["loyalty_club_slug"], credentials["client_token"])


# Asking for a reset or a registration password -------------------------------------------------------------
@when(step_text('a password reset is requested for the mobile number of "{email}"'))
def reset_by_msisdn(email: str, ctx: Context, driver: PlacewiseDriver) -> None:
    ctx.response = driver.send_reset_message({"identifier": ctx.account(email).phone})


@when(step_text('a password reset token is requested through the v3 API for the {kind} of "{email}"'))
def v3_reset_token(kind: str, email: str, ctx: Context, driver: PlacewiseDriver) -> None:
    account = ctx.account(email)
    identifier_type, identifier = {
        "e-mail address": ("email", account.email),
        "mobile number": ("msisdn", account.phone),
    }[kind]
    ctx.response = driver.v3(
        "send_password_reset_token", {"identifier_type": identifier_type, "identifier": identifier}
    )


@when(step_text('a password reset token is requested through the v3 API with type "{kind}" and identifier "{value}"'))
def v3_reset_token_raw(kind: str, value: str, ctx: Context, driver: PlacewiseDriver) -> None:
    ctx.response = driver.v3(
        "send_password_reset_token", {"identifier_type": kind, "identifier": ctx.substitute(value)}
    )


@when(step_text('a password reset is requested for "{email}" without the loyalty club header'))
def reset_without_club(email: str, ctx: Context, driver: PlacewiseDriver) -> None:
    ctx.response = driver.send_reset_message({"identifier": ctx.account(email).email}, headers={})


@when(step_text('a password reset is requested for "{email}" in the loyalty club "{club}"'))
def reset_in_club(email: str, club: str, ctx: Context, driver: PlacewiseDriver) -> None:
    ctx.response = driver.send_reset_message({"identifier": ctx.account(email).email}, {"X-Loyalty-Club-Slug": club})


@when(parsers.re(r'a password reset is requested for the identifier "(?P<identifier>[^"]*)"'))
def reset_for_identifier(identifier: str, ctx: Context, driver: PlacewiseDriver) -> None:
    ctx.response = driver.send_reset_message({"identifier": identifier})


@when(step_text('a registration password is requested for the {kind} of "{email}"'))
def registration_password(kind: str, email: str, ctx: Context, driver: PlacewiseDriver) -> None:
    account = ctx.account(email)
    path = {"e-mail address": f"by_email/{account.email}", "mobile number": f"by_msisdn/{account.phone}"}[kind]
    ctx.response = http(
        "POST",
        f"{driver.base}/v3/{driver.club}/members/{path}/send_registration_password",
        headers={"X-Client-Authorization": driver.client_token},
    )


@then(step_text('"{email}" receives the registration password by {channel}'))
def receives_registration_password(email: str, channel: str, ctx: Context, target: Target) -> None:
    message = received_any(ctx, target, ctx.account(email), {"e-mail": "email", "text message": "sms"}[channel])
    assert message["token"] and message["token"] in message["text"], message
    ctx.data["registration_password"] = message["token"]


def received_any(ctx: Context, target: Target, account: Account, channel: str) -> dict[str, Any]:
    """Like the shared `received`, for messages that carry a password instead of a link."""
    seen = {m["id"] for m in ctx.messages}
    fresh = fresh_deliveries(target, "placewise", account, channel, seen)
    assert fresh, f"no new {channel} from placewise to {account.alias}"
    ctx.messages.append(fresh[0])
    return fresh[0]


@when(step_text('"{email}" signs in with the registration password'))
def sign_in_with_registration_password(email: str, ctx: Context, driver: PlacewiseDriver) -> None:
    ctx.response = driver.sign_in(ctx.account(email), ctx.data["registration_password"])


# Completing the reset ------------------------------------------------------------------------------------------
@when(step_text('the reset is completed with the token "{token}" and the new password "{password}"'))
def reset_with_made_up_token(token: str, password: str, ctx: Context, driver: PlacewiseDriver) -> None:
    ctx.response = driver.reset_with_token(token, password)


@when(step_text('the reset is completed with the new password "{password}" but no token'))
def reset_without_token(password: str, ctx: Context, driver: PlacewiseDriver) -> None:
    ctx.response = driver.v3("reset_password", {"password": password})


@when(step_text('a reset is completed with the client token "{client_token}"'))
def reset_with_client_token(client_token: str, ctx: Context, driver: PlacewiseDriver) -> None:
    ctx.response = driver.reset_with_token("0" * 32, "Any-Passw0rd!", client_token=client_token)


@when(step_text('a reset is completed in the loyalty club "{club}"'))
def reset_in_unknown_club(club: str, ctx: Context, driver: PlacewiseDriver) -> None:
    ctx.response = driver.reset_with_token("0" * 32, "Any-Passw0rd!", club=club)


# Member tokens -------------------------------------------------------------------------------------------------
@when("the token info is requested with the access token from that sign-in")
def token_info_from_sign_in(ctx: Context, driver: PlacewiseDriver) -> None:
    access_token = ctx.json()["access_token"]
    ctx.response = token_info(driver, access_token)


@when(step_text('the token info is requested with the access token "{access_token}"'))
def token_info_made_up(access_token: str, ctx: Context, driver: PlacewiseDriver) -> None:
    ctx.response = token_info(driver, access_token)


def token_info(driver: PlacewiseDriver, access_token: str) -> requests.Response:
    url = f"{driver.base}/v3/{driver.club}/members/oauth/token/info"
    return http("GET", url, headers={"Authorization": f"Bearer {access_token}"})


@then(step_text('the token belongs to "{email}"'))
def token_belongs_to(email: str, ctx: Context) -> None:
    assert str(ctx.json()["resource_owner_id"]) == ctx.account(email).id, describe(ctx.last_response)


@when(step_text('a member token is requested with the refresh token "{refresh_token}"'))
def refresh_made_up(refresh_token: str, ctx: Context, driver: PlacewiseDriver) -> None:
    ctx.response = driver.v3("oauth/token", {"grant_type": "refresh_token", "refresh_token": refresh_token})


@when("a member token is requested with the refresh token from that sign-in")
def refresh_from_sign_in(ctx: Context, driver: PlacewiseDriver) -> None:
    refresh_token = ctx.json()["refresh_token"]
    ctx.response = driver.v3("oauth/token", {"grant_type": "refresh_token", "refresh_token": refresh_token})
