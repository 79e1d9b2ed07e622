"""The embedded store: plain dicts, one namespace per vendor; all operations are synchronous, hence atomic.

State that requests create (pending resets, access tokens, rate-limit windows) is bounded: each entry expires by
its own deadline and is swept a few at a time on each write of its kind, and each kind holds at most its cap per
vendor (the oldest dropped first). Accounts are what users create on purpose and are never dropped.
"""

from __future__ import annotations

import copy
import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from .expiring import Expiring
from .models import AccessToken, Account, PendingReset


@dataclass(frozen=True, slots=True)
class StoreLimits:
    """Caps per vendor and kind, and how long a used or expired reset keeps answering "used" or "expired"."""

    max_resets: int = 10_000
    max_tokens: int = 10_000
    max_rate_windows: int = 10_000
    # The vendors keep an expired or used code on record (ZITADEL's "Code is expired", Social ID's 403) with no
    # documented end; the mock keeps it this long after it expired, then forgets it as if it was never issued.
    reset_grace_seconds: float = 7 * 24 * 3600


@dataclass
class _VendorState:
    limits: StoreLimits
    accounts: dict[str, Account] = field(default_factory=dict)
    by_identifier: dict[str, str] = field(default_factory=dict)
    resets: Expiring[str, PendingReset] = field(init=False)
    reset_by_account: dict[tuple[str, str], str] = field(default_factory=dict)
    tokens: Expiring[str, AccessToken] = field(init=False)
    by_refresh: dict[str, str] = field(default_factory=dict)
    windows: Expiring[str, list[float]] = field(init=False)

    def __post_init__(self) -> None:
        self.resets = Expiring(self.limits.max_resets)
        self.tokens = Expiring(self.limits.max_tokens)
        self.windows = Expiring(self.limits.max_rate_windows)


class InMemoryStore:
    """Implements `mocks.protocols.Store`. Nothing here awaits, so a check-and-consume is never interleaved."""

    def __init__(self, limits: StoreLimits | None = None) -> None:
        self.limits = limits = limits or StoreLimits()
        self._vendors: dict[str, _VendorState] = defaultdict(lambda: _VendorState(limits))

    # accounts
    def add_account(self, account: Account) -> None:
        state = self._vendors[account.vendor]
        previous = state.accounts.get(account.id)
        if previous is not None:
            for key in previous.identifiers():
                state.by_identifier.pop(key, None)
        state.accounts[account.id] = account
        for key in account.identifiers():
            state.by_identifier[key] = account.id

    def get_account(self, vendor: str, account_id: str) -> Account | None:
        return self._vendors[vendor].accounts.get(account_id)

    def find_account(self, vendor: str, identifier: str) -> Account | None:
        state = self._vendors[vendor]
        account_id = state.by_identifier.get(identifier) or state.by_identifier.get(identifier.casefold())
        return state.accounts.get(account_id) if account_id else None

    def accounts(self, vendor: str) -> Iterator[Account]:
        return iter(list(self._vendors[vendor].accounts.values()))

    def remove_account(self, vendor: str, account_id: str) -> bool:
        """Forget the account, its identifiers, pending resets and tokens; False if there is none."""
        state = self._vendors[vendor]
        account = state.accounts.pop(account_id, None)
        if account is None:
            return False
        for key in account.identifiers():
            if state.by_identifier.get(key) == account_id:
                del state.by_identifier[key]
        self._account_gone(account)
        for pending in [pending for pending in state.reset_by_account if pending[0] == account_id]:
            reset = state.resets.pop(state.reset_by_account.pop(pending))
            if reset is not None:
                self._reset_gone(reset)
        for value in [value for value, token in state.tokens.items() if token.account_id == account_id]:
            token = state.tokens.pop(value)
            if token is not None:
                self._forget_token(state, token)
        return True

    def _account_gone(self, account: Account) -> None:
        """An account was removed (`DELETE /__admin/accounts/...`); a saving store deletes it too."""

    # pending resets
    def put_reset(self, reset: PendingReset, *, now: float) -> None:
        """Store a reset; the account's previous reset for the same purpose stops working."""
        state = self._vendors[reset.vendor]
        key = (reset.account_id, reset.purpose)
        older = state.reset_by_account.get(key)
        if older is not None:
            replaced = state.resets.pop(older)
            if replaced is not None:
                self._reset_gone(replaced)
        state.reset_by_account[key] = reset.secret
        deadline = reset.expires_at + self.limits.reset_grace_seconds
        for _, gone in state.resets.put(reset.secret, reset, deadline=deadline, now=now):
            self._forget_reset(state, gone)

    def get_reset(self, vendor: str, secret: str) -> PendingReset | None:
        return self._vendors[vendor].resets.get(secret)

    def reset_for_account(self, vendor: str, account_id: str, purpose: str) -> PendingReset | None:
        state = self._vendors[vendor]
        secret = state.reset_by_account.get((account_id, purpose))
        return state.resets.get(secret) if secret else None

    def _forget_reset(self, state: _VendorState, reset: PendingReset) -> None:
        key = (reset.account_id, reset.purpose)
        if state.reset_by_account.get(key) == reset.secret:
            del state.reset_by_account[key]
        self._reset_gone(reset)

    def _reset_gone(self, reset: PendingReset) -> None:
        """A reset left the store (replaced, swept or dropped); a saving store deletes it too."""

    # tokens
    def put_token(self, token: AccessToken, *, now: float) -> None:
        state = self._vendors[token.vendor]
        if token.refresh_token:
            state.by_refresh[token.refresh_token] = token.value
        for _, gone in state.tokens.put(token.value, token, deadline=self._token_deadline(state, token), now=now):
            self._forget_token(state, gone)

    def get_token(self, vendor: str, value: str) -> AccessToken | None:
        return self._vendors[vendor].tokens.get(value)

    def tokens(self, vendor: str, kind: str) -> Iterator[AccessToken]:
        return iter([token for token in self._vendors[vendor].tokens.values() if token.kind == kind])

    def take_refresh_token(self, vendor: str, refresh_token: str) -> AccessToken | None:
        """The token this refresh token belongs to; the refresh token is spent by the call (single use)."""
        state = self._vendors[vendor]
        value = state.by_refresh.pop(refresh_token, None)
        token = state.tokens.get(value) if value else None
        if token is not None:
            state.tokens.reschedule(token.value, self._token_deadline(state, token))
        return token

    def remove_token(self, vendor: str, value: str) -> bool:
        """Forget the access token and its refresh token (revoked); False if there is none."""
        state = self._vendors[vendor]
        token = state.tokens.pop(value)
        if token is None:
            return False
        self._forget_token(state, token)
        return True

    @staticmethod
    def _token_deadline(state: _VendorState, token: AccessToken) -> float | None:
        """A token goes when it expires, unless its refresh token (a year at Placewise, forever at Social ID) may
        still be spent: then only the cap removes it."""
        if token.refresh_token and state.by_refresh.get(token.refresh_token) == token.value:
            return None
        return token.expires_at

    def _forget_token(self, state: _VendorState, token: AccessToken) -> None:
        if token.refresh_token and state.by_refresh.get(token.refresh_token) == token.value:
            del state.by_refresh[token.refresh_token]
        self._token_gone(token)

    def _token_gone(self, token: AccessToken) -> None:
        """A token left the store (swept or dropped); a saving store deletes it too."""

    # rate limiting
    def hits(self, vendor: str, key: str, *, now: float, window_seconds: float) -> list[float]:
        """The timestamps of `key`'s calls, for the caller to update; forgotten once `window_seconds` pass unused."""
        windows = self._vendors[vendor].windows
        hits = windows.get(key)
        if hits is None:
            hits = []
        for gone_key, _ in windows.put(key, hits, deadline=now + window_seconds, now=now):
            self._window_gone(vendor, gone_key)
        return hits

    def _window_gone(self, vendor: str, key: str) -> None:
        """A rate-limit window left the store; a saving store deletes it too."""

    # the clock went back
    def rewind(self, now: float) -> None:
        """The clock went back to `now`: what is stamped later is brought in line, as if it was made `now`.

        An entry made after `now` moves back to `now` with all its stamps, so it keeps its lifetime (a code valid for
        an hour is valid for an hour from `now`); a stamp still after `now` then is `now`.
        """
        grace = self.limits.reset_grace_seconds
        for vendor, state in self._vendors.items():
            for account in state.accounts.values():
                if account.created_at > now or account.password_changed_at > now:
                    account.created_at = min(account.created_at, now)
                    account.password_changed_at = min(account.password_changed_at, now)
                    self._account_rewound(account)
            for secret, reset in list(state.resets.items()):
                shift = max(reset.created_at - now, 0.0)
                if shift or (reset.used_at or 0.0) > now:
                    reset.created_at -= shift
                    reset.expires_at -= shift
                    if reset.used_at is not None:
                        reset.used_at = min(reset.used_at - shift, now)
                    state.resets.reschedule(secret, reset.expires_at + grace)
                    self._reset_rewound(reset)
            for value, token in list(state.tokens.items()):
                shift = max(token.created_at - now, 0.0)
                if shift:
                    token.created_at -= shift
                    if token.expires_at is not None:
                        token.expires_at -= shift
                    state.tokens.reschedule(value, self._token_deadline(state, token))
                    self._token_rewound(token)
            for key, hits in list(state.windows.items()):
                shift = max(max(hits, default=now) - now, 0.0)
                if shift:
                    hits[:] = [min(hit, now) for hit in hits]
                    deadline = state.windows.deadline(key)
                    state.windows.reschedule(key, None if deadline is None else deadline - shift)
                    self._window_rewound(vendor, key)

    def _account_rewound(self, account: Account) -> None:
        """An account's stamps moved back (`rewind`); a saving store writes it."""

    def _reset_rewound(self, reset: PendingReset) -> None:
        """A reset's stamps moved back (`rewind`); a saving store writes it."""

    def _token_rewound(self, token: AccessToken) -> None:
        """A token's stamps moved back (`rewind`); a saving store writes it."""

    def _window_rewound(self, vendor: str, key: str) -> None:
        """A rate-limit window's hits moved back (`rewind`); a saving store writes it."""

    # the unit of work
    def has_saved_state(self) -> bool:
        return False

    def commit(self) -> None:
        """Nothing to write: memory is the whole state, and nothing can fail."""

    # putting entries back as a saving store has them (after a failed commit); none of the hooks above is called
    def _put_account(self, vendor: str, account_id: str, account: Account | None) -> None:
        """`account` (None: no account) under `account_id`; `_index_identifiers` must follow."""
        accounts = self._vendors[vendor].accounts
        accounts.pop(account_id, None)
        if account is not None:
            accounts[account_id] = account

    def _index_identifiers(self, vendor: str) -> None:
        """Index every account's identifiers again (after `_put_account`: accounts may have shared one)."""
        state = self._vendors[vendor]
        state.by_identifier.clear()
        for account in state.accounts.values():
            for key in account.identifiers():
                state.by_identifier[key] = account.id

    def _put_reset(self, vendor: str, secret: str, reset: PendingReset | None) -> None:
        state = self._vendors[vendor]
        old = state.resets.pop(secret)
        if old is not None and state.reset_by_account.get((old.account_id, old.purpose)) == secret:
            del state.reset_by_account[old.account_id, old.purpose]
        if reset is not None:
            state.reset_by_account[reset.account_id, reset.purpose] = secret
            deadline = reset.expires_at + self.limits.reset_grace_seconds
            for _, gone in state.resets.put(secret, reset, deadline=deadline, now=-math.inf):
                self._forget_reset(state, gone)

    def _put_token(self, vendor: str, value: str, token: AccessToken | None, refresh_live: bool) -> None:
        """`token` (None: no token); its refresh token works again only when `refresh_live`."""
        state = self._vendors[vendor]
        old = state.tokens.pop(value)
        if old is not None and old.refresh_token and state.by_refresh.get(old.refresh_token) == value:
            del state.by_refresh[old.refresh_token]
        if token is not None:
            if not refresh_live:
                token.refresh_token = None  # spent: it must never work again
            elif token.refresh_token:
                state.by_refresh[token.refresh_token] = value
            deadline = self._token_deadline(state, token)
            for _, gone in state.tokens.put(value, token, deadline=deadline, now=-math.inf):
                self._forget_token(state, gone)

    def _put_window(self, vendor: str, key: str, hits: list[float] | None, deadline: float) -> None:
        windows = self._vendors[vendor].windows
        windows.pop(key)
        if hits is not None:
            for gone_key, _ in windows.put(key, hits, deadline=deadline, now=-math.inf):
                self._window_gone(vendor, gone_key)

    # whole-store
    def snapshot(self) -> object:
        return copy.deepcopy(self._vendors)

    def restore(self, snapshot: object) -> None:
        assert isinstance(snapshot, defaultdict)
        self._vendors = copy.deepcopy(snapshot)
