"""The seams between the pure flows and the server: a clock, a store, and what a vendor's handlers may use."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Protocol

from .clock import Clock
from .outbox import Outbox
from .store.memory import StoreLimits
from .store.models import AccessToken, Account, PendingReset


class Store(Protocol):
    """Accounts, pending resets, access tokens and rate-limit hits, namespaced by vendor.

    Writes take the caller's `now`: a store sweeps what has expired as it writes, and never reads a clock.
    """

    limits: StoreLimits

    def has_saved_state(self) -> bool:
        """Whether the store opened with saved accounts (then it is not seeded)."""
        ...

    def add_account(self, account: Account) -> None: ...

    def get_account(self, vendor: str, account_id: str) -> Account | None: ...

    def find_account(self, vendor: str, identifier: str) -> Account | None: ...

    def accounts(self, vendor: str) -> Iterator[Account]: ...

    def remove_account(self, vendor: str, account_id: str) -> bool: ...

    def put_reset(self, reset: PendingReset, *, now: float) -> None: ...

    def get_reset(self, vendor: str, secret: str) -> PendingReset | None: ...

    def reset_for_account(self, vendor: str, account_id: str, purpose: str) -> PendingReset | None: ...

    def put_token(self, token: AccessToken, *, now: float) -> None: ...

    def get_token(self, vendor: str, value: str) -> AccessToken | None: ...

    def tokens(self, vendor: str, kind: str) -> Iterator[AccessToken]:
        """The vendor's live tokens of `kind`, oldest first."""
        ...

    def take_refresh_token(self, vendor: str, refresh_token: str) -> AccessToken | None: ...

    def remove_token(self, vendor: str, value: str) -> bool:
        """Forget the access token and its refresh token (revoked); False if there is none."""
        ...

    def hits(self, vendor: str, key: str, *, now: float, window_seconds: float) -> list[float]: ...

    def commit(self) -> None:
        """Make what this request changed durable (objects returned by the store may have been changed in place).

        All or nothing: when it cannot, it puts back in memory what it holds durably for everything the request
        touched (so that no later commit writes any of it) and raises `errors.StateNotSaved` naming the cause.
        """
        ...

    def rewind(self, now: float) -> None:
        """The clock went back to `now` (called by whoever moves it back): entries stamped later are brought in
        line as if made `now`, keeping their lifetimes; saved by the next commit."""
        ...

    def snapshot(self) -> object: ...

    def restore(self, snapshot: object) -> None: ...


# A value a team may give a vendor's setting (`vendors.base.Customization`).
Customizable = str | int | bool


class VendorContext(Protocol):
    """What a vendor's handlers may use of the running mock: its state, its time, where its links point, and what a
    team shaped of the vendor's instance."""

    @property
    def store(self) -> Store: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def outbox(self) -> Outbox: ...

    def link_base(self, vendor: str) -> str:
        """Where `vendor`'s default reset link points (`--link-base`, else the mock's hosted reset page)."""
        ...

    def customized(self, vendor: str) -> Mapping[str, Customizable]:
        """The team's values of `vendor`'s settings (`--customize`, `/__admin/customizations`); empty if it has none."""
        ...
