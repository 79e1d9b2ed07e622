"""The new password a reset sets, and the old one until then (shared/security.md SR-14 and SR-17).

SR-14 is checked against each vendor's own contract: a password shorter than the documented minimum is refused,
a long one is accepted and kept whole. Where the contract itself falls short of NIST 800-63B or ASVS (a minimum
below 8, composition rules, no breached-password list) the check reports a finding, not a failure.
"""

from __future__ import annotations

import secrets

from ...driving import Driver
from ...outcomes import finding
from .conftest import OLD_PASSWORD, fresh_password

NIST_MINIMUM = 8
BREACHED = "Password123!"  # in every published top-1000 list, and passes composition rules
PASSPHRASE = "correct horse battery staple"  # long, lower-case letters and spaces only


def long_password(length: int) -> str:
    """`length` ASCII characters (so bytes too) with every character class."""
    body = secrets.token_hex(length)[: length - 4]
    return f"Lp{body}1!"[:length]


def test_sr14_a_password_below_the_documented_minimum_is_refused(redeeming: Driver) -> None:
    minimum = redeeming.client.minimum_password_length
    account = redeeming.new_account()
    secret = redeeming.issue(account)
    short = ("Sh0rt!" + secrets.token_hex(8))[: (minimum or NIST_MINIMUM) - 1]
    response = redeeming.redeem(secret, short, account)
    if minimum is None:
        if response.ok:
            finding(
                "SR-14",
                f"a {len(short)}-character password was accepted; the contract documents no policy "
                f"(NIST 800-63B 5.1.1.2 and ASVS 5.0 6.2.1 ask for at least {NIST_MINIMUM})",
            )
        return
    assert 400 <= response.status_code < 500, (
        f"a {len(short)}-character password was not refused: {response.text[:300]}"
    )
    assert redeeming.signs_in(account, OLD_PASSWORD), "the refused reset changed the password"
    if minimum < NIST_MINIMUM:
        finding("SR-14", f"the documented minimum is {minimum} characters, below NIST 800-63B's {NIST_MINIMUM}")


def test_sr14_a_long_password_is_accepted_and_kept_whole(redeeming: Driver) -> None:
    """64 characters must be accepted (ASVS 6.2.9); signing in with a prefix (bcrypt keeps 72 bytes) must fail."""
    account = redeeming.new_account()
    password = long_password(100)
    response = redeeming.redeem(redeeming.issue(account), long_password(64), account)
    assert response.ok, f"a 64-character password was refused: {response.status_code} {response.text[:300]}"
    response = redeeming.redeem(redeeming.issue(account), password, account)
    if not response.ok:
        assert 400 <= response.status_code < 500, f"a 100-character password broke the server: {response.status_code}"
        return  # refused openly, not truncated silently
    assert redeeming.signs_in(account, password), "the 100-character password does not sign in"
    for length in (72, 64):
        assert not redeeming.signs_in(account, password[:length]), (
            f"its first {length} characters also sign in: the password is truncated before it is checked"
        )


def test_sr14_a_breached_password_is_refused(redeeming: Driver) -> None:
    account = redeeming.new_account()
    response = redeeming.redeem(redeeming.issue(account), BREACHED, account)
    if response.ok:
        finding("SR-14", f"the breached password {BREACHED!r} was accepted (ASVS 5.0 6.2.4: check a breached list)")
    assert 400 <= response.status_code < 500, f"{response.status_code} {response.text[:300]}"


def test_sr14_no_composition_rules(redeeming: Driver) -> None:
    account = redeeming.new_account()
    response = redeeming.redeem(redeeming.issue(account), PASSPHRASE, account)
    if not response.ok:
        assert 400 <= response.status_code < 500, f"{response.status_code} {response.text[:300]}"
        finding(
            "SR-14", f"the passphrase {PASSPHRASE!r} was refused: the vendor violates ASVS 6.2.5 (composition rules)"
        )
    assert redeeming.signs_in(account, PASSPHRASE)


def test_sr17_asking_for_a_reset_changes_nothing_yet(initiating: Driver) -> None:
    """Until the secret is redeemed, the old password works and the account is not locked."""
    account = initiating.new_account()
    for _ in range(2):
        response = initiating.initiate(initiating.identifier_of(account))
        assert response.ok, f"{response.status_code} {response.text[:300]}"
        assert initiating.signs_in(account, OLD_PASSWORD), "the old password stopped working before the reset"
    assert not initiating.signs_in(account, fresh_password())
