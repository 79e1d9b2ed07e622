"""Social ID scenarios (features/socialid) and the steps only Social ID has: templates, server-side tokens, OAuth."""

from __future__ import annotations

import re

import requests
from pytest_bdd import parsers, scenarios, then, when

from ...driving import Driver
from .conftest import Context, describe, step_text

scenarios("socialid")

# The reset e-mail has a current path and a deprecated alias; every scenario that asks for one runs on both.
SURFACED_STEPS = re.compile(r"password reset (?:e-mail )?is requested|has requested (?:a|another) password reset")


def token(driver: Driver, form: dict[str, str], **values: str) -> requests.Response:
    """The OAuth token endpoint (the sign-in request) with another grant's form."""
    return driver.send(driver.sign_in_request, driver.values(**values), form=form)


# The reset e-mail ------------------------------------------------------------------------------------------------
@when(step_text('a password reset e-mail is requested for "{email}" by {lookup}'))
def reset_by_lookup(email: str, lookup: str, ctx: Context, driver: Driver) -> None:
    account = ctx.account(email)
    body = {"username": {"username": account.username}, "e-mail address": {"email_address": account.email}}[lookup]
    ctx.response = driver.initiate(account.email, json=body)


@when(step_text('a password reset e-mail is requested for "{email}" in the language "{language}"'))
def reset_in_language(email: str, language: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.initiate(ctx.account(email).email, headers={"Accept-Language": language})


@when(step_text('a password reset e-mail is requested for "{email}" with the redirect URL "{url}"'))
def reset_with_redirect(email: str, url: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.initiate(ctx.account(email).email, extra={"redirect_url": url})


@when(step_text('a password reset e-mail is requested for "{email}" with the subject "{subject}" from "{sender}"'))
def reset_with_subject(email: str, subject: str, sender: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.initiate(ctx.account(email).email, extra={"subject": subject, "from": sender})


@when(step_text('a password reset e-mail is requested for "{email}" without a Login App token'))
def reset_without_token(email: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.initiate(ctx.account(email).email, headers={"Authorization": None})


@when(step_text('a password reset e-mail is requested for "{email}" with the Login App token "{token}"'))
def reset_with_token(email: str, token: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.initiate(ctx.account(email).email, login_app_token=token)


# The reset token handed to the caller's server (S2) ------------------------------------------------------------
@when(step_text('a reset token is requested for "{email}"'))
def reset_token(email: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.hand_out(ctx.account(email).email)


@when(step_text('a reset token is requested for "{email}" with that Login App token'))
def reset_token_with_app_token(email: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.hand_out(ctx.account(email).email, login_app_token=ctx.data["login_app_token"])


@then(step_text('the response holds a reset token for "{email}"'))
def holds_reset_token(email: str, ctx: Context) -> None:
    body = ctx.json()
    assert str(body["user_id"]) == ctx.account(email).id, describe(ctx.last_response)
    assert len(body["reset_password_token"]) == 64, describe(ctx.last_response)
    ctx.data["reset_token"] = body["reset_password_token"]


@when(step_text('the reset is completed with that token and the new password "{password}"'))
def reset_with_that_token(password: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.redeem(ctx.data["reset_token"], password)


@when(step_text('the reset is completed with the token "{token}" and the new password "{password}"'))
def reset_with_made_up_token(token: str, password: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.redeem(token, password)


@when("the reset is completed with wrong Login App credentials")
def reset_with_wrong_basic(ctx: Context, driver: Driver) -> None:
    ctx.response = driver.redeem("0" * 64, "New-Passw0rd!", api_secret="wrong-secret")


# The token endpoint ---------------------------------------------------------------------------------------------
@when("the Login App asks for a token with its client credentials")
def client_credentials(ctx: Context, driver: Driver) -> None:
    ctx.response = token(driver, {"grant_type": "client_credentials"})
    if ctx.response.ok:
        ctx.data["login_app_token"] = ctx.response.json()["access_token"]


@when("the Login App asks for a token with a wrong secret")
def client_credentials_wrong_secret(ctx: Context, driver: Driver) -> None:
    ctx.response = token(driver, {"grant_type": "client_credentials"}, api_secret="wrong-secret")


@when(
    parsers.re(
        r'"(?P<email>[^"]+)" signs in with both the username and the e-mail address and password "(?P<password>[^"]*)"'
    )
)
def sign_in_with_both(email: str, password: str, ctx: Context, driver: Driver) -> None:
    account = ctx.account(email)
    form = {
        "grant_type": "password",
        "username": account.username or "",
        "email_address": account.email,
        "password": password,
    }
    ctx.response = token(driver, form)


@when(step_text('"{email}" signs in without a password'))
def sign_in_without_password(email: str, ctx: Context, driver: Driver) -> None:
    ctx.response = token(driver, {"grant_type": "password", "email_address": ctx.account(email).email})


@when(step_text('a token is requested with the grant type "{grant_type}"'))
def token_with_grant(grant_type: str, ctx: Context, driver: Driver) -> None:
    ctx.response = token(driver, {"grant_type": grant_type, "refresh_token": "0" * 64})
