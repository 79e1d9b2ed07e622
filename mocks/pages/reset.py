"""`GET /__admin/reset-page/<vendor>`: where each vendor's default reset link lands, like ZITADEL's hosted login UI.

The page is a client of the vendor's own API, as a team's app would be: its script sets the new password with the
values the link carries and then signs in, with the mock's dev credentials, by the vendor's client record
(`clients/`): its redeem and sign-in requests, whose templates the script fills in (paths come from the spec).
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import TYPE_CHECKING, Any

from ..clients import CLIENTS, Request, pick
from ..clients.base import route
from ..flows.reset import SecretStatus, secret_status
from ..links import duration
from .html import FAVICON, Page, json_for_html, new_nonce, render, security_headers

if TYPE_CHECKING:
    from ..env import Env
    from ..vendors.base import Vendor


def account_email(env: Env, vendor: str, params: Mapping[str, str]) -> str:
    """The e-mail of the account the link is for, found by the reset secret among its values.

    Never by an account id alone: the page needs no token, so it must not tell anyone an account's address for an
    id (ZITADEL's `userID`, LeadSquared's `LeadId`); whoever holds the secret holds the e-mail it came in.
    """
    for value in params.values():
        pending = env.store.get_reset(vendor, value)
        account = env.store.get_account(vendor, pending.account_id) if pending is not None else None
        if account is not None:
            return account.email
    return ""


def code_status(env: Env, vendor: str, params: Mapping[str, str]) -> SecretStatus | None:
    """The status of the reset secret among the link's values (read, never used up); None when the link carries
    no value at all (opened without its query)."""
    if not any(params.values()):
        return None
    now = env.clock.now()
    statuses = [secret_status(env.store, vendor, value, now=now) for value in params.values() if value]
    return next((status for status in statuses if status.state != "unknown"), statuses[0])


def code_notice(status: SecretStatus | None, now: float) -> tuple[str, str]:
    """(state, words) shown above the form: `missing`, `redeemable`, `used`, `expired` or `unknown`."""
    if status is None:
        return "missing", "This link carries no reset code: open the link from the message itself."
    if status.state == "redeemable" and status.expires_at is not None:
        return "redeemable", f"This link is valid for {duration(status.expires_at - now)} more."
    if status.state == "used" and status.used_at is not None:
        return "used", f"This link was already used, {duration(now - status.used_at)} ago: request a new reset."
    if status.state == "expired" and status.expires_at is not None:
        return "expired", f"This link expired {duration(now - status.expires_at)} ago: request a new reset."
    return "unknown", "The mock does not know this link's code (a newer reset replaced it, or it is mistyped)."


def step_json(env: Env, vendor: Vendor, request: Request) -> dict[str, Any]:
    """A request template for the page's script; its URL is relative to the page, so a proxy's path prefix keeps
    working, and `{name}` is filled in by the script."""
    method, path = route(request, env.specs[vendor.name].operations[request.operation])
    body = {**request.addressing, **request.json} if request.addressing else request.json
    url = "../.." + env.settings.prefix(vendor.name) + path
    return {"method": method, "url": url, "headers": dict(request.headers), "json": body, "form": request.form}


def reset_page(env: Env, vendor: Vendor, params: Mapping[str, str]) -> Page:
    """The new-password form for a link of `vendor` whose query was `params`."""
    client = CLIENTS[vendor.name]
    values = client.values(vendor.credentials(), **client.link_values(params))
    reset = client.redeem_on(client.page_surface)
    sign_in = pick(client.sign_in, client.page_surface)
    # The form asks for the account's e-mail only where a request needs it (ZITADEL's link names the user).
    asks_email = "email" in reset.placeholders() | sign_in.placeholders()
    identifier = account_email(env, vendor.name, params)
    nonce = new_nonce()
    config = {
        "vendor": vendor.name,
        "values": values,
        "reset": step_json(env, vendor, reset),
        "signIn": step_json(env, vendor, sign_in),
    }
    state, notice = code_notice(code_status(env, vendor.name, params), env.clock.now())
    text = render(
        "reset.html",
        nonce=nonce,
        favicon=FAVICON,
        code_state=state,
        code_notice=escape(notice),
        form_hidden="" if state == "redeemable" else " hidden",
        title=escape(env.specs[vendor.name].title),
        identifier=escape(identifier),
        identifier_hidden="" if asks_email else " hidden",
        config=json_for_html(config),
    )
    return Page(text, security_headers(nonce, framing="'none'"))
