"""Placewise as its clients know it: the documented v3 reset by e-mail address (and the v1 reset message), the
password grant, one-time passwords that sign a member in once, and the verification of a member's MSISDN."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .base import (
    Client,
    Credential,
    Delivery,
    OneTimePasswords,
    Refusals,
    Request,
    Schemathesis,
    SecretPlaces,
    SessionCheck,
    Values,
    Verification,
)

CLIENT_TOKEN = {"X-Client-Authorization": "{client_token}"}
BY_EMAIL = {"email": "{email}"}
BY_MSISDN = {"msisdn": "{msisdn}"}  # digits without `+`, as bl-api-v3 writes MSISDNs in paths


def error_shape(status: int, body: Any) -> list[str]:
    """`{"error": "..."}`; a 422 also has the `details` object of doc-341637."""
    problems = [] if isinstance(body, dict) and isinstance(body.get("error"), str) else ['no "error" string']
    if status == 422 and not (isinstance(body, dict) and isinstance(body.get("details"), dict)):
        problems.append('a 422 needs the "details" object of doc-341637')
    return problems


def derive(values: Values) -> Mapping[str, str]:
    """The account's phone as an MSISDN path segment, `4791000001` for `+4791000001`; without a phone, an MSISDN
    given as such (a verification link's) stays."""
    phone = values.get("phone")
    return {"msisdn": str(phone).removeprefix("+") if phone else str(values.get("msisdn") or "")}


def one_time_password(operation: str, address: Mapping[str, str], channel: str) -> Delivery:
    return Delivery(Request(operation, path=address, headers=CLIENT_TOKEN), channel)


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
        # The documented reset (bl-api-v3 0_members.md), then the v1 message (seed 000); both send the same tokens.
        "v3": Request("sendPasswordResetTokenByEmail", path={"email": "{identifier}"}, headers=CLIENT_TOKEN),
        "v1": Request(
            "sendResetPasswordMessage",
            headers={"X-Loyalty-Club-Slug": "{loyalty_club_slug}"},
            json={"identifier": "{identifier}"},
        ),
    },
    redeem={
        "": Request(
            "resetPasswordByEmail",
            path=BY_EMAIL,
            headers=CLIENT_TOKEN,
            json={"token": "{secret}", "password": "{password}"},
        )
    },
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
        text=(
            re.compile(r"registration password is (\S+?)\.?(?:\s|$)"),
            re.compile(r"one-time password is (\S+?)\.?(?:\s|$)"),
        ),
    ),
    refusals=Refusals(used_secret=frozenset({463}), expired_secret=frozenset({463}), wrong_password=461),
    error_shape=error_shape,
    derive=derive,
    session=SessionCheck(
        Request("showTokenInfo", headers={"Authorization": "Bearer {session}"}),
        token="access_token",
        credential="member_token",
        account=("member_identifier", "member_password"),
    ),
    minimum_password_length=8,
    one_time_passwords=OneTimePasswords(
        send={
            "sms": one_time_password("sendOneTimePasswordSms", BY_MSISDN, "sms"),
            "sms-by-email": one_time_password("sendOneTimePasswordSmsByEmail", BY_EMAIL, "sms"),
            "email": one_time_password("sendOneTimePasswordEmail", BY_EMAIL, "email"),
            "email-by-msisdn": one_time_password("sendOneTimePasswordEmailByMsisdn", BY_MSISDN, "email"),
            "sms-deprecated": one_time_password("sendOneTimePasswordSmsLegacy", BY_MSISDN, "sms"),
            "email-deprecated": one_time_password("sendOneTimePasswordEmailLegacy", BY_EMAIL, "email"),
        },
        secret=SecretPlaces(
            "the one-time password",
            lifetime="one_time_password",
            link="otp",
            text=(re.compile(r"one-time password is (\S+?)\.?(?:\s|$)"),),
        ),
        reveals_unknown_users='documents 404 "Member not found" for an unknown e-mail address or MSISDN',
    ),
    verifications={
        "msisdn": Verification(
            send=Delivery(Request("sendMsisdnVerification", path=BY_MSISDN, headers=CLIENT_TOKEN), "sms"),
            confirm=Request("verifyMsisdn", path=BY_MSISDN, headers=CLIENT_TOKEN, json={"token": "{secret}"}),
            address="msisdn",
            secret=SecretPlaces("the verification token", lifetime="verification_token", link="verification_token"),
        ),
        "email": Verification(
            send=Delivery(Request("sendEmailVerification", path=BY_EMAIL, headers=CLIENT_TOKEN), "email"),
            confirm=Request("verifyEmail", path=BY_EMAIL, headers=CLIENT_TOKEN, json={"token": "{secret}"}),
            address="email",
            secret=SecretPlaces("the verification token", lifetime="verification_token", link="verification_token"),
        ),
    },
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
