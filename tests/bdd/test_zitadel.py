"""ZITADEL scenarios (features/zitadel) and the steps only ZITADEL has: returnCode, URL templates, SMS links."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from pytest_bdd import given, scenarios, then, when

from resetkit.conform.target import Target

from .conftest import Account, Context, describe, http, link_params, step_text

scenarios("zitadel")


@dataclass
class ZitadelDriver:
    """REST gateway: PasswordReset, SetPassword with the link's code, CreateSession with a password check."""

    base: str
    access_token: str
    ctx: Context
    vendor: str = "zitadel"
    sign_in_refused_status: int = 400  # InvalidArgument, Errors.User.Password.Invalid

    def post(self, path: str, body: Any = None, *, data: bytes | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.access_token}"}
        if data is not None:
            headers["Content-Type"] = "application/json"
            return http("POST", f"{self.base}{path}", data=data, headers=headers)
        return http("POST", f"{self.base}{path}", json=body, headers=headers)

    @staticmethod
    def user_id(account: Account) -> str:
        """The account's ZITADEL id; an account that does not exist gets an 18-digit id nobody has."""
        if not account.id:
            account.id = f"39{secrets.randbelow(10**16):016d}"
        return account.id

    def reset(self, account: Account, body: dict[str, Any]) -> requests.Response:
        return self.post(f"/v2/users/{self.user_id(account)}/password_reset", body)

    def request_reset(self, account: Account) -> requests.Response:
        return self.reset(account, {})

    def request_reset_with_body(self, body: str) -> requests.Response:
        """The body goes to the PasswordReset of the account the scenario introduced last (the user is in the path)."""
        account = list(self.ctx.accounts.values())[-1]
        return self.post(f"/v2/users/{self.user_id(account)}/password_reset", data=body.encode())

    def set_password(self, user_id: str, password: str, code: str) -> requests.Response:
        body = {"newPassword": {"password": password}, "verificationCode": code}
        return self.post(f"/v2/users/{user_id}/password", body)

    def complete_reset(self, link: str, password: str) -> requests.Response:
        params = link_params(link)
        return self.set_password(params.get("userID", ""), password, params.get("code", ""))

    def sign_in(self, account: Account, password: str) -> requests.Response:
        checks = {"user": {"userId": self.user_id(account)}, "password": {"password": password}}
        return self.post("/v2/sessions", {"checks": checks})


@pytest.fixture
def driver(target: Target, ctx: Context) -> ZitadelDriver:
    return ZitadelDriver(target.base_url("zitadel"), target.credentials["zitadel"]["access_token"], ctx)


# returnCode ------------------------------------------------------------------------------------------------------
@when(step_text('a password reset code is requested for "{email}" to be returned'))
def request_returned_code(email: str, ctx: Context, driver: ZitadelDriver) -> None:
    ctx.response = driver.reset(ctx.account(email), {"returnCode": {}})


@given(step_text('a password reset code was returned for "{email}"'))
def returned_code(email: str, ctx: Context, driver: ZitadelDriver) -> None:
    response = driver.reset(ctx.account(email), {"returnCode": {}})
    assert response.ok, describe(response)
    ctx.data["code"] = response.json()["verificationCode"]


@then("the response carries a verification code of 6 capital letters and digits")
def verification_code(ctx: Context) -> None:
    code = ctx.json().get("verificationCode")
    assert isinstance(code, str) and re.fullmatch("[A-Z0-9]{6}", code), describe(ctx.last_response)


@when(step_text('the returned code sets the new password "{password}" for "{email}"'))
def set_with_returned_code(password: str, email: str, ctx: Context, driver: ZitadelDriver) -> None:
    ctx.response = driver.set_password(driver.user_id(ctx.account(email)), password, ctx.data["code"])


# sendLink ---------------------------------------------------------------------------------------------------------
@when(step_text('a password reset link is requested for "{email}" with the URL template "{template}"'))
def request_templated_link(email: str, template: str, ctx: Context, driver: ZitadelDriver) -> None:
    ctx.response = driver.reset(ctx.account(email), {"sendLink": {"urlTemplate": template}})


@when(step_text('a password reset link is requested for "{email}" by text message'))
def request_link_by_sms(email: str, ctx: Context, driver: ZitadelDriver) -> None:
    ctx.response = driver.reset(ctx.account(email), {"sendLink": {"notificationType": "NOTIFICATION_TYPE_SMS"}})


@then(step_text('the link carries the user ID of "{email}", the code and the organization ID'))
def link_carries_ids(email: str, ctx: Context) -> None:
    message = ctx.message()
    params = link_params(message["link"])
    assert params.get("userID") == ctx.account(email).id, message["link"]
    assert params.get("code") == message["token"] and re.fullmatch("[A-Z0-9]{6}", params["code"]), message["link"]
    assert params.get("orgID", "").isdigit(), message["link"]
