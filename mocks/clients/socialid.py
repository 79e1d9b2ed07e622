"""Social ID as its clients know it: the reset e-mail (S1, Login App Token) or a token handed to the caller's
server (S2), the reset with the token (S3, Login App Basic) and the OAuth password grant."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from .base import Client, Credential, Handout, Refusals, Request, Schemathesis, SecretPlaces, Values

BEARER = {"Authorization": "Bearer {login_app_token}"}
BASIC = {"Authorization": "Basic {login_app_basic}"}

# Rails' status symbols (Rack::Utils::SYMBOL_TO_STATUS_CODE), as the login-user calls name their errors.
RAILS_STATUS_SYMBOLS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found"}
RAILS_STATUS_SYMBOLS |= {405: "method_not_allowed", 415: "unsupported_media_type", 422: "unprocessable_entity"}
OAUTH_ERRORS = {"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type"}


def error_shape(status: int, body: Any) -> list[str]:
    """Login-user calls: `{"error": <status symbol>, "error_description"}`, plus `errors` [{attribute, message, code}]
    on a 422 (fidelity.md). The token endpoint: RFC 6749's `{"error": <OAuth code>, "error_description"}`."""
    if not isinstance(body, dict):
        return ["not a JSON object"]
    problems = [f'no "{key}" string' for key in ("error", "error_description") if not isinstance(body.get(key), str)]
    error = body.get("error")
    expected = RAILS_STATUS_SYMBOLS.get(status)
    if isinstance(error, str) and error not in OAUTH_ERRORS and expected and error != expected:
        problems.append(f'"error" is {error!r}, not the status symbol {expected!r}')
    if status == 422 and error not in OAUTH_ERRORS:
        errors = body.get("errors")
        keys = ("attribute", "message", "code")
        if (
            not isinstance(errors, list)
            or not errors
            or not all(isinstance(e, dict) and all(k in e for k in keys) for e in errors)
        ):
            problems.append('a 422 needs "errors": [{attribute, message, code}]')
    return problems


def login_app_basic(values: Values) -> Mapping[str, str]:
    """HTTP Basic's credential for the Login App: base64 of `login_app_id:api_secret`."""
    pair = f"{values.get('login_app_id', '')}:{values.get('api_secret', '')}"
    return {"login_app_basic": base64.b64encode(pair.encode("latin-1")).decode()}


RESET_EMAIL = {"email_address": "{identifier}"}

CLIENT = Client(
    name="socialid",
    label="Social ID",
    credentials=(
        Credential("login_app_token", "Authorization: Bearer of the /v2/marketing/login calls"),
        Credential("login_app_id", "with api_secret, HTTP Basic of the reset and the OAuth token calls"),
        Credential("api_secret", "with login_app_id, HTTP Basic of the reset and the OAuth token calls"),
    ),
    initiate={
        "current": Request("sendResetPasswordEmail", headers=BEARER, json=RESET_EMAIL),
        "deprecated": Request("sendResetPasswordEmailLegacy", headers=BEARER, json=RESET_EMAIL),
    },
    redeem={
        "": Request(
            "resetPassword",
            headers=BASIC,
            json={"user": {"reset_password_token": "{secret}", "password": "{password}"}},
        )
    },
    sign_in={
        "": Request(
            "createOAuthToken",
            headers=BASIC,
            form={"grant_type": "password", "email_address": "{email}", "password": "{password}"},
        )
    },
    # S2: the Login App asks for the token itself, to send its own e-mail.
    handout=Handout(
        {"": Request("createResetPasswordToken", headers=BEARER, json=RESET_EMAIL)}, "reset_password_token"
    ),
    secret=SecretPlaces("the reset token", lifetime="reset_token", link="token"),
    refusals=Refusals(used_secret=frozenset({404}), expired_secret=frozenset({403}), wrong_password=400),
    error_shape=error_shape,
    unnamed_account="resetPassword takes {user: {reset_password_token, password}}; the token names the user",
    reveals_unknown_users="documents 404 for unknown",
    minimum_password_length=6,
    derive=login_app_basic,
    schemathesis=Schemathesis(
        auth={
            "loginAppToken": {"bearer": "{login_app_token}"},
            "loginAppBasic": {"username": "{login_app_id}", "password": "{api_secret}"},
        },
        business_rejections={"resetPassword": ("403", "422"), "createOAuthToken": ("400",)},
    ),
)
