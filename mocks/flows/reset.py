"""The reset lifecycle every vendor shares: issue a secret, deliver it, redeem it once, change the password."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ..errors import AccountNotFound, CodeAlreadyUsed, CodeExpired, CodeMismatch, CodeNotFound, WrongPassword
from ..protocols import Store
from ..store.models import Account, PendingReset
from .passwords import hash_password, verify_password


def find_account(store: Store, vendor: str, identifier: str) -> Account:
    account = store.find_account(vendor, identifier.strip())
    if account is None:
        raise AccountNotFound(identifier)
    return account


def request_reset(
    store: Store,
    account: Account,
    *,
    now: float,
    ttl_seconds: float,
    make_secret: Callable[[], str],
    purpose: str = "reset",
) -> PendingReset:
    """Issue a new secret for `account`; any older one for the same purpose stops working."""
    reset = PendingReset(
        vendor=account.vendor,
        account_id=account.id,
        secret=make_secret(),
        purpose=purpose,
        created_at=now,
        expires_at=now + ttl_seconds,
    )
    store.put_reset(reset, now=now)
    return reset


def check_code(
    store: Store,
    vendor: str,
    secret: str,
    *,
    now: float,
    purpose: str = "reset",
    account_id: str | None = None,
) -> PendingReset:
    """The pending secret if it could be redeemed now, without consuming it; else the reason it could not.

    With `account_id`, the code must belong to that account (a code is bound to its request, SR-09).
    """
    if account_id is not None:
        current = store.reset_for_account(vendor, account_id, purpose)
        if current is None:
            raise CodeNotFound(secret)
        if current.secret != secret:
            raise CodeMismatch(secret)
        reset = current
    else:
        found = store.get_reset(vendor, secret)
        if found is None or found.purpose != purpose:
            raise CodeNotFound(secret)
        reset = found
    if reset.used_at is not None:
        raise CodeAlreadyUsed(secret)
    if reset.is_expired(now):
        raise CodeExpired(secret)
    return reset


def redeem_code(
    store: Store,
    vendor: str,
    secret: str,
    *,
    now: float,
    purpose: str = "reset",
    account_id: str | None = None,
) -> PendingReset:
    """Consume a secret (see `check_code`). Check and consume happen with no await between them, so one
    redemption wins."""
    reset = check_code(store, vendor, secret, now=now, purpose=purpose, account_id=account_id)
    reset.used_at = now
    return reset


SecretState = Literal["redeemable", "used", "expired", "unknown"]


@dataclass(frozen=True, slots=True)
class SecretStatus:
    """Where a reset secret stands, read without using it: `unknown` when the store does not hold it (never issued,
    replaced by a newer one, its account removed, or forgotten after the grace period)."""

    state: SecretState
    purpose: str | None = None
    expires_at: float | None = None
    used_at: float | None = None


def secret_status(store: Store, vendor: str, secret: str, *, now: float) -> SecretStatus:
    """Whether `secret` would be accepted now (`redeem_code`'s checks, in its order), and when it ends or ended."""
    reset = store.get_reset(vendor, secret)
    if reset is None:
        return SecretStatus("unknown")
    if reset.used_at is not None:
        state: SecretState = "used"
    elif reset.is_expired(now):
        state = "expired"
    else:
        state = "redeemable"
    return SecretStatus(state, reset.purpose, reset.expires_at, reset.used_at)


def change_password(account: Account, new_password: str, *, now: float) -> None:
    account.password_hash = hash_password(new_password)
    account.password_changed_at = now


def check_password(account: Account, password: str) -> None:
    if not verify_password(password, account.password_hash):
        raise WrongPassword(account.id)


def sign_in(store: Store, vendor: str, identifier: str, password: str) -> Account:
    """The account if `password` is its current one; unknown user and wrong password look the same."""
    account = store.find_account(vendor, identifier.strip())
    if account is None or not verify_password(password, account.password_hash):
        raise WrongPassword(identifier)
    return account
