"""Password resets: the v1 reset message (seed 000) and the documented v3 reset by e-mail with its token check
(bl-api-v3 `0_members.md`). All reset tokens share one store."""

from __future__ import annotations

from ...api import Call, Reply
from ...errors import ApiError, DomainError, Kind, clip
from ...flows import reset
from ...flows.codes import generate_token
from ...store.models import Account
from ..base import lifetime, reset_link
from .club import LOYALTY_CLUB, NAME, OK, in_club, member_by_email, member_or_404, send

TOKEN_PURPOSES = {"password_reset": "reset"}  # verifyToken's `type` -> the store's purpose


def _deliver_reset(call: Call, member: Account, *, via_sms: bool) -> None:
    pending = reset.request_reset(
        call.store,
        member,
        now=call.now,
        ttl_seconds=lifetime(call, "reset_token"),
        make_secret=lambda: generate_token(16),
    )
    # resetPasswordByEmail names the member by address, so the page the link opens needs it beside the token.
    link = reset_link(call, token=pending.secret, email=member.email)
    text = f"Use this link to choose a new password:\n{link}\n"
    send(
        call,
        member,
        "sms" if via_sms else "email",
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
    return OK


# Members: Send password reset token, Reset password, Verify token (bl-api-v3) -------------------------------------
def send_password_reset_token_by_email(call: Call) -> Reply:
    """Always `{}`: the token is e-mailed only if a member has the address."""
    in_club(call)
    member = member_by_email(call)
    if member is not None:
        _deliver_reset(call, member, via_sms=False)
    return OK


def reset_password_by_email(call: Call) -> Reply:
    """The token must be the current reset token of the member the path names (463 otherwise, 404 for no member)."""
    in_club(call)
    member = member_or_404(member_by_email(call))
    reset.redeem_code(call.store, NAME, call.body["token"], now=call.now, account_id=member.id)
    reset.change_password(member, call.body["password"], now=call.now)
    return OK


def verify_token(call: Call) -> Reply:
    """Whether the token could be redeemed now; it is not spent. An unknown address is simply not valid."""
    in_club(call)
    member = member_by_email(call)
    valid = member is not None
    if member is not None:
        purpose = TOKEN_PURPOSES[call.path["type"]]
        try:
            reset.check_code(call.store, NAME, call.path["token"], now=call.now, purpose=purpose, account_id=member.id)
        except DomainError:
            valid = False
    return Reply(200, {"valid": valid})
