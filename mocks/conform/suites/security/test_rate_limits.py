"""SR-03: a burst of reset requests meets a limit, says how long to wait, and is served again after that.

The limit is read from the operation's `x-rate-limit` in the vendor's spec (LeadSquared: 25 calls in 5 s per
key). Where a contract declares none, a burst that is never refused is a severity-S finding: the vendor may still
limit (OWASP's forgot-password cheat sheet, ASVS 2.2.1 and WSTG ask it to), it just does not say so.
"""

from __future__ import annotations

import email.utils
import secrets
import time

import requests

from ...driving import PACER, Driver, pacing_key
from ...outcomes import finding

UNDECLARED_BURST = 30  # requests for one account, where the contract declares no limit


def retry_after_seconds(response: requests.Response) -> float:
    """`Retry-After` as seconds: delta-seconds or an HTTP-date (RFC 9110 10.2.3); AssertionError otherwise."""
    value = response.headers.get("Retry-After", "").strip()
    assert value, "the 429 carries no Retry-After header (RFC 6585 4: it MAY; security.md SR-03: it must)"
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        raise AssertionError(f"Retry-After {value!r} is neither seconds nor an HTTP-date") from None
    return max(0.0, when.timestamp() - time.time())


def test_sr03_a_burst_of_reset_requests_is_limited(initiating: Driver) -> None:
    account = initiating.new_account()
    identifier = initiating.identifier_of(account)
    limit = initiating.client.rate_limit(initiating.initiate_request)
    if limit is None:
        answers = [initiating.initiate(identifier, paced=False) for _ in range(UNDECLARED_BURST)]
        refusals = [a for a in answers if a.status_code == 429]
        if not refusals:
            finding(
                "SR-03",
                f"{UNDECLARED_BURST} reset requests for one account in a row were all served, and the "
                "contract declares no limit (OWASP forgot-password cheat sheet, ASVS 4.0 2.2.1)",
            )
        retry_after_seconds(refusals[0])
        return
    PACER.empty_window(pacing_key(initiating.vendor, limit), limit)  # the burst below fills the window
    counted = initiating.target.mailbox is not None
    before = len(initiating.messages(account.email)) if counted else 0
    served = [initiating.initiate(identifier, paced=False) for _ in range(limit.limit)]
    assert all(r.ok for r in served), f"refused within the limit: {[r.status_code for r in served]}"
    # Another address does not escape a per-key limit (a vendor addressed otherwise gets the same one again).
    other = f"nobody-{secrets.token_hex(5)}@example.org" if initiating.client.identifier == "email" else identifier
    refused = initiating.initiate(other, paced=False)
    assert refused.status_code == 429, (
        f"call {limit.limit + 1} within {limit.window_seconds:g} s: {refused.status_code}"
    )
    wait = retry_after_seconds(refused)
    assert 0 < wait <= limit.window_seconds, f"Retry-After {wait:g} s for a {limit.window_seconds:g}-second window"
    if counted:
        sent = len(initiating.messages(account.email)) - before
        assert sent <= limit.limit, f"{sent} messages for {limit.limit} accepted requests"
    time.sleep(wait)
    again = initiating.initiate(identifier, paced=False)
    assert again.ok, f"still refused after waiting the {wait:g} s Retry-After asked for: {again.status_code}"
