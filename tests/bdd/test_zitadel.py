"""ZITADEL scenarios (features/zitadel) and the steps only ZITADEL has: returnCode, URL templates, SMS links."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from pytest_bdd import given, scenarios, then, when

from resetkit.conform.target import Target

from .conftest import Account, Context, Surface, describe, http, link_params, step_text

scenarios("zitadel")


SURFACES = [Surface("zitadel", "rest"), Surface("zitadel", "connect")]
SURFACED_STEPS = None  # every ZITADEL call has both surfaces, so every scenario runs on both
CONNECT = {
    "password_reset": "/zitadel.user.v2.UserService/PasswordReset",
    "set_password": "/zitadel.user.v2.UserService/SetPassword",
    "create_session": "/zitadel.session.v2.SessionService/CreateSession",
}
# gRPC status names as ZITADEL documents them, with the REST gateway's number and the Connect code for each.
GRPC_CODES = {
    "InvalidArgument": (3, "invalid_argument"),
    "NotFound": (5, "not_found"),
    "PermissionDenied": (7, "permission_denied"),
    "FailedPrecondition": (9, "failed_precondition"),
    "Unauthenticated": (16, "unauthenticated"),
}


@dataclass
class ZitadelDriver:
    """PasswordReset, SetPassword with the link's code, CreateSession with a password check: on the REST gateway
    (user in the path) or over Connect (unary JSON POST to the procedure, user in the body)."""

    base: str
    access_token: str
    ctx: Context
    surface: str = "rest"
    vendor: str = "zitadel"
    sign_in_refused_status: int = 400  # InvalidArgument, Errors.User.Password.Invalid

    @property
    def connect(self) -> bool:
        return self.surface == "connect"

    def post(
        self, path: str, body: Any = None, *, data: bytes | None = None, completes: Sequence[tuple[str, str]] = ()
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.access_token}"}
        if self.connect:
            headers["Connect-Protocol-Version"] = "1"
        if data is not None:
            headers["Content-Type"] = "application/json"
            return http("POST", f"{self.base}{path}", data=data, headers=headers, completes=completes)
        return http("POST", f"{self.base}{path}", json=body, headers=headers, completes=completes)

    @staticmethod
    def user_id(account: Account) -> str:
        """The account's ZITADEL id; an account that does not exist gets an 18-digit id nobody has."""
        if not account.id:
            account.id = f"39{secrets.randbelow(10**16):016d}"
        return account.id

    def reset(self, account: Account, body: dict[str, Any]) -> requests.Response:
        if self.connect:
            return self.post(CONNECT["password_reset"], {"userId": self.user_id(account), **body})
        return self.post(f"/v2/users/{self.user_id(account)}/password_reset", body)

    def request_reset(self, account: Account) -> requests.Response:
        return self.reset(account, {})

    def request_reset_with_body(self, body: str) -> requests.Response:
        """The body goes to the PasswordReset of the account the scenario introduced last: in the path on REST, added
        to the body on Connect (a body that is not a JSON object is sent as it is)."""
        account = list(self.ctx.accounts.values())[-1]
        if not self.connect:
            return self.post(f"/v2/users/{self.user_id(account)}/password_reset", data=body.encode())
        try:
            message = json.loads(body)
        except ValueError:
            return self.post(CONNECT["password_reset"], data=body.encode())
        if isinstance(message, dict):
            message = {"userId": self.user_id(account), **message}
        return self.post(CONNECT["password_reset"], data=json.dumps(message).encode())

    def set_password(self, user_id: str, password: str, code: str) -> requests.Response:
        body = {"newPassword": {"password": password}, "verificationCode": code}
        completes = [(password, "the new password"), (code, "the reset code")]
        if self.connect:
            return self.post(CONNECT["set_password"], {"userId": user_id, **body}, completes=completes)
        return self.post(f"/v2/users/{user_id}/password", body, completes=completes)

    def complete_reset(self, link: str, password: str) -> requests.Response:
        params = link_params(link)
        return self.set_password(params.get("userID", ""), password, params.get("code", ""))

    def sign_in(self, account: Account, password: str) -> requests.Response:
        checks = {"user": {"userId": self.user_id(account)}, "password": {"password": password}}
        return self.post(CONNECT["create_session"] if self.connect else "/v2/sessions", {"checks": checks})

    def error(self, response: requests.Response) -> tuple[Any, str]:
        """(code, error ID) of a ZITADEL error: REST `{code: 5, details[{id}]}`, Connect `{code: "not_found",
        details[{debug: {id}}]}`; both end the message with "(<ID>)"."""
        body = response.json()
        detail = (body.get("details") or [{}])[0]
        error_id = detail.get("id") or (detail.get("debug") or {}).get("id")
        if not error_id and (found := re.search(r"\(([A-Za-z]+-[A-Za-z0-9]+)\)$", str(body.get("message", "")))):
            error_id = found.group(1)
        return body.get("code"), str(error_id or "")


@pytest.fixture
def driver(target: Target, ctx: Context, surface: Surface) -> ZitadelDriver:
    return ZitadelDriver(target.base_url("zitadel"), target.credentials["zitadel"]["access_token"], ctx, surface.name)


# Errors, on either surface -----------------------------------------------------------------------------------------
@then(step_text("the ZITADEL error is {name:w}"))
def zitadel_error_code(name: str, ctx: Context, driver: ZitadelDriver) -> None:
    """`name` is the gRPC status (NotFound): the REST gateway answers its number, Connect its code name."""
    code, _ = driver.error(ctx.last_response)
    assert code == GRPC_CODES[name][1 if driver.connect else 0], describe(ctx.last_response)


@then(step_text('the ZITADEL error is {name} with the ID "{error_id}"'))
def zitadel_error(name: str, error_id: str, ctx: Context, driver: ZitadelDriver) -> None:
    code, found = driver.error(ctx.last_response)
    assert code == GRPC_CODES[name][1 if driver.connect else 0], describe(ctx.last_response)
    assert found == error_id, f"error ID {found!r}, expected {error_id!r}: {describe(ctx.last_response)}"


# returnCode ------------------------------------------------------------------------------------------------------
@when(step_text('a password reset code is requested for "{email}" to be returned'))
def request_returned_code(email: str, ctx: Context, driver: ZitadelDriver) -> None:
    ctx.response = driver.reset(ctx.account(email), {"returnCode": {}})


@given(step_text('a password reset code was returned for "{email}"'))
@given(step_text('another password reset code was returned for "{email}"'))
def returned_code(email: str, ctx: Context, driver: ZitadelDriver) -> None:
    response = driver.reset(ctx.account(email), {"returnCode": {}})
    assert response.ok, describe(response)
    ctx.data["code"] = response.json()["verificationCode"]
    ctx.data.setdefault("codes", {})[email] = ctx.data["code"]
    ctx.data.setdefault("returned", []).append(ctx.data["code"])


@then("the response carries a verification code of 6 capital letters and digits")
def verification_code(ctx: Context) -> None:
    code = ctx.json().get("verificationCode")
    assert isinstance(code, str) and re.fullmatch("[A-Z0-9]{6}", code), describe(ctx.last_response)


@when(step_text('the returned code sets the new password "{password}" for "{email}"'))
def set_with_returned_code(password: str, email: str, ctx: Context, driver: ZitadelDriver) -> None:
    ctx.response = driver.set_password(driver.user_id(ctx.account(email)), password, ctx.data["code"])


@given(step_text('the returned code set the new password "{password}" for "{email}"'))
def returned_code_was_used(password: str, email: str, ctx: Context, driver: ZitadelDriver) -> None:
    response = driver.set_password(driver.user_id(ctx.account(email)), password, ctx.data["code"])
    assert response.ok, describe(response)


@when(step_text('the first returned code sets the new password "{password}" for "{email}"'))
def set_with_first_returned_code(password: str, email: str, ctx: Context, driver: ZitadelDriver) -> None:
    ctx.response = driver.set_password(driver.user_id(ctx.account(email)), password, ctx.data["returned"][0])


@when(step_text('the code returned for "{owner}" sets the new password "{password}" for "{email}"'))
def set_with_someone_elses_code(owner: str, password: str, email: str, ctx: Context, driver: ZitadelDriver) -> None:
    """The user named beside the code (path or body) is `email`; the code was issued for `owner`."""
    ctx.response = driver.set_password(driver.user_id(ctx.account(email)), password, ctx.data["codes"][owner])


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
