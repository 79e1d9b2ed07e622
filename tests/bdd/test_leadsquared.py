"""LeadSquared scenarios (features/leadsquared) and the steps only LeadSquared has: lead fields, keys, rate limit."""

from __future__ import annotations

import re
import secrets
import time
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from pytest_bdd import given, parsers, scenarios, then, when

from resetkit.conform.target import Target

from .conftest import Account, Context, Surface, describe, http, link_params, step_text

scenarios("leadsquared")

RATE_LIMIT, RATE_WINDOW_SECONDS = 25, 5  # "API calls exceeded the limit of 25 in 5 second(s)"
RESET_PATHS = {"older": "/api/Authentication/ResetPassword", "v2": "/api/Authentication/v2/ResetPassword"}
# Reset Password has an older path and a v2 path; every scenario that completes a reset runs on both.
SURFACES = [Surface("leadsquared", "older"), Surface("leadsquared", "v2")]
SURFACED_STEPS = re.compile(r"\breset (?:is|was) completed|\breset for .+ is completed")


PACING_MARGIN_SECONDS = 0.25


@dataclass
class Pacer:
    """Our own public-key calls, so a target whose clock we cannot move never sees more than 25 in 5 seconds."""

    calls: deque[float] = field(default_factory=deque)
    settled: bool = False

    def record(self, *, wait: bool) -> None:
        # A call is recorded before it is sent, so the server counts it a little later: a margin keeps the two apart.
        window = RATE_WINDOW_SECONDS + PACING_MARGIN_SECONDS
        now = time.monotonic()
        while self.calls and self.calls[0] <= now - window:
            self.calls.popleft()
        if wait and len(self.calls) >= RATE_LIMIT:
            time.sleep(self.calls[0] + window - now)
        self.calls.append(time.monotonic())

    def settle_once(self) -> None:
        """Before the first scenario on a target whose clock we cannot move, let a whole window pass: the calls
        other suites of this run made just before (the contract suite's) are not ours to count."""
        if not self.settled:
            time.sleep(RATE_WINDOW_SECONDS)
            self.settled = True

    def wait_for_empty_window(self) -> None:
        if self.calls:
            time.sleep(max(0.0, self.calls[-1] + RATE_WINDOW_SECONDS - time.monotonic()))
        self.calls.clear()


PACER = Pacer()  # one budget per key for the whole run, like the server's


@dataclass
class LeadSquaredDriver:
    """Forgot Password sends a link with LeadId and TemporaryPassword; Reset Password redeems it; Sign In proves it."""

    base: str
    public_auth_key: str
    access_key: str
    secret_key: str
    pacer: Pacer | None = None  # None on the mock, whose clock the scenarios move instead
    surface: str = "older"
    vendor: str = "leadsquared"
    sign_in_refused_status: int = 401

    def portal(
        self,
        path: str,
        body: str | dict[str, Any],
        key: str | None = None,
        *,
        paced: bool = True,
        completes: Sequence[tuple[str, str]] = (),
    ) -> requests.Response:
        if self.pacer is not None:
            self.pacer.record(wait=paced)
        headers = {"Authorization": self.public_auth_key if key is None else key}
        if isinstance(body, dict):
            return http("POST", f"{self.base}{path}", json=body, headers=headers, completes=completes)
        headers["Content-Type"] = "application/json"
        return http("POST", f"{self.base}{path}", data=body.encode(), headers=headers, completes=completes)

    def forgot_password(
        self, body: str | dict[str, Any], key: str | None = None, *, paced: bool = True
    ) -> requests.Response:
        return self.portal("/api/Authentication/SecureForgotPassword", body, key, paced=paced)

    def request_reset(self, account: Account) -> requests.Response:
        return self.forgot_password({"EmailAddress": account.email})

    def request_reset_with_body(self, body: str) -> requests.Response:
        return self.forgot_password(body)

    def complete_reset(self, link: str, password: str, lead_id: str | None = None) -> requests.Response:
        """Reset Password on the driver's surface (older or v2 path) with the link's lead and temporary password."""
        params = link_params(link)
        body = {
            "Password": password,
            "LeadId": params.get("LeadId", "") if lead_id is None else lead_id,
            "TemporaryPassword": params.get("TemporaryPassword", ""),
        }
        completes = [(password, "the new password"), (body["TemporaryPassword"], "the temporary password")]
        return self.portal(RESET_PATHS[self.surface], body, completes=completes)

    def sign_in(self, account: Account, password: str) -> requests.Response:
        return self.portal("/api/Authentication/Signin", {"EmailAddress": account.email, "Password": password})

    def public_auth_key_for(self, access_key: str, secret_key: str) -> requests.Response:
        params = {"accessKey": access_key, "secretKey": secret_key}
        return http("GET", f"{self.base}/api/Access/PublicToken", params=params)


@pytest.fixture
def driver(target: Target, surface: Surface) -> LeadSquaredDriver:
    credentials = target.credentials["leadsquared"]
    return LeadSquaredDriver(
        target.base_url("leadsquared"),
        credentials["public_auth_key"],
        credentials["access_key"],
        credentials["secret_key"],
        pacer=None if target.is_mock else PACER,
        surface=surface.name,
    )


def wait_for_empty_rate_window(target: Target) -> None:
    """Let the public key's 5-second budget refill: move the mock's clock, or wait out our last call elsewhere."""
    if target.admin is not None:
        target.admin.advance_clock(RATE_WINDOW_SECONDS)
    else:
        PACER.wait_for_empty_window()


@pytest.fixture(autouse=True)
def _own_rate_budget(request: pytest.FixtureRequest, target: Target) -> None:
    """Every portal call counts against one key, so on the mock each scenario starts with a full budget.

    Elsewhere the driver paces its calls instead; the rate-limit feature empties the window in its Background.
    """
    if "leadsquared" not in target.vendors:
        return
    if not target.is_mock:
        PACER.settle_once()
    elif request.node.get_closest_marker("rate_limit") is None:
        wait_for_empty_rate_window(target)


# Forgot Password ---------------------------------------------------------------------------------------------
def _lead_field(account: Account, schema: str) -> str:
    return {"EmailAddress": account.email, "Phone": account.phone, "Mobile": account.phone}[schema]


@when(
    parsers.re(
        r'a reset link is requested for "(?P<email>[^"]+)" by its (?P<schema>\w+) field'
        r"(?:, to be sent to its (?P<recipient>\w+) field)?"
    )
)
def reset_by_search_key(
    email: str, schema: str, recipient: str | None, ctx: Context, driver: LeadSquaredDriver
) -> None:
    account = ctx.account(email)
    body: dict[str, Any] = {"SearchKeyData": {"SchemaName": schema, "Value": _lead_field(account, schema)}}
    if recipient:
        body["RecipientField"] = {"SchemaName": recipient}
    ctx.response = driver.forgot_password(body)


@when(step_text('a reset link is requested for "{email}" with a public auth key that is not valid'))
def reset_with_bad_key(email: str, ctx: Context, driver: LeadSquaredDriver) -> None:
    ctx.response = driver.forgot_password({"EmailAddress": ctx.account(email).email}, key="not-a-public-auth-key")


@then("the response reveals neither the lead id nor the temporary password")
def reveals_nothing(ctx: Context) -> None:
    response = ctx.last_response
    assert "LeadId" not in response.text and "TemporaryPassword" not in response.text, describe(response)
    for value in link_params(ctx.message()["link"]).values():
        assert value.lower() not in response.text.lower(), describe(response)


# Reset Password -------------------------------------------------------------------------------------------------
@when(step_text('the reset for "{other}" is completed with the link from the e-mail and the new password "{password}"'))
def reset_for_other_lead(other: str, password: str, ctx: Context, driver: LeadSquaredDriver) -> None:
    ctx.response = driver.complete_reset(ctx.message()["link"], password, lead_id=ctx.account(other).id)


@when("the reset is completed for a lead that does not exist")
def reset_for_unknown_lead(ctx: Context, driver: LeadSquaredDriver) -> None:
    link = f"https://portal.example.com/reset?LeadId={uuid.uuid4()}&TemporaryPassword={secrets.token_hex(32)}"
    ctx.response = driver.complete_reset(link, "New-Passw0rd!")


# Keys -------------------------------------------------------------------------------------------------------------
@when("the public auth key is requested with the portal's access and secret keys")
def public_key(ctx: Context, driver: LeadSquaredDriver) -> None:
    ctx.response = driver.public_auth_key_for(driver.access_key, driver.secret_key)


@when("the public auth key is requested with a wrong secret key")
def public_key_wrong_secret(ctx: Context, driver: LeadSquaredDriver) -> None:
    ctx.response = driver.public_auth_key_for(driver.access_key, "not-the-secret-key")


@then("the response holds the portal's public auth key")
def holds_public_key(ctx: Context, driver: LeadSquaredDriver) -> None:
    assert ctx.json()["PublicAuthKey"] == driver.public_auth_key, describe(ctx.last_response)


# Rate limit ------------------------------------------------------------------------------------------------------
@given(step_text("no LeadSquared call has been made for {seconds:d} seconds"))
def quiet_for(seconds: int, target: Target) -> None:
    assert seconds >= RATE_WINDOW_SECONDS, "the window is 5 seconds; a shorter pause leaves calls in it"
    wait_for_empty_rate_window(target)


@when(step_text('{count:d} reset links are requested for "{email}" in quick succession'))
def burst(count: int, email: str, ctx: Context, driver: LeadSquaredDriver) -> None:
    body = {"EmailAddress": ctx.account(email).email}
    ctx.data["burst"] = [driver.forgot_password(body, paced=False) for _ in range(count)]


@then(step_text("every one of them is answered {status:d}"))
def burst_answered(status: int, ctx: Context) -> None:
    refused = [describe(r) for r in ctx.data["burst"] if r.status_code != status]
    assert not refused, f"{len(refused)} of {len(ctx.data['burst'])} calls: {refused[0]}"


@when(step_text('one more reset link is requested for "{email}"'))
def one_more(email: str, ctx: Context, driver: LeadSquaredDriver) -> None:
    ctx.response = driver.forgot_password({"EmailAddress": ctx.account(email).email}, paced=False)
