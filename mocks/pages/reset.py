"""`GET /__admin/reset-page/<vendor>`: where each vendor's default reset link lands, like ZITADEL's hosted login UI.

The page is a client of the vendor's own API, as a team's app would be: its script sets the new password with the
values the link carries and then signs in, with the mock's dev credentials, by the vendor's client record
(`clients/`): its redeem and sign-in requests, whose templates the script fills in (paths come from the spec).
Other links of a vendor land here too, as its record describes them: a one-time password's login link signs in with
the code, a verification link confirms the address it names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

from ..clients import CLIENTS, Client, Request, pick
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


def step_json(env: Env, vendor: Vendor, request: Request, failed: str) -> dict[str, Any]:
    """A request template for the page's script; its URL is relative to the page, so a proxy's path prefix keeps
    working, and `{name}` is filled in by the script. `failed` is what the page says when the vendor refuses it."""
    method, path = route(request, env.specs[vendor.name].operations[request.operation])
    body = {**request.addressing, **request.json} if request.addressing else request.json
    url = "../.." + env.settings.prefix(vendor.name) + path
    return {
        "method": method,
        "url": url,
        "headers": dict(request.headers),
        "json": body,
        "form": request.form,
        "failed": failed,
    }


@dataclass(frozen=True)
class Landing:
    """What a link does on the page: its words, the values it adds, and the requests its button sends in turn."""

    kind: str  # "reset", "sign-in" (a one-time password's login link) or "verify" (a verification link)
    heading: str
    button: str
    done: str
    steps: tuple[tuple[Request, str], ...]  # (request, what the page says when it is refused)
    values: Mapping[str, str] = field(default_factory=dict)
    asks_password: bool = False


def landing(client: Client, params: Mapping[str, str]) -> Landing:
    """The landing a link of `client`'s vendor with the query `params` asks for: a verification link (its secret and
    the address it names), a one-time password's login link, else a reset link."""
    sign_in = pick(client.sign_in, client.page_surface)
    for verification in client.verifications.values():
        if params.get(verification.secret.link) and verification.address in params:
            address = "mobile number" if verification.send.channel == "sms" else "e-mail address"
            return Landing(
                "verify",
                heading=f"Confirm your {address}",
                button=f"Confirm {params[verification.address]}",
                done=f"Your {address} is confirmed.",
                steps=((verification.confirm, f"The {address} was not confirmed."),),
                values={"secret": params[verification.secret.link]},
            )
    codes = client.one_time_passwords
    if codes is not None and params.get(codes.secret.link):
        return Landing(
            "sign-in",
            heading="Sign in with your one-time password",
            button="Sign in",
            done="Signed in with the one-time password.",
            steps=((sign_in, "Signing in with the one-time password failed."),),
            values={"password": params[codes.secret.link]},
        )
    return Landing(
        "reset",
        heading="Choose a new password",
        button="Set password and sign in",
        done="Password changed. Signed in with the new password.",
        steps=(
            (client.redeem_on(client.page_surface), "The password was not changed."),
            (sign_in, "The password was changed, but signing in with it failed."),
        ),
        asks_password=True,
    )


def sign_in_notice(state: str, notice: str, kind: str) -> tuple[str, str]:
    """A one-time password's status is not known to the page (codes are kept per member): it says what to do."""
    if kind != "sign-in":
        return state, notice
    return "sign-in", "This link signs you in once: give the e-mail address the one-time password was sent for."


def reset_page(env: Env, vendor: Vendor, params: Mapping[str, str]) -> Page:
    """The page a link of `vendor` whose query was `params` opens: a new-password form, a sign-in with a one-time
    password, or the confirmation of an address."""
    client = CLIENTS[vendor.name]
    found = landing(client, params)
    values = {**client.values(vendor.credentials(), **client.link_values(params)), **found.values}
    requests = [request for request, _ in found.steps]
    # The form asks for the account's e-mail only where a request needs it (ZITADEL's link names the user).
    asks_email = any("email" in request.placeholders() for request in requests) and "email" not in params
    nonce = new_nonce()
    config = {
        "vendor": vendor.name,
        "kind": found.kind,
        "values": values,
        "steps": [step_json(env, vendor, request, failed) for request, failed in found.steps],
        "done": found.done,
    }
    state, notice = code_notice(code_status(env, vendor.name, params), env.clock.now())
    state, notice = sign_in_notice(state, notice, found.kind)
    text = render(
        "reset.html",
        nonce=nonce,
        favicon=FAVICON,
        heading=escape(found.heading),
        button=escape(found.button),
        code_state=state,
        code_notice=escape(notice),
        form_hidden="" if state in ("redeemable", "sign-in") else " hidden",
        title=escape(env.specs[vendor.name].title),
        identifier=escape(account_email(env, vendor.name, params)),
        identifier_hidden="" if asks_email else " hidden",
        password_hidden="" if found.asks_password else " hidden",
        password_required=" required" if found.asks_password else "",
        config=json_for_html(config),
    )
    return Page(text, security_headers(nonce, framing="'none'"))
