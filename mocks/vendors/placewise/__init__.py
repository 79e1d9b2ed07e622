"""Placewise Public API (loyalty clubs): the v1 reset message, the v3 member API's resets, one-time and registration
passwords, member OAuth tokens, password change and channel verification. Sources: seeds 000 and 001,
docs.mpc.placewise.com and Placewise's member-API docs in Boostcom/bl-api-v3 (see specs/placewise.yaml).

Modules: `club` (the mock's loyalty club, credentials, shared checks and lookups), `errors` (error shapes),
`resets`, `otp` (one-time and registration passwords), `tokens` (member OAuth) and `members` (the signed-in
member, verification).
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any

from faker import Faker

from ...api import Principal
from ...errors import Kind, TokenInvalid
from ...flows.passwords import PasswordPolicy, rails_min_length
from ...flows.sessions import introspect_token
from ...protocols import VendorContext
from ..base import DEMO_PASSWORD, NewAccount, Vendor, account_view, fake_person, store_account
from . import members, otp, resets, tokens
from .club import CLIENT_TOKEN, CLIENT_TOKEN_WITHOUT_PERMITS, LOYALTY_CLUB, NAME, SENDER
from .errors import DOMAIN_ERRORS, render_error
from .resets import reset_password_by_email, send_reset_password_message
from .tokens import create_token

# What the module offered before it became a package (the conformance tests build broken servers from its handlers).
__all__ = [
    "CLIENT_TOKEN",
    "CLIENT_TOKEN_WITHOUT_PERMITS",
    "LOYALTY_CLUB",
    "NAME",
    "SENDER",
    "VENDOR",
    "create_token",
    "render_error",
    "reset_password_by_email",
    "send_reset_password_message",
]


def _client_token(credential: str, ctx: VendorContext) -> Principal | None:
    return Principal("clientToken", credential) if credential in (CLIENT_TOKEN, CLIENT_TOKEN_WITHOUT_PERMITS) else None


def _member_token(credential: str, ctx: VendorContext) -> Principal | None:
    try:
        token = introspect_token(ctx.store, NAME, credential, kind="member", now=ctx.clock.now())
    except TokenInvalid:
        return None
    return Principal("memberToken", credential, account_id=token.account_id, token=token)


def create_account(ctx: VendorContext, new: NewAccount) -> dict[str, Any]:
    member_id = new.id or str(900_000_000 + secrets.randbelow(99_999_999))
    member = store_account(ctx, NAME, new, member_id)
    return {**account_view(member), "resource_owner_id": int(member.id), "msisdn": member.phone}


def fake_account(faker: Faker) -> NewAccount:
    return replace(fake_person(faker), id=str(faker.unique.random_int(100_000_000, 899_999_999)))


# specs/placewise.yaml, NewPassword: at least 8 characters (inferred; a shorter one is 422 `too_short`).
PASSWORD_POLICY = PasswordPolicy((rails_min_length(8),))

VENDOR = Vendor(
    name=NAME,
    handlers={
        "sendResetPasswordMessage": resets.send_reset_password_message,
        "sendPasswordResetTokenByEmail": resets.send_password_reset_token_by_email,
        "resetPasswordByEmail": resets.reset_password_by_email,
        "verifyToken": resets.verify_token,
        "sendRegistrationPasswordEmail": otp.send_registration_password_email,
        "sendRegistrationPasswordSms": otp.send_registration_password_sms,
        "sendOneTimePasswordSms": otp.send_one_time_password_sms,
        "sendOneTimePasswordSmsByEmail": otp.send_one_time_password_sms_by_email,
        "sendOneTimePasswordEmail": otp.send_one_time_password_email,
        "sendOneTimePasswordEmailByMsisdn": otp.send_one_time_password_email_by_msisdn,
        "sendOneTimePasswordSmsLegacy": otp.send_one_time_password_sms,
        "sendOneTimePasswordEmailLegacy": otp.send_one_time_password_email,
        "createToken": tokens.create_token,
        "showTokenInfo": tokens.show_token_info,
        "revokeToken": tokens.revoke,
        "showMember": members.show_member,
        "updatePassword": members.update_password,
        "sendMsisdnVerification": members.send_msisdn_verification,
        "verifyMsisdn": members.verify_msisdn,
        "sendEmailVerification": members.send_email_verification,
        "verifyEmail": members.verify_email,
    },
    # doc-341636: 422 invalid params, 470 missing header; an unparsable body (any content type) is 400.
    error_status={Kind.UNSUPPORTED_MEDIA_TYPE: 400, Kind.INVALID: 422, Kind.MISSING_HEADER: 470},
    render_error=render_error,
    authenticators={"clientToken": _client_token, "memberToken": _member_token},
    credentials=lambda: {"loyalty_club_slug": LOYALTY_CLUB, "client_token": CLIENT_TOKEN},
    create_account=create_account,
    demo_account=NewAccount(
        email="demo@placewise.resetkit.example",
        password=DEMO_PASSWORD,
        phone="+4791000001",
        given_name="Dana",
        family_name="Demo",
        id="134123123",
    ),
    fake_account=fake_account,
    domain_errors=DOMAIN_ERRORS,
    password_policy=PASSWORD_POLICY,
)
