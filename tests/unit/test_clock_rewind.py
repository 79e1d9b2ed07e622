"""Time moved back (`Store.rewind`): what was stamped after the new `now` is brought in line as if made `now`,
keeping its lifetime; what was stamped before it is left alone. Each test runs on every store kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from resetkit.errors import CodeExpired
from resetkit.flows import reset
from resetkit.flows.ratelimit import RateLimit, take
from resetkit.flows.sessions import introspect_token, issue_token
from resetkit.store.memory import InMemoryStore
from resetkit.store.models import Account
from resetkit.store.sqlite import SQLiteStore

from .conftest import StoreFactory

NOW = 1_000_000.0
AHEAD = NOW + 5 * 86_400  # where a conform run left the clock
LIMIT = RateLimit(limit=3, window_seconds=5, scheme="key")


@pytest.fixture
def store(make_store: StoreFactory) -> InMemoryStore:
    store = make_store()
    store.add_account(Account(vendor="v", id="1", email="ana@example.com", password_hash="x", created_at=NOW))
    return store


def account(store: InMemoryStore) -> Account:
    found = store.get_account("v", "1")
    assert found is not None
    return found


def test_a_full_rate_window_stamped_ahead_frees_one_window_after_now(store: InMemoryStore) -> None:
    for _ in range(LIMIT.limit):
        take(store.hits("v", "k", now=AHEAD, window_seconds=5), LIMIT, AHEAD)
    store.rewind(NOW)
    assert take(store.hits("v", "k", now=NOW, window_seconds=5), LIMIT, NOW) == 5
    assert take(store.hits("v", "k", now=NOW + 6, window_seconds=5), LIMIT, NOW + 6) is None


def test_a_code_issued_ahead_keeps_its_lifetime_from_now(store: InMemoryStore) -> None:
    reset.request_reset(store, account(store), now=AHEAD, ttl_seconds=600, make_secret=lambda: "c0de")
    store.rewind(NOW)
    pending = store.get_reset("v", "c0de")
    assert pending is not None and (pending.created_at, pending.expires_at) == (NOW, NOW + 600)
    with pytest.raises(CodeExpired):
        reset.redeem_code(store, "v", "c0de", now=NOW + 601)


def test_a_code_used_ahead_is_used_now(store: InMemoryStore) -> None:
    reset.request_reset(store, account(store), now=AHEAD, ttl_seconds=600, make_secret=lambda: "c0de")
    reset.redeem_code(store, "v", "c0de", now=AHEAD + 30)
    store.rewind(NOW)
    pending = store.get_reset("v", "c0de")
    assert pending is not None and pending.used_at == NOW


def test_a_session_issued_ahead_lives_its_lifetime_from_now(store: InMemoryStore) -> None:
    token = issue_token(store, "v", kind="session", account_id="1", now=AHEAD, ttl_seconds=60)
    store.rewind(NOW)
    assert introspect_token(store, "v", token.value, kind="session", now=NOW + 59) is token
    assert token.expires_at == NOW + 60


def test_an_account_stamped_ahead_is_stamped_now(store: InMemoryStore) -> None:
    account(store).password_changed_at = AHEAD
    store.rewind(NOW)
    assert (account(store).created_at, account(store).password_changed_at) == (NOW, NOW)


def test_what_was_stamped_before_now_is_left_alone(store: InMemoryStore) -> None:
    earlier = NOW - 100
    reset.request_reset(store, account(store), now=earlier, ttl_seconds=600, make_secret=lambda: "c0de")
    take(store.hits("v", "k", now=earlier, window_seconds=5), LIMIT, earlier)
    store.rewind(NOW)
    pending = store.get_reset("v", "c0de")
    assert pending is not None and pending.created_at == earlier
    assert store.hits("v", "k", now=earlier, window_seconds=5) == [earlier]


def test_a_rewind_is_saved_by_the_next_commit(tmp_path: Path) -> None:
    path = str(tmp_path / "state.db")
    store = SQLiteStore(path)
    store.add_account(Account(vendor="v", id="1", email="ana@example.com", password_hash="x"))
    take(store.hits("v", "k", now=AHEAD, window_seconds=5), LIMIT, AHEAD)
    store.commit()
    store.rewind(NOW)
    store.commit()
    assert SQLiteStore(path).hits("v", "k", now=NOW, window_seconds=5) == [NOW]
