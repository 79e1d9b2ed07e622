"""What a one-time password may do (shared/security.md SR-01, SR-04, SR-05, SR-07 to SR-09, SR-11), where a vendor
sends codes that sign an account in once in place of its password (its client record's `one_time_passwords`:
Placewise's, by e-mail or SMS). The code is read from the message; signing in is the record's sign-in with it.

Checks about one way to ask for a code run once per way (`[placewise-sms]`); checks about the codes run once per
vendor, on the e-mail way where there is one (`@sms` is needed only for a text message). A vendor that sends no
such codes is not applicable.
"""

from __future__ import annotations

import secrets

import pytest
import requests

from ....clients import CLIENTS, VENDORS
from ....clients.base import Delivery
from ...accounts import TestAccount
from ...driving import Driver, Surface, fresh_messages, link_params, messages_to
from ...outcomes import finding, not_applicable
from ...plugin import selected_vendors
from ...target import Target
from .conftest import OLD_PASSWORD, nominal_bits
from .test_reset_secrets import ATTEMPT_CAP, refused

CHANNELS = ("email", "sms")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`sending` is every way each selected vendor sends a code; `coded` one per vendor (its first e-mail way);
    `per_channel` the first way of each channel. A vendor without codes gets one entry, found not applicable."""
    wanted = [v for v in VENDORS if v in selected_vendors(metafunc.config)]
    for name in ("sending", "coded", "per_channel"):
        if name in metafunc.fixturenames:
            surfaces = [surface for vendor in wanted for surface in _surfaces(vendor, name)]
            metafunc.parametrize(name, surfaces, ids=[s.id for s in surfaces])


def _surfaces(vendor: str, kind: str) -> list[Surface]:
    codes = CLIENTS[vendor].one_time_passwords
    if codes is None:
        return [Surface(vendor)]
    if kind == "sending":
        return [Surface(vendor, name) for name in codes.send]
    first = {channel: next((n for n, d in codes.send.items() if d.channel == channel), None) for channel in CHANNELS}
    if kind == "per_channel":
        return [Surface(vendor, name) for name in first.values() if name is not None]
    return [Surface(vendor, first["email"] or next(iter(codes.send)))]


class Codes:
    """A client of one vendor asking for one-time passwords one way (`way`), and signing in with them."""

    def __init__(self, driver: Driver, way: str) -> None:
        codes = driver.client.one_time_passwords
        if codes is None:
            not_applicable(driver.vendor, "its contract has no one-time passwords")
        self.driver, self.codes, self.way = driver, codes, way

    @property
    def delivery(self) -> Delivery:
        return self.codes.send[self.way]

    @property
    def lifetime(self) -> float | None:
        return self.driver.client.lifetime(self.delivery.request, self.codes.secret)

    def address(self, account: TestAccount) -> str | None:
        return account.phone if self.delivery.channel == "sms" else account.email

    def ask(self, account: TestAccount | None = None, **values: str) -> requests.Response:
        """Ask for a code for `account` (or for the account `values` name)."""
        named = account.values if account is not None else {}
        return self.driver.send(self.delivery.request, self.driver.values(**{**named, **values}))

    def issue(self, account: TestAccount) -> tuple[str, requests.Response]:
        """A code for `account` as its owner reads it from the message, and the answer to the request for it."""
        channel = self.delivery.channel
        if channel == "sms" and (reason := self.driver.target.lacks("sms")) is not None:
            pytest.skip(f"@sms: {reason}")
        mailbox = self.driver.mailbox()
        address = self.address(account)
        seen = {m["id"] for m in messages_to(mailbox, self.driver.vendor, address, channel)}
        response = self.ask(account)
        assert response.ok, f"{self.delivery.request.operation}: {response.status_code} {response.text[:300]}"
        fresh = fresh_messages(mailbox, self.driver.vendor, address, seen, channel)
        assert fresh, f"{self.driver.vendor} sent no {channel} with {self.codes.secret.name} to {address}"
        message = fresh[0]
        code = link_params(message.get("link") or "").get(self.codes.secret.link) or message.get("token")
        assert code, f"the message carries no {self.codes.secret.name}: {message.get('text')!r}"
        return str(code), response

    def signs_in(self, account: TestAccount, code: str) -> requests.Response:
        return self.driver.sign_in(account, code)


def _codes(surface: Surface, target: Target, session: requests.Session) -> Codes:
    if surface.vendor not in target.vendors:
        pytest.skip(f"the target does not serve {surface.vendor}")
    return Codes(Driver(target, CLIENTS[surface.vendor], session=session), surface.name)


@pytest.fixture
def way(sending: Surface, target: Target, session: requests.Session) -> Codes:
    return _codes(sending, target, session)


@pytest.fixture
def codes(coded: Surface, target: Target, session: requests.Session) -> Codes:
    return _codes(coded, target, session)


@pytest.fixture
def channel_way(per_channel: Surface, target: Target, session: requests.Session) -> Codes:
    return _codes(per_channel, target, session)


def wrong_password(codes: Codes) -> frozenset[int]:
    return frozenset({codes.driver.client.refusals.wrong_password})


# Asking for a code ------------------------------------------------------------------------------------------------
def test_sr01_asking_for_a_code_does_not_tell_unknown_accounts_apart(codes: Codes) -> None:
    if (reason := codes.codes.reveals_unknown_users) is not None:
        not_applicable(codes.driver.vendor, reason)
    known = codes.driver.new_account()
    nobody = {"email": f"nobody-{secrets.token_hex(5)}@example.org", "phone": f"+4797{secrets.randbelow(10**6):06d}"}
    for name in codes.codes.send:
        way = Codes(codes.driver, name)
        answers = [way.ask(known), way.ask(None, **nobody)]
        assert len({(a.status_code, a.text) for a in answers}) == 1, f"{name}: {[a.status_code for a in answers]}"


def test_sr11_the_answer_to_asking_for_a_code_carries_no_code(way: Codes) -> None:
    account = way.driver.new_account()
    code, response = way.issue(account)
    assert code not in response.text, "the response body carries the one-time password"
    assert all(code not in value for value in response.headers.values()), "a response header carries the code"


# Using a code -----------------------------------------------------------------------------------------------------
def test_sr05_a_code_signs_in_only_once(way: Codes) -> None:
    account = way.driver.new_account()
    code, _ = way.issue(account)
    assert way.signs_in(account, code).ok, f"{way.codes.secret.name} did not sign in"
    problem = refused(way.signs_in(account, code), wrong_password(way))
    assert problem is None, f"a second sign-in with one code was not refused: {problem}"
    assert way.driver.signs_in(account, OLD_PASSWORD), "the account's own password stopped working"


@pytest.mark.clock
def test_sr07_an_expired_code_is_refused(codes: Codes) -> None:
    account = codes.driver.new_account()
    code, _ = codes.issue(account)
    assert codes.lifetime is not None, f"the spec gives no lifetime for {codes.codes.secret.name}"
    codes.driver.target.let_time_pass(codes.driver.vendor, codes.lifetime + 1)
    problem = refused(codes.signs_in(account, code), wrong_password(codes))
    assert problem is None, f"a code older than {codes.lifetime:g} s was not refused: {problem}"


def test_sr08_an_older_code_stops_working_once_a_newer_one_is_used(codes: Codes) -> None:
    account = codes.driver.new_account()
    older, _ = codes.issue(account)
    newer, _ = codes.issue(account)
    assert codes.signs_in(account, newer).ok, "the newer code did not sign in"
    if older != newer and codes.signs_in(account, older).ok:
        finding("SR-08", "an older one-time password still signed in after a newer one had been used")


def test_sr09_one_accounts_code_does_not_sign_in_another_account(codes: Codes) -> None:
    alice, bob = codes.driver.new_account(), codes.driver.new_account()
    code, _ = codes.issue(alice)
    problem = refused(codes.signs_in(bob, code), wrong_password(codes))
    assert problem is None, f"Alice's one-time password signed Bob in: {problem}"
    assert codes.signs_in(alice, code).ok, "Alice's own code no longer works after Bob's attempt"


def test_sr04_guessing_is_capped_where_a_code_is_short(channel_way: Codes) -> None:
    """After 100 wrong codes even the right one must fail; a code of 64 bits or more needs no cap."""
    way = channel_way
    account = way.driver.new_account()
    code, _ = way.issue(account)
    bits, alphabet = nominal_bits([code])
    if bits >= 64:
        not_applicable(way.driver.vendor, f"{bits:.0f}-bit codes: NIST 5.1.3.2 asks for an attempt limit below 64")
    guesses = _wrong_guesses(code, ATTEMPT_CAP + 1)
    assert not any(way.signs_in(account, guess).ok for guess in guesses), "a wrong code signed in"
    if way.signs_in(account, code).ok:
        finding(
            "SR-04",
            f"the right one-time password ({way.delivery.channel}) still signed in after {len(guesses)} wrong ones: "
            f"no attempt cap within {ATTEMPT_CAP} ({bits:.0f}-bit {alphabet} codes; with a cap of {ATTEMPT_CAP} an "
            f"attacker's chance per code would be {ATTEMPT_CAP / 2**bits:.1e}). A configuration finding: the lockout "
            "policy may govern this",
        )


def _wrong_guesses(code: str, count: int) -> list[str]:
    """`count` codes of the same length and alphabet as `code` (digits for a numeric one), none of them `code`."""
    alphabet = sorted(set(code) | (set("0123456789") if code.isdigit() else set()))
    made: set[str] = set()
    while len(made) < count:
        guess = "".join(secrets.choice(alphabet) for _ in code)
        if guess != code:
            made.add(guess)
    return sorted(made)
