"""Placewise as its clients know it: the v1 reset message, the v3 reset with the link's token, the password grant."""

from __future__ import annotations

import re
from typing import Any

from .base import Client, Credential, Refusals, Request, Schemathesis, SecretPlaces, SessionCheck

CLIENT_TOKEN = {"X-Client-Authorization": "{client_token}"}


def error_shape(status: int, body: Any) -> list[str]:
    """`{"error": "..."}`; a 422 also has the `details` object of doc-341637."""
    problems = [] if isinstance(body, dict) and isinstance(body.get("error"), str) else ['no "error" string']
    if status == 422 and not (isinstance(body, dict) and isinstance(body.get("details"), dict)):
        problems.append('a 422 needs the "details" object of doc-341637')
    return problems


CLIENT = Client(
    name="placewise",
    label="Placewise",
    credentials=(
        Credential("loyalty_club_slug", "the loyalty club: header X-Loyalty-Club-Slug (v1) and the v3 path segment"),
        Credential("client_token", "header X-Client-Authorization of the v3 member operations"),
        Credential("member_token", "a member access token for showTokenInfo (default: the member signs in)", False),
        # The mock's demo member (README), for a run against the mock without a credentials file.
        Credential(
            "member_identifier", "the member signed in for a member token", False, "demo@placewise.resetkit.example"
        ),
        Credential("member_password", "that member's password", False, "Demo-Passw0rd!"),
    ),
    initiate={
        "": Request(
            "sendResetPasswordMessage",
            headers={"X-Loyalty-Club-Slug": "{loyalty_club_slug}"},
            json={"identifier": "{identifier}"},
        )
    },
    redeem={"": Request("resetPassword", headers=CLIENT_TOKEN, json={"token": "{secret}", "password": "{password}"})},
    sign_in={
        "": Request(
            "createToken",
            headers=CLIENT_TOKEN,
            json={
                "grant_type": "password",
                "identifier_type": "email",
                "identifier": "{email}",
                "password": "{password}",
            },
        )
    },
    secret=SecretPlaces(
        "the reset token",
        lifetime="reset_token",
        link="token",
        text=(re.compile(r"registration password is (\S+?)\.?(?:\s|$)"),),
    ),
    refusals=Refusals(used_secret=frozenset({463}), expired_secret=frozenset({463}), wrong_password=461),
    error_shape=error_shape,
    unnamed_account="resetPassword takes the token and the password only; the token names the member",
    session=SessionCheck(
        Request("showTokenInfo", headers={"Authorization": "Bearer {session}"}),
        token="access_token",
        credential="member_token",
        account=("member_identifier", "member_password"),
    ),
    minimum_password_length=8,
    schemathesis=Schemathesis(
        auth={"clientToken": {"api_key": "{client_token}"}, "memberToken": {"bearer": "{session}"}},
        parameters={
            "header.X-Loyalty-Club-Slug": "{loyalty_club_slug}",
            "path.loyalty_club_slug": "{loyalty_club_slug}",
        },
        business_rejections={
            "sendResetPasswordMessage": ("471",),
            # The path's e-mail or MSISDN may pass JSON Schema's `format` (a leading form feed) and still be the
            # documented "malformed, 422" (found by the fuzz gate's deep profile).
            "sendRegistrationPasswordEmail": ("422",),
            "sendRegistrationPasswordSms": ("422",),
            "resetPassword": ("400", "422", "463"),
            "createToken": ("461", "462"),
            "showTokenInfo": ("460",),
            # A valid path whose member or address the spec's formats cannot rule out: 422, documented.
            **dict.fromkeys(
                (
                    "sendOneTimePasswordSms",
                    "sendOneTimePasswordSmsByEmail",
                    "sendOneTimePasswordEmail",
                    "sendOneTimePasswordEmailByMsisdn",
                    "sendOneTimePasswordSmsLegacy",
                    "sendOneTimePasswordEmailLegacy",
                    "sendPasswordResetTokenByEmail",
                    "sendMsisdnVerification",
                    "sendEmailVerification",
                    "verifyToken",
                ),
                ("422",),
            ),
            "resetPasswordByEmail": ("400", "422", "463"),
            "verifyMsisdn": ("400", "422", "463"),
            "verifyEmail": ("400", "422", "463"),
            "updatePassword": ("422", "460", "464"),
            "showMember": ("460",),
        },
        extra_rejections=("470", "471", "460", "461", "462", "463", "464"),
        non_standard_auth=("showTokenInfo", "updatePassword", "showMember"),  # 460 for a bad token
    ),
)
