"""The record that configures the shared machinery for one vendor, and what its handlers receive."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import HTTP_STATUS, ApiError, DomainError, Kind
from ..flows.codes import render_reset_link
from ..flows.passwords import PasswordPolicy, hash_password
from ..openapi.spec import Operation
from ..openapi.validation import RawRequest
from ..outbox import Channel
from ..store.models import AccessToken, Account

if TYPE_CHECKING:
    from faker import Faker

    from ..env import Env
    from ..outbox import Outbox
    from ..protocols import Store


@dataclass(frozen=True, slots=True)
class Reply:
    """A handler's answer: the mock turns it into an HTTP response and, in strict mode, checks it against the spec.

    A JSON `content_type` (the default) encodes `body` as JSON; any other type sends a `str` or `bytes` body as it
    is (an HTML page), or a `Stream` piece by piece (Server-Sent Events).
    """

    status: int
    body: Any = None  # None: no body
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


@dataclass(frozen=True, slots=True)
class Stream:
    """A body sent as `chunks()` yields it; the transport closes the iterator when the client goes away."""

    chunks: Callable[[], AsyncGenerator[bytes, None]]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the security scheme that matched, its credential, and the token or account behind it."""

    scheme: str
    credential: str
    account_id: str | None = None
    token: AccessToken | None = None


@dataclass(slots=True)
class Call:
    """A validated request as a handler sees it."""

    operation: Operation
    path: dict[str, Any]
    query: dict[str, Any]
    headers: Mapping[str, str]
    body: Any
    principal: Principal | None
    env: Env
    vendor: Vendor

    @property
    def now(self) -> float:
        return self.env.clock.now()

    @property
    def store(self) -> Store:
        return self.env.store

    @property
    def outbox(self) -> Outbox:
        return self.env.outbox


Handler = Callable[[Call], Reply]


# Wires and transports (issue 11): how a vendor speaks beside its spec's JSON over HTTP ------------------------------
@dataclass(frozen=True, slots=True)
class Wire:
    """Another encoding of an operation (protobuf, gRPC-web frames): `decode` turns the request into the spec's JSON
    before the pipeline validates it, `encode` turns the pipeline's (already strict-checked) JSON reply back."""

    decode: Callable[[Operation, RawRequest], RawRequest]
    encode: Callable[[Operation, Reply], Reply]


# (operation, the request's Content-Type) -> the wire it arrived on, or None for the spec's own media types.
WireFor = Callable[[Operation, "str | None"], Wire | None]
# The pipeline as a transport sees it: (operationId, request, path) -> reply (auth, validation, handler, strict).
Dispatch = Callable[[str, RawRequest, str], Reply]


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
    # (env, the vendor's pipeline) -> the running transport; None when the settings switch it off.
    start: Callable[[Env, Dispatch], Awaitable[RunningTransport | None]]


# An authenticator answers the principal for a credential, or None when the credential is not valid.
Authenticator = Callable[[str, "Env"], Principal | None]


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
Customizable = str | int | bool


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


@dataclass(frozen=True)
class Vendor:
    """One vendor: its spec, handlers by operationId, how its errors look, and its auth and limits."""

    name: str
    handlers: Mapping[str, Handler]
    # Where the vendor's status for a kind of failure differs from HTTP_STATUS; handlers may still pick their own.
    error_status: Mapping[Kind, int]
    # (error, default status, request path, operationId or None) -> the reply in the vendor's error shape
    render_error: Callable[[ApiError, int, str, str | None], Reply]
    authenticators: Mapping[str, Authenticator]
    credentials: Callable[[], dict[str, str]]
    create_account: Callable[[Env, NewAccount], dict[str, Any]]
    demo_account: NewAccount
    fake_account: Callable[[Faker], NewAccount]
    spec_name: str = ""
    # (operation, parsed body) -> the body to validate and hand to the handler; None: the body as parsed
    prepare_body: Callable[[Operation, Any], Any] | None = None
    # Other encodings of its operations (issue 11); None: only the spec's media types.
    wire_for: WireFor | None = None
    # Servers beside the HTTP app, started and stopped with it (issue 11).
    transports: tuple[Transport, ...] = ()
    # The answer to a domain error a handler let through, for every DomainError class (tests/unit/test_error_mapping.py
    # fails for one left out). Handlers still translate where an operation documents its own answer.
    domain_errors: Mapping[type[DomainError], Callable[[], ApiError]] = field(default_factory=dict)
    # What `POST /__admin/accounts` checks a password against (unless `force`); None: any non-empty password. A vendor
    # with a `customization` that makes a policy checks that one instead.
    password_policy: PasswordPolicy | None = None
    # Settings a team can shape; None: nothing.
    customization: Customization | None = None

    @property
    def spec_file(self) -> str:
        return f"{self.spec_name or self.name}.yaml"

    def status_for(self, error: ApiError) -> int:
        return error.status or self.error_status.get(error.kind) or HTTP_STATUS[error.kind]

    def policy_in_force(self, customized: Mapping[str, Customizable]) -> PasswordPolicy | None:
        """The password policy the vendor enforces with these customized values (else `password_policy`)."""
        make = self.customization.password_policy if self.customization is not None else None
        return make(customized) if make is not None else self.password_policy

    def translate(self, error: DomainError) -> ApiError:
        """The vendor's ApiError for `error` (its class or the nearest base mapped); an unmapped one is re-raised."""
        for kind in type(error).__mro__:
            make = self.domain_errors.get(kind)
            if make is not None:
                return make()
        raise error


# Default reset links (issue 9) ----------------------------------------------------------------------------------
def link_base(call: Call) -> str:
    """Where this vendor's default reset link points: `--link-base`, else the mock's hosted reset page; never Host."""
    return call.env.settings.link_base(call.vendor.name)


def reset_link(call: Call, **params: str) -> str:
    """The vendor's default reset link: its link base with `params` added to the query string."""
    return render_reset_link(link_base(call), **params)


def store_account(env: Env, vendor: str, new: NewAccount, account_id: str, **extra: Any) -> Account:
    """Create and store the account behind `new`; vendors call this from their `create_account`."""
    now = env.clock.now()
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
    env.store.add_account(account)
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

    Without `html`, an e-mail's HTML is the escaped text plus a link button.
    """
    to = account.phone if channel == "sms" else account.email
    if not to:
        return False
    if html is None:
        html = "" if channel == "sms" else f"<p>{escape(text).replace(chr(10), '<br>')}</p>"
        if link and channel == "email":
            html += f'<p><a href="{escape(link)}">{escape(subject)}</a></p>'
    call.outbox.send(
        vendor=call.vendor.name,
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
