"""A vendor as its clients know it (the mirror of the server's `vendors/` records): how to ask for a reset, where the
secret travels, how to redeem it and sign in, what the answers mean, and how to get test accounts.

Pure data and small pure functions, shared by the hosted reset page and the conformance suites. A `Request` names
an operationId of the vendor's spec; its method and path, rate limits (`x-rate-limit`) and lifetimes
(`x-lifetimes`) are read from the spec, never restated here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ..flows.ratelimit import RateLimit
from ..openapi.spec import Operation, VendorSpec, load_spec

Values = Mapping[str, Any]
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# The values by which a redeeming request names the account (ZITADEL's user id, Placewise's address in the path).
ACCOUNT_NAMES = frozenset({"id", "email"})
# What stays as it is in a path segment (RFC 3986 pchar), so an e-mail address or MSISDN is sent as written.
PATH_SAFE = "!$&'()*+,;=:@"


# Requests ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Request:
    """One call of the vendor's API: an operationId of its spec, and templates for what the call sends.

    `{name}` in a template is filled from the values of the moment (`Client.values`): the credentials, the
    account (`email`, `id`, `phone`, `username`), `identifier`, a link's query parameters, `secret`, `password`.
    A string that is only `{name}` takes the value as it is (a list stays a list). A path parameter without a
    template takes the value of its own name.
    """

    operation: str
    path: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    json: Any = None  # None: no JSON body
    form: Mapping[str, str] | None = None
    # JSON members that name the resource (Connect's `userId`, which REST puts in the path): sent first, and kept
    # when a check replaces the body.
    addressing: Mapping[str, str] = field(default_factory=dict)
    # JSON members sent only when every value they name is given and not empty (AddHumanUser's phone).
    optional_json: Mapping[str, Any] = field(default_factory=dict)
    # (method, path) of a call the spec does not cover; only for cleaning up (ZITADEL's DeleteUser).
    outside_spec: tuple[str, str] | None = None

    def placeholders(self) -> set[str]:
        """Every value name the templates use."""
        return placeholders(
            (self.path, self.query, self.headers, self.json, self.form, self.addressing, self.optional_json)
        )


@dataclass(frozen=True)
class Prepared:
    """A request with its values filled in, ready for any HTTP client; `path` is relative to the vendor's base."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None
    form: dict[str, str] | None = None
    addressing: dict[str, Any] = field(default_factory=dict)


def fill(template: Any, values: Values) -> Any:
    """`template` with every `{name}` replaced by its value; a KeyError names a value that is missing."""
    if isinstance(template, str):
        whole = PLACEHOLDER.fullmatch(template)
        if whole is not None:
            return values[whole.group(1)]
        return PLACEHOLDER.sub(lambda found: str(values[found.group(1)]), template)
    if isinstance(template, Mapping):
        return {key: fill(item, values) for key, item in template.items()}
    if isinstance(template, list | tuple):
        return [fill(item, values) for item in template]
    return template


def placeholders(template: Any) -> set[str]:
    """Every value name `template` uses."""
    return set(_names(template))


def _names(template: Any) -> Iterator[str]:
    if isinstance(template, str):
        yield from PLACEHOLDER.findall(template)
    elif isinstance(template, Mapping):
        for item in template.values():
            yield from _names(item)
    elif isinstance(template, list | tuple):
        for item in template:
            yield from _names(item)


def route(request: Request, operation: Operation | None) -> tuple[str, str]:
    """(method, path template): the spec's path with each parameter replaced by its template (`/v2/users/{id}`)."""
    if request.outside_spec is not None:
        method, path = request.outside_spec
    elif operation is not None:
        method, path = operation.method, operation.path
    else:
        raise ValueError(f"{request.operation} is not an operation of the spec")
    return method, PLACEHOLDER.sub(lambda found: request.path.get(found.group(1), found.group(0)), path)


def prepare(request: Request, operation: Operation | None, values: Values) -> Prepared:
    """The request filled in with `values` (path segments percent-encoded)."""
    method, path = route(request, operation)
    path = PLACEHOLDER.sub(lambda found: quote(str(values[found.group(1)]), safe=PATH_SAFE), path)
    addressing = fill(request.addressing, values)
    body = fill(request.json, values)
    optional = {
        key: fill(part, values)
        for key, part in request.optional_json.items()
        if all(values.get(name) not in (None, "") for name in _names(part))
    }
    if addressing or optional:
        body = {**addressing, **(body or {}), **optional}
    return Prepared(
        method=method,
        path=path,
        query={key: str(value) for key, value in fill(request.query, values).items()},
        headers={key: str(value) for key, value in fill(request.headers, values).items()},
        json=body,
        form=None if request.form is None else {key: str(value) for key, value in fill(request.form, values).items()},
        addressing=addressing,
    )


# What a client knows --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Credential:
    """A key of the vendor's entry in a credentials file (the keys of `GET /__admin/credentials`)."""

    key: str
    purpose: str
    required: bool = True
    default: str | None = None  # an optional key's value when the file leaves it out


# Keys every vendor's entry may carry: about the deployment, not the vendor.
COMMON_CREDENTIALS = (
    Credential("base_url", "where this vendor answers, when one run covers several vendors", required=False),
    Credential("known_identifier", "an account the no-enumeration checks may name (default: a new one)", False),
    Credential("reset_ttl_seconds", "the deployment's configured reset lifetime, when shorter than documented", False),
)


# The fields of a test account a credentials file lists under `<vendor>.accounts` (a deployment's own accounts).
ACCOUNT_FIELDS = (
    Credential("email", "its e-mail address, where reset mail goes", required=False),
    Credential("phone", "its phone number, for resets by text message", required=False),
    Credential("username", "its user name", required=False),
    Credential("id", "its id at the vendor: ZITADEL's user id, Social ID's user id, LeadSquared's LeadId", False),
    Credential("password", "its current password (a check may change it)"),
)


@dataclass(frozen=True)
class SecretPlaces:
    """Where a reset secret travels to the user, and what it is called."""

    name: str  # "the reset token", for messages
    lifetime: str  # its key in the issuing operation's `x-lifetimes`
    link: str  # the query parameter of a delivered link that holds it
    link_account: str | None = None  # the query parameter that names the account (ZITADEL's userID), if any
    text: tuple[re.Pattern[str], ...] = ()  # how a message text spells out a code or password (group 1)


@dataclass(frozen=True)
class Handout:
    """A secret the API hands to the caller (nothing is sent): the request per surface, and the answer's field."""

    requests: Mapping[str, Request]
    field: str


@dataclass(frozen=True)
class Refusals:
    """The statuses a vendor documents for a refused secret or sign-in."""

    used_secret: frozenset[int]  # an unknown, used, replaced or another account's secret
    expired_secret: frozenset[int]
    wrong_password: int  # signing in with a wrong password


@dataclass(frozen=True)
class AccountSource:
    """How a client creates test accounts on a deployment (`email`, `password`, `phone`, `username`, `given_name`,
    `family_name`), and removes them after the run."""

    create: Request
    created_id: str  # the answer's field with the new account's id
    remove: Request
    description: str


@dataclass(frozen=True)
class SessionCheck:
    """An operation that accepts a signed-in session (`{session}`), to see whether a session still works."""

    request: Request
    token: str  # the sign-in answer's field that holds the session
    credential: str  # a credentials key that may give a session directly
    account: tuple[str, str]  # the credentials keys (e-mail, password) of the account to sign in for one


@dataclass(frozen=True)
class Schemathesis:
    """What the contract suite's schemathesis needs beyond the spec, as templates over the credentials."""

    auth: Mapping[str, Mapping[str, str]]  # security scheme -> schemathesis auth entry (`{session}`: a session)
    parameters: Mapping[str, str] = field(default_factory=dict)  # values a request needs to reach the operation
    # Statuses a vendor documents for a valid request it still refuses on business grounds (unknown token, ...).
    business_rejections: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    extra_rejections: tuple[str, ...] = ()  # vendor statuses that also mean "request refused"
    non_standard_auth: tuple[str, ...] = ()  # operations whose auth failure is not 401/403
    # Operations whose path also serves an undocumented method of the vendor (probing it would do harm).
    route_overlaps: tuple[str, ...] = ()
    # Operations left out of schemathesis' coverage phase: their schema makes its boundary values cost minutes (a
    # recursive `oneOf`); every other phase still runs them.
    slow_coverage: tuple[str, ...] = ()


@dataclass(frozen=True)
class Delivery:
    """A request that has the vendor send something to one of the account's addresses (`channel`: "email" or
    "sms"); its templates name the account by `{email}` or `{phone}`."""

    request: Request
    channel: str


@dataclass(frozen=True)
class OneTimePasswords:
    """Codes the vendor sends that sign the account in once in place of its password (the sign-in request with the
    code as `{password}`): the ways to ask for one, by name, and where the code travels."""

    send: Mapping[str, Delivery]
    secret: SecretPlaces  # `link`: the query parameter of the message's login link that holds the code
    reveals_unknown_users: str | None = None  # why answering "unknown user" is documented, if it is


@dataclass(frozen=True)
class Verification:
    """Proving the account owns an address: `send` delivers a token there, `confirm` spends it (`{secret}`, and the
    address as the value named by `address`, which is also the delivered link's query parameter)."""

    send: Delivery
    confirm: Request
    address: str
    secret: SecretPlaces


def _nothing(values: Values) -> Mapping[str, str]:
    return {}


def _no_id() -> str:
    return ""


@dataclass(frozen=True)
class Client:
    """Everything a client of one vendor knows. Surfaces are named ways of doing one step (ZITADEL's REST and
    Connect, Social ID's deprecated path), in the order the suites run them; "" is a vendor's only way."""

    name: str  # the vendor's key and its spec's name
    label: str  # as features name it: "Social ID"
    credentials: tuple[Credential, ...]
    initiate: Mapping[str, Request]
    redeem: Mapping[str, Request]
    sign_in: Mapping[str, Request]
    secret: SecretPlaces
    refusals: Refusals
    error_shape: Callable[[int, Any], list[str]]  # what is wrong with an error body ([] when it fits)
    schemathesis: Schemathesis
    identifier: str = "email"  # the account field an initiation names the account by
    identifier_label: str = "e-mail address"
    handout: Handout | None = None
    unnamed_account: str = ""  # why the redeeming request names no account ("" when it names one)
    reveals_unknown_users: str | None = None  # why answering "unknown user" is documented, if it is
    accounts: AccountSource | None = None
    session: SessionCheck | None = None
    minimum_password_length: int | None = None  # None: the contract documents no policy
    page_surface: str = ""  # the redeem surface a new client uses (the hosted reset page); "": the first
    derive: Callable[[Values], Mapping[str, str]] = _nothing  # values computed from the others (a Basic pair)
    unknown_id: Callable[[], str] = _no_id  # an account id nobody has, in the vendor's format
    one_time_passwords: OneTimePasswords | None = None
    verifications: Mapping[str, Verification] = field(default_factory=dict)  # by the address's name

    @property
    def spec(self) -> VendorSpec:
        return contract(self.name)

    def operation(self, request: Request) -> Operation | None:
        """The spec's operation behind `request` (None for a call outside the spec)."""
        return None if request.outside_spec else self.spec.operations[request.operation]

    @property
    def surfaces(self) -> tuple[str, ...]:
        """Every named surface of any step, in order."""
        steps = (self.initiate, self.redeem, self.sign_in, self.handout.requests if self.handout else {})
        return tuple(dict.fromkeys(name for step in steps for name in step if name))

    @property
    def names_account(self) -> bool:
        """Whether the redeeming request names the account beside the secret (by its id or its e-mail address)."""
        return bool(ACCOUNT_NAMES & self.redeem_on(self.page_surface).placeholders())

    def redeem_on(self, surface: str) -> Request:
        return pick(self.redeem, surface)

    def values(self, credentials: Mapping[str, str], **more: Any) -> dict[str, Any]:
        """What templates are filled from: the credentials, `more`, and what `derive` computes from them."""
        found: dict[str, Any] = {**credentials, **more}
        found.update(self.derive(found))
        return found

    def credential(self, credentials: Mapping[str, str], key: str) -> str | None:
        """A credentials key's value, else its default (None when it has neither)."""
        return credentials.get(key) or self.credential_keys()[key].default

    def link_values(self, params: Mapping[str, str]) -> dict[str, str]:
        """A delivered link's query parameters, plus `secret` and (where the link names the account) `id`."""
        found = {**params, "secret": params.get(self.secret.link, "")}
        if self.secret.link_account:
            found["id"] = params.get(self.secret.link_account, "")
        return found

    def lifetime(self, request: Request, what: SecretPlaces | None = None) -> float | None:
        """How long the secret `request` issues lives (the reset secret, or `what`), from the operation's
        `x-lifetimes`."""
        operation = self.operation(request)
        return None if operation is None else operation.lifetimes.get((what or self.secret).lifetime)

    def reset_lifetime(self, surface: str = "") -> float | None:
        """How long the secret an initiation sends lives."""
        return self.lifetime(pick(self.initiate, surface))

    def rate_limit(self, request: Request) -> RateLimit | None:
        operation = self.operation(request)
        return None if operation is None else operation.rate_limit

    def rate_limits(self) -> dict[str, RateLimit]:
        """Every documented rate limit of the vendor, by the security scheme it counts."""
        return {op.rate_limit.scheme: op.rate_limit for op in self.spec if op.rate_limit is not None}

    def credential_keys(self) -> dict[str, Credential]:
        """Every key a credentials file may give for this vendor."""
        return {c.key: c for c in (*self.credentials, *COMMON_CREDENTIALS)}


def pick(requests: Mapping[str, Request], surface: str) -> Request:
    """The request of `surface`, else the step's first one (a step with one way serves every surface)."""
    return requests[surface] if surface in requests else next(iter(requests.values()))


@functools.cache
def contract(name: str) -> VendorSpec:
    """The vendor's spec, loaded once per process."""
    return load_spec(name)
