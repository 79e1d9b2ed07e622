"""`GET /__admin/reset-page/<vendor>`: where each vendor's default reset link lands, like ZITADEL's hosted login UI.

The page is a client of the vendor's own API, as a team's app would be: its script sets the new password with the
values the link carries and then signs in, through the operations named below (paths come from the spec), with
the mock's dev credentials. A recipe per vendor, the way the BDD drivers know how to complete each vendor's reset.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

from .html import Page, json_for_html, new_nonce, render, security_headers

if TYPE_CHECKING:
    from ..env import Env
    from ..vendors.base import Vendor


@dataclass(frozen=True)
class Step:
    """One API call; `{name}` in the path, headers and body is filled in by the page (values below)."""

    operation: str
    headers: Mapping[str, str]
    json: Any = None
    form: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Recipe:
    """How to complete a reset with this vendor: values are the link's query, the credentials, `password` and
    `identifier` (the account's e-mail, asked for when `asks_identifier`), plus any `derived` ones."""

    reset: Step
    sign_in: Step
    asks_identifier: bool = True
    derived: Callable[[Mapping[str, str]], dict[str, str]] = field(default=lambda values: {})


def _basic(values: Mapping[str, str]) -> dict[str, str]:
    pair = f"{values.get('login_app_id', '')}:{values.get('api_secret', '')}"
    return {"basic": base64.b64encode(pair.encode()).decode()}


_PLACEWISE_AUTH = {"X-Client-Authorization": "{client_token}"}
_ZITADEL_AUTH = {"Authorization": "Bearer {access_token}"}
_SOCIALID_AUTH = {"Authorization": "Basic {basic}"}
_LEADSQUARED_AUTH = {"Authorization": "{public_auth_key}"}

RECIPES: Mapping[str, Recipe] = {
    "placewise": Recipe(
        reset=Step("resetPassword", _PLACEWISE_AUTH, json={"token": "{token}", "password": "{password}"}),
        sign_in=Step(
            "createToken",
            _PLACEWISE_AUTH,
            json={
                "grant_type": "password",
                "identifier_type": "email",
                "identifier": "{identifier}",
                "password": "{password}",
            },
        ),
    ),
    "zitadel": Recipe(
        reset=Step(
            "setPassword", _ZITADEL_AUTH, json={"newPassword": {"password": "{password}"}, "verificationCode": "{code}"}
        ),
        sign_in=Step(
            "createSession",
            _ZITADEL_AUTH,
            json={"checks": {"user": {"userId": "{userID}"}, "password": {"password": "{password}"}}},
        ),
        asks_identifier=False,
        derived=lambda values: {"userId": values.get("userID", "")},
    ),
    "socialid": Recipe(
        reset=Step(
            "resetPassword",
            _SOCIALID_AUTH,
            json={"user": {"reset_password_token": "{token}", "password": "{password}"}},
        ),
        sign_in=Step(
            "createOAuthToken",
            _SOCIALID_AUTH,
            form={"grant_type": "password", "email_address": "{identifier}", "password": "{password}"},
        ),
        derived=_basic,
    ),
    "leadsquared": Recipe(
        reset=Step(
            "resetPasswordV2",
            _LEADSQUARED_AUTH,
            json={"Password": "{password}", "LeadId": "{LeadId}", "TemporaryPassword": "{TemporaryPassword}"},
        ),
        sign_in=Step("signIn", _LEADSQUARED_AUTH, json={"EmailAddress": "{identifier}", "Password": "{password}"}),
    ),
}


def account_email(env: Env, vendor: str, params: Mapping[str, str]) -> str:
    """The e-mail of the account the link is for, found by the reset secret among its values.

    Never by an account id alone: the page needs no token, so it must not tell anyone an account's address for an
    id (ZITADEL's `userID`, LeadSquared's `LeadId`); whoever holds the secret holds the e-mail it came in.
    """
    for value in params.values():
        pending = env.store.get_reset(vendor, value)
        account = env.store.get_account(vendor, pending.account_id) if pending is not None else None
        if account is not None:
            return account.email
    return ""


def step_json(env: Env, vendor: Vendor, step: Step) -> dict[str, Any]:
    """A step for the page's script; its URL is relative to the page, so a proxy's path prefix keeps working."""
    operation = env.specs[vendor.name].operations[step.operation]
    url = "../.." + env.settings.prefix(vendor.name) + operation.path
    return {"method": operation.method, "url": url, "headers": dict(step.headers), "json": step.json, "form": step.form}


def reset_page(env: Env, vendor: Vendor, params: Mapping[str, str]) -> Page:
    """The new-password form for a link of `vendor` whose query was `params`."""
    recipe = RECIPES[vendor.name]
    values = {**vendor.credentials(), **params}
    values.update(recipe.derived(values))
    identifier = account_email(env, vendor.name, params)
    nonce = new_nonce()
    config = {
        "vendor": vendor.name,
        "values": values,
        "reset": step_json(env, vendor, recipe.reset),
        "signIn": step_json(env, vendor, recipe.sign_in),
    }
    text = render(
        "reset.html",
        nonce=nonce,
        title=escape(env.specs[vendor.name].title),
        identifier=escape(identifier),
        identifier_hidden="" if recipe.asks_identifier else " hidden",
        config=json_for_html(config),
    )
    return Page(text, security_headers(nonce, framing="'none'"))
