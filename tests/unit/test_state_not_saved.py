"""A commit that cannot be saved (a full disk) is all or nothing: the store raises StateNotSaved naming the cause
and puts memory back as last committed for everything the request touched, so no later commit writes any of it.

Every test runs against each store that saves (`saving_store`); the in-memory store has nothing to save.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from resetkit.clock import ManualClock
from resetkit.errors import StateNotSaved
from resetkit.flows import reset
from resetkit.flows.ratelimit import RateLimit, take
from resetkit.flows.sessions import issue_token
from resetkit.outbox import Outbox
from resetkit.store.memory import InMemoryStore
from resetkit.store.models import Account
from resetkit.store.sqlite import SQLiteStore

NOW = 1_000_000.0
LIMIT = RateLimit(limit=2, window_seconds=5, scheme="key")


@dataclass
class Saving:
    """A saving store with an outbox and a clock kept, whose storage can be made full (`fill`) and freed."""

    store: SQLiteStore
    outbox: Outbox
    clock: ManualClock
    path: str

    def fill(self) -> None:
        """No more room: the file may not grow by a page (SQLite answers as on a full disk)."""
        pages = self.store._db.execute("PRAGMA page_count").fetchone()[0]
        self.store._db.execute(f"PRAGMA max_page_count = {pages}")

    def free(self) -> None:
        self.store._db.execute("PRAGMA max_page_count = 1073741823")

    def saved(self) -> SQLiteStore:
        """What a restarted server would find."""
        return SQLiteStore(self.path)

    def account(self, account_id: str = "1") -> Account:
        found = self.store.get_account("v", account_id)
        assert found is not None
        return found


@pytest.fixture(params=["sqlite"])
def saving(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Saving]:
    """A saving store with one account `1` (ana@example.com) and a pending reset `c0de` for it, committed."""
    path = str(tmp_path / "state.db")
    store, outbox, clock = SQLiteStore(path), Outbox(), ManualClock(NOW)
    store.keep(outbox, clock)
    store.add_account(Account(vendor="v", id="1", email="ana@example.com", password_hash="old"))
    account = store.get_account("v", "1")
    assert account is not None
    reset.request_reset(store, account, now=NOW, ttl_seconds=600, make_secret=lambda: "c0de")
    store.commit()
    yield Saving(store, outbox, clock, path)
    store.close()


def grow(store: InMemoryStore) -> None:
    """Enough new rows that the file must grow, whatever else the request changed."""
    for n in range(100, 400):
        store.add_account(Account(vendor="other", id=str(n), email=f"{n}@example.com", password_hash="x" * 200))


def test_a_commit_on_a_full_disk_names_the_store_error(saving: Saving) -> None:
    grow(saving.store)
    saving.fill()
    with pytest.raises(StateNotSaved, match="database or disk is full"):
        saving.store.commit()


def test_a_password_changed_in_place_is_put_back(saving: Saving) -> None:
    saving.account().password_hash = "new"
    grow(saving.store)
    saving.fill()
    with pytest.raises(StateNotSaved):
        saving.store.commit()
    assert saving.account().password_hash == "old"


def test_a_used_code_is_unused_again(saving: Saving) -> None:
    reset.redeem_code(saving.store, "v", "c0de", now=NOW + 1)
    grow(saving.store)
    saving.fill()
    with pytest.raises(StateNotSaved):
        saving.store.commit()
    again = reset.redeem_code(saving.store, "v", "c0de", now=NOW + 2)
    assert again.used_at == NOW + 2


def test_a_replaced_code_works_again_and_its_replacement_is_gone(saving: Saving) -> None:
    reset.request_reset(saving.store, saving.account(), now=NOW, ttl_seconds=600, make_secret=lambda: "n3w")
    grow(saving.store)
    saving.fill()
    with pytest.raises(StateNotSaved):
        saving.store.commit()
    assert saving.store.get_reset("v", "n3w") is None
    assert saving.store.reset_for_account("v", "1", "reset") is saving.store.get_reset("v", "c0de") is not None


def test_a_new_account_is_gone_with_its_identifiers(saving: Saving) -> None:
    saving.store.add_account(Account(vendor="v", id="2", email="bo@example.com", password_hash="x"))
    grow(saving.store)
    saving.fill()
    with pytest.raises(StateNotSaved):
        saving.store.commit()
    assert saving.store.get_account("v", "2") is None and saving.store.find_account("v", "bo@example.com") is None
    assert saving.store.find_account("v", "ana@example.com") is saving.account()


def test_a_removed_account_comes_back_with_its_code(saving: Saving) -> None:
    assert saving.store.remove_account("v", "1")
    grow(saving.store)
    saving.fill()
    with pytest.raises(StateNotSaved):
        saving.store.commit()
    assert saving.store.find_account("v", "ana@example.com") is saving.account()
    assert saving.store.reset_for_account("v", "1", "reset") is not None


def test_a_spent_refresh_token_works_again(saving: Saving) -> None:
    token = issue_token(saving.store, "v", kind="member", account_id="1", now=NOW, ttl_seconds=60, with_refresh=True)
    saving.store.commit()
    assert token.refresh_token is not None
    assert saving.store.take_refresh_token("v", token.refresh_token) is not None
    grow(saving.store)
    saving.fill()
    with pytest.raises(StateNotSaved):
        saving.store.commit()
    assert saving.store.take_refresh_token("v", token.refresh_token) is not None


def test_rate_limit_hits_are_put_back(saving: Saving) -> None:
    assert take(saving.store.hits("v", "k", now=NOW, window_seconds=5), LIMIT, NOW) is None
    saving.store.commit()
    assert take(saving.store.hits("v", "k", now=NOW, window_seconds=5), LIMIT, NOW) is None
    grow(saving.store)
    saving.fill()
    with pytest.raises(StateNotSaved):
        saving.store.commit()
    assert saving.store.hits("v", "k", now=NOW, window_seconds=5) == [NOW]


def test_a_message_sent_by_the_request_is_withdrawn(saving: Saving) -> None:
    kept = saving.outbox.send(vendor="v", channel="email", to="a@x", sender="s", subject="kept", text="", now=NOW)
    saving.store.commit()
    saving.outbox.send(vendor="v", channel="email", to="a@x", sender="s", subject="unsaved", text="", now=NOW)
    grow(saving.store)
    saving.fill()
    with pytest.raises(StateNotSaved):
        saving.store.commit()
    assert saving.outbox.find() == [kept]


def test_an_unsaved_clear_of_the_outbox_is_undone(saving: Saving) -> None:
    kept = saving.outbox.send(vendor="v", channel="email", to="a@x", sender="s", subject="kept", text="", now=NOW)
    saving.store.commit()
    saving.outbox.clear()
    grow(saving.store)
    saving.fill()
    with pytest.raises(StateNotSaved):
        saving.store.commit()
    assert saving.outbox.find() == [kept]


def test_a_message_id_is_never_given_twice_after_a_withdrawal(saving: Saving) -> None:
    withdrawn = saving.outbox.send(vendor="v", channel="sms", to="1", sender="s", subject="", text="", now=NOW)
    grow(saving.store)
    saving.fill()
    with pytest.raises(StateNotSaved):
        saving.store.commit()
    saving.free()
    later = saving.outbox.send(vendor="v", channel="sms", to="1", sender="s", subject="", text="", now=NOW)
    assert int(later.id) > int(withdrawn.id)


def test_the_clock_goes_back_to_its_saved_offset(saving: Saving) -> None:
    saving.clock.advance(3600)
    grow(saving.store)
    saving.fill()
    with pytest.raises(StateNotSaved):
        saving.store.commit()
    assert saving.clock.offset == 0


def test_nothing_of_an_unsaved_request_is_written_by_a_later_commit(saving: Saving) -> None:
    saving.account().password_hash = "new"
    reset.redeem_code(saving.store, "v", "c0de", now=NOW + 1)
    grow(saving.store)
    saving.fill()
    with pytest.raises(StateNotSaved):
        saving.store.commit()
    saving.free()
    saving.store.add_account(Account(vendor="v", id="3", email="cy@example.com", password_hash="x"))
    saving.store.commit()
    saved = saving.saved()
    account, code = saved.get_account("v", "1"), saved.get_reset("v", "c0de")
    assert account is not None and account.password_hash == "old"
    assert code is not None and code.used_at is None
    assert saved.get_account("v", "3") is not None and saved.get_account("other", "100") is None


def test_an_unsaved_reset_of_the_whole_store_leaves_the_saved_state(saving: Saving) -> None:
    other = InMemoryStore()
    grow(other)
    seeded = other.snapshot()  # other accounts than the saved ones: the file must grow to hold them
    saving.fill()
    saving.account().password_hash = "changed in memory only"
    with pytest.raises(StateNotSaved):
        saving.store.restore(seeded)
    assert saving.account().password_hash == "old"
    assert saving.store.get_account("other", "100") is None


def test_a_commit_that_succeeds_after_the_disk_has_room_again_saves(saving: Saving) -> None:
    grow(saving.store)
    saving.fill()
    with pytest.raises(StateNotSaved):
        saving.store.commit()
    saving.free()
    saving.account().password_hash = "new"
    saving.store.commit()
    account = saving.saved().get_account("v", "1")
    assert account is not None and account.password_hash == "new"


def test_a_message_marked_read_is_unread_again(saving: Saving) -> None:
    sent = saving.outbox.send(vendor="v", channel="email", to="a@x", sender="s", subject="kept", text="", now=NOW)
    saving.store.commit()
    saving.outbox.mark_read([sent.id])
    grow(saving.store)
    saving.fill()
    with pytest.raises(StateNotSaved):
        saving.store.commit()
    again = saving.outbox.get(sent.id)
    assert again is not None and not again.read


def test_a_removed_message_comes_back_in_its_place(saving: Saving) -> None:
    sent = [
        saving.outbox.send(vendor="v", channel="sms", to="1", sender="s", subject="", text=str(n), now=NOW)
        for n in range(3)
    ]
    saving.store.commit()
    saving.outbox.remove([sent[1].id])
    grow(saving.store)
    saving.fill()
    with pytest.raises(StateNotSaved):
        saving.store.commit()
    assert saving.outbox.find() == list(reversed(sent))
