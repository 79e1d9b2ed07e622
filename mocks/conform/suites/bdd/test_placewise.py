"""Placewise scenarios (features/placewise) and the steps only Placewise has: SMS, v3 tokens, clubs, member tokens."""

from __future__ import annotations

from typing import Any

import requests
from pytest_bdd import parsers, scenarios, then, when

from ....clients import Request
from ...driving import Driver
from ...target import Target
from .conftest import Context, describe, fresh_deliveries, step_text

scenarios("placewise")

# v1 (by e-mail or MSISDN) and v3 (send_password_reset_token) are different operations with their own scenarios.
CLIENT_TOKEN = {"X-Client-Authorization": "{client_token}"}
SEND_PASSWORD_RESET_TOKEN = Request(
    "sendPasswordResetToken",
    headers=CLIENT_TOKEN,
    json={"identifier_type": "{identifier_type}", "identifier": "{identifier}"},
)
REGISTRATION_PASSWORD = {
    "e-mail address": Request("sendRegistrationPasswordEmail", headers=CLIENT_TOKEN),
    "mobile number": Request("sendRegistrationPasswordSms", path={"msisdn": "{phone}"}, headers=CLIENT_TOKEN),
}
REFRESH = Request(
    "createToken", headers=CLIENT_TOKEN, json={"grant_type": "refresh_token", "refresh_token": "{refresh}"}
)


# Asking for a reset or a registration password -------------------------------------------------------------
@when(step_text('a password reset is requested for the mobile number of "{email}"'))
def reset_by_msisdn(email: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.initiate(ctx.account(email).phone)


@when(step_text('a password reset token is requested through the v3 API for the {kind} of "{email}"'))
def v3_reset_token(kind: str, email: str, ctx: Context, driver: Driver) -> None:
    account = ctx.account(email)
    identifier_type, identifier = {
        "e-mail address": ("email", account.email),
        "mobile number": ("msisdn", account.phone),
    }[kind]
    values = driver.values(identifier_type=identifier_type, identifier=identifier)
    ctx.response = driver.send(SEND_PASSWORD_RESET_TOKEN, values)


@when(step_text('a password reset token is requested through the v3 API with type "{kind}" and identifier "{value}"'))
def v3_reset_token_raw(kind: str, value: str, ctx: Context, driver: Driver) -> None:
    values = driver.values(identifier_type=kind, identifier=ctx.substitute(value))
    ctx.response = driver.send(SEND_PASSWORD_RESET_TOKEN, values)


@when(step_text('a password reset is requested for "{email}" without the loyalty club header'))
def reset_without_club(email: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.initiate(ctx.account(email).email, headers={"X-Loyalty-Club-Slug": None})


@when(step_text('a password reset is requested for "{email}" in the loyalty club "{club}"'))
def reset_in_club(email: str, club: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.initiate(ctx.account(email).email, loyalty_club_slug=club)


@when(parsers.re(r'a password reset is requested for the identifier "(?P<identifier>[^"]*)"'))
def reset_for_identifier(identifier: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.initiate(identifier)


@when(step_text('a registration password is requested for the {kind} of "{email}"'))
def registration_password(kind: str, email: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.send(REGISTRATION_PASSWORD[kind], driver.values(**ctx.account(email).values))


@then(step_text('"{email}" receives the registration password by {channel}'))
def receives_registration_password(email: str, channel: str, ctx: Context, target: Target) -> None:
    message = received_any(ctx, target, email, {"e-mail": "email", "text message": "sms"}[channel])
    assert message["token"] and message["token"] in message["text"], message
    ctx.data["registration_password"] = message["token"]


def received_any(ctx: Context, target: Target, alias: str, channel: str) -> dict[str, Any]:
    """Like the shared `received`, for messages that carry a password instead of a link."""
    seen = {m["id"] for m in ctx.messages}
    fresh = fresh_deliveries(target, ctx.vendor, ctx.account(alias), channel, seen)
    assert fresh, f"no new {channel} from {ctx.vendor} to {alias}"
    ctx.messages.append(fresh[0])
    return fresh[0]


@when(step_text('"{email}" signs in with the registration password'))
def sign_in_with_registration_password(email: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.sign_in(ctx.account(email), ctx.data["registration_password"])


# Completing the reset ------------------------------------------------------------------------------------------
@when(step_text('the reset is completed with the token "{token}" and the new password "{password}"'))
def reset_with_made_up_token(token: str, password: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.redeem(token, password)


@when(step_text('the reset is completed with the new password "{password}" but no token'))
def reset_without_token(password: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.send(driver.redeem_request, driver.values(), json={"password": password})


@when(step_text('a reset is completed with the client token "{client_token}"'))
def reset_with_client_token(client_token: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.redeem("0" * 32, "Any-Passw0rd!", client_token=client_token)


@when(step_text('a reset is completed in the loyalty club "{club}"'))
def reset_in_unknown_club(club: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.redeem("0" * 32, "Any-Passw0rd!", loyalty_club_slug=club)


# Member tokens -------------------------------------------------------------------------------------------------
@when("the token info is requested with the access token from that sign-in")
def token_info_from_sign_in(ctx: Context, driver: Driver) -> None:
    access_token = ctx.json()["access_token"]
    ctx.response = token_info(driver, access_token)


@when(step_text('the token info is requested with the access token "{access_token}"'))
def token_info_made_up(access_token: str, ctx: Context, driver: Driver) -> None:
    ctx.response = token_info(driver, access_token)


def token_info(driver: Driver, access_token: str) -> requests.Response:
    """Show Token Info: the client record's session check."""
    assert driver.client.session is not None
    return driver.send(driver.client.session.request, driver.values(session=access_token))


@then(step_text('the token belongs to "{email}"'))
def token_belongs_to(email: str, ctx: Context) -> None:
    assert str(ctx.json()["resource_owner_id"]) == ctx.account(email).id, describe(ctx.last_response)


@when(step_text('a member token is requested with the refresh token "{refresh_token}"'))
def refresh_made_up(refresh_token: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.send(REFRESH, driver.values(refresh=refresh_token))


@when("a member token is requested with the refresh token from that sign-in")
def refresh_from_sign_in(ctx: Context, driver: Driver) -> None:
    ctx.response = driver.send(REFRESH, driver.values(refresh=ctx.json()["refresh_token"]))
