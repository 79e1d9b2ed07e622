"""Bounded state (issue 12): what requests create expires by its own deadline and stays under its cap per vendor."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from resetkit.errors import CodeAlreadyUsed, CodeExpired, CodeNotFound, TokenInvalid
from resetkit.flows import reset
from resetkit.flows.ratelimit import RateLimit, take
from resetkit.flows.sessions import introspect_token, issue_token
from resetkit.store.expiring import SWEEP_BUDGET, Expiring
from resetkit.store.memory import InMemoryStore
from resetkit.store.models import Account

from .conftest import StoreFactory

NOW = 1_000_000.0
GRACE = 3600.0
StoreWith = Callable[..., InMemoryStore]


@pytest.fixture
def store_with(make_store: StoreFactory) -> Callable[..., InMemoryStore]:
    """`store_with(**caps)`: a store of each kind with 50 accounts and a one-hour grace for used or expired codes."""

    def make(**caps: int) -> InMemoryStore:
        store = make_store(reset_grace_seconds=GRACE, **caps)
        for n in range(50):
            store.add_account(Account(vendor="v", id=str(n), email=f"user{n}@example.com", password_hash="x"))
        return store

    return make


def account(store: InMemoryStore, n: int = 0) -> Account:
    found = store.get_account("v", str(n))
    assert found is not None
    return found


def issue(store: InMemoryStore, n: int, secret: str, *, now: float = NOW, ttl: float = 60) -> None:
    reset.request_reset(store, account(store, n), now=now, ttl_seconds=ttl, make_secret=lambda: secret)


def session(store: InMemoryStore, *, now: float = NOW, ttl: float | None = 60, vendor: str = "v") -> str:
    return issue_token(store, vendor, kind="session", account_id=None, now=now, ttl_seconds=ttl).value


# The map itself -------------------------------------------------------------------------------------------------
def test_an_entry_is_swept_by_a_write_after_its_deadline() -> None:
    entries: Expiring[str, int] = Expiring(cap=10)
    entries.put("a", 1, deadline=NOW + 10, now=NOW)
    entries.put("b", 2, deadline=None, now=NOW + 10)
    assert "a" not in entries and entries.get("b") == 2


def test_an_entry_stays_until_its_deadline() -> None:
    entries: Expiring[str, int] = Expiring(cap=10)
    entries.put("a", 1, deadline=NOW + 10, now=NOW)
    entries.put("b", 2, deadline=None, now=NOW + 9.9)
    assert entries.get("a") == 1


def test_each_write_sweeps_at_most_its_budget() -> None:
    entries: Expiring[int, int] = Expiring(cap=1000)
    for n in range(3 * SWEEP_BUDGET):
        entries.put(n, n, deadline=NOW, now=NOW - 1)
    swept = entries.put(-1, -1, deadline=None, now=NOW)
    assert len(swept) == SWEEP_BUDGET and len(entries) == 2 * SWEEP_BUDGET + 1


def test_past_the_cap_the_oldest_write_is_dropped() -> None:
    entries: Expiring[str, int] = Expiring(cap=2)
    entries.put("a", 1, deadline=None, now=NOW)
    entries.put("b", 2, deadline=None, now=NOW)
    dropped = entries.put("c", 3, deadline=None, now=NOW)
    assert dropped == [("a", 1)] and sorted(entries.items()) == [("b", 2), ("c", 3)]


def test_a_rewritten_entry_keeps_only_its_new_deadline() -> None:
    entries: Expiring[str, int] = Expiring(cap=10)
    entries.put("a", 1, deadline=NOW + 1, now=NOW)
    entries.put("a", 2, deadline=NOW + 100, now=NOW)
    entries.put("b", 3, deadline=None, now=NOW + 50)
    assert entries.get("a") == 2


def test_the_deadline_heap_stays_proportional_to_the_live_entries() -> None:
    entries: Expiring[str, int] = Expiring(cap=10)
    for n in range(10_000):
        entries.put("same", n, deadline=NOW + 3600, now=NOW)
    assert len(entries._deadlines) <= 2 * len(entries) + 64


# Pending resets ---------------------------------------------------------------------------------------------------
def test_an_expired_code_still_answers_expired_during_the_grace_period(
    store_with: Callable[..., InMemoryStore],
) -> None:
    store = store_with()
    issue(store, 0, "OLD")
    issue(store, 1, "NEW", now=NOW + 60 + GRACE - 1)
    with pytest.raises(CodeExpired):
        reset.redeem_code(store, "v", "OLD", now=NOW + 60 + GRACE - 1)


def test_a_used_code_still_answers_used_during_the_grace_period(store_with: StoreWith) -> None:
    store = store_with()
    issue(store, 0, "USED")
    reset.redeem_code(store, "v", "USED", now=NOW)
    issue(store, 1, "NEW", now=NOW + 60 + GRACE - 1)
    with pytest.raises(CodeAlreadyUsed):
        reset.redeem_code(store, "v", "USED", now=NOW + 60 + GRACE - 1, account_id="0")


def test_an_expired_code_is_forgotten_after_the_grace_period(store_with: StoreWith) -> None:
    store = store_with()
    issue(store, 0, "OLD")
    issue(store, 1, "NEW", now=NOW + 60 + GRACE)
    assert store.get_reset("v", "OLD") is None and store.reset_for_account("v", "0", "reset") is None
    with pytest.raises(CodeNotFound):
        reset.redeem_code(store, "v", "OLD", now=NOW + 60 + GRACE)


def test_resets_past_the_cap_drop_the_oldest_request(store_with: StoreWith) -> None:
    store = store_with(max_resets=3)
    for n in range(4):
        issue(store, n, f"S{n}")
    assert store.get_reset("v", "S0") is None and store.reset_for_account("v", "0", "reset") is None
    assert [store.get_reset("v", f"S{n}") is not None for n in (1, 2, 3)] == [True, True, True]


def test_a_replaced_code_frees_its_place_under_the_cap(store_with: StoreWith) -> None:
    store = store_with(max_resets=2)
    issue(store, 0, "A1")
    issue(store, 0, "A2")
    issue(store, 1, "B1")
    assert store.get_reset("v", "A2") is not None and store.get_reset("v", "B1") is not None


def test_the_reset_cap_is_per_vendor(store_with: StoreWith) -> None:
    store = store_with(max_resets=1)
    store.add_account(Account(vendor="w", id="0", email="w@example.com", password_hash="x"))
    issue(store, 0, "V")
    other = store.get_account("w", "0")
    assert other is not None
    reset.request_reset(store, other, now=NOW, ttl_seconds=60, make_secret=lambda: "W")
    assert store.get_reset("v", "V") is not None and store.get_reset("w", "W") is not None


# Tokens and sessions -------------------------------------------------------------------------------------------
def test_an_expired_token_is_swept_by_a_later_token(store_with: StoreWith) -> None:
    store = store_with()
    old = session(store, ttl=60)
    session(store, now=NOW + 60)
    assert store.get_token("v", old) is None
    with pytest.raises(TokenInvalid):
        introspect_token(store, "v", old, kind="session", now=NOW + 60)


def test_sessions_without_a_lifetime_stay_until_the_cap(store_with: StoreWith) -> None:
    store = store_with(max_tokens=2)
    first, second = session(store, ttl=None), session(store, ttl=None, now=NOW + 10**8)
    third = session(store, ttl=None, now=NOW + 10**8)
    assert store.get_token("v", first) is None
    assert store.get_token("v", second) is not None and store.get_token("v", third) is not None


def test_a_refresh_token_outlives_its_access_token(store_with: StoreWith) -> None:
    store = store_with()
    token = issue_token(store, "v", kind="member", account_id="0", now=NOW, ttl_seconds=60, with_refresh=True)
    session(store, now=NOW + 3600)
    assert token.refresh_token is not None
    assert store.take_refresh_token("v", token.refresh_token) is token


def test_a_spent_refresh_token_lets_its_expired_token_go(store_with: StoreWith) -> None:
    store = store_with()
    token = issue_token(store, "v", kind="member", account_id="0", now=NOW, ttl_seconds=60, with_refresh=True)
    assert token.refresh_token is not None
    store.take_refresh_token("v", token.refresh_token)
    session(store, now=NOW + 60)
    assert store.get_token("v", token.value) is None


def test_a_token_dropped_by_the_cap_takes_its_refresh_token_along(store_with: StoreWith) -> None:
    store = store_with(max_tokens=1)
    token = issue_token(store, "v", kind="member", account_id="0", now=NOW, ttl_seconds=60, with_refresh=True)
    session(store)
    assert token.refresh_token is not None
    assert store.take_refresh_token("v", token.refresh_token) is None


# Rate-limit windows --------------------------------------------------------------------------------------------
LIMIT = RateLimit(limit=2, window_seconds=5, scheme="key")


def hit(store: InMemoryStore, key: str, now: float) -> int | None:
    return take(store.hits("v", key, now=now, window_seconds=LIMIT.window_seconds), LIMIT, now)


def test_a_rate_window_is_forgotten_once_its_window_passed_unused(store_with: StoreWith) -> None:
    store = store_with()
    hit(store, "a", NOW)
    hit(store, "b", NOW + LIMIT.window_seconds)
    assert "a" not in store._vendors["v"].windows


def test_a_rate_window_in_use_keeps_counting(store_with: StoreWith) -> None:
    store = store_with()
    hit(store, "a", NOW)
    hit(store, "b", NOW + 4)
    hit(store, "a", NOW + 4)
    assert hit(store, "a", NOW + 4.5) is not None


def test_rate_windows_past_the_cap_drop_the_least_recently_used(store_with: StoreWith) -> None:
    store = store_with(max_rate_windows=2)
    for key in ("a", "b", "a", "c"):
        hit(store, key, NOW)
    assert sorted(key for key, _ in store._vendors["v"].windows.items()) == ["a", "c"]
