"""The signed-in member (show, change password) and the verification of a member's MSISDN or e-mail address
(bl-api-v3 `0_members.md#members-get`, `#me-update-password`, `#members-send-verification-sms`,
`#members-verify-msisdn`; the e-mail twins are inferred)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ...api import Call, Reply
from ...errors import ApiError, DomainError, Kind, WrongPassword
from ...flows import reset, verification
from ...flows.codes import generate_token, render_reset_link
from ...flows.verification import Medium
from ...store.models import Account
from ..base import lifetime, reset_link
from .club import APP_LINK_BASE, OK, in_club, member_by_email, member_by_msisdn, send, signed_in_member
from .errors import invalid_verification_token


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds")


def _channel_status(address: str | None, verified: bool) -> str:
    """`verified` after a verification (9_webhooks.md shows `enabled` becoming `verified`); `disabled` without one."""
    if not address:
        return "disabled"
    return "verified" if verified else "enabled"


def member_model(member: Account) -> dict[str, Any]:
    """The documented member model (0_members.md#member-model), as far as the mock knows the member."""
    properties: dict[str, Any] = {
        "first_name": member.given_name,
        "last_name": member.family_name,
        "email": member.email,
    }
    if member.phone:
        properties["msisdn"] = member.phone.removeprefix("+")
    return {
        "id": int(member.id),
        "properties": properties,
        "consents": {},
        "sms_status": _channel_status(member.phone, verification.is_verified(member, "phone")),
        "email_status": _channel_status(member.email, verification.is_verified(member, "email")),
        "push_status": "disabled",
        "created_at": _iso(member.created_at),
        "updated_at": _iso(max(member.created_at, member.password_changed_at)),
    }


def show_member(call: Call) -> Reply:
    in_club(call)
    return Reply(200, member_model(signed_in_member(call)))


def update_password(call: Call) -> Reply:
    """The current password first (464, nothing changes); the member's tokens stay valid."""
    in_club(call)
    member = signed_in_member(call)
    try:
        reset.check_password(member, call.body["current_password"])
    except WrongPassword:
        raise ApiError(Kind.PRECONDITION, "Invalid current password", status=464) from None
    reset.change_password(member, call.body["password"], now=call.now)
    return OK


# Verification: a token sent to the MSISDN or address, spent to mark it verified -----------------------------------
_ADDRESS_PARAMETER: dict[Medium, str] = {"phone": "msisdn", "email": "email"}


def _send_verification(call: Call, member: Account | None, medium: Medium) -> Reply:
    """Always 204 (documented), also when no member has the MSISDN or address."""
    in_club(call)
    if member is not None:
        pending = verification.request_verification(
            call.store,
            member,
            medium,
            now=call.now,
            ttl_seconds=lifetime(call, "verification_token"),
            make_secret=lambda: generate_token(21),
        )
        name = _ADDRESS_PARAMETER[medium]
        address = call.path[name]
        if (call.body or {}).get("for_mobile_app"):
            url = render_reset_link(f"{APP_LINK_BASE}verify_{name}", **{name: address, "token": pending.secret})
        else:
            url = reset_link(call, **{name: address, "verification_token": pending.secret})
        what = "mobile number" if medium == "phone" else "e-mail address"
        text = f"Confirm your {what} with this link, valid for 30 days:\n{url}\n"
        send(
            call,
            member,
            "sms" if medium == "phone" else "email",
            subject=f"Confirm your {what}",
            text=text,
            link=url,
            token=pending.secret,
        )
    return Reply(204)


def _verify(call: Call, member: Account | None, medium: Medium) -> Reply:
    """463 for a token that is not this member's live one, and for no member at all (documented)."""
    in_club(call)
    if member is None:
        raise invalid_verification_token()
    try:
        verification.confirm(call.store, member, medium, call.body["token"], now=call.now)
    except DomainError:
        raise invalid_verification_token() from None
    return OK


def send_msisdn_verification(call: Call) -> Reply:
    return _send_verification(call, member_by_msisdn(call), "phone")


def verify_msisdn(call: Call) -> Reply:
    return _verify(call, member_by_msisdn(call), "phone")


def send_email_verification(call: Call) -> Reply:
    return _send_verification(call, member_by_email(call), "email")


def verify_email(call: Call) -> Reply:
    return _verify(call, member_by_email(call), "email")
