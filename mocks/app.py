"""Build the aiohttp application: one router, every route a spec operation of a vendor (or of /__admin)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus

from aiohttp import web
from aiohttp.typedefs import Middleware

from .auth import authenticate, credential_for
from .clock import SystemClock
from .env import Env, JournalEntry
from .errors import ApiError, DomainError, Kind
from .faults import Faults, Injection, parse_prefer
from .flows.ratelimit import RateLimit, take
from .http_log import quiet_malformed_requests
from .keys import ENV
from .openapi.spec import Operation, VendorSpec, load_spec
from .openapi.validation import RawRequest, response_problems, validate_request
from .outbox import Outbox
from .protocols import Clock, Store
from .redact import redact_url
from .settings import Settings
from .smtp_relay import relaying
from .store.memory import InMemoryStore, StoreLimits
from .store.sqlite import SQLiteStore
from .vendors import load_vendor
from .vendors.base import Call, Customizable, Dispatch, Reply, RunningTransport, Stream, Vendor

log = logging.getLogger("resetkit")
request_log = logging.getLogger("resetkit.requests")  # `--log-requests`: one line per request
_encode_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
OPERATION = web.RequestKey("operation", Operation)
REQUEST_BODY = web.RequestKey("request_body", bytes)  # what the endpoint read, for the journal
FAULT = web.RequestKey("fault", str)  # the source of an injected answer ("fault 3", "prefer"); "" for none
STREAMS = web.AppKey("streams", set[asyncio.Task[object]])  # handlers sending a Stream, cancelled on shutdown


class SpecDriftError(RuntimeError):
    """The spec and the mock disagree on which operations exist: the server must not start."""


def bind_operations(vendor: Vendor, spec: VendorSpec) -> None:
    """Every operation needs a handler and every handler an operation; name both sides when they drift."""
    unhandled = sorted(set(spec.operations) - set(vendor.handlers))
    orphaned = sorted(set(vendor.handlers) - set(spec.operations))
    problems = [
        f"operation {op} in {spec.path.name} has no handler in mocks/vendors/{vendor.name}.py" for op in unhandled
    ]
    problems += [
        f"handler {op} in mocks/vendors/{vendor.name}.py has no operation in {spec.path.name}" for op in orphaned
    ]
    missing_auth = sorted({s for op in spec for req in op.security for s in req} - set(vendor.authenticators))
    problems += [f"security scheme {s} in {spec.path.name} has no authenticator in {vendor.name}" for s in missing_auth]
    if problems:
        raise SpecDriftError("; ".join(problems))


def strict_check(env: Env, operation: Operation, reply: Reply, where: str) -> Reply:
    """In strict mode, a reply the spec does not allow for `operation` becomes a loud 500 that names the violation."""
    if not env.settings.strict:
        return reply
    content_type = reply.content_type if reply.body is not None else None
    problems = response_problems(operation, reply.status, content_type, reply.body, reply.headers)
    if not problems:
        return reply
    message = f"resetkit strict mode: {where} -> {reply.status}: " + "; ".join(problems)
    env.violations.append(message)
    log.error(message)
    return Reply(500, {"error": message})


def error_reply(vendor: Vendor, error: ApiError, path: str, operation: Operation | None) -> Reply:
    """`error` in the vendor's own error shape, with any headers the error carries (Retry-After, Allow)."""
    status = vendor.status_for(error)
    reply = vendor.render_error(error, status, path, operation.operation_id if operation else None)
    if error.headers:
        reply = Reply(reply.status, reply.body, {**reply.headers, **error.headers}, reply.content_type)
    return reply


def to_response(reply: Reply) -> web.Response:
    """A Reply on the HTTP wire: JSON types are encoded, other types send a str or bytes body as it is."""
    if reply.body is None:
        return web.Response(status=reply.status, headers=reply.headers)
    if isinstance(reply.body, bytes):  # a vendor's binary wire (protobuf, gRPC-web frames, even "+json" ones)
        return web.Response(
            status=reply.status, body=reply.body, content_type=reply.content_type, headers=reply.headers
        )
    if "json" not in reply.content_type:  # a page
        return web.Response(
            status=reply.status, text=reply.body, content_type=reply.content_type, headers=reply.headers
        )
    text = _encode_json(reply.body)
    return web.Response(status=reply.status, text=text, content_type=reply.content_type, headers=reply.headers)


async def send_stream(request: web.Request, reply: Reply, stream: Stream) -> web.StreamResponse:
    """A Reply whose body is a Stream: each chunk is written as it comes, until the client goes away or shutdown."""
    response = web.StreamResponse(status=reply.status, headers=reply.headers)
    response.content_type = reply.content_type
    task = asyncio.current_task()
    assert task is not None  # a handler always runs in a task
    streams = request.app[STREAMS]
    streams.add(task)
    chunks = stream.chunks()
    try:
        await response.prepare(request)
        async for chunk in chunks:
            await response.write(chunk)
    except ConnectionError:
        pass  # the client went away; the generator's clean-up (unsubscribe) runs below
    finally:
        streams.discard(task)
        await chunks.aclose()
    return response


def dispatch(env: Env, vendor: Vendor, spec: VendorSpec, operation: Operation, raw: RawRequest, path: str) -> Reply:
    """The pipeline every transport shares: auth, rate limit, validation, then the vendor's handler.

    Knows no HTTP server: the aiohttp endpoint below (and any other transport) builds a RawRequest and sends the Reply.
    A vendor's other wires (`Vendor.wire_for`) are decoded into the spec's JSON before validation, and the reply
    is encoded back after the strict check, so every wire runs this one pipeline.
    """
    wire = vendor.wire_for(operation, raw.content_type) if vendor.wire_for is not None else None
    try:
        principal = authenticate(vendor, operation, spec.security_schemes, raw.headers, raw.query, env)
        limit = operation.rate_limit
        if limit is not None and env.settings.rate_limits:
            enforce_rate_limit(limit, spec, vendor, raw.headers, raw.query, env)
        if wire is not None:
            raw = wire.decode(operation, raw)
        valid = validate_request(operation, raw, vendor.prepare_body)
        call = Call(
            operation=operation,
            path=valid.path,
            query=valid.query,
            headers=raw.headers,
            body=valid.body,
            principal=principal,
            env=env,
            vendor=vendor,
        )
        reply = vendor.handlers[operation.operation_id](call)
    except ApiError as error:
        reply = error_reply(vendor, error, path, operation)
    except DomainError as error:
        reply = error_reply(vendor, vendor.translate(error), path, operation)
    finally:
        env.store.commit()  # saved state (--state): what the request changed is on disk before the answer is sent
    reply = strict_check(env, operation, reply, f"{operation.method} {path}")
    return reply if wire is None else wire.encode(operation, reply)


# Faults (issue 9): answers injected on purpose, by `/__admin/faults` or a `Prefer` header ---------------------------
_FAULT_KINDS: Mapping[int, Kind] = {
    400: Kind.INVALID,
    401: Kind.UNAUTHENTICATED,
    403: Kind.FORBIDDEN,
    404: Kind.NOT_FOUND,
    405: Kind.METHOD_NOT_ALLOWED,
    409: Kind.PRECONDITION,
    413: Kind.TOO_LARGE,
    415: Kind.UNSUPPORTED_MEDIA_TYPE,
    429: Kind.RATE_LIMITED,
}


def choose_injection(
    faults: Faults, vendor: Vendor, operation: Operation, headers: Mapping[str, str]
) -> Injection | None:
    """A request's own `Prefer` header wins over a registered fault (which then is not used up)."""
    prefer = headers.get("Prefer")
    injection = parse_prefer(prefer) if prefer else None
    return injection or faults.take(vendor.name, operation.operation_id)


def fault_reply(vendor: Vendor, operation: Operation, injection: Injection, path: str) -> Reply:
    """The injected status in the vendor's own error shape (429 with Retry-After). Never a strict-mode violation:
    the status is deliberate, documented for the operation or not."""
    status = injection.status or 500
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Injected fault"
    kind = _FAULT_KINDS.get(status, Kind.INTERNAL if status >= 500 else Kind.INVALID)
    headers = {"Retry-After": str(injection.retry_after)} if status == 429 else None
    error = ApiError(kind, f"{phrase} (injected by resetkit: {injection.source})", status=status, headers=headers)
    reply = error_reply(vendor, error, path, operation)
    # A vendor that derives its status from its own codes (ZITADEL's gRPC codes) still answers the asked status.
    return reply if reply.status == status else Reply(status, reply.body, reply.headers, reply.content_type)


async def inject(
    request: web.Request, injection: Injection, vendor: Vendor, operation: Operation
) -> web.Response | None:
    """Delay, then drop the connection or answer the injected status; None: go on with the operation."""
    request[FAULT] = injection.source
    if injection.delay_ms:
        await asyncio.sleep(injection.delay_ms / 1000)
    if injection.drop_connection:
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=444)  # never written: the journal records nginx's "closed without response"
    if injection.status is not None:
        return to_response(fault_reply(vendor, operation, injection, request.path))
    return None


def make_endpoint(
    env: Env, vendor: Vendor, spec: VendorSpec, operation: Operation
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The aiohttp side of one operation: read the request, dispatch it, send the reply."""
    faults = env.faults
    injectable = vendor.name != "admin"

    async def endpoint(request: web.Request) -> web.StreamResponse:
        # A body over the size limit fails here, before the operation owns the request: the resulting 413 is a
        # transport answer (like 404 and 405), so strict mode does not hold it to the operation's responses.
        body = await request.read() if operation.body is not None else b""
        request[OPERATION] = operation
        request[REQUEST_BODY] = body
        request[FAULT] = ""  # set, so that the journal's lookup never raises (a missing key costs an exception)
        if injectable and (faults or "Prefer" in request.headers):
            injection = choose_injection(faults, vendor, operation, request.headers)
            if injection is not None:
                answered = await inject(request, injection, vendor, operation)
                if answered is not None:
                    return answered
        raw = RawRequest(request.match_info, request.query, request.headers, request.headers.get("Content-Type"), body)
        reply = dispatch(env, vendor, spec, operation, raw, request.path)
        if isinstance(reply.body, Stream):
            return await send_stream(request, reply, reply.body)
        return to_response(reply)

    endpoint.__name__ = operation.operation_id
    return endpoint


def enforce_rate_limit(
    limit: RateLimit, spec: VendorSpec, vendor: Vendor, headers: Mapping[str, str], query: Mapping[str, str], env: Env
) -> None:
    credential = credential_for(spec.security_schemes[limit.scheme], headers, query)
    if credential is None:
        return
    now = env.clock.now()
    hits = env.store.hits(vendor.name, f"{limit.scheme}:{credential}", now=now, window_seconds=limit.window_seconds)
    retry_after = take(hits, limit, now)
    if retry_after is not None:
        raise ApiError(
            Kind.RATE_LIMITED,
            f"API calls exceeded the limit of {limit.limit} in {limit.window_seconds:g} second(s)",
            headers={"Retry-After": str(retry_after)},
        )


def mounts(env: Env) -> list[tuple[str, Vendor]]:
    """(path prefix, vendor) for every served vendor and the admin API, most specific first."""
    served = [(env.settings.prefix(name), env.vendors[name]) for name in env.settings.vendors]
    return [("/__admin", env.vendors["admin"]), *sorted(served, key=lambda mount: -len(mount[0]))]


def _owner(owners: list[tuple[str, Vendor]], path: str) -> Vendor | None:
    """The vendor a path belongs to, even when no route matches (its error shape answers the 404)."""
    for prefix, vendor in owners:
        if path == prefix or path.startswith(prefix + "/"):
            return vendor
    return None


_HTTP_KINDS: Mapping[int, Kind] = {
    404: Kind.NO_ROUTE,
    405: Kind.METHOD_NOT_ALLOWED,
    413: Kind.TOO_LARGE,
    415: Kind.UNSUPPORTED_MEDIA_TYPE,
}


def make_middleware(env: Env, owners: list[tuple[str, Vendor]]) -> Middleware:
    """The one middleware: answer CORS preflights, journal every vendor request (and log every request with
    `--log-requests`), and shape aiohttp's own 404/405/413 and any unexpected exception in the owning vendor's
    error shape."""
    settings = env.settings
    cors_allows = origin_check(settings) if settings.cors else None
    body_limit = settings.journal_body_bytes
    log_requests = settings.log_requests

    @web.middleware
    async def frame(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        started = time.perf_counter()
        headers = request.headers
        # aiohttp matched the route before this runs (an OPTIONS is a 405 match): answer the preflight instead,
        # before any validation or auth.
        response: web.StreamResponse
        if (
            cors_allows is not None
            and request.method == "OPTIONS"
            and "Access-Control-Request-Method" in headers
            and cors_allows(headers.get("Origin"))
        ):
            response = preflight(headers)
        else:
            try:
                response = await handler(request)
            except web.HTTPException as exc:
                if exc.status < 400:
                    raise
                response = _transport_error(env, _owner(owners, request.path), request, exc)
            except Exception:
                response = _unexpected_error(owners, request)
        path = request.raw_path
        operation = request.get(OPERATION)
        if not path.startswith("/__admin"):
            body = request.get(REQUEST_BODY, b"")
            sent = response.body if isinstance(response, web.Response) else None
            sent = sent if isinstance(sent, bytes) else None
            env.journal.append(
                JournalEntry(
                    env.clock.now(),
                    request.method,
                    path,
                    response.status,
                    operation.operation_id if operation is not None else None,
                    (time.perf_counter() - started) * 1000,
                    headers,
                    body[:body_limit],
                    len(body),
                    response.headers,
                    sent[:body_limit] if sent is not None else None,
                    len(sent) if sent is not None else 0,
                    request.get(FAULT) or None,
                )
            )
        if log_requests:
            _log_request(settings, request, response.status, operation, started)
        return response

    return frame


def _unexpected_error(owners: list[tuple[str, Vendor]], request: web.Request) -> web.Response:
    """A 500 in the owning vendor's shape for an exception no handler expected (logged, never shown)."""
    log.exception("unhandled error in %s %s", request.method, request.path)
    error = ApiError(Kind.INTERNAL, "internal error in the mock; see the server log", status=500)
    vendor = _owner(owners, request.path)
    if vendor is None:
        return web.json_response({"error": error.message}, status=500)
    return to_response(error_reply(vendor, error, request.path, request.get(OPERATION)))


def _log_request(
    settings: Settings, request: web.Request, status: int, operation: Operation | None, started: float
) -> None:
    path = request.raw_path if settings.journal_secrets else redact_url(request.raw_path)
    fault = request.get(FAULT) or None
    request_log.info(
        "%s %s %d %s %.1fms%s",
        request.method,
        path,
        status,
        operation.operation_id if operation is not None else "-",
        (time.perf_counter() - started) * 1000,
        f" ({fault})" if fault else "",
    )


# CORS (issue 9): on by default for every route, so a page on another origin can call the mock ----------------------
# What a browser script may read besides the CORS-safelisted headers: limits, redirects, auth challenges, Connect and
# gRPC-web status (connectrpc.com/cors).
CORS_EXPOSED = ", ".join(
    (
        "Retry-After",
        "Location",
        "WWW-Authenticate",
        "Allow",
        "Accept-Post",
        "Grpc-Status",
        "Grpc-Message",
        "Grpc-Status-Details-Bin",
    )
)
PREFLIGHT_MAX_AGE = "600"


def origin_check(settings: Settings) -> Callable[[str | None], bool]:
    """Whether a request's Origin gets CORS headers: any origin, or only the `--cors-origin` ones."""
    allowed = frozenset(origin.rstrip("/") for origin in settings.cors_origins)
    if not allowed:
        return lambda origin: origin is not None
    return lambda origin: origin in allowed


def preflight(headers: Mapping[str, str]) -> web.Response:
    """204 allowing the requested method and headers; the origin headers are added like on every response."""
    allow = {
        "Access-Control-Allow-Methods": headers["Access-Control-Request-Method"],
        "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
        "Vary": "Access-Control-Request-Method, Access-Control-Request-Headers",
    }
    if "Access-Control-Request-Headers" in headers:
        allow["Access-Control-Allow-Headers"] = headers["Access-Control-Request-Headers"]
    if headers.get("Access-Control-Request-Private-Network") == "true":
        allow["Access-Control-Allow-Private-Network"] = "true"  # a public page calling the mock on localhost
    return web.Response(status=204, headers=allow)


def make_cors_headers(settings: Settings) -> Callable[[web.Request, web.StreamResponse], Awaitable[None]]:
    """An `on_response_prepare` hook: every response (streams and preflights too) gets its CORS headers."""
    allows = origin_check(settings)

    async def add_cors_headers(request: web.Request, response: web.StreamResponse) -> None:
        headers = response.headers
        origin = request.headers.get("Origin")
        if allows(origin):
            assert origin is not None
            headers["Access-Control-Allow-Origin"] = origin
            headers["Access-Control-Allow-Credentials"] = "true"
            headers["Access-Control-Expose-Headers"] = CORS_EXPOSED
        vary = headers.get("Vary")
        headers["Vary"] = f"{vary}, Origin" if vary else "Origin"

    return add_cors_headers


def _transport_error(env: Env, vendor: Vendor | None, request: web.Request, exc: web.HTTPException) -> web.Response:
    if vendor is None:
        prefixes = [env.settings.prefix(name) or "/" for name in env.settings.vendors]
        return web.json_response({"error": exc.reason, "vendors": prefixes}, status=exc.status)
    kind = _HTTP_KINDS.get(exc.status, Kind.MALFORMED)
    headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else {}
    error = ApiError(kind, exc.reason, status=exc.status if kind is Kind.MALFORMED else None, headers=headers)
    return to_response(error_reply(vendor, error, request.path, request.get(OPERATION)))


def add_operations(app: web.Application, env: Env, prefix: str, vendor: Vendor, spec: VendorSpec) -> None:
    """One route per spec operation, under `prefix`; all vendors share one router (no sub-app hop per request)."""
    for operation in spec:
        app.router.add_route(operation.method, prefix + operation.path, make_endpoint(env, vendor, spec, operation))


def create_env(
    settings: Settings,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
    overrides: Mapping[str, Vendor] | None = None,
) -> Env:
    """Load and bind the specs, then seed the store. No sockets: a test can use this without a server.

    `overrides` swaps in vendor records by name (tests use it to plant a defect in one vendor).
    """
    overrides = overrides or {}
    vendors = {name: overrides.get(name) or load_vendor(name) for name in (*settings.vendors, "admin")}
    specs = {name: load_spec(vendor.spec_file.removesuffix(".yaml")) for name, vendor in vendors.items()}
    for name, vendor in vendors.items():
        bind_operations(vendor, specs[name])
    env = Env(
        settings=settings,
        store=store or open_store(settings),
        outbox=Outbox(settings.outbox_size),
        clock=clock or SystemClock(),
        vendors=vendors,
        specs=specs,
        faults=Faults(settings.seed),
        customizations=start_customizations(settings, vendors),
    )
    env.journal = type(env.journal)(maxlen=settings.journal_size)
    if isinstance(env.store, SQLiteStore):
        env.store.keep(env.outbox, env.clock)
    env.seed()
    env.store.commit()
    return env


def start_customizations(settings: Settings, vendors: Mapping[str, Vendor]) -> dict[str, dict[str, Customizable]]:
    """Each customizable vendor's defaults with the settings' changes; ValueError names a change it refuses."""
    found: dict[str, dict[str, Customizable]] = {}
    for name, vendor in vendors.items():
        if vendor.customization is None:
            continue
        changes = {key: value for owner, key, value in settings.customizations if owner == name}
        try:
            found[name] = vendor.customization.apply(vendor.customization.defaults, changes)
        except ValueError as exc:
            raise ValueError(f"--customize {name}: {exc}") from None
    return found


def open_store(settings: Settings) -> Store:
    """In memory, or saved in `--state FILE` (issue 9)."""
    limits = store_limits(settings)
    return SQLiteStore(settings.state_file, limits) if settings.state_file else InMemoryStore(limits)


def store_limits(settings: Settings) -> StoreLimits:
    """The caps of the state that requests create (issue 12), from `resetkit serve`'s options."""
    return StoreLimits(
        max_resets=settings.max_resets,
        max_tokens=settings.max_tokens,
        max_rate_windows=settings.max_rate_windows,
        reset_grace_seconds=settings.reset_grace_seconds,
    )


# Transports (issue 11): servers a vendor runs beside this app (ZITADEL's gRPC), started and stopped with it --------
@dataclass
class Transports:
    """The vendors' other servers. They start in the background once the app has started, so the HTTP port answers
    as soon as before; `started` completes when every one listens (or failed, which is logged)."""

    started: asyncio.Future[None] | None = None
    running: list[RunningTransport] = field(default_factory=list)


TRANSPORTS = web.AppKey("transports", Transports)


def transport_dispatch(env: Env, vendor: Vendor, spec: VendorSpec) -> Dispatch:
    """The pipeline for a transport's requests, journaled like the HTTP ones."""

    def run(operation_id: str, raw: RawRequest, path: str) -> Reply:
        started = time.perf_counter()
        operation = spec.operations[operation_id]
        reply = dispatch(env, vendor, spec, operation, raw, path)
        elapsed = (time.perf_counter() - started) * 1000
        env.journal.append(JournalEntry(env.clock.now(), operation.method, path, reply.status, operation_id, elapsed))
        return reply

    return run


async def _start_transports(env: Env, state: Transports) -> None:
    for name in env.settings.vendors:
        vendor = env.vendors[name]
        for transport in vendor.transports:
            try:
                running = await transport.start(env, transport_dispatch(env, vendor, env.specs[name]))
            except Exception as exc:  # a busy port must not take the HTTP mock down: say so and go on
                log.error("%s %s did not start: %s", name, transport.name, exc)
                continue
            if running is not None:
                state.running.append(running)
                env.endpoints.setdefault(name, {}).update(running.endpoints)


def transports_context(env: Env) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        state = app[TRANSPORTS]
        state.started = asyncio.ensure_future(_start_transports(env, state))
        yield
        await asyncio.wait([state.started])
        for running in reversed(state.running):
            await running.stop()
        state.running.clear()
        env.endpoints.clear()

    return context


async def transports_started(app: web.Application, timeout: float = 30) -> None:
    """Wait until the vendors' transports listen (tests and the runner call this after the app started)."""
    started = app[TRANSPORTS].started
    if started is not None:
        await asyncio.wait_for(asyncio.shield(started), timeout)


def create_app(settings: Settings, *, env: Env | None = None, clock: Clock | None = None) -> web.Application:
    """The whole mock: /<vendor>/... per vendor (or "/" with `settings.mount_at_root`) and /__admin/..."""
    env = env or create_env(settings, clock=clock)
    quiet_malformed_requests()
    owners = mounts(env)
    root = web.Application(client_max_size=settings.max_body_bytes, middlewares=[make_middleware(env, owners)])
    root[ENV] = env
    root[TRANSPORTS] = Transports()
    if any(env.vendors[name].transports for name in settings.vendors):
        root.cleanup_ctx.append(transports_context(env))
    if settings.smtp:
        root.cleanup_ctx.append(relaying(env.outbox, settings.smtp))
    for prefix, vendor in owners:
        add_operations(root, env, prefix, vendor, env.specs[vendor.name])
    if settings.cors:
        root.on_response_prepare.append(make_cors_headers(settings))
    root[STREAMS] = set[asyncio.Task[object]]()
    root.on_shutdown.append(_close_streams)
    return root


async def _close_streams(app: web.Application) -> None:
    """Open streams (a live inbox) never end by themselves: end them so that shutdown does not wait for them."""
    streams: set[asyncio.Task[object]] = app[STREAMS]
    for task in list(streams):
        task.cancel()
