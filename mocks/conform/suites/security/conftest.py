"""How the security profile talks to a target: a `Driver` (resetkit.conform.driving) per vendor and surface.

A check asks for `initiating` (a driver on one of the vendor's surfaces for asking for a reset) or `redeeming` (one
of its surfaces for completing one), as the vendor's client record lists them; `pytest_generate_tests`
parametrizes them with the selected vendors only, so the ids read `[zitadel-connect]`, `[leadsquared-v2]`,
`[socialid-deprecated]`, `[placewise]`.

Every request goes through the driver, which hands the response to the test's inspector (the spec oracle, stack
traces, secrets retired by a completed reset) and keeps our own calls inside a vendor's documented rate limit
(`x-rate-limit`), so that only SR-03 ever meets it. Messages are read through `target.mailbox` and accounts come
from `target.accounts`: a check that needs either skips with the reason when the target has none.
"""

from __future__ import annotations

import math
import secrets
import string
from collections.abc import Iterator

import pytest
import requests

from ....clients import CLIENTS, VENDORS
from ...driving import INITIAL_PASSWORD, Driver, Surface
from ...inspection import Inspector
from ...outcomes import not_applicable
from ...plugin import selected_vendors, skip_unless_capable
from ...target import Target

OLD_PASSWORD = INITIAL_PASSWORD  # an account's password before a check resets it


def fresh_password() -> str:
    """A new password no one used before, passing every vendor's policy (upper, lower, digit, symbol, >= 8)."""
    return f"Nw-{secrets.token_hex(5)}-Pa1!"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`initiation`, `redemption` and `vendor` are parametrized with the selected vendors only."""
    wanted = [v for v in VENDORS if v in selected_vendors(metafunc.config)]
    for name, step in (("initiation", "initiate"), ("redemption", "redeem")):
        if name in metafunc.fixturenames:
            surfaces = [Surface(v, s) for v in wanted for s in getattr(CLIENTS[v], step)]
            metafunc.parametrize(name, surfaces, ids=[s.id for s in surfaces])
    if "vendor" in metafunc.fixturenames:
        metafunc.parametrize("vendor", [Surface(v) for v in wanted], ids=wanted)


# Fixtures -------------------------------------------------------------------------------------------------------
@pytest.fixture
def session(target: Target, inspector: Inspector) -> Iterator[requests.Session]:
    with requests.Session() as opened:
        yield opened


def _driver(surface: Surface, target: Target, session: requests.Session) -> Driver:
    if surface.vendor not in target.vendors:
        pytest.skip(f"the target does not serve {surface.vendor}")
    return Driver(target, CLIENTS[surface.vendor], surface.name, session)


@pytest.fixture
def initiating(initiation: Surface, target: Target, session: requests.Session) -> Driver:
    """The vendor's client, asking for resets on one of its surfaces."""
    return _driver(initiation, target, session)


@pytest.fixture
def redeeming(redemption: Surface, target: Target, session: requests.Session) -> Driver:
    """The vendor's client, completing resets on one of its surfaces."""
    return _driver(redemption, target, session)


@pytest.fixture
def flow(vendor: Surface, target: Target, session: requests.Session) -> Driver:
    """The vendor's client on its default surfaces, for checks about the vendor rather than a surface."""
    return _driver(vendor, target, session)


@pytest.fixture(autouse=True)
def _fits_target(request: pytest.FixtureRequest, target: Target) -> None:
    """A check marked with a capability (`@pytest.mark.clock`, ...) the target lacks is skipped with the reason."""
    skip_unless_capable(request.node, target)


def known_identifier(driver: Driver) -> str:
    """The credentials file's `known_identifier`, else a new account's."""
    known = driver.credentials.get("known_identifier")
    return known if known is not None else driver.identifier_of(driver.new_account())


ALPHABETS = [
    ("0-9", set(string.digits)),
    ("hexadecimal", set(string.hexdigits.lower())),
    ("HEXADECIMAL", set(string.hexdigits.upper())),
    ("A-Z0-9", set(string.ascii_uppercase + string.digits)),
    ("a-z0-9", set(string.ascii_lowercase + string.digits)),
    ("A-Za-z0-9", set(string.ascii_letters + string.digits)),
    ("base64url", set(string.ascii_letters + string.digits + "-_")),
]


def nominal_bits(samples: list[str]) -> tuple[float, str]:
    """len * log2(alphabet) for the smallest usual alphabet the samples fit (an upper bound, security.md 6)."""
    used = set("".join(samples))
    name, alphabet = next(((n, a) for n, a in ALPHABETS if used <= a), ("bytes", set(map(chr, range(256)))))
    return min(map(len, samples)) * math.log2(len(alphabet)), name


def needs_named_account(driver: Driver) -> None:
    if not driver.client.names_account:
        not_applicable(driver.vendor, f"no account is named beside the secret ({driver.client.unnamed_account})")


def addressed_by_email(driver: Driver, why: str) -> None:
    """A check about e-mail addresses in the request does not apply where the vendor names accounts otherwise."""
    if driver.client.identifier != "email":
        not_applicable(driver.vendor, f"addressed by {driver.client.identifier_label}{why}")
