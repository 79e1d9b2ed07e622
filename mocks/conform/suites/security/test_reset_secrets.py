"""What a reset secret may do (shared/security.md SR-04 to SR-09), on every surface that completes a reset.

Secrets come as the vendor hands them out: ZITADEL's returnCode and Social ID's reset-token call need no
mailbox; Placewise and LeadSquared only send theirs, so those checks need a mailbox there.
"""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from ...driving import Driver, Secret
from ...outcomes import finding, not_applicable
from .conftest import OLD_PASSWORD, fresh_password, needs_named_account, nominal_bits

ATTEMPT_CAP = 100  # NIST 800-63B 5.2.2, ASVS 4 2.2.1: at most 100 failed attempts
RACERS = 12  # SR-06: 10 to 20 concurrent redemptions


def refused(response: requests.Response, statuses: frozenset[int]) -> str | None:
    """None if `response` is one of the documented refusals, else what it was."""
    if response.status_code in statuses:
        return None
    return f"expected {sorted(statuses)}, got {response.status_code} {response.text[:300]}"


def test_sr05_a_secret_works_only_once(redeeming: Driver) -> None:
    account = redeeming.new_account()
    secret = redeeming.issue(account)
    first, second = fresh_password(), fresh_password()
    assert redeeming.redeem(secret, first, account).ok, "the first redemption failed"
    problem = refused(redeeming.redeem(secret, second, account), redeeming.client.refusals.used_secret)
    assert problem is None, f"the second redemption of one secret was not refused: {problem}"
    assert redeeming.signs_in(account, first), "the first new password no longer signs in"
    assert not redeeming.signs_in(account, second), "the second redemption changed the password"


def test_sr06_concurrent_redemptions_have_one_winner(redeeming: Driver) -> None:
    account = redeeming.new_account()
    secret = redeeming.issue(account)
    seen = {m["id"] for m in _messages(redeeming, account.email)}
    passwords = [fresh_password() for _ in range(RACERS)]
    start = threading.Barrier(RACERS)
    racers = [redeeming.fork() for _ in passwords]
    redeeming.make_room(redeeming.redeem_request, RACERS)

    def race(index: int) -> requests.Response:
        start.wait(timeout=30)
        return racers[index].redeem(secret, passwords[index], account)

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        responses = list(pool.map(race, range(RACERS)))
    winners = [password for password, response in zip(passwords, responses, strict=True) if response.ok]
    assert len(winners) == 1, f"{len(winners)} of {RACERS} concurrent redemptions of one secret succeeded"
    assert redeeming.signs_in(account, winners[0]), "the winner's password does not sign in"
    losers = [p for p in passwords if p != winners[0]]
    assert not any(redeeming.signs_in(account, p) for p in losers[:3]), "a losing redemption's password signs in"
    if redeeming.target.mailbox is not None:
        notices = redeeming.new_messages(account.email, seen, wait=False)
        assert len(notices) <= 1, f"{len(notices)} messages after one reset: {[m['subject'] for m in notices]}"


def _messages(driver: Driver, address: str) -> list[dict[str, Any]]:
    return driver.messages(address) if driver.target.mailbox is not None else []


@pytest.mark.clock
def test_sr07_an_expired_secret_is_refused(redeeming: Driver) -> None:
    account = redeeming.new_account()
    secret = redeeming.issue(account)
    assert secret.lifetime is not None, f"the spec gives no lifetime for {redeeming.client.secret.name}"
    redeeming.target.let_time_pass(redeeming.vendor, secret.lifetime + 1)
    password = fresh_password()
    problem = refused(redeeming.redeem(secret, password, account), redeeming.client.refusals.expired_secret)
    assert problem is None, f"a secret older than {secret.lifetime:g} s was not refused: {problem}"
    assert redeeming.signs_in(account, OLD_PASSWORD), "the refused redemption changed the password"


def test_sr08_an_older_secret_stops_working_once_a_newer_one_is_used(redeeming: Driver) -> None:
    account = redeeming.new_account()
    older = redeeming.issue(account)
    newer = redeeming.issue(account)
    password = fresh_password()
    assert redeeming.redeem(newer, password, account).ok, "the newer secret did not work"
    late = redeeming.redeem(older, fresh_password(), account)
    if late.ok:
        finding("SR-08", "an older reset secret still worked after a newer one had been used (Keycloak #40631)")
    assert redeeming.signs_in(account, password), "a refused older secret changed the password"


def test_sr09_one_accounts_secret_does_not_reset_another_account(redeeming: Driver) -> None:
    needs_named_account(redeeming)
    alice, bob = redeeming.new_account(), redeeming.new_account()
    secret = redeeming.issue(alice)
    response = redeeming.redeem(secret, fresh_password(), bob)
    assert not response.ok, f"Alice's secret changed Bob's password: {response.status_code} {response.text[:300]}"
    assert redeeming.signs_in(bob, OLD_PASSWORD), "Bob's password changed"
    assert redeeming.signs_in(alice, OLD_PASSWORD), "Alice's password changed"


def test_sr09_a_secret_is_checked_against_the_named_accounts_own_pending_reset(redeeming: Driver) -> None:
    needs_named_account(redeeming)
    alice, bob = redeeming.new_account(), redeeming.new_account()
    alices, bobs = redeeming.issue(alice), redeeming.issue(bob)
    assert not redeeming.redeem(alices, fresh_password(), bob).ok, "Alice's secret reset Bob's password"
    assert redeeming.signs_in(bob, OLD_PASSWORD), "Bob's password changed"
    password = fresh_password()
    assert redeeming.redeem(bobs, password, bob).ok, "Bob's own secret no longer works"
    assert redeeming.signs_in(bob, password)


def test_sr04_guessing_is_capped_where_a_secret_is_short(redeeming: Driver) -> None:
    """After 100 wrong guesses even the right secret must fail; a secret of 64 bits or more needs no cap."""
    account = redeeming.new_account()
    secret = redeeming.issue(account)
    bits, alphabet = nominal_bits([secret.value])
    if bits >= 64:
        not_applicable(redeeming.vendor, f"{bits:.0f}-bit secrets: NIST 5.1.3.2 asks for an attempt limit below 64")
    guesses = _wrong_guesses(secret.value, ATTEMPT_CAP + 1)
    answers = [redeeming.redeem(Secret(guess), fresh_password(), account) for guess in guesses]
    assert not any(a.ok for a in answers), "a wrong guess reset the password"
    if redeeming.redeem(secret, fresh_password(), account).ok:
        chance = ATTEMPT_CAP / (2**bits)
        finding(
            "SR-04",
            f"the right code still worked after {len(guesses)} wrong guesses: no attempt cap within "
            f"{ATTEMPT_CAP} ({bits:.0f}-bit {alphabet} codes; with a cap of {ATTEMPT_CAP} an attacker's chance per "
            f"code would be {chance:.1e}). A configuration finding: the lockout policy may govern this",
        )


def _wrong_guesses(secret: str, count: int) -> list[str]:
    alphabet = sorted(set(secret) | set("ABCDEFGHJKMNPQRSTUVWXYZ0123456789"))
    guesses: set[str] = set()
    while len(guesses) < count:
        guess = "".join(secrets.choice(alphabet) for _ in secret)
        if guess != secret:
            guesses.add(guess)
    return sorted(guesses)
