"""Placewise Public API (loyalty clubs): the v1 reset message, registration passwords, the v3 reset token and
member OAuth tokens. Sources: seeds 000 and 001, docs.mpc.placewise.com (see specs/placewise.yaml).
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any

from faker import Faker

from ...api import Call, Principal, Reply
from ...errors import (
    AccountNotFound,
    ApiError,
    CodeAlreadyUsed,
    CodeExpired,
    CodeMismatch,
    CodeNotFound,
    DomainError,
    Kind,
    TokenInvalid,
    WrongPassword,
    clip,
)
from ...flows import reset
from ...flows.codes import generate_code, generate_token
from ...flows.passwords import PasswordPolicy, rails_min_length
from ...flows.sessions import introspect_token, issue_token
from ...outbox import Channel
from ...protocols import VendorContext
from ...store.models import Account
from ..base import DEMO_PASSWORD, NewAccount, Vendor, account_view, deliver, fake_person, reset_link, store_account

NAME = "placewise"
LOYALTY_CLUB = "infinity-mall"
CLIENT_TOKEN = "resetkit-placewise-client-token"
# A valid client token without permits, so the 403 path of permit-guarded operations can be exercised.
CLIENT_TOKEN_WITHOUT_PERMITS = "resetkit-placewise-no-permits-token"
SENDER = f"no-reply@{LOYALTY_CLUB}.resetkit.example"
RESET_TTL = 3600  # undocumented; one hour (WSTG: "rarely more than an hour")
REGISTRATION_PASSWORD_TTL = 24 * 3600
ACCESS_TOKEN_TTL = 24 * 3600  # api-3510810: access token lives 24 h
EMPTY: dict[str, Any] = {}


def _club_from_path(call: Call) -> None:
    if call.path["loyalty_club_slug"] != LOYALTY_CLUB:
        raise ApiError(Kind.NOT_FOUND, "Loyalty club not found")


def _require_permit(call: Call) -> None:
    permit = call.operation.extensions.get("x-placewise-permit")
    if permit and call.principal is not None and call.principal.credential == CLIENT_TOKEN_WITHOUT_PERMITS:
        raise ApiError(Kind.FORBIDDEN, f"Missing permit: {permit}")


def _deliver_reset(call: Call, member: Account, via_sms: bool) -> None:
    pending = reset.request_reset(
        call.store, member, now=call.now, ttl_seconds=RESET_TTL, make_secret=lambda: generate_token(16)
    )
    link = reset_link(call, token=pending.secret)
    text = f"Use this link to choose a new password:\n{link}\n"
    channel: Channel = "sms" if via_sms else "email"
    deliver(
        call,
        member,
        channel=channel,
        sender=SENDER,
        subject="Reset your password",
        text=text,
        link=link,
        token=pending.secret,
    )


# Password Resets: Send reset password message (seed 000) ----------------------------------------------------
def send_reset_password_message(call: Call) -> Reply:
    """Always `{}`: an unknown identifier must not be told apart from a known one."""
    if call.headers["X-Loyalty-Club-Slug"] != LOYALTY_CLUB:
        raise ApiError(Kind.INVALID, f"Unknown loyalty club: {clip(call.headers['X-Loyalty-Club-Slug'])}", status=471)
    identifier = call.body["identifier"].strip()
    member = call.store.find_account(NAME, identifier)
    if member is not None:
        _deliver_reset(call, member, via_sms=identifier.startswith("+"))
    return Reply(200, EMPTY)


# Registration Password: by e-mail (seed 001) and by MSISDN (inferred sibling) --------------------------------
def _send_registration_password(call: Call, identifier: str, via_sms: bool) -> Reply:
    _club_from_path(call)
    _require_permit(call)
    member = call.store.find_account(NAME, identifier)
    if member is not None and (member.phone or not via_sms):
        password = generate_code(8)
        reset.request_reset(
            call.store,
            member,
            now=call.now,
            ttl_seconds=REGISTRATION_PASSWORD_TTL,
            make_secret=lambda: password,
            purpose="registration",
        )
        text = f"Your registration password is {password}. Sign in with it to set up your account.\n"
        channel: Channel = "sms" if via_sms else "email"
        deliver(
            call,
            member,
            channel=channel,
            sender=SENDER,
            subject="Your registration password",
            text=text,
            token=password,
        )
    return Reply(200, EMPTY)


def send_registration_password_email(call: Call) -> Reply:
    return _send_registration_password(call, call.path["email"], via_sms=False)


def send_registration_password_sms(call: Call) -> Reply:
    return _send_registration_password(call, call.path["msisdn"], via_sms=True)


# Members: Send password reset token and Reset password (v3) --------------------------------------------------
def send_password_reset_token(call: Call) -> Reply:
    _club_from_path(call)
    member = call.store.find_account(NAME, call.body["identifier"])
    if member is not None:
        _deliver_reset(call, member, via_sms=call.body["identifier_type"] == "msisdn")
    return Reply(200, EMPTY)


def reset_password(call: Call) -> Reply:
    _club_from_path(call)
    try:
        pending = reset.redeem_code(call.store, NAME, call.body["token"], now=call.now)
    except (CodeNotFound, CodeAlreadyUsed, CodeExpired):
        raise ApiError(Kind.PRECONDITION, "Invalid confirmation token", status=463) from None
    member = call.store.get_account(NAME, pending.account_id)
    if member is None:
        raise ApiError(Kind.NOT_FOUND, "Member not found")
    reset.change_password(member, call.body["password"], now=call.now)
    return Reply(200, EMPTY)


# Authentication: Create Token and Show Token Info ----------------------------------------------------------------
def _token_reply(call: Call, member: Account) -> Reply:
    token = issue_token(
        call.store,
        NAME,
        kind="member",
        account_id=member.id,
        now=call.now,
        ttl_seconds=ACCESS_TOKEN_TTL,
        with_refresh=True,
    )
    return Reply(
        200,
        {
            "access_token": token.value,
            "token_type": "bearer",
            "expires_in": ACCESS_TOKEN_TTL,
            "refresh_token": token.refresh_token,
            "created_at": int(token.created_at),
            "resource_owner_id": int(member.id),
        },
    )


def _password_grant(call: Call) -> Account:
    """The member password or an unused registration password (api-3510810) signs the member in."""
    body = call.body
    member = call.store.find_account(NAME, body["identifier"])
    if member is None:
        raise WrongPassword(body["identifier"])
    try:
        reset.check_password(member, body["password"])
    except WrongPassword:
        reset.redeem_code(
            call.store, NAME, body["password"], now=call.now, purpose="registration", account_id=member.id
        )
    return member


def create_token(call: Call) -> Reply:
    _club_from_path(call)
    _require_permit(call)
    grant = call.body["grant_type"]
    if grant == "refresh_token":
        old = call.store.take_refresh_token(NAME, call.body["refresh_token"])
        member = call.store.get_account(NAME, old.account_id) if old and old.account_id else None
        if member is not None:
            return _token_reply(call, member)
        raise ApiError(Kind.UNAUTHENTICATED, "Invalid or expired refresh token", status=462)
    try:
        if grant != "password":
            raise WrongPassword("external tokens cannot be verified by the mock")
        return _token_reply(call, _password_grant(call))
    except DomainError:  # a wrong password, then no usable registration password (missing, other, used, expired)
        raise ApiError(Kind.UNAUTHENTICATED, "Invalid credentials", status=461) from None


def show_token_info(call: Call) -> Reply:
    _club_from_path(call)
    assert call.principal is not None and call.principal.token is not None
    token = call.principal.token
    return Reply(
        200,
        {
            "resource_owner_id": int(token.account_id or 0),
            "scopes": [],
            "expires_in_seconds": int((token.expires_at or call.now) - call.now),
            "application": {"uid": None},
            "created_at": int(token.created_at),
        },
    )


# Errors, auth, accounts -------------------------------------------------------------------------------------
def _validation_details(error: ApiError) -> dict[str, Any]:
    """doc-341637: `details` mirrors the payload path; each leaf is a list of `{error, options?}`."""
    info = error.details or {}
    pointer = [str(p) for p in info.get("pointer") or [info.get("field") or "base"]]
    rule = info.get("rule")
    issue: dict[str, Any] = {"error": "invalid_format"}
    if info.get("blank"):
        issue = {"error": "blank"}
    elif rule == "minLength":
        issue = {"error": "too_short", "options": {"min_length": info.get("limit")}}
    elif pointer[-1] == "msisdn" or "msisdn" in error.message:
        issue = {"error": "invalid_msisdn"}
    node: Any = [issue]
    for part in reversed(pointer):
        node = {part: node}
    return dict(node)


def render_error(error: ApiError, status: int, path: str, operation_id: str | None) -> Reply:
    info = error.details or {}
    if operation_id == "resetPassword" and error.kind is Kind.INVALID and info.get("rule") == "required":
        status = 400  # api-3510851: a missing password or token is a 400, not a 422
    if error.kind is Kind.UNAUTHENTICATED and info.get("scheme") == "memberToken":
        if not info.get("presented"):
            # 460 is documented for an invalid or expired token; with no token at all we answer the generic 401.
            return Reply(401, {"error": "Missing member access token"})
        return Reply(460, {"error": "Invalid or expired access token"})
    if status == 422:
        body = {"error": "Invalid parameters", "details": _validation_details(error)}
        if not body["details"] or error.message == "":
            body["details"] = {"base": [{"error": "invalid"}]}
        return Reply(422, body)
    if error.kind is Kind.UNAUTHENTICATED and not error.status:
        return Reply(status, {"error": "Invalid client authorization"})
    return Reply(status, {"error": error.message})


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


def _invalid_token() -> ApiError:
    return ApiError(Kind.PRECONDITION, "Invalid confirmation token", status=463)


# specs/placewise.yaml, ResetPasswordRequest: at least 8 characters (inferred; a shorter one is 422 `too_short`).
PASSWORD_POLICY = PasswordPolicy((rails_min_length(8),))

DOMAIN_ERRORS = {
    AccountNotFound: lambda: ApiError(Kind.NOT_FOUND, "Member not found"),
    CodeNotFound: _invalid_token,
    CodeAlreadyUsed: _invalid_token,
    CodeExpired: _invalid_token,
    CodeMismatch: _invalid_token,
    WrongPassword: lambda: ApiError(Kind.UNAUTHENTICATED, "Invalid credentials", status=461),
    TokenInvalid: lambda: ApiError(Kind.UNAUTHENTICATED, "Invalid or expired access token", status=460),
}

VENDOR = Vendor(
    name=NAME,
    handlers={
        "sendResetPasswordMessage": send_reset_password_message,
        "sendRegistrationPasswordEmail": send_registration_password_email,
        "sendRegistrationPasswordSms": send_registration_password_sms,
        "sendPasswordResetToken": send_password_reset_token,
        "resetPassword": reset_password,
        "createToken": create_token,
        "showTokenInfo": show_token_info,
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
