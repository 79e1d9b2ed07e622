"""`Store` over the fleet's cells: the in-memory store's rules (one reset per account and purpose, refresh tokens
spent once, caps per vendor dropping the oldest) written as reads and writes of a request's unit of work."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..store.memory import InMemoryStore, StoreLimits
from ..store.models import AccessToken, Account, PendingReset
from . import cells
from .cells import ACCOUNT, ACCOUNTS, IDENTIFIER, REFRESH, RESET, RESET_OF, SEEDED, TOKEN, TOKENS, WINDOW, key
from .work import Work


class CellSnapshot(dict[str, Any]):
    """This store's snapshot: the objects by cell key. (An in-memory store's, made when seeding aside, is a dict too:
    its vendors' state by vendor name.)"""


class FleetStore:
    """Implements `mocks.protocols.Store`. Every call goes to the unit of work of the request running now
    (`work()`); `commit()` is the fleet's business (the pipeline awaits `Fleet.commit`), so it does nothing here."""

    def __init__(self, limits: StoreLimits, work: Callable[[], Work]) -> None:
        self.limits = limits
        self._work = work

    # accounts ------------------------------------------------------------------------------------------------------
    def has_saved_state(self) -> bool:
        return self._work().cell(SEEDED) is not None

    def add_account(self, account: Account) -> None:
        work = self._work()
        account_key = key(ACCOUNT, account.vendor, account.id)
        previous: Account | None = work.get(account_key)
        if previous is not None:
            for identifier in previous.identifiers():
                index = key(IDENTIFIER, account.vendor, identifier)
                if work.get(index) == account.id:
                    work.set(index, None)
        work.set(account_key, account)
        for identifier in account.identifiers():
            work.set(key(IDENTIFIER, account.vendor, identifier), account.id)
        if previous is None:
            self._bump(work, ACCOUNTS, account.vendor)

    def get_account(self, vendor: str, account_id: str) -> Account | None:
        found: Account | None = self._work().get(key(ACCOUNT, vendor, account_id))
        return found

    def find_account(self, vendor: str, identifier: str) -> Account | None:
        work = self._work()
        account_id = work.get(key(IDENTIFIER, vendor, identifier))
        if account_id is None and identifier.casefold() != identifier:
            account_id = work.get(key(IDENTIFIER, vendor, identifier.casefold()))
        return self.get_account(vendor, account_id) if account_id else None

    def accounts(self, vendor: str) -> Iterator[Account]:
        work = self._work()
        work.get(key(ACCOUNTS, vendor))  # a listing is stale once an account was added or removed
        found = [work.get(account_key) for account_key in work.mirror.keys(ACCOUNT, vendor)]
        found += [obj for k, obj in work.view.items() if k.startswith(f"{ACCOUNT}|{vendor}|") and obj not in found]
        return iter([account for account in found if account is not None])

    def remove_account(self, vendor: str, account_id: str) -> bool:
        work = self._work()
        account: Account | None = work.get(key(ACCOUNT, vendor, account_id))
        if account is None:
            return False
        work.set(key(ACCOUNT, vendor, account_id), None)
        for identifier in account.identifiers():
            index = key(IDENTIFIER, vendor, identifier)
            if work.get(index) == account_id:
                work.set(index, None)
        self._bump(work, ACCOUNTS, vendor)
        prefix = key(RESET_OF, vendor, f"{account_id}|")
        for index in [k for k in work.mirror.keys(RESET_OF, vendor) if k.startswith(prefix)]:
            secret = work.get(index)
            work.set(index, None)
            if secret is not None:
                work.set(key(RESET, vendor, secret), None)
        work.get(key(TOKENS, vendor))  # a token made meanwhile for this account must not outlive it
        for token_key in work.mirror.keys(TOKEN, vendor):
            token: AccessToken | None = work.get(token_key)
            if token is not None and token.account_id == account_id:
                self._forget_token(work, token)
        return True

    # pending resets ------------------------------------------------------------------------------------------------
    def put_reset(self, reset: PendingReset, *, now: float) -> None:
        work = self._work()
        index = key(RESET_OF, reset.vendor, f"{reset.account_id}|{reset.purpose}")
        older = work.get(index)
        if older is not None:
            work.set(key(RESET, reset.vendor, older), None)
        deadline = reset.expires_at + self.limits.reset_grace_seconds
        work.set(index, reset.secret, deadline)
        work.set(key(RESET, reset.vendor, reset.secret), reset, deadline)
        self._cap(work, RESET, reset.vendor, self.limits.max_resets, self._drop_reset)

    def get_reset(self, vendor: str, secret: str) -> PendingReset | None:
        found: PendingReset | None = self._work().get(key(RESET, vendor, secret))
        return found

    def reset_for_account(self, vendor: str, account_id: str, purpose: str) -> PendingReset | None:
        work = self._work()
        secret = work.get(key(RESET_OF, vendor, f"{account_id}|{purpose}"))
        return self.get_reset(vendor, secret) if secret else None

    def _drop_reset(self, work: Work, reset_key: str) -> None:
        cell = work.cell(reset_key)
        work.drop(reset_key)
        if cell is not None:
            value = cell.value
            index = key(RESET_OF, value["vendor"], f"{value['account_id']}|{value['purpose']}")
            index_cell = work.cell(index)
            if index_cell is not None and index_cell.value == value["secret"]:
                work.drop(index)

    # tokens ---------------------------------------------------------------------------------------------------------
    def put_token(self, token: AccessToken, *, now: float) -> None:
        work = self._work()
        if token.refresh_token:
            work.set(key(REFRESH, token.vendor, token.refresh_token), token.value)
        deadline = None if token.refresh_token else token.expires_at
        work.set(key(TOKEN, token.vendor, token.value), token, deadline)
        self._bump(work, TOKENS, token.vendor)
        self._cap(work, TOKEN, token.vendor, self.limits.max_tokens, self._drop_token)

    def get_token(self, vendor: str, value: str) -> AccessToken | None:
        found: AccessToken | None = self._work().get(key(TOKEN, vendor, value))
        return found

    def tokens(self, vendor: str, kind: str) -> Iterator[AccessToken]:
        """The vendor's live tokens of `kind`, oldest first."""
        work = self._work()
        work.get(key(TOKENS, vendor))
        found = [work.get(token_key) for token_key in work.mirror.keys(TOKEN, vendor)]
        return iter([token for token in found if token is not None and token.kind == kind])

    def take_refresh_token(self, vendor: str, refresh_token: str) -> AccessToken | None:
        work = self._work()
        index = key(REFRESH, vendor, refresh_token)
        value = work.get(index)
        if value is None:
            return None
        work.set(index, None)
        token: AccessToken | None = work.get(key(TOKEN, vendor, value))
        if token is not None:
            work.reschedule(key(TOKEN, vendor, value), token.expires_at)
        return token

    def remove_token(self, vendor: str, value: str) -> bool:
        work = self._work()
        token: AccessToken | None = work.get(key(TOKEN, vendor, value))
        if token is None:
            return False
        self._forget_token(work, token)
        return True

    def _forget_token(self, work: Work, token: AccessToken) -> None:
        work.set(key(TOKEN, token.vendor, token.value), None)
        if token.refresh_token:
            index = key(REFRESH, token.vendor, token.refresh_token)
            if work.get(index) == token.value:
                work.set(index, None)
        self._bump(work, TOKENS, token.vendor)

    def _drop_token(self, work: Work, token_key: str) -> None:
        cell = work.cell(token_key)
        work.drop(token_key)
        refresh = cell.value.get("refresh_token") if cell is not None else None
        if refresh:
            index = key(REFRESH, cell.value["vendor"], refresh) if cell is not None else ""
            index_cell = work.cell(index)
            if index_cell is not None and index_cell.value == cell.value["value"]:  # type: ignore[union-attr]
                work.drop(index)

    # rate limiting ----------------------------------------------------------------------------------------------
    def hits(self, vendor: str, key_: str, *, now: float, window_seconds: float) -> list[float]:
        work = self._work()
        window_key = key(WINDOW, vendor, key_)
        found: list[float] | None = work.get(window_key)
        if found is None:
            found = []
        work.set(window_key, found, now + window_seconds)
        self._cap(work, WINDOW, vendor, self.limits.max_rate_windows, lambda w, k: w.drop(k))
        return found

    # the clock went back ----------------------------------------------------------------------------------------
    def rewind(self, now: float) -> None:
        """As `InMemoryStore.rewind`: entries stamped after `now` move back to `now` with all their stamps."""
        work = self._work()
        grace = self.limits.reset_grace_seconds
        stored = {} if work.wipe else {k: cell.value for k, cell in work.mirror.cells.items()}
        stored.update({k: cells.to_json(cells.split(k)[0], obj) for k, obj in work.view.items() if obj is not None})
        for cell_key, value in stored.items():
            kind = cells.split(cell_key)[0]
            if kind == ACCOUNT and (value["created_at"] > now or value["password_changed_at"] > now):
                account: Account = work.get(cell_key)
                account.created_at = min(account.created_at, now)
                account.password_changed_at = min(account.password_changed_at, now)
            elif kind == RESET and (value["created_at"] > now or (value["used_at"] or 0.0) > now):
                reset: PendingReset = work.get(cell_key)
                shift = max(reset.created_at - now, 0.0)
                reset.created_at -= shift
                reset.expires_at -= shift
                if reset.used_at is not None:
                    reset.used_at = min(reset.used_at - shift, now)
                work.reschedule(cell_key, reset.expires_at + grace)
            elif kind == TOKEN and value["created_at"] > now:
                token: AccessToken = work.get(cell_key)
                shift = token.created_at - now
                token.created_at -= shift
                if token.expires_at is not None:
                    token.expires_at -= shift
                if not token.refresh_token:
                    work.reschedule(cell_key, token.expires_at)
            elif kind == WINDOW and max(value, default=now) > now:
                hits: list[float] = work.get(cell_key)
                shift = max(hits) - now
                hits[:] = [min(hit, now) for hit in hits]
                cell = work.cell(cell_key)
                deadline = cell.deadline if cell is not None else work.deadlines.get(cell_key)
                work.reschedule(cell_key, None if deadline is None else deadline - shift)

    # the unit of work and the whole store -------------------------------------------------------------------------
    def commit(self) -> None:
        """Nothing here: the pipeline saves the request's unit of work (`Fleet.commit`) before answering."""

    def snapshot(self) -> object:
        """What the request sees now, every cell (after seeding: the seeded state)."""
        work = self._work()
        seen = {cell_key: work.get(cell_key) for cell_key in list(work.mirror.cells)}
        seen.update(work.view)
        return CellSnapshot((k, obj) for k, obj in seen.items() if obj is not None and k != SEEDED)

    def restore(self, snapshot: object) -> None:
        """Everything replaced by `snapshot` (this store's, or an in-memory store's), fleet-wide."""
        work = self._work()
        if not isinstance(snapshot, CellSnapshot):  # a process that found the fleet seeded seeds aside, in memory
            snapshot = cells_from_memory(snapshot, self.limits)
        work.wipe = True
        work.view.clear()
        work.reads.clear()
        work.original.clear()
        for cell_key, obj in snapshot.items():
            work.set(cell_key, cells.build(cells.split(cell_key)[0], _plain(obj)), _deadline_of(cell_key, obj, self))
        work.set(SEEDED, True)

    # helpers ----------------------------------------------------------------------------------------------------
    @staticmethod
    def _bump(work: Work, kind: str, vendor: str) -> None:
        set_key = key(kind, vendor)
        work.set(set_key, (work.get(set_key) or 0) + 1)

    @staticmethod
    def _cap(work: Work, kind: str, vendor: str, cap: int, drop: Callable[[Work, str], None]) -> None:
        """Past `cap` entries of a kind, the oldest go (the mirror's count, plus those this request added)."""
        mirror = work.mirror
        added = sum(1 for k in work.view if k.startswith(f"{kind}|{vendor}|") and mirror.get(k) is None)
        excess = mirror.count(kind, vendor) + added - cap
        if excess <= 0:
            return
        for oldest in mirror.keys(kind, vendor):
            if excess <= 0:
                break
            if oldest not in work.view:
                drop(work, oldest)
                excess -= 1


def _plain(obj: Any) -> Any:
    if isinstance(obj, Account):
        return cells.account_to_json(obj)
    if isinstance(obj, PendingReset):
        return cells.reset_to_json(obj)
    if isinstance(obj, AccessToken):
        return cells.token_to_json(obj)
    return obj


def _deadline_of(cell_key: str, obj: Any, store: FleetStore) -> float | None:
    if isinstance(obj, PendingReset):
        return obj.expires_at + store.limits.reset_grace_seconds
    if isinstance(obj, AccessToken):
        return None if obj.refresh_token else obj.expires_at
    return None


def cells_from_memory(snapshot: object, limits: StoreLimits) -> dict[str, Any]:
    """An in-memory store's snapshot (the seeded state made aside) as cells."""
    scratch = InMemoryStore(limits)
    scratch.restore(snapshot)
    found: dict[str, Any] = {}
    for vendor, state in scratch._vendors.items():
        for account in state.accounts.values():
            found[key(ACCOUNT, vendor, account.id)] = account
            for identifier in account.identifiers():
                found[key(IDENTIFIER, vendor, identifier)] = account.id
        if state.accounts:
            found[key(ACCOUNTS, vendor)] = 1
        for secret, reset in state.resets.items():
            found[key(RESET, vendor, secret)] = reset
        for (account_id, purpose), secret in state.reset_by_account.items():
            found[key(RESET_OF, vendor, f"{account_id}|{purpose}")] = secret
        for value, token in state.tokens.items():
            found[key(TOKEN, vendor, value)] = token
        for refresh, value in state.by_refresh.items():
            found[key(REFRESH, vendor, refresh)] = value
        for window, hits in state.windows.items():
            found[key(WINDOW, vendor, window)] = hits
    return found
