"""The mock's loyalty club and its credentials, and the checks and lookups every Placewise handler shares."""

from __future__ import annotations

from typing import Any

from ...api import Call, Reply
from ...errors import ApiError, Kind
from ...flows.codes import render_reset_link
from ...outbox import Channel
from ...store.models import Account
from ..base import deliver, link_base

NAME = "placewise"
LOYALTY_CLUB = "infinity-mall"
CLIENT_TOKEN = "resetkit-placewise-client-token"
# A valid client token without permits, so the 403 path of permit-guarded operations can be exercised.
CLIENT_TOKEN_WITHOUT_PERMITS = "resetkit-placewise-no-permits-token"
SENDER = f"no-reply@{LOYALTY_CLUB}.resetkit.example"
# Deep links into the loyalty club's mobile app (`for_mobile_app`); the scheme is the mock's choice.
APP_LINK_BASE = f"{LOYALTY_CLUB}://"
EMPTY: dict[str, Any] = {}
OK = Reply(200, EMPTY)


def in_club(call: Call) -> None:
    """The path's loyalty club must be the mock's (404), and the client token must hold the operation's permit (403)."""
    if call.path["loyalty_club_slug"] != LOYALTY_CLUB:
        raise ApiError(Kind.NOT_FOUND, "Loyalty club not found")
    permit = call.operation.extensions.get("x-placewise-permit")
    if permit and call.headers.get("X-Client-Authorization") == CLIENT_TOKEN_WITHOUT_PERMITS:
        raise ApiError(Kind.FORBIDDEN, f"Missing permit: {permit}")


def e164(msisdn: str) -> str:
    """Placewise writes MSISDNs as digits (`4740769126`); the mock keeps them in E.164 (`+4740769126`)."""
    return msisdn if msisdn.startswith("+") else f"+{msisdn}"


def member_by_email(call: Call) -> Account | None:
    return call.store.find_account(NAME, call.path["email"])


def member_by_msisdn(call: Call) -> Account | None:
    return call.store.find_account(NAME, e164(call.path["msisdn"]))


def member_or_404(member: Account | None) -> Account:
    if member is None:
        raise ApiError(Kind.NOT_FOUND, "Member not found")
    return member


def signed_in_member(call: Call) -> Account:
    """The member the request's member token was issued for (404 if the member is gone since)."""
    assert call.principal is not None and call.principal.account_id is not None
    return member_or_404(call.store.get_account(NAME, call.principal.account_id))


def message_link(call: Call, base: str | None, **params: str) -> str:
    """`base` (a caller's URL, such as `login_url`) or else the vendor's default link base, with `params` added."""
    return render_reset_link(base or link_base(call), **params)


def send(
    call: Call, member: Account, channel: Channel, *, subject: str, text: str, link: str | None, token: str
) -> bool:
    """Through the outbox to the member's e-mail or phone; False if the member has no such address."""
    return deliver(call, member, channel=channel, sender=SENDER, subject=subject, text=text, link=link, token=token)
