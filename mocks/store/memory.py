"""The embedded store: plain dicts, one namespace per vendor; all operations are synchronous, hence atomic."""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from .models import AccessToken, Account, PendingReset


@dataclass
class _VendorState:
    accounts: dict[str, Account] = field(default_factory=dict)
    by_identifier: dict[str, str] = field(default_factory=dict)
    resets: dict[str, PendingReset] = field(default_factory=dict)
    reset_by_account: dict[tuple[str, str], str] = field(default_factory=dict)
    tokens: dict[str, AccessToken] = field(default_factory=dict)
    by_refresh: dict[str, str] = field(default_factory=dict)
    hits: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))


class InMemoryStore:
    """Implements `mocks.protocols.Store`. Nothing here awaits, so a check-and-consume is never interleaved."""

    def __init__(self) -> None:
        self._vendors: dict[str, _VendorState] = defaultdict(_VendorState)

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
        for pending in [pending for pending in state.reset_by_account if pending[0] == account_id]:
            state.resets.pop(state.reset_by_account.pop(pending), None)
        for value in [value for value, token in state.tokens.items() if token.account_id == account_id]:
            token = state.tokens.pop(value)
            if token.refresh_token:
                state.by_refresh.pop(token.refresh_token, None)
        return True

    # pending resets
    def put_reset(self, reset: PendingReset) -> None:
        """Store a reset; the account's previous reset for the same purpose stops working."""
        state = self._vendors[reset.vendor]
        key = (reset.account_id, reset.purpose)
        older = state.reset_by_account.get(key)
        if older is not None:
            state.resets.pop(older, None)
        state.resets[reset.secret] = reset
        state.reset_by_account[key] = reset.secret

    def get_reset(self, vendor: str, secret: str) -> PendingReset | None:
        return self._vendors[vendor].resets.get(secret)

    def reset_for_account(self, vendor: str, account_id: str, purpose: str) -> PendingReset | None:
        state = self._vendors[vendor]
        secret = state.reset_by_account.get((account_id, purpose))
        return state.resets.get(secret) if secret else None

    # tokens
    def put_token(self, token: AccessToken) -> None:
        state = self._vendors[token.vendor]
        state.tokens[token.value] = token
        if token.refresh_token:
            state.by_refresh[token.refresh_token] = token.value

    def get_token(self, vendor: str, value: str) -> AccessToken | None:
        return self._vendors[vendor].tokens.get(value)

    def take_refresh_token(self, vendor: str, refresh_token: str) -> AccessToken | None:
        """The token this refresh token belongs to; the refresh token is spent by the call (single use)."""
        state = self._vendors[vendor]
        value = state.by_refresh.pop(refresh_token, None)
        return state.tokens.get(value) if value else None

    # rate limiting
    def hits(self, vendor: str, key: str) -> list[float]:
        return self._vendors[vendor].hits[key]

    # whole-store
    def snapshot(self) -> object:
        return copy.deepcopy(self._vendors)

    def restore(self, snapshot: object) -> None:
        assert isinstance(snapshot, defaultdict)
        self._vendors = copy.deepcopy(snapshot)
