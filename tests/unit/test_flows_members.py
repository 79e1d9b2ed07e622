"""The member rules beside resets: checking a code without spending it, one-time passwords, channel verification
and token revocation, over each store (in memory, SQLite)."""

from __future__ import annotations

import pytest

from resetkit.errors import CodeAlreadyUsed, CodeExpired, CodeMismatch, CodeNotFound, TokenInvalid, WrongPassword
from resetkit.flows import one_time, reset, verification
from resetkit.flows.passwords import hash_password
from resetkit.flows.sessions import introspect_token, issue_token, revoke_token
from resetkit.store.memory import InMemoryStore
from resetkit.store.models import Account

from .conftest import StoreFactory

NOW = 1_000_000.0
OTP = "one_time_password"


@pytest.fixture
def store(make_store: StoreFactory) -> InMemoryStore:
    store = make_store()
    for account_id, email in (("1", "ana@example.com"), ("2", "bo@example.com")):
        store.add_account(Account(vendor="v", id=account_id, email=email, password_hash=hash_password("Pass-word1")))
    return store


def member(store: InMemoryStore, account_id: str) -> Account:
    found = store.get_account("v", account_id)
    assert found is not None
    return found


def issue_code(store: InMemoryStore, account: Account, code: str, ttl: float = 3600) -> str:
    return one_time.issue(store, account, purpose=OTP, now=NOW, ttl_seconds=ttl, make_code=lambda: code)


# checking a code without spending it --------------------------------------------------------------------------------
def test_checking_a_code_does_not_spend_it(store: InMemoryStore) -> None:
    reset.request_reset(store, member(store, "1"), now=NOW, ttl_seconds=60, make_secret=lambda: "TOKEN")
    assert reset.check_code(store, "v", "TOKEN", now=NOW, account_id="1").account_id == "1"
    assert reset.check_code(store, "v", "TOKEN", now=NOW, account_id="1").used_at is None
    assert reset.redeem_code(store, "v", "TOKEN", now=NOW, account_id="1").used_at == NOW


def test_checking_tells_why_a_code_would_be_refused(store: InMemoryStore) -> None:
    reset.request_reset(store, member(store, "1"), now=NOW, ttl_seconds=60, make_secret=lambda: "TOKEN")
    with pytest.raises(CodeMismatch):
        reset.check_code(store, "v", "OTHER", now=NOW, account_id="1")
    with pytest.raises(CodeNotFound):
        reset.check_code(store, "v", "TOKEN", now=NOW, account_id="2")
    with pytest.raises(CodeExpired):
        reset.check_code(store, "v", "TOKEN", now=NOW + 60, account_id="1")
    reset.redeem_code(store, "v", "TOKEN", now=NOW)
    with pytest.raises(CodeAlreadyUsed):
        reset.check_code(store, "v", "TOKEN", now=NOW, account_id="1")


# one-time passwords -------------------------------------------------------------------------------------------------
def test_a_one_time_password_signs_its_member_in_once(store: InMemoryStore) -> None:
    ana = member(store, "1")
    issue_code(store, ana, "1234")
    one_time.sign_in(store, ana, "1234", now=NOW, purposes=[OTP])
    with pytest.raises(WrongPassword):
        one_time.sign_in(store, ana, "1234", now=NOW, purposes=[OTP])


def test_the_same_short_code_for_two_members_stays_each_ones_own(store: InMemoryStore) -> None:
    ana, bo = member(store, "1"), member(store, "2")
    issue_code(store, ana, "1234")
    issue_code(store, bo, "1234")
    one_time.sign_in(store, ana, "1234", now=NOW, purposes=[OTP])
    one_time.sign_in(store, bo, "1234", now=NOW, purposes=[OTP])


def test_a_one_time_password_does_not_sign_in_another_member(store: InMemoryStore) -> None:
    issue_code(store, member(store, "1"), "1234")
    with pytest.raises(WrongPassword):
        one_time.sign_in(store, member(store, "2"), "1234", now=NOW, purposes=[OTP])
    one_time.sign_in(store, member(store, "1"), "1234", now=NOW, purposes=[OTP])  # not spent by the refusal


def test_a_one_time_password_expires_at_its_lifetime(store: InMemoryStore) -> None:
    ana = member(store, "1")
    issue_code(store, ana, "1234", ttl=3600)
    with pytest.raises(WrongPassword):
        one_time.sign_in(store, ana, "1234", now=NOW + 3600, purposes=[OTP])


def test_a_new_one_time_password_replaces_the_older_one(store: InMemoryStore) -> None:
    ana = member(store, "1")
    issue_code(store, ana, "1111")
    issue_code(store, ana, "2222")
    with pytest.raises(WrongPassword):
        one_time.sign_in(store, ana, "1111", now=NOW, purposes=[OTP])
    one_time.sign_in(store, ana, "2222", now=NOW, purposes=[OTP])


def test_the_password_still_signs_in_and_leaves_the_code_unspent(store: InMemoryStore) -> None:
    ana = member(store, "1")
    issue_code(store, ana, "1234")
    one_time.sign_in(store, ana, "Pass-word1", now=NOW, purposes=[OTP])
    one_time.redeem(store, ana, "1234", purpose=OTP, now=NOW)


def test_a_code_of_a_purpose_not_asked_for_does_not_sign_in(store: InMemoryStore) -> None:
    ana = member(store, "1")
    one_time.issue(store, ana, purpose="registration", now=NOW, ttl_seconds=60, make_code=lambda: "REG")
    with pytest.raises(WrongPassword):
        one_time.sign_in(store, ana, "REG", now=NOW, purposes=[OTP])


# verification -------------------------------------------------------------------------------------------------------
def test_confirming_the_token_marks_the_medium_verified(store: InMemoryStore) -> None:
    ana = member(store, "1")
    pending = verification.request_verification(store, ana, "phone", now=NOW, ttl_seconds=60, make_secret=lambda: "V")
    assert not verification.is_verified(ana, "phone")
    verification.confirm(store, ana, "phone", pending.secret, now=NOW)
    assert verification.is_verified(ana, "phone") and not verification.is_verified(ana, "email")


def test_another_members_verification_token_is_refused(store: InMemoryStore) -> None:
    pending = verification.request_verification(
        store, member(store, "1"), "phone", now=NOW, ttl_seconds=60, make_secret=lambda: "V"
    )
    bo = member(store, "2")
    with pytest.raises(CodeNotFound):
        verification.confirm(store, bo, "phone", pending.secret, now=NOW)
    assert not verification.is_verified(bo, "phone")


def test_a_verification_token_works_once_and_not_after_its_lifetime(store: InMemoryStore) -> None:
    ana = member(store, "1")
    verification.request_verification(store, ana, "email", now=NOW, ttl_seconds=60, make_secret=lambda: "V")
    with pytest.raises(CodeExpired):
        verification.confirm(store, ana, "email", "V", now=NOW + 60)
    verification.request_verification(store, ana, "email", now=NOW, ttl_seconds=60, make_secret=lambda: "W")
    verification.confirm(store, ana, "email", "W", now=NOW)
    with pytest.raises(CodeAlreadyUsed):
        verification.confirm(store, ana, "email", "W", now=NOW)


# revocation ---------------------------------------------------------------------------------------------------------
def test_revoking_the_access_token_ends_its_refresh_token_too(store: InMemoryStore) -> None:
    token = issue_token(store, "v", kind="member", account_id="1", now=NOW, ttl_seconds=60, with_refresh=True)
    revoke_token(store, "v", token.value)
    with pytest.raises(TokenInvalid):
        introspect_token(store, "v", token.value, kind="member", now=NOW)
    assert token.refresh_token is not None and store.take_refresh_token("v", token.refresh_token) is None


def test_revoking_the_refresh_token_ends_its_access_token_too(store: InMemoryStore) -> None:
    token = issue_token(store, "v", kind="member", account_id="1", now=NOW, ttl_seconds=60, with_refresh=True)
    assert token.refresh_token is not None
    revoke_token(store, "v", token.refresh_token)
    assert store.get_token("v", token.value) is None
    assert store.take_refresh_token("v", token.refresh_token) is None


def test_revoking_an_unknown_token_leaves_the_others_alone(store: InMemoryStore) -> None:
    token = issue_token(store, "v", kind="member", account_id="1", now=NOW, ttl_seconds=60, with_refresh=True)
    revoke_token(store, "v", "no-such-token")
    assert introspect_token(store, "v", token.value, kind="member", now=NOW) is token
    assert not store.remove_token("v", "no-such-token")
