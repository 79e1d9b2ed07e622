"""The pure reset rules, over each store (in memory, SQLite) and plain timestamps: no server involved."""

from __future__ import annotations

import pytest

from resetkit.errors import CodeAlreadyUsed, CodeExpired, CodeMismatch, CodeNotFound, WrongPassword
from resetkit.flows import reset
from resetkit.flows.codes import UPPER_ALNUM, generate_code, generate_token, render_reset_link
from resetkit.flows.passwords import hash_password, verify_password
from resetkit.flows.ratelimit import RateLimit, take
from resetkit.store.memory import InMemoryStore
from resetkit.store.models import Account

from .conftest import StoreFactory

NOW = 1_000_000.0


@pytest.fixture
def store(make_store: StoreFactory) -> InMemoryStore:
    store = make_store()
    store.add_account(Account(vendor="v", id="1", email="Ana@Example.com", password_hash=hash_password("old-Pass1!")))
    return store


@pytest.fixture
def account(store: InMemoryStore) -> Account:
    found = store.get_account("v", "1")
    assert found is not None
    return found


def issue(store: InMemoryStore, account: Account, secret: str = "S1", ttl: float = 60) -> str:
    return reset.request_reset(store, account, now=NOW, ttl_seconds=ttl, make_secret=lambda: secret).secret


def test_accounts_are_found_by_email_case_insensitively(store: InMemoryStore) -> None:
    assert store.find_account("v", "ana@example.COM") is not None


def test_a_code_redeems_once(store: InMemoryStore, account: Account) -> None:
    issue(store, account)
    assert reset.redeem_code(store, "v", "S1", now=NOW).account_id == "1"
    with pytest.raises(CodeAlreadyUsed):
        reset.redeem_code(store, "v", "S1", now=NOW)


def test_a_code_expires_at_its_ttl(store: InMemoryStore, account: Account) -> None:
    issue(store, account, ttl=60)
    with pytest.raises(CodeExpired):
        reset.redeem_code(store, "v", "S1", now=NOW + 60)


def test_a_newer_code_replaces_the_older_one(store: InMemoryStore, account: Account) -> None:
    issue(store, account, "OLD")
    issue(store, account, "NEW")
    with pytest.raises(CodeNotFound):
        reset.redeem_code(store, "v", "OLD", now=NOW)
    assert reset.redeem_code(store, "v", "NEW", now=NOW).secret == "NEW"


def test_a_code_bound_to_another_account_is_refused(store: InMemoryStore, account: Account) -> None:
    store.add_account(Account(vendor="v", id="2", email="bo@example.com", password_hash=hash_password("x")))
    issue(store, account, "A-CODE")
    with pytest.raises(CodeNotFound):
        reset.redeem_code(store, "v", "A-CODE", now=NOW, account_id="2")


def test_a_wrong_code_for_the_account_is_a_mismatch(store: InMemoryStore, account: Account) -> None:
    issue(store, account, "RIGHT")
    with pytest.raises(CodeMismatch):
        reset.redeem_code(store, "v", "WRONG", now=NOW, account_id="1")


def test_codes_of_another_purpose_do_not_redeem(store: InMemoryStore, account: Account) -> None:
    reset.request_reset(store, account, now=NOW, ttl_seconds=60, make_secret=lambda: "REG", purpose="registration")
    with pytest.raises(CodeNotFound):
        reset.redeem_code(store, "v", "REG", now=NOW)


def test_sign_in_accepts_the_new_password_and_refuses_the_old(store: InMemoryStore, account: Account) -> None:
    reset.change_password(account, "new-Pass1!", now=NOW)
    assert reset.sign_in(store, "v", "ana@example.com", "new-Pass1!").id == "1"
    with pytest.raises(WrongPassword):
        reset.sign_in(store, "v", "ana@example.com", "old-Pass1!")


def test_an_unknown_user_signs_in_like_a_wrong_password(store: InMemoryStore) -> None:
    with pytest.raises(WrongPassword):
        reset.sign_in(store, "v", "nobody@example.com", "x")


def test_passwords_are_stored_hashed() -> None:
    hashed = hash_password("s3cret")
    assert "s3cret" not in hashed
    assert verify_password("s3cret", hashed)
    assert not verify_password("s3cret ", hashed)


def test_codes_use_the_declared_alphabet_and_length() -> None:
    codes = {generate_code(6) for _ in range(500)}
    assert all(len(c) == 6 and set(c) <= set(UPPER_ALNUM) for c in codes)
    assert len(codes) == 500  # 36^6 codes: a repeat in 500 draws would point at a broken generator


def test_codes_drop_the_random_bytes_that_would_bias_the_alphabet(monkeypatch: pytest.MonkeyPatch) -> None:
    # 36 letters: bytes 252 to 255 would make A-D likelier than the rest, so they are dropped, never wrapped.
    # The first draw leaves 4 of its 12 bytes; a second draw completes the code.
    draws = iter([bytes([252, 0, 253, 35, 254, 36, 255, 71, 252, 253, 254, 255]), bytes(range(1, 13))])
    monkeypatch.setattr("resetkit.flows.codes.secrets.token_bytes", lambda n: next(draws))
    assert generate_code(6) == "A9A9BC"


def test_codes_need_an_ascii_alphabet() -> None:
    with pytest.raises(ValueError, match="ASCII"):
        generate_code(6, "äöü")


def test_tokens_are_64_hex_characters() -> None:
    token = generate_token(32)
    assert len(token) == 64 and int(token, 16) >= 0


def test_reset_links_keep_the_configured_origin_and_existing_query() -> None:
    assert render_reset_link("https://app.example/r?lang=en", token="a b") == "https://app.example/r?lang=en&token=a+b"


def test_rate_limit_allows_the_limit_then_asks_to_retry() -> None:
    limit, hits = RateLimit(limit=3, window_seconds=5, scheme="k"), []
    assert [take(hits, limit, NOW) for _ in range(3)] == [None, None, None]
    assert take(hits, limit, NOW + 1) == 4
    assert take(hits, limit, NOW + 5) is None  # the window slid past the first three calls


# Where a secret stands, read without using it ------------------------------------------------------------------
def test_a_fresh_secret_is_redeemable_until_it_expires(store: InMemoryStore, account: Account) -> None:
    secret = issue(store, account, ttl=60)
    status = reset.secret_status(store, "v", secret, now=NOW + 10)
    assert (status.state, status.expires_at, status.used_at) == ("redeemable", NOW + 60, None)


def test_reading_a_secrets_status_does_not_use_it(store: InMemoryStore, account: Account) -> None:
    secret = issue(store, account)
    reset.secret_status(store, "v", secret, now=NOW)
    assert reset.redeem_code(store, "v", secret, now=NOW + 1).used_at == NOW + 1


def test_a_redeemed_secret_is_used(store: InMemoryStore, account: Account) -> None:
    secret = issue(store, account)
    reset.redeem_code(store, "v", secret, now=NOW + 5)
    status = reset.secret_status(store, "v", secret, now=NOW + 6)
    assert (status.state, status.used_at) == ("used", NOW + 5)


def test_a_secret_past_its_deadline_is_expired(store: InMemoryStore, account: Account) -> None:
    secret = issue(store, account, ttl=60)
    assert reset.secret_status(store, "v", secret, now=NOW + 60).state == "expired"


def test_a_replaced_or_unknown_secret_is_unknown(store: InMemoryStore, account: Account) -> None:
    first = issue(store, account, "FIRST")
    issue(store, account, "SECOND")
    assert reset.secret_status(store, "v", first, now=NOW).state == "unknown"
    assert reset.secret_status(store, "v", "never-issued", now=NOW).state == "unknown"
