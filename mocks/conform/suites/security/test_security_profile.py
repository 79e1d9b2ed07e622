"""A black-box security profile of asking for a reset (shared/security.md SR-01, 10, 11, 12, 13, 19, 20).

Every check runs against the selected target on every surface of the vendor's initiation; checks that read the
delivered messages need a mailbox (`target.mailbox`) and skip without one. The no-enumeration check runs on a
deployment when the credentials file names a `known_identifier` for the vendor, or when accounts can be created.
"""

from __future__ import annotations

import math
import secrets
import string
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from ....clients import CLIENTS
from ...driving import Driver
from ...outcomes import finding, not_applicable
from ...target import Target
from .conftest import addressed_by_email, known_identifier, nominal_bits


def comparable(response: requests.Response) -> tuple[int, str, list[str]]:
    volatile = {"date", "content-length", "x-request-id"}
    return response.status_code, response.text, sorted(h.lower() for h in response.headers if h.lower() not in volatile)


def test_sr01_unknown_and_known_accounts_get_the_same_answer(initiating: Driver) -> None:
    if (reason := initiating.client.reveals_unknown_users) is not None:
        not_applicable(initiating.vendor, reason)
    known = known_identifier(initiating)
    unknown = f"nobody-{secrets.token_hex(5)}@example.org"
    assert comparable(initiating.initiate(known)) == comparable(initiating.initiate(unknown))


def test_sr11_the_initiation_response_carries_no_secret(initiating: Driver) -> None:
    account = initiating.new_account()
    seen = {m["id"] for m in initiating.messages(account.email)}
    response = initiating.initiate(initiating.identifier_of(account))
    assert response.ok, response.text
    message = next(iter(initiating.new_messages(account.email, seen)), None)
    assert message is not None, f"no reset message reached {account.email}"
    secret = initiating.secret_in(message)
    assert secret, f"the message carries no secret: {message.get('text')!r}"
    assert secret not in response.text, "the response body carries the reset secret"
    assert all(secret not in value for value in response.headers.values()), "a response header carries the secret"


def test_sr12_neither_response_nor_message_reveals_the_password(initiating: Driver) -> None:
    account = initiating.new_account()
    seen = {m["id"] for m in initiating.messages(account.email)}
    response = initiating.initiate(initiating.identifier_of(account))
    message = next(iter(initiating.new_messages(account.email, seen)), None)
    assert message is not None, f"no reset message reached {account.email}"
    assert account.password not in response.text
    assert account.password not in (message["text"] or "") and account.password not in (message["html"] or "")


FORGED_HOSTS = [
    {"Host": "evil.example"},
    {"X-Forwarded-Host": "evil.example"},
    {"Forwarded": "host=evil.example;proto=http"},
    {"X-Forwarded-Proto": "http", "X-Host": "evil.example"},
]


@pytest.mark.parametrize("forged", FORGED_HOSTS, ids=lambda h: ",".join(h))
def test_sr13_forged_host_headers_do_not_change_the_link(initiating: Driver, forged: dict[str, str]) -> None:
    account = initiating.new_account()
    identifier = initiating.identifier_of(account)
    seen = {m["id"] for m in initiating.messages(account.email)}
    initiating.initiate(identifier)
    honest = next(iter(initiating.new_messages(account.email, seen)), None)
    assert honest is not None, f"no reset message reached {account.email}"
    # A front may refuse a Host that is not its own (the mock does, against DNS rebinding) any way it likes.
    answer = initiating.initiate(identifier, headers=forged, inspected="Host" not in forged)
    poisoned = next(iter(initiating.new_messages(account.email, seen | {honest["id"]})), None)
    if poisoned is None and 400 <= answer.status_code < 500:
        return  # refused outright: no link at all, poisoned or not
    assert poisoned is not None, "the request with forged headers sent no message"
    assert urlsplit(poisoned["link"])[:2] == urlsplit(honest["link"])[:2]
    assert "evil.example" not in (poisoned["text"] or "") + (poisoned["html"] or "")


@pytest.mark.parametrize(
    "lookalike",
    ["MIKE@{domain}", "m\u0131ke@{domain}", "mi\u212ae@{domain}", "\uff4d\uff49\uff4b\uff45@{domain}"],
    ids=["upper", "dotless-i", "kelvin-sign", "full-width"],
)
def test_sr19_lookalike_addresses_never_redirect_the_message(initiating: Driver, lookalike: str) -> None:
    addressed_by_email(initiating, ", not by e-mail")
    domain = f"sr19-{secrets.token_hex(4)}.example.org"
    initiating.new_account(f"mike@{domain}")
    initiating.initiate(lookalike.format(domain=domain))
    recipients = {m["to"] for m in _all(initiating) if domain in m["to"].casefold()}
    assert recipients <= {f"mike@{domain}"}, f"a message went to {recipients - {f'mike@{domain}'}}"


def _all(driver: Driver) -> list[dict[str, Any]]:
    """Every message the vendor sent (the mailbox unfiltered by recipient)."""
    return list(driver.mailbox().messages(driver.vendor))


INJECTIONS: list[Any] = [
    ["a@x.example", "b@y.example"],
    "a@x.example,b@y.example",
    "a@x.example%0d%0acc:b@y.example",
    "a@x.example\r\ncc: b@y.example",
    "a@x.example\u0000b@y.example",
]


@pytest.mark.parametrize("identifier", INJECTIONS, ids=["array", "comma-list", "encoded-crlf", "crlf", "nul"])
def test_sr20_recipient_injection_is_refused_or_treated_as_unknown(initiating: Driver, identifier: Any) -> None:
    addressed_by_email(initiating, " in the path")
    for address in ("a@x.example", "b@y.example"):
        if not initiating.messages(address):
            initiating.new_account(f"inj-{secrets.token_hex(4)}-{address}")
    before = {m["id"] for m in _all(initiating)}
    response = initiating.initiate(identifier)
    assert response.status_code < 500
    sent = [m for m in _all(initiating) if m["id"] not in before]
    assert all(m["to"] not in ("b@y.example", identifier) for m in sent)
    assert len(sent) <= 1


@pytest.fixture
def zitadel(target: Target, session: requests.Session) -> Driver:
    if "zitadel" not in target.vendors:
        pytest.skip("the target does not serve zitadel")
    return Driver(target, CLIENTS["zitadel"], session=session)


@pytest.mark.zitadel
def test_sr10_zitadel_codes_are_six_uniform_characters(zitadel: Driver) -> None:
    """300 returned codes (returnCode: no mailbox needed), for the credentials' `user_id` or a new user."""
    user_id = zitadel.credentials.get("user_id") or zitadel.new_account().id
    codes = [_returned_code(zitadel, user_id) for _ in range(300)]
    alphabet = set(string.ascii_uppercase + string.digits)
    assert all(len(code) == 6 and set(code) <= alphabet for code in codes)
    assert len(set(codes)) == len(codes)  # 36^6 codes: any repeat in 300 draws is alarming (security.md section 6)
    counts = Counter("".join(codes))
    expected = len(codes) * 6 / len(alphabet)
    chi_square = sum((counts.get(c, 0) - expected) ** 2 / expected for c in alphabet)
    # 35 degrees of freedom: p < 1e-6 lies beyond about 90; only a broken generator gets there.
    assert chi_square < 90, f"characters far from uniform (chi-square {chi_square:.1f})"
    assert math.log2(len(alphabet)) * 6 >= 20  # at least the 20 bits NIST 5.1.3.2 asks of OOB codes


def _returned_code(driver: Driver, user_id: str) -> str:
    response = driver.hand_out(user_id)
    assert response.ok, response.text
    return str(response.json()["verificationCode"])


SAMPLES = 10  # enough to catch a constant or counter-like secret; the bits come from length and alphabet


def test_sr10_reset_secrets_are_long_and_unique(flow: Driver) -> None:
    """M: distinct, and at least 20 bits (NIST 5.1.3.2). S: a secret that travels in a link has 128 bits (WSTG)."""
    account = flow.new_account()
    samples = [flow.issue(account).value for _ in range(SAMPLES)]
    assert all(samples), "a reset secret was empty"
    assert len(set(samples)) == len(samples), f"{len(samples) - len(set(samples))} repeated secrets in {SAMPLES}"
    bits, alphabet = nominal_bits(samples)
    assert bits >= 20, f"{bits:.0f} bits ({min(map(len, samples))} characters of {alphabet}): NIST asks for 20"
    if bits < 128:
        finding("SR-10", f"the reset secret has {bits:.0f} bits ({alphabet}); a secret in a link should have 128")
