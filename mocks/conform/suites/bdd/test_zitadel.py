"""ZITADEL scenarios (features/zitadel) and the steps only ZITADEL has: returnCode, URL templates, SMS links."""

from __future__ import annotations

import re
from typing import Any

import requests
from pytest_bdd import given, scenarios, then, when

from ...driving import Driver, link_params
from .conftest import Context, describe, step_text

scenarios("zitadel")

SURFACED_STEPS = None  # every ZITADEL call has both surfaces (REST and Connect), so every scenario runs on both
# gRPC status names as ZITADEL documents them, with the REST gateway's number and the Connect code for each.
GRPC_CODES = {
    "InvalidArgument": (3, "invalid_argument"),
    "NotFound": (5, "not_found"),
    "PermissionDenied": (7, "permission_denied"),
    "FailedPrecondition": (9, "failed_precondition"),
    "Unauthenticated": (16, "unauthenticated"),
}


def error_of(response: requests.Response) -> tuple[Any, str]:
    """(code, error ID) of a ZITADEL error: REST `{code: 5, details[{id}]}`, Connect `{code: "not_found",
    details[{debug: {id}}]}`; both end the message with "(<ID>)"."""
    body = response.json()
    detail = (body.get("details") or [{}])[0]
    error_id = detail.get("id") or (detail.get("debug") or {}).get("id")
    if not error_id and (found := re.search(r"\(([A-Za-z]+-[A-Za-z0-9]+)\)$", str(body.get("message", "")))):
        error_id = found.group(1)
    return body.get("code"), str(error_id or "")


def expected_code(name: str, driver: Driver) -> Any:
    return GRPC_CODES[name][1 if driver.surface == "connect" else 0]


def set_password(driver: Driver, user_id: str, password: str, code: str) -> requests.Response:
    """SetPassword with `code` for the user named beside it (in the path, or in the body over Connect)."""
    return driver.redeem(code, password, id=user_id)


# Errors, on either surface -----------------------------------------------------------------------------------------
@then(step_text("the ZITADEL error is {name:w}"))
def zitadel_error_code(name: str, ctx: Context, driver: Driver) -> None:
    """`name` is the gRPC status (NotFound): the REST gateway answers its number, Connect its code name."""
    code, _ = error_of(ctx.last_response)
    assert code == expected_code(name, driver), describe(ctx.last_response)


@then(step_text('the ZITADEL error is {name} with the ID "{error_id}"'))
def zitadel_error(name: str, error_id: str, ctx: Context, driver: Driver) -> None:
    code, found = error_of(ctx.last_response)
    assert code == expected_code(name, driver), describe(ctx.last_response)
    assert found == error_id, f"error ID {found!r}, expected {error_id!r}: {describe(ctx.last_response)}"


# returnCode ------------------------------------------------------------------------------------------------------
@when(step_text('a password reset code is requested for "{email}" to be returned'))
def request_returned_code(email: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.hand_out(ctx.account(email).id)


@given(step_text('a password reset code was returned for "{email}"'))
@given(step_text('another password reset code was returned for "{email}"'))
def returned_code(email: str, ctx: Context, driver: Driver) -> None:
    response = driver.hand_out(ctx.account(email).id)
    assert response.ok, describe(response)
    ctx.data["code"] = response.json()["verificationCode"]
    ctx.data.setdefault("codes", {})[email] = ctx.data["code"]
    ctx.data.setdefault("returned", []).append(ctx.data["code"])


@then("the response carries a verification code of 6 capital letters and digits")
def verification_code(ctx: Context) -> None:
    code = ctx.json().get("verificationCode")
    assert isinstance(code, str) and re.fullmatch("[A-Z0-9]{6}", code), describe(ctx.last_response)


@when(step_text('the returned code sets the new password "{password}" for "{email}"'))
def set_with_returned_code(password: str, email: str, ctx: Context, driver: Driver) -> None:
    ctx.response = set_password(driver, ctx.account(email).id, password, ctx.data["code"])


@given(step_text('the returned code set the new password "{password}" for "{email}"'))
def returned_code_was_used(password: str, email: str, ctx: Context, driver: Driver) -> None:
    response = set_password(driver, ctx.account(email).id, password, ctx.data["code"])
    assert response.ok, describe(response)


@when(step_text('the first returned code sets the new password "{password}" for "{email}"'))
def set_with_first_returned_code(password: str, email: str, ctx: Context, driver: Driver) -> None:
    ctx.response = set_password(driver, ctx.account(email).id, password, ctx.data["returned"][0])


@when(step_text('the code returned for "{owner}" sets the new password "{password}" for "{email}"'))
def set_with_someone_elses_code(owner: str, password: str, email: str, ctx: Context, driver: Driver) -> None:
    """The user named beside the code (path or body) is `email`; the code was issued for `owner`."""
    ctx.response = set_password(driver, ctx.account(email).id, password, ctx.data["codes"][owner])


# sendLink ---------------------------------------------------------------------------------------------------------
@when(step_text('a password reset link is requested for "{email}" with the URL template "{template}"'))
def request_templated_link(email: str, template: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.initiate(ctx.account(email).id, extra={"sendLink": {"urlTemplate": template}})


@when(step_text('a password reset link is requested for "{email}" by text message'))
def request_link_by_sms(email: str, ctx: Context, driver: Driver) -> None:
    extra = {"sendLink": {"notificationType": "NOTIFICATION_TYPE_SMS"}}
    ctx.response = driver.initiate(ctx.account(email).id, extra=extra)


@then(step_text('the link carries the user ID of "{email}", the code and the organization ID'))
def link_carries_ids(email: str, ctx: Context) -> None:
    message = ctx.message()
    params = link_params(message["link"])
    assert params.get("userID") == ctx.account(email).id, message["link"]
    assert params.get("code") == message["token"] and re.fullmatch("[A-Z0-9]{6}", params["code"]), message["link"]
    assert params.get("orgID", "").isdigit(), message["link"]
