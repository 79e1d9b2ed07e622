"""What follows a completed reset (shared/security.md SR-15, SR-16 and SR-18; all severity S).

Every response and message after the reset is also searched for its new password and secret: the inspector
retires both when the redemption succeeds, and `check_message` does the same for what the mailbox shows.
"""

from __future__ import annotations

from typing import Any

import requests

from ...driving import Driver
from ...inspection import active
from ...outcomes import finding, not_applicable
from .conftest import fresh_password

# Names that mean "you are signed in" in a response body (any vendor, any case, snake or camel).
SESSION_FIELDS = {"accesstoken", "refreshtoken", "idtoken", "sessiontoken", "sessionid", "authkey", "token"}


def session_fields(body: Any, path: str = "$") -> list[str]:
    found: list[str] = []
    if isinstance(body, dict):
        for key, value in body.items():
            here = f"{path}.{key}"
            if str(key).replace("_", "").replace("-", "").lower() in SESSION_FIELDS and value:
                found.append(here)
            found += session_fields(value, here)
    elif isinstance(body, list):
        for index, value in enumerate(body):
            found += session_fields(value, f"{path}[{index}]")
    return found


def test_sr16_a_completed_reset_does_not_sign_the_user_in(redeeming: Driver) -> None:
    account = redeeming.new_account()
    response = redeeming.redeem(redeeming.issue(account), fresh_password(), account)
    assert response.ok, f"{response.status_code} {response.text[:300]}"
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = None
    fields = session_fields(body)
    if fields or "set-cookie" in (h.lower() for h in response.headers):
        finding(
            "SR-16", f"the reset response signs the user in ({', '.join(fields) or 'Set-Cookie'}); OWASP: no auto-login"
        )


def test_sr15_sessions_from_before_the_reset_end(redeeming: Driver) -> None:
    check = redeeming.client.session
    if check is None:
        not_applicable(redeeming.vendor, "the contract has no operation that accepts a signed-in session to replay")
    account = redeeming.new_account()
    signed_in = redeeming.sign_in(account, account.password)
    assert signed_in.ok, f"{signed_in.status_code} {signed_in.text[:300]}"
    session = str(signed_in.json()[check.token])
    assert redeeming.session_works(session), "a fresh member token is not valid"
    assert redeeming.redeem(redeeming.issue(account), fresh_password(), account).ok
    if redeeming.session_works(session):
        finding("SR-15", "a member token issued before the reset still works after it (ASVS 5.0 7.4.3)")


def test_sr18_the_user_is_told_the_password_changed(redeeming: Driver) -> None:
    account = redeeming.new_account()
    secret = redeeming.issue(account)
    seen = {m["id"] for m in redeeming.messages(account.email)}
    response: requests.Response = redeeming.redeem(secret, fresh_password(), account)
    assert response.ok, f"{response.status_code} {response.text[:300]}"
    after = redeeming.new_messages(account.email, seen, wait=True)
    inspector = active()
    for message in after:
        if inspector is not None:
            inspector.check_message(message)  # the notice, like everything after the reset, carries no secret
    if not after:
        finding("SR-18", "no message told the user that the password was changed (ASVS 4.0 2.2.3, NIST 6.1.2.3)")
