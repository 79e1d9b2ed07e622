"""A vendor's record: the pipeline's `Api` plus its accounts, credentials and transports; and the helpers its
handlers share (accounts, default links, delivering a message)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any, Protocol

from ..api import Answer, Api, Call
from ..errors import ApiError, Kind
from ..flows.codes import render_reset_link
from ..flows.passwords import PasswordPolicy, hash_password
from ..openapi.spec import VendorSpec
from ..openapi.validation import RawRequest
from ..outbox import Channel, header_injection
from ..protocols import Customizable, VendorContext
from ..settings import Settings
from ..store.models import Account

if TYPE_CHECKING:
    from faker import Faker


# Transports: servers a vendor runs beside the HTTP app (ZITADEL's gRPC) ------------------------------------------
# The pipeline as a transport sees it: (operationId, request, path) -> the answer (faults, auth, validation, handler,
# strict check and journal, as for HTTP).
Dispatch = Callable[[str, RawRequest, str], Awaitable[Answer]]


class RunningTransport(Protocol):
    """A started transport: where it listens (as credential entries, e.g. `grpc_url`) and how to stop it."""

    endpoints: Mapping[str, str]
    # Where the HTTP port passes the HTTP/2 (h2c) connections it receives (a loopback address); None: not to this one.
    h2c_upstream: tuple[str, int] | None

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class Transport:
    """A server a vendor runs beside the HTTP app (gRPC on its own port); the app starts and stops it."""

    name: str
    # (settings, the vendor's spec, its pipeline) -> the running transport; None when the settings switch it off.
    start: Callable[[Settings, VendorSpec, Dispatch], Awaitable[RunningTransport | None]]


DEMO_PASSWORD = "Demo-Passw0rd!"  # every vendor's demo account (README); passes every vendor's password policy


@dataclass(frozen=True, slots=True)
class NewAccount:
    """What `POST /__admin/accounts` (and the seeder) asks a vendor to create."""

    email: str
    password: str
    phone: str | None = None
    username: str | None = None
    given_name: str = ""
    family_name: str = ""
    id: str | None = None  # seeded accounts get a deterministic id; None lets the vendor draw one


# Settings a team can shape (the organisation's name, branding colours, the password policy) --------------------------
def _no_rule(values: Mapping[str, Customizable]) -> None:
    """Every combination of valid values is allowed."""


@dataclass(frozen=True)
class Customization:
    """What a team may shape of a vendor's instance (`--customize VENDOR.NAME=VALUE`, `[customize.VENDOR]` in the
    config file, `PATCH /__admin/customizations/VENDOR`): each name with its default, whose type a value takes."""

    defaults: Mapping[str, Customizable]
    # The values -> the password policy they make (what the vendor and `POST /__admin/accounts` enforce).
    password_policy: Callable[[Mapping[str, Customizable]], PasswordPolicy] | None = None
    # Raises ValueError for a value (or combination) the vendor refuses, e.g. a colour that is not `#rrggbb`.
    check: Callable[[Mapping[str, Customizable]], None] = _no_rule

    def apply(self, current: Mapping[str, Customizable], changes: Mapping[str, object]) -> dict[str, Customizable]:
        """`current` with `changes`, each read as its default's type (text too: `"12"`, `"true"`); ValueError names
        what is wrong."""
        unknown = sorted(set(changes) - set(self.defaults))
        if unknown:
            raise ValueError(f"unknown {', '.join(unknown)} (known: {', '.join(self.defaults)})")
        values = dict(current)
        for name, value in changes.items():
            values[name] = _as_type_of(self.defaults[name], name, value)
        self.check(values)
        return values


def _as_type_of(default: Customizable, name: str, value: object) -> Customizable:
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ValueError(f"{name} is true or false, not {value!r}")
    if isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise ValueError(f"{name} is a whole number, not {value!r}")
    if isinstance(value, str):
        return value
    raise ValueError(f"{name} is text, not {value!r}")


@dataclass(frozen=True, kw_only=True)
class Vendor(Api):
    """One vendor: the pipeline's record of its spec (`Api`), plus its accounts, credentials and transports."""

    credentials: Callable[[], dict[str, str]]
    create_account: Callable[[VendorContext, NewAccount], dict[str, Any]]
    demo_account: NewAccount
    fake_account: Callable[[Faker], NewAccount]
    # Servers beside the HTTP app, started and stopped with it.
    transports: tuple[Transport, ...] = ()
    # What `POST /__admin/accounts` checks a password against (unless `force`); None: any non-empty password. A vendor
    # with a `customization` that makes a policy checks that one instead.
    password_policy: PasswordPolicy | None = None
    # Settings a team can shape; None: nothing.
    customization: Customization | None = None

    def policy_in_force(self, customized: Mapping[str, Customizable]) -> PasswordPolicy | None:
        """The password policy the vendor enforces with these customized values (else `password_policy`)."""
        make = self.customization.password_policy if self.customization is not None else None
        return make(customized) if make is not None else self.password_policy


# Default reset links (issue 9) ----------------------------------------------------------------------------------
def link_base(call: Call) -> str:
    """Where this vendor's default reset link points: `--link-base`, else the mock's hosted reset page; never Host."""
    return call.ctx.link_base(call.api.name)


def reset_link(call: Call, **params: str) -> str:
    """The vendor's default reset link: its link base with `params` added to the query string."""
    return render_reset_link(link_base(call), **params)


def lifetime(call: Call, what: str) -> float:
    """How long what `call`'s operation issues lives, in seconds: the spec's `x-lifetimes`, never a constant here."""
    seconds = call.operation.lifetimes.get(what)
    if seconds is None:
        raise KeyError(f"{call.operation.operation_id} has no x-lifetimes entry {what!r} in its spec")
    return seconds


def store_account(ctx: VendorContext, vendor: str, new: NewAccount, account_id: str, **extra: Any) -> Account:
    """Create and store the account behind `new`; vendors call this from their `create_account`."""
    now = ctx.clock.now()
    account = Account(
        vendor=vendor,
        id=account_id,
        email=new.email,
        password_hash=hash_password(new.password),
        phone=new.phone,
        username=new.username,
        given_name=new.given_name,
        family_name=new.family_name,
        created_at=now,
        password_changed_at=now,
        extra=dict(extra),
    )
    ctx.store.add_account(account)
    return account


def fake_person(faker: Faker, *, with_username: bool = False) -> NewAccount:
    """A deterministic (per faker seed) person whose password passes every vendor's policy."""
    given, family = faker.first_name(), faker.last_name()
    return NewAccount(
        email=faker.unique.email(),
        password=faker.password(length=14, special_chars=True, digits=True, upper_case=True, lower_case=True),
        phone=faker.unique.numerify("+4791######"),
        username=faker.unique.user_name() if with_username else None,
        given_name=given,
        family_name=family,
    )


def account_view(account: Account) -> dict[str, Any]:
    """The vendor-neutral fields the admin API promises for every account."""
    return {
        "id": account.id,
        "email": account.email,
        "phone": account.phone,
        "username": account.username,
        "given_name": account.given_name,
        "family_name": account.family_name,
    }


def deliver(
    call: Call,
    account: Account,
    *,
    channel: Channel,
    sender: str,
    subject: str,
    text: str,
    link: str | None = None,
    token: str | None = None,
    html: str | None = None,
) -> bool:
    """Record the message a vendor would send to the account's e-mail or phone; False if it has no such address.

    Without `html`, an e-mail's HTML is the escaped text plus a link button. A control character in a value that
    becomes a mail header is a 400 and nothing is sent (the specs refuse them first; this holds for every path in,
    saved state included).
    """
    to = account.phone if channel == "sms" else account.email
    if not to:
        return False
    unsafe = header_injection(to=to, sender=sender, subject=subject) if channel == "email" else None
    if unsafe is not None:
        field = {"to": "the recipient's address", "sender": "the sender", "subject": "the subject"}[unsafe]
        raise ApiError(Kind.INVALID, f"{field} contains a control character (CR, LF, ...): no e-mail was sent")
    if html is None:
        html = "" if channel == "sms" else f"<p>{escape(text).replace(chr(10), '<br>')}</p>"
        if link and channel == "email":
            html += f'<p><a href="{escape(link)}">{escape(subject)}</a></p>'
    call.outbox.send(
        vendor=call.api.name,
        channel=channel,
        to=to,
        sender=sender,
        subject=subject,
        text=text,
        html=html,
        link=link,
        token=token,
        now=call.now,
    )
    return True
