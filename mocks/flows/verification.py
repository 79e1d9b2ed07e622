"""Proving that an account owns its e-mail address or phone: a token sent there, confirmed once, marks it verified."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from ..protocols import Store
from ..store.models import Account, PendingReset
from . import reset

# The account's contact the token proves; `extra["<medium>_verified"]` records it (ZITADEL's users use the same keys).
Medium = Literal["email", "phone"]


def _purpose(medium: Medium) -> str:
    return f"verify_{medium}"


def request_verification(
    store: Store, account: Account, medium: Medium, *, now: float, ttl_seconds: float, make_secret: Callable[[], str]
) -> PendingReset:
    """A new verification token for the account's `medium`; an older one for the same medium stops working."""
    return reset.request_reset(
        store, account, now=now, ttl_seconds=ttl_seconds, make_secret=make_secret, purpose=_purpose(medium)
    )


def confirm(store: Store, account: Account, medium: Medium, secret: str, *, now: float) -> None:
    """Spend the account's verification token for `medium` and mark it verified; the token must be this account's."""
    reset.redeem_code(store, account.vendor, secret, now=now, purpose=_purpose(medium), account_id=account.id)
    account.extra[f"{medium}_verified"] = True


def is_verified(account: Account, medium: Medium) -> bool:
    return bool(account.extra.get(f"{medium}_verified"))
