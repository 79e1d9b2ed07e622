"""Build the aiohttp application: one router, every route a spec operation of a vendor (or of /__admin)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web
from aiohttp.typedefs import Middleware

from .auth import authenticate, credential_for
from .clock import SystemClock
from .env import Env, JournalEntry
from .errors import ApiError, Kind
from .flows.ratelimit import RateLimit, take
from .keys import ENV
from .openapi.spec import Operation, VendorSpec, load_spec
from .openapi.validation import RawRequest, response_problems, validate_request
from .outbox import Outbox
from .protocols import Clock, Store
from .settings import Settings
from .store.memory import InMemoryStore
from .vendors import load_vendor
from .vendors.base import Call, Reply, Vendor

log = logging.getLogger("resetkit")
_encode_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
OPERATION = web.RequestKey("operation", Operation)


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
    """A Reply on the HTTP wire."""
    if reply.body is None:
        return web.Response(status=reply.status, headers=reply.headers)
    text = _encode_json(reply.body)
    return web.Response(status=reply.status, text=text, content_type=reply.content_type, headers=reply.headers)


def dispatch(env: Env, vendor: Vendor, spec: VendorSpec, operation: Operation, raw: RawRequest, path: str) -> Reply:
    """The pipeline every transport shares: auth, rate limit, validation, then the vendor's handler.

    Knows no HTTP server: the aiohttp endpoint below (and any other transport) builds a RawRequest and sends the Reply.
    """
    try:
        principal = authenticate(vendor, operation, spec.security_schemes, raw.headers, raw.query, env)
        limit = operation.rate_limit
        if limit is not None and env.settings.rate_limits:
            enforce_rate_limit(limit, spec, vendor, raw.headers, raw.query, env)
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
    return strict_check(env, operation, reply, f"{operation.method} {path}")


def make_endpoint(
    env: Env, vendor: Vendor, spec: VendorSpec, operation: Operation
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The aiohttp side of one operation: read the request, dispatch it, send the reply."""

    async def endpoint(request: web.Request) -> web.Response:
        # A body over the size limit fails here, before the operation owns the request: the resulting 413 is a
        # transport answer (like 404 and 405), so strict mode does not hold it to the operation's responses.
        body = await request.read() if operation.body is not None else b""
        request[OPERATION] = operation
        raw = RawRequest(request.match_info, request.query, request.headers, request.headers.get("Content-Type"), body)
        return to_response(dispatch(env, vendor, spec, operation, raw, request.path))

    endpoint.__name__ = operation.operation_id
    return endpoint


def enforce_rate_limit(
    limit: RateLimit, spec: VendorSpec, vendor: Vendor, headers: Mapping[str, str], query: Mapping[str, str], env: Env
) -> None:
    credential = credential_for(spec.security_schemes[limit.scheme], headers, query)
    if credential is None:
        return
    retry_after = take(env.store.hits(vendor.name, f"{limit.scheme}:{credential}"), limit, env.clock.now())
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
    """The one middleware: journal every vendor request, and shape aiohttp's own 404/405/413 and any
    unexpected exception in the owning vendor's error shape."""

    @web.middleware
    async def frame(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            response = _transport_error(env, _owner(owners, request.path), request, exc)
        except Exception:
            log.exception("unhandled error in %s %s", request.method, request.path)
            error = ApiError(Kind.INTERNAL, "internal error in the mock; see the server log", status=500)
            vendor = _owner(owners, request.path)
            response = (
                to_response(error_reply(vendor, error, request.path, request.get(OPERATION)))
                if vendor
                else web.json_response({"error": error.message}, status=500)
            )
        path = request.raw_path
        if not path.startswith("/__admin"):
            operation = request.get(OPERATION)
            env.journal.append(
                JournalEntry(
                    env.clock.now(),
                    request.method,
                    path,
                    response.status,
                    operation.operation_id if operation is not None else None,
                    (time.perf_counter() - started) * 1000,
                )
            )
        return response

    return frame


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
        store=store or InMemoryStore(),
        outbox=Outbox(),
        clock=clock or SystemClock(),
        vendors=vendors,
        specs=specs,
    )
    env.journal = type(env.journal)(maxlen=settings.journal_size)
    env.seed()
    return env


def create_app(settings: Settings, *, env: Env | None = None, clock: Clock | None = None) -> web.Application:
    """The whole mock: /<vendor>/... per vendor (or "/" with `settings.mount_at_root`) and /__admin/..."""
    env = env or create_env(settings, clock=clock)
    owners = mounts(env)
    root = web.Application(client_max_size=settings.max_body_bytes, middlewares=[make_middleware(env, owners)])
    root[ENV] = env
    for prefix, vendor in owners:
        add_operations(root, env, prefix, vendor, env.specs[vendor.name])
    return root
