"""Access tokens the mock issues and checks: member tokens, login app tokens, session tokens."""

from __future__ import annotations

from ..errors import TokenInvalid
from ..protocols import Store
from ..store.models import AccessToken
from .codes import generate_token


def issue_token(
    store: Store,
    vendor: str,
    *,
    kind: str,
    account_id: str | None,
    now: float,
    ttl_seconds: float | None,
    with_refresh: bool = False,
) -> AccessToken:
    token = AccessToken(
        vendor=vendor,
        value=generate_token(32),
        kind=kind,
        account_id=account_id,
        created_at=now,
        expires_at=None if ttl_seconds is None else now + ttl_seconds,
        refresh_token=generate_token(32) if with_refresh else None,
    )
    store.put_token(token, now=now)
    return token


def introspect_token(store: Store, vendor: str, value: str, *, kind: str, now: float) -> AccessToken:
    """The live token of `kind` with this value, or TokenInvalid."""
    token = store.get_token(vendor, value)
    if token is None or token.kind != kind or token.is_expired(now):
        raise TokenInvalid(value)
    return token


def revoke_token(store: Store, vendor: str, value: str) -> None:
    """Revoke an access token, or the one a refresh token belongs to: both of its tokens stop working at once (a
    Doorkeeper token is one record with both). An unknown value changes nothing (RFC 7009: no error)."""
    token = store.get_token(vendor, value) or store.take_refresh_token(vendor, value)
    if token is not None:
        store.remove_token(vendor, token.value)
