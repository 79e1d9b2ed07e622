"""Placewise scenarios (features/placewise) and the steps only Placewise has: the v1 message, the reset token check,
one-time and registration passwords, member tokens (change the password, revoke) and MSISDN verification."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import requests
from pytest_bdd import given, parsers, scenarios, then, when

from ....clients import Request
from ....clients.base import OneTimePasswords, Verification
from ...driving import Driver, link_params
from ...target import Target
from .conftest import Context, describe, field_at, fresh_deliveries, link_of, received, step_text

scenarios("placewise")

# The reset scenarios run on both ways to ask for one: the documented v3 request and the v1 message.
SURFACED_STEPS = re.compile(r'^a password reset is requested for "|has requested (?:a|another) password reset and')
CLIENT_TOKEN = {"X-Client-Authorization": "{client_token}"}
MEMBER_TOKEN = {**CLIENT_TOKEN, "Authorization": "Bearer {access_token}"}
REGISTRATION_PASSWORD = {
    "e-mail address": Request("sendRegistrationPasswordEmail", headers=CLIENT_TOKEN),
    "mobile number": Request("sendRegistrationPasswordSms", path={"msisdn": "{msisdn}"}, headers=CLIENT_TOKEN),
}
REFRESH = Request(
    "createToken", headers=CLIENT_TOKEN, json={"grant_type": "refresh_token", "refresh_token": "{refresh}"}
)
VERIFY_TOKEN = Request(
    "verifyToken", path={"email": "{email}", "type": "{type}", "token": "{secret}"}, headers=CLIENT_TOKEN
)
UPDATE_PASSWORD = Request(
    "updatePassword", headers=MEMBER_TOKEN, json={"current_password": "{current}", "password": "{password}"}
)
REVOKE = Request("revokeToken", headers=CLIENT_TOKEN, json={"token": "{token}"})
SHOW_MEMBER = Request("showMember", headers=MEMBER_TOKEN)
CHANNELS = {"e-mail": "email", "text message": "sms"}


def v1(driver: Driver) -> Request:
    return driver.client.initiate["v1"]


def v3(driver: Driver) -> Request:
    return driver.client.initiate["v3"]


# Asking for a reset: the v1 message and the v3 token, named explicitly -------------------------------------------
@when(step_text('a reset message is requested through the v1 API for the mobile number of "{email}"'))
def reset_by_msisdn(email: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.send(v1(driver), driver.values(identifier=ctx.account(email).phone))


@when(step_text('a reset message is requested through the v1 API for "{email}" without the loyalty club header'))
def reset_without_club(email: str, ctx: Context, driver: Driver) -> None:
    values = driver.values(identifier=ctx.account(email).email)
    ctx.response = driver.send(v1(driver), values, headers={"X-Loyalty-Club-Slug": None})


@when(step_text('a reset message is requested through the v1 API for "{email}" in the loyalty club "{club}"'))
def reset_in_club(email: str, club: str, ctx: Context, driver: Driver) -> None:
    values = driver.values(identifier=ctx.account(email).email, loyalty_club_slug=club)
    ctx.response = driver.send(v1(driver), values)


@when(parsers.re(r'a reset message is requested through the v1 API for the identifier "(?P<identifier>[^"]*)"'))
def reset_for_identifier(identifier: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.send(v1(driver), driver.values(identifier=identifier))


@when("a reset message is requested through the v1 API with the JSON body:")
def reset_with_body(docstring: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.send(v1(driver), driver.values(identifier=""), raw=ctx.substitute(docstring))


@when("a reset message is requested through the v1 API with a body that is not valid JSON")
def reset_with_broken_json(ctx: Context, driver: Driver) -> None:
    raw = '{"identifier": "alice@example.com", '
    ctx.response = driver.send(v1(driver), driver.values(identifier=""), raw=raw)


@when(step_text('a password reset token is requested through the v3 API for "{email}" in the loyalty club "{club}"'))
def v3_reset_in_club(email: str, club: str, ctx: Context, driver: Driver) -> None:
    values = driver.values(identifier=ctx.account(email).email, loyalty_club_slug=club)
    ctx.response = driver.send(v3(driver), values)


@when(step_text('a password reset token is requested through the v3 API for the address "{address}"'))
def v3_reset_for_address(address: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.send(v3(driver), driver.values(identifier=address))


@given(
    parsers.re(
        r'"(?P<email>[^"]+)" has requested (?:a reset message|a password reset token) through the (?P<api>v1|v3) API'
        r" and received the e-mail"
    )
)
def requested_through(email: str, api: str, ctx: Context, driver: Driver, target: Target) -> None:
    """A reset asked for on the named API, whatever surface the scenario runs on (lifetimes differ by API)."""
    response = driver.send(driver.client.initiate[api], driver.values(identifier=ctx.account(email).email))
    assert response.ok, describe(response)
    received(ctx, target, email, "email")


# Completing a reset, and checking its token first -----------------------------------------------------------------
@when(step_text('the reset for "{email}" is completed with the token "{token}" and the new password "{password}"'))
def reset_with_made_up_token(email: str, token: str, password: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.redeem(token, password, ctx.account(email))


@when(step_text('the reset for "{email}" is completed with the new password "{password}" but no token'))
def reset_without_token(email: str, password: str, ctx: Context, driver: Driver) -> None:
    values = driver.values(**ctx.account(email).values)
    ctx.response = driver.send(driver.redeem_request, values, json={"password": password})


@when(step_text('a reset for "{email}" is completed with the client token "{client_token}"'))
def reset_with_client_token(email: str, client_token: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.redeem("0" * 32, "Any-Passw0rd!", ctx.account(email), client_token=client_token)


@when(step_text('a reset for "{email}" is completed in the loyalty club "{club}"'))
def reset_in_unknown_club(email: str, club: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.redeem("0" * 32, "Any-Passw0rd!", ctx.account(email), loyalty_club_slug=club)


@when(step_text('the link from the e-mail is used for "{email}" with the new password "{password}"'))
def reset_for_another_member(email: str, password: str, ctx: Context, driver: Driver) -> None:
    """The link's token, on the reset path of the member named here rather than the one the link names."""
    ctx.response = driver.complete(link_of(ctx.message()), password, email=ctx.account(email).email)


@when(parsers.re(r'the token from the (?P<which>first |)e-mail is checked for "(?P<email>[^"]+)"'))
def check_token_from_email(which: str, email: str, ctx: Context, driver: Driver) -> None:
    secret = driver.secret_in(ctx.message(which.strip() or "latest"))
    ctx.response = check_token(driver, ctx, email, secret, "password_reset")


@when(step_text('the token "{token}" of type "{kind}" is checked for "{email}"'))
def check_made_up_token(token: str, kind: str, email: str, ctx: Context, driver: Driver) -> None:
    ctx.response = check_token(driver, ctx, email, token, kind)


def check_token(driver: Driver, ctx: Context, email: str, secret: str, kind: str) -> requests.Response:
    """Verify Token: whether `secret` is the member's live token of `kind`, without spending it."""
    return driver.send(VERIFY_TOKEN, driver.values(**ctx.account(email).values, type=kind, secret=secret))


# Registration and one-time passwords: sent to the member, used once as the password -------------------------------
@when(step_text('a registration password is requested for the {kind} of "{email}"'))
def registration_password(kind: str, email: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.send(REGISTRATION_PASSWORD[kind], driver.values(**ctx.account(email).values))


@then(step_text('"{email}" receives the registration password by {channel}'))
def receives_registration_password(email: str, channel: str, ctx: Context, target: Target) -> None:
    message = received_any(ctx, target, email, CHANNELS[channel])
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


def one_time_passwords(driver: Driver) -> OneTimePasswords:
    codes = driver.client.one_time_passwords
    assert codes is not None, f"{driver.vendor}'s client record has no one-time passwords"
    return codes


# The record's ways to ask for a one-time password, by (channel, what names the member, path).
ONE_TIME_PASSWORD_SENDS = {
    ("text message", "mobile number", "current"): "sms",
    ("text message", "e-mail address", "current"): "sms-by-email",
    ("e-mail", "e-mail address", "current"): "email",
    ("e-mail", "mobile number", "current"): "email-by-msisdn",
    ("text message", "mobile number", "deprecated"): "sms-deprecated",
    ("e-mail", "e-mail address", "deprecated"): "email-deprecated",
}


@when(
    parsers.re(
        r"a one-time password is requested by (?P<channel>e-mail|text message) for the "
        r'(?P<kind>e-mail address|mobile number) of "(?P<email>[^"]+)"'
        r"(?: on the (?P<path>current|deprecated) path)?"
        r'(?: with the login URL "(?P<login_url>[^"]+)")?'
    )
)
def one_time_password(
    channel: str, kind: str, email: str, path: str | None, login_url: str | None, ctx: Context, driver: Driver
) -> None:
    delivery = one_time_passwords(driver).send[ONE_TIME_PASSWORD_SENDS[channel, kind, path or "current"]]
    assert delivery.channel == CHANNELS[channel], delivery
    request = replace(delivery.request, query={"login_url": "{login_url}"}) if login_url else delivery.request
    ctx.response = driver.send(request, driver.values(**ctx.account(email).values, login_url=login_url))


@then(step_text('"{email}" receives the one-time password by {channel}'))
def receives_one_time_password(email: str, channel: str, ctx: Context, target: Target, driver: Driver) -> None:
    message = received_any(ctx, target, email, CHANNELS[channel])
    codes = one_time_passwords(driver)
    code = link_params(message.get("link") or "").get(codes.secret.link) or message.get("token")
    assert code and code in message["text"], f"the message does not spell out the one-time password: {message}"
    ctx.data.setdefault("one_time_passwords", []).append(code)


def one_time_password_of(ctx: Context, which: str) -> str:
    sent: list[str] = ctx.data.get("one_time_passwords", [])
    assert sent, "no one-time password was received in this scenario"
    return sent[0] if which == "first" else sent[-1]


@when(parsers.re(r'"(?P<email>[^"]+)" signs in with the (?P<which>first |)one-time password'))
def sign_in_with_one_time_password(email: str, which: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.sign_in(ctx.account(email), one_time_password_of(ctx, which.strip() or "latest"))


@then(step_text("the one-time password is {digits:d} digits"))
def one_time_password_digits(digits: int, ctx: Context) -> None:
    code = one_time_password_of(ctx, "latest")
    assert code.isdigit() and len(code) == digits, code


@then(step_text('the message link is the login URL "{url}" with the one-time password'))
def login_link(url: str, ctx: Context, driver: Driver) -> None:
    link = link_of(ctx.message())
    base, _, _ = link.partition("?")
    assert base == url, link
    assert link_params(link) == {one_time_passwords(driver).secret.link: one_time_password_of(ctx, "latest")}, link


# The signed-in member: change the password, show, revoke ------------------------------------------------------------
@given(step_text('"{email}" has signed in with password "{password}"'))
def has_signed_in(email: str, password: str, ctx: Context, driver: Driver) -> None:
    account = ctx.account(email)
    response = driver.sign_in(account, account.password_for(password))
    assert response.ok, describe(response)
    ctx.data["tokens"] = response.json()


def tokens(ctx: Context) -> dict[str, Any]:
    """The member token of the scenario's sign-in: the one a Given step kept, else the last response's."""
    if "tokens" not in ctx.data:
        ctx.data["tokens"] = ctx.json()
    found: dict[str, Any] = ctx.data["tokens"]
    return found


def member_values(driver: Driver, ctx: Context, **more: Any) -> dict[str, Any]:
    return driver.values(access_token=tokens(ctx)["access_token"], **more)


@when(step_text('"{email}" changes the password from "{current}" to "{password}"'))
def change_password(email: str, current: str, password: str, ctx: Context, driver: Driver) -> None:
    account = ctx.account(email)
    values = member_values(driver, ctx, current=account.password_for(current), password=password)
    ctx.response = driver.send(UPDATE_PASSWORD, values)


@when(step_text('the password is changed from "{current}" to "{password}" without a member token'))
def change_password_without_token(current: str, password: str, ctx: Context, driver: Driver) -> None:
    values = driver.values(access_token="", current=current, password=password)
    ctx.response = driver.send(UPDATE_PASSWORD, values, headers={"Authorization": None})


@when("the signed-in member is shown")
def show_member(ctx: Context, driver: Driver) -> None:
    ctx.response = driver.send(SHOW_MEMBER, member_values(driver, ctx))


@then(step_text('the member shown has the e-mail address of "{email}"'))
def member_shown_is(email: str, ctx: Context) -> None:
    assert field_at(ctx.json(), "properties.email") == ctx.account(email).email, describe(ctx.last_response)


@when(step_text("the member token is revoked by its {half} token"))
def revoke_own_token(half: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.send(REVOKE, driver.values(token=tokens(ctx)[f"{half}_token"]))


@when(step_text('the token "{token}" is revoked'))
def revoke_made_up_token(token: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.send(REVOKE, driver.values(token=token))


@when("the token info is requested with the access token from that sign-in")
def token_info_from_sign_in(ctx: Context, driver: Driver) -> None:
    ctx.response = token_info(driver, tokens(ctx)["access_token"])


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
    ctx.response = driver.send(REFRESH, driver.values(refresh=tokens(ctx)["refresh_token"]))


# Verifying the member's MSISDN ------------------------------------------------------------------------------------
def msisdn_verification(driver: Driver) -> Verification:
    return driver.client.verifications["msisdn"]


@when(
    parsers.re(r'a verification of the mobile number of "(?P<email>[^"]+)" is requested(?P<app> for the mobile app)?')
)
def request_verification(email: str, app: str | None, ctx: Context, driver: Driver) -> None:
    request = msisdn_verification(driver).send.request
    if app:
        request = replace(request, json={"for_mobile_app": True})
    ctx.response = driver.send(request, driver.values(**ctx.account(email).values))


@then(step_text('"{email}" receives a text message with a verification link'))
def receives_verification(email: str, ctx: Context, target: Target) -> None:
    link_of(received(ctx, target, email, "sms"))


@when(step_text('the mobile number of "{email}" is verified with the token from the text message'))
def verify_with_texted_token(email: str, ctx: Context, driver: Driver) -> None:
    message = ctx.message()
    secret = link_params(link_of(message)).get(msisdn_verification(driver).secret.link) or message["token"]
    ctx.response = verify_msisdn(driver, ctx, email, secret)


@when(step_text('the mobile number of "{email}" is verified with the token "{token}"'))
def verify_with_made_up_token(email: str, token: str, ctx: Context, driver: Driver) -> None:
    ctx.response = verify_msisdn(driver, ctx, email, token)


@when(step_text('the mobile number of "{email}" is verified without a token'))
def verify_without_token(email: str, ctx: Context, driver: Driver) -> None:
    values = driver.values(**ctx.account(email).values, secret="")
    ctx.response = driver.send(msisdn_verification(driver).confirm, values, json={})


def verify_msisdn(driver: Driver, ctx: Context, email: str, secret: str) -> requests.Response:
    return driver.send(msisdn_verification(driver).confirm, driver.values(**ctx.account(email).values, secret=secret))


@then(step_text('the profile of "{email}" shows the SMS channel as "{status}"'))
def sms_channel(email: str, status: str, ctx: Context, driver: Driver) -> None:
    account = ctx.account(email)
    signed_in = driver.sign_in(account, account.password)
    assert signed_in.ok, describe(signed_in)
    shown = driver.send(SHOW_MEMBER, driver.values(access_token=signed_in.json()["access_token"]))
    assert shown.ok, describe(shown)
    assert shown.json()["sms_status"] == status, json.dumps(shown.json())
