"""Social ID scenarios (features/socialid) and the steps only Social ID has: templates, server-side tokens, OAuth."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from pytest_bdd import parsers, scenarios, then, when

from resetkit.conform.target import Target

from .conftest import Account, Context, Surface, describe, http, link_params, step_text

scenarios("socialid")

PATHS = {"current": "reset_password/email", "deprecated": "reset_password_email"}
# The reset e-mail has a current path and a deprecated alias; every scenario that asks for one runs on both.
SURFACES = [Surface("socialid", "current"), Surface("socialid", "deprecated")]
SURFACED_STEPS = re.compile(r"password reset (?:e-mail )?is requested|has requested (?:a|another) password reset")


@dataclass
class SocialIdDriver:
    """S1 e-mails a link (Login App Token), S3 redeems its token (Login App Basic), the password grant signs in."""

    base: str
    login_app_id: str
    api_secret: str
    login_app_token: str
    surface: str = "current"
    vendor: str = "socialid"
    sign_in_refused_status: int = 400

    @property
    def basic(self) -> tuple[str, str]:
        return (self.login_app_id, self.api_secret)

    @property
    def reset_email_url(self) -> str:
        return f"{self.base}/v2/marketing/login/users/{PATHS[self.surface]}"

    def send_reset_email(
        self, body: str | dict[str, Any], *, headers: dict[str, str] | None = None
    ) -> requests.Response:
        sent = {"Authorization": f"Bearer {self.login_app_token}", **(headers or {})}
        url = self.reset_email_url
        if isinstance(body, dict):
            return http("POST", url, json=body, headers=sent)
        return http("POST", url, data=body.encode(), headers={**sent, "Content-Type": "application/json"})

    def request_reset(self, account: Account) -> requests.Response:
        return self.send_reset_email({"email_address": account.email})

    def request_reset_with_body(self, body: str) -> requests.Response:
        return self.send_reset_email(body)

    def create_reset_token(self, account: Account, login_app_token: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {login_app_token or self.login_app_token}"}
        url = f"{self.base}/v2/marketing/login/users/reset_password/token"
        return http("POST", url, json={"email_address": account.email}, headers=headers)

    def complete_reset(self, link: str, password: str) -> requests.Response:
        return self.reset_with_token(link_params(link).get("token", ""), password)

    def reset_with_token(self, token: str, password: str, auth: tuple[str, str] | None = None) -> requests.Response:
        body = {"user": {"reset_password_token": token, "password": password}}
        url = f"{self.base}/v1/marketing/login/users/reset_password"
        completes = [(password, "the new password"), (token, "the reset token")]
        return http("POST", url, json=body, auth=auth or self.basic, completes=completes)

    def token(self, form: dict[str, str], auth: tuple[str, str] | None = None) -> requests.Response:
        return http("POST", f"{self.base}/v2/marketing/oauth/token", data=form, auth=auth or self.basic)

    def sign_in(self, account: Account, password: str) -> requests.Response:
        return self.token({"grant_type": "password", "email_address": account.email, "password": password})


@pytest.fixture
def driver(target: Target, surface: Surface) -> SocialIdDriver:
    credentials = target.credentials["socialid"]
    return SocialIdDriver(
        target.base_url("socialid"),
        credentials["login_app_id"],
        credentials["api_secret"],
        credentials["login_app_token"],
        surface.name,
    )


# The reset e-mail ------------------------------------------------------------------------------------------------
@when(step_text('a password reset e-mail is requested for "{email}" by {lookup}'))
def reset_by_lookup(email: str, lookup: str, ctx: Context, driver: SocialIdDriver) -> None:
    account = ctx.account(email)
    body = {"username": {"username": account.username}, "e-mail address": {"email_address": account.email}}[lookup]
    ctx.response = driver.send_reset_email(body)


@when(step_text('a password reset e-mail is requested for "{email}" in the language "{language}"'))
def reset_in_language(email: str, language: str, ctx: Context, driver: SocialIdDriver) -> None:
    body = {"email_address": ctx.account(email).email}
    ctx.response = driver.send_reset_email(body, headers={"Accept-Language": language})


@when(step_text('a password reset e-mail is requested for "{email}" with the redirect URL "{url}"'))
def reset_with_redirect(email: str, url: str, ctx: Context, driver: SocialIdDriver) -> None:
    ctx.response = driver.send_reset_email({"email_address": ctx.account(email).email, "redirect_url": url})


@when(step_text('a password reset e-mail is requested for "{email}" with the subject "{subject}" from "{sender}"'))
def reset_with_subject(email: str, subject: str, sender: str, ctx: Context, driver: SocialIdDriver) -> None:
    body = {"email_address": ctx.account(email).email, "subject": subject, "from": sender}
    ctx.response = driver.send_reset_email(body)


@when(step_text('a password reset e-mail is requested for "{email}" without a Login App token'))
def reset_without_token(email: str, ctx: Context, driver: SocialIdDriver) -> None:
    ctx.response = http("POST", driver.reset_email_url, json={"email_address": ctx.account(email).email})


@when(step_text('a password reset e-mail is requested for "{email}" with the Login App token "{token}"'))
def reset_with_token(email: str, token: str, ctx: Context, driver: SocialIdDriver) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    ctx.response = http(
        "POST", driver.reset_email_url, json={"email_address": ctx.account(email).email}, headers=headers
    )


# The reset token handed to the caller's server (S2) ------------------------------------------------------------
@when(step_text('a reset token is requested for "{email}"'))
def reset_token(email: str, ctx: Context, driver: SocialIdDriver) -> None:
    ctx.response = driver.create_reset_token(ctx.account(email))


@when(step_text('a reset token is requested for "{email}" with that Login App token'))
def reset_token_with_app_token(email: str, ctx: Context, driver: SocialIdDriver) -> None:
    ctx.response = driver.create_reset_token(ctx.account(email), ctx.data["login_app_token"])


@then(step_text('the response holds a reset token for "{email}"'))
def holds_reset_token(email: str, ctx: Context) -> None:
    body = ctx.json()
    assert str(body["user_id"]) == ctx.account(email).id, describe(ctx.last_response)
    assert len(body["reset_password_token"]) == 64, describe(ctx.last_response)
    ctx.data["reset_token"] = body["reset_password_token"]


@when(step_text('the reset is completed with that token and the new password "{password}"'))
def reset_with_that_token(password: str, ctx: Context, driver: SocialIdDriver) -> None:
    ctx.response = driver.reset_with_token(ctx.data["reset_token"], password)


@when(step_text('the reset is completed with the token "{token}" and the new password "{password}"'))
def reset_with_made_up_token(token: str, password: str, ctx: Context, driver: SocialIdDriver) -> None:
    ctx.response = driver.reset_with_token(token, password)


@when("the reset is completed with wrong Login App credentials")
def reset_with_wrong_basic(ctx: Context, driver: SocialIdDriver) -> None:
    ctx.response = driver.reset_with_token("0" * 64, "New-Passw0rd!", auth=(driver.login_app_id, "wrong-secret"))


# The token endpoint ---------------------------------------------------------------------------------------------
@when("the Login App asks for a token with its client credentials")
def client_credentials(ctx: Context, driver: SocialIdDriver) -> None:
    ctx.response = driver.token({"grant_type": "client_credentials"})
    if ctx.response.ok:
        ctx.data["login_app_token"] = ctx.response.json()["access_token"]


@when("the Login App asks for a token with a wrong secret")
def client_credentials_wrong_secret(ctx: Context, driver: SocialIdDriver) -> None:
    ctx.response = driver.token({"grant_type": "client_credentials"}, auth=(driver.login_app_id, "wrong-secret"))


@when(
    parsers.re(
        r'"(?P<email>[^"]+)" signs in with both the username and the e-mail address and password "(?P<password>[^"]*)"'
    )
)
def sign_in_with_both(email: str, password: str, ctx: Context, driver: SocialIdDriver) -> None:
    account = ctx.account(email)
    form = {
        "grant_type": "password",
        "username": account.username,
        "email_address": account.email,
        "password": password,
    }
    ctx.response = driver.token(form)


@when(step_text('"{email}" signs in without a password'))
def sign_in_without_password(email: str, ctx: Context, driver: SocialIdDriver) -> None:
    ctx.response = driver.token({"grant_type": "password", "email_address": ctx.account(email).email})


@when(step_text('a token is requested with the grant type "{grant_type}"'))
def token_with_grant(grant_type: str, ctx: Context, driver: SocialIdDriver) -> None:
    ctx.response = driver.token({"grant_type": grant_type, "refresh_token": "0" * 64})
