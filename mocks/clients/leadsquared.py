"""LeadSquared as its clients know it: Forgot Password sends a link with LeadId and TemporaryPassword, Reset
Password (older or v2 path) redeems it, Sign In proves it; every portal call carries the raw public auth key."""

from __future__ import annotations

import uuid
from typing import Any

from .base import Client, Credential, Refusals, Request, Schemathesis, SecretPlaces

PUBLIC_KEY = {"Authorization": "{public_auth_key}"}
NEW_PASSWORD = {"Password": "{password}", "LeadId": "{id}", "TemporaryPassword": "{secret}"}


def error_shape(status: int, body: Any) -> list[str]:
    """`{"Status": "Error", "ExceptionType", "ExceptionMessage"}`."""
    if not isinstance(body, dict):
        return ["not a JSON object"]
    problems = [] if body.get("Status") == "Error" else ['"Status" is not "Error"']
    problems += [
        f'no "{key}" string' for key in ("ExceptionType", "ExceptionMessage") if not isinstance(body.get(key), str)
    ]
    return problems


def unknown_id() -> str:
    """A LeadId (a UUID) nobody has."""
    return str(uuid.uuid4())


CLIENT = Client(
    name="leadsquared",
    label="LeadSquared",
    credentials=(
        Credential("public_auth_key", "header Authorization (raw, no Bearer) of every portal call"),
        Credential("access_key", "with secret_key, the query of Get Public Auth Key"),
        Credential("secret_key", "with access_key, the query of Get Public Auth Key"),
    ),
    initiate={"": Request("forgotPassword", headers=PUBLIC_KEY, json={"EmailAddress": "{identifier}"})},
    redeem={
        "older": Request("resetPassword", headers=PUBLIC_KEY, json=NEW_PASSWORD),
        "v2": Request("resetPasswordV2", headers=PUBLIC_KEY, json=NEW_PASSWORD),
    },
    sign_in={"": Request("signIn", headers=PUBLIC_KEY, json={"EmailAddress": "{email}", "Password": "{password}"})},
    page_surface="v2",
    secret=SecretPlaces(
        "the temporary password", "temporary_password", link="TemporaryPassword", link_account="LeadId"
    ),
    refusals=Refusals(used_secret=frozenset({400}), expired_secret=frozenset({400}), wrong_password=401),
    error_shape=error_shape,
    unknown_id=unknown_id,
    schemathesis=Schemathesis(
        auth={
            "publicAuthKey": {"api_key": "{public_auth_key}"},
            "accessKey": {"api_key": "{access_key}"},
            "secretKey": {"api_key": "{secret_key}"},
        },
        business_rejections={"resetPassword": ("400",), "resetPasswordV2": ("400",)},
    ),
)
