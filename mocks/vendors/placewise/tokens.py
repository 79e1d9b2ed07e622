"""Member OAuth tokens: create (password and refresh grants), show, revoke (api-3510810, api-3510812, bl-api-v3
`1_oauth.md`)."""

from __future__ import annotations

from ...api import Call, Reply
from ...errors import ApiError, DomainError, Kind, WrongPassword
from ...flows import one_time
from ...flows.sessions import issue_token, revoke_token
from ...store.models import Account
from ..base import lifetime
from .club import NAME, OK, e164, in_club
from .otp import SIGN_IN_PURPOSES


def _token_reply(call: Call, member: Account) -> Reply:
    ttl = lifetime(call, "access_token")
    token = issue_token(
        call.store,
        NAME,
        kind="member",
        account_id=member.id,
        now=call.now,
        ttl_seconds=ttl,
        with_refresh=True,
    )
    return Reply(
        200,
        {
            "access_token": token.value,
            "token_type": "bearer",
            "expires_in": ttl,
            "refresh_token": token.refresh_token,
            "created_at": int(token.created_at),
            "resource_owner_id": int(member.id),
        },
    )


def _password_grant(call: Call) -> Account:
    """The member password, or an unused one-time or registration password of this member, signs them in."""
    body = call.body
    identifier = body["identifier"]
    if body["identifier_type"] == "msisdn" and identifier.isdigit():
        identifier = e164(identifier)
    member = call.store.find_account(NAME, identifier)
    if member is None:
        raise WrongPassword(identifier)
    one_time.sign_in(call.store, member, body["password"], now=call.now, purposes=SIGN_IN_PURPOSES)
    return member


def create_token(call: Call) -> Reply:
    in_club(call)
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
    except DomainError:  # unknown member, wrong password and no usable one-time password: one answer
        raise ApiError(Kind.UNAUTHENTICATED, "Invalid credentials", status=461) from None


def show_token_info(call: Call) -> Reply:
    in_club(call)
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


def revoke(call: Call) -> Reply:
    """Always `{}` (documented), whether the token was live, unknown or revoked already."""
    in_club(call)
    revoke_token(call.store, NAME, call.body["token"])
    return OK
