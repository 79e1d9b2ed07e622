"""What the pipeline serves: a record per spec (`Api`: handlers by operationId, error shape, auth), what a handler
receives (`Call`) and answers (`Reply`), and what goes back on the wire (`Answer`). Vendors and the admin API are
both `Api` records; nothing here knows a transport."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import HTTP_STATUS, ApiError, DomainError, Kind
from .openapi.spec import Operation, VendorSpec
from .openapi.validation import RawRequest
from .store.models import AccessToken

if TYPE_CHECKING:
    from .outbox import Outbox
    from .protocols import Store, VendorContext


@dataclass(frozen=True, slots=True)
class Reply:
    """A handler's answer: the pipeline checks it against the spec (strict mode) and turns it into an `Answer`.

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
class Answer:
    """A reply as the wire carries it: the body encoded (or a Stream), the full Content-Type; `dropped` asks the
    transport to close the connection without answering (an injected fault)."""

    status: int
    body: bytes | Stream | None
    headers: Mapping[str, str]
    content_type: str | None
    dropped: bool = False


_encode_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

try:  # `resetkit[fast]`: about 20 times faster on the usual reply
    import orjson

    def _json_bytes(body: Any) -> bytes:
        try:
            return orjson.dumps(body)
        except (TypeError, orjson.JSONEncodeError):  # a lone surrogate, an integer past 64 bits, a key not a string
            return _utf8(_encode_json(body))

except ImportError:  # pragma: no cover - without the extra

    def _json_bytes(body: Any) -> bytes:
        return _utf8(_encode_json(body))


def to_answer(reply: Reply) -> Answer:
    """Encode a reply: JSON types as UTF-8 JSON, text as UTF-8, bytes and streams as they are."""
    body = reply.body
    if body is None:
        return Answer(reply.status, None, reply.headers, None)
    if isinstance(body, bytes | Stream):  # a vendor's binary wire (protobuf, gRPC-web frames), or an event stream
        return Answer(reply.status, body, reply.headers, reply.content_type)
    if isinstance(body, str) and "json" not in reply.content_type:  # a page
        return Answer(reply.status, _utf8(body), reply.headers, f"{reply.content_type}; charset=utf-8")
    return Answer(reply.status, _json_bytes(body), reply.headers, f"{reply.content_type}; charset=utf-8")


def _utf8(text: str) -> bytes:
    try:
        return text.encode()
    except UnicodeEncodeError:  # a lone surrogate echoed from the request (aiohttp keeps a non-UTF-8 header byte so)
        return text.encode("utf-8", "replace")


DROPPED = Answer(444, None, {}, None, dropped=True)  # 444: nginx's "closed without response", as the journal shows


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the security scheme that matched, its credential, and the token or account behind it."""

    scheme: str
    credential: str
    account_id: str | None = None
    token: AccessToken | None = None


@dataclass(slots=True)
class Call:
    """A validated request as a handler sees it, with the part of the running mock a handler may use (`ctx`)."""

    operation: Operation
    path: dict[str, Any]
    query: dict[str, Any]
    headers: Mapping[str, str]
    body: Any
    principal: Principal | None
    ctx: VendorContext
    api: Api

    @property
    def now(self) -> float:
        return self.ctx.clock.now()

    @property
    def store(self) -> Store:
        return self.ctx.store

    @property
    def outbox(self) -> Outbox:
        return self.ctx.outbox


Handler = Callable[[Call], Reply]
# An authenticator answers the principal for a credential, or None when the credential is not valid.
Authenticator = Callable[[str, "VendorContext"], Principal | None]


@dataclass(frozen=True, slots=True)
class Wire:
    """Another encoding of an operation (protobuf, gRPC-web frames): `decode` turns the request into the spec's JSON
    before the pipeline validates it, `encode` turns the pipeline's (already strict-checked) JSON reply back."""

    decode: Callable[[Operation, RawRequest], RawRequest]
    encode: Callable[[Operation, Reply], Reply]


# (operation, the request's Content-Type) -> the wire it arrived on, or None for the spec's own media types.
WireFor = Callable[[Operation, "str | None"], Wire | None]


@dataclass(frozen=True, kw_only=True)
class Api:
    """One served spec as the pipeline needs it: handlers by operationId, how its errors look, how callers prove who
    they are. A vendor's record (`vendors.base.Vendor`) adds its accounts and transports; the admin API is one too."""

    name: str
    spec_name: str = ""  # the spec file's stem, when it differs from `name`
    handlers: Mapping[str, Handler]
    # (error, default status, request path, operationId or None) -> the reply in this API's error shape
    render_error: Callable[[ApiError, int, str, str | None], Reply]
    # Where this API's status for a kind of failure differs from HTTP_STATUS; handlers may still pick their own.
    error_status: Mapping[Kind, int] = field(default_factory=dict)
    authenticators: Mapping[str, Authenticator] = field(default_factory=dict)
    # The answer to a domain error a handler let through, for every DomainError class (tests/unit/test_error_mapping.py
    # fails for one left out). Handlers still translate where an operation documents its own answer.
    domain_errors: Mapping[type[DomainError], Callable[[], ApiError]] = field(default_factory=dict)
    # (operation, parsed body) -> the body to validate and hand to the handler; None: the body as parsed
    prepare_body: Callable[[Operation, Any], Any] | None = None
    # Other encodings of its operations; None: only the spec's media types.
    wire_for: WireFor | None = None
    # Whether `/__admin/faults` and `Prefer` may change its answers, and whether its requests are journaled.
    injectable: bool = True
    journaled: bool = True
    # In a fleet: whether a request first brings this process's copy of the outbox, journal and faults up to date
    # (the admin API lists them), except for these operations (health must answer while Redis is away).
    catch_up: bool = False
    catch_up_skip: frozenset[str] = frozenset()

    @property
    def spec_file(self) -> str:
        return f"{self.spec_name or self.name}.yaml"

    def status_for(self, error: ApiError) -> int:
        return error.status or self.error_status.get(error.kind) or HTTP_STATUS[error.kind]

    def translate(self, error: DomainError) -> ApiError:
        """The ApiError for `error` (its class or the nearest base mapped); an unmapped one is re-raised."""
        for kind in type(error).__mro__:
            make = self.domain_errors.get(kind)
            if make is not None:
                return make()
        raise error

    def error_reply(self, error: ApiError, path: str, operation_id: str | None) -> Reply:
        """`error` in this API's own error shape, with any headers the error carries (Retry-After, Allow)."""
        reply = self.render_error(error, self.status_for(error), path, operation_id)
        if error.headers:
            reply = Reply(reply.status, reply.body, {**reply.headers, **error.headers}, reply.content_type)
        return reply


class SpecDriftError(RuntimeError):
    """The spec and the mock disagree on which operations exist: the server must not start."""


def bind_operations(api: Api, spec: VendorSpec, home: str = "") -> None:
    """Every operation needs a handler and every handler an operation; name both sides when they drift.

    `home` is where the handlers live, for the message (a vendor's module by default)."""
    home = home or f"mocks/vendors/{api.name}.py"
    unhandled = sorted(set(spec.operations) - set(api.handlers))
    orphaned = sorted(set(api.handlers) - set(spec.operations))
    problems = [f"operation {op} in {spec.path.name} has no handler in {home}" for op in unhandled]
    problems += [f"handler {op} in {home} has no operation in {spec.path.name}" for op in orphaned]
    missing_auth = sorted({s for op in spec for req in op.security for s in req} - set(api.authenticators))
    problems += [f"security scheme {s} in {spec.path.name} has no authenticator in {api.name}" for s in missing_auth]
    if problems:
        raise SpecDriftError("; ".join(problems))
