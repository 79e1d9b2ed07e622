"""One-time passwords: a short code sent to a member that signs them in once, in place of their password.

Codes may be as short as four digits, so two members can hold the same one: the store keeps each code under its
member's id, and a code is only ever redeemed for the member the caller names, never looked up by the code alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..errors import DomainError, WrongPassword
from ..protocols import Store
from ..store.models import Account
from . import reset


def _key(account: Account, code: str) -> str:
    return f"{account.id}/{code}"


def issue(
    store: Store, account: Account, *, purpose: str, now: float, ttl_seconds: float, make_code: Callable[[], str]
) -> str:
    """A new code of `purpose` for `account`, valid `ttl_seconds`; the account's older code of that purpose stops
    working."""
    code = make_code()
    reset.request_reset(
        store, account, now=now, ttl_seconds=ttl_seconds, make_secret=lambda: _key(account, code), purpose=purpose
    )
    return code


def redeem(store: Store, account: Account, code: str, *, purpose: str, now: float) -> None:
    """Consume `account`'s code of `purpose`; CodeMismatch, CodeAlreadyUsed, ... when it is not this one, unused and
    in time."""
    reset.redeem_code(store, account.vendor, _key(account, code), now=now, purpose=purpose, account_id=account.id)


def sign_in(store: Store, account: Account, password: str, *, now: float, purposes: Iterable[str]) -> None:
    """Accept the account's password, else an unused code of one of `purposes` (which is then spent).

    Raises WrongPassword when neither matches, whatever the reason (no code, another code, used, expired).
    """
    try:
        reset.check_password(account, password)
        return
    except WrongPassword:
        pass
    for purpose in purposes:
        try:
            redeem(store, account, password, purpose=purpose, now=now)
            return
        except DomainError:
            continue
    raise WrongPassword(account.id)
