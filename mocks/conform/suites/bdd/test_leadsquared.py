"""LeadSquared scenarios (features/leadsquared) and the steps only LeadSquared has: lead fields, keys, rate limit."""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any

from pytest_bdd import given, parsers, scenarios, then, when

from ....clients import Request
from ...accounts import TestAccount
from ...driving import Driver, link_params
from ...target import Target
from .conftest import Context, describe, empty_rate_windows, step_text

scenarios("leadsquared")

# Reset Password has an older path and a v2 path; every scenario that completes a reset runs on both.
SURFACED_STEPS = re.compile(r"\breset (?:is|was) completed|\breset for .+ is completed")
PUBLIC_AUTH_KEY = Request("getPublicAuthKey", query={"accessKey": "{access_key}", "secretKey": "{secret_key}"})


# Forgot Password ---------------------------------------------------------------------------------------------
def _lead_field(account: TestAccount, schema: str) -> str | None:
    return {"EmailAddress": account.email, "Phone": account.phone, "Mobile": account.phone}[schema]


@when(
    parsers.re(
        r'a reset link is requested for "(?P<email>[^"]+)" by its (?P<schema>\w+) field'
        r"(?:, to be sent to its (?P<recipient>\w+) field)?"
    )
)
def reset_by_search_key(email: str, schema: str, recipient: str | None, ctx: Context, driver: Driver) -> None:
    account = ctx.account(email)
    body: dict[str, Any] = {"SearchKeyData": {"SchemaName": schema, "Value": _lead_field(account, schema)}}
    if recipient:
        body["RecipientField"] = {"SchemaName": recipient}
    ctx.response = driver.initiate(account.email, json=body)


@when(step_text('a reset link is requested for "{email}" with a public auth key that is not valid'))
def reset_with_bad_key(email: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.initiate(ctx.account(email).email, public_auth_key="not-a-public-auth-key")


@then("the response reveals neither the lead id nor the temporary password")
def reveals_nothing(ctx: Context) -> None:
    response = ctx.last_response
    assert "LeadId" not in response.text and "TemporaryPassword" not in response.text, describe(response)
    for value in link_params(ctx.message()["link"]).values():
        assert value.lower() not in response.text.lower(), describe(response)


# Reset Password -------------------------------------------------------------------------------------------------
@when(step_text('the reset for "{other}" is completed with the link from the e-mail and the new password "{password}"'))
def reset_for_other_lead(other: str, password: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.complete(ctx.message()["link"], password, id=ctx.account(other).id)


@when("the reset is completed for a lead that does not exist")
def reset_for_unknown_lead(ctx: Context, driver: Driver) -> None:
    link = f"https://portal.example.com/reset?LeadId={uuid.uuid4()}&TemporaryPassword={secrets.token_hex(32)}"
    ctx.response = driver.complete(link, "New-Passw0rd!")


# Keys -------------------------------------------------------------------------------------------------------------
@when("the public auth key is requested with the portal's access and secret keys")
def public_key(ctx: Context, driver: Driver) -> None:
    ctx.response = driver.send(PUBLIC_AUTH_KEY, driver.values())


@when("the public auth key is requested with a wrong secret key")
def public_key_wrong_secret(ctx: Context, driver: Driver) -> None:
    ctx.response = driver.send(PUBLIC_AUTH_KEY, driver.values(secret_key="not-the-secret-key"))


@then("the response holds the portal's public auth key")
def holds_public_key(ctx: Context, driver: Driver) -> None:
    assert ctx.json()["PublicAuthKey"] == driver.credentials["public_auth_key"], describe(ctx.last_response)


# Rate limit ------------------------------------------------------------------------------------------------------
@given(step_text("no LeadSquared call has been made for {seconds:d} seconds"))
def quiet_for(seconds: int, target: Target, driver: Driver) -> None:
    window = max(limit.window_seconds for limit in driver.client.rate_limits().values())
    assert seconds >= window, f"the window is {window:g} seconds; a shorter pause leaves calls in it"
    empty_rate_windows(target, driver.vendor)


@when(step_text('{count:d} reset links are requested for "{email}" in quick succession'))
def burst(count: int, email: str, ctx: Context, driver: Driver) -> None:
    address = ctx.account(email).email
    ctx.data["burst"] = [driver.initiate(address, paced=False) for _ in range(count)]


@then(step_text("every one of them is answered {status:d}"))
def burst_answered(status: int, ctx: Context) -> None:
    refused = [describe(r) for r in ctx.data["burst"] if r.status_code != status]
    assert not refused, f"{len(refused)} of {len(ctx.data['burst'])} calls: {refused[0]}"


@when(step_text('one more reset link is requested for "{email}"'))
def one_more(email: str, ctx: Context, driver: Driver) -> None:
    ctx.response = driver.initiate(ctx.account(email).email, paced=False)
