"""The HTTP side of the mock on aiohttp: an endpoint per operation reads the request into a `RawRequest`, awaits the
pipeline and writes its `Answer`; the one middleware applies the guard (Host, origin, admin token), answers CORS
preflights and puts what aiohttp answers itself (404, 405, 413) or an unexpected exception in the owning API's error
shape."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web
from aiohttp.typedefs import Middleware

from .api import Answer, Api, Stream, to_answer
from .codings import ACCEPTED_CODINGS, DecodedTooLarge, UndecodableBody, UnsupportedCoding, decode_body
from .cors import path_origin_check, preflight
from .env import Env
from .errors import ApiError, Kind
from .guard import Guard
from .journal import JournalEntry
from .keys import ENV
from .openapi.spec import Operation
from .openapi.validation import RawRequest
from .pipeline import Pipeline, log_request

log = logging.getLogger("resetkit")
OPERATION = web.RequestKey("operation", Operation)
ANSWERED = web.RequestKey("answered", Answer)  # what the pipeline answered (it journaled and logged it)
STREAMS = web.AppKey("streams", set[asyncio.Task[object]])  # handlers sending a Stream, cancelled on shutdown
Mount = tuple[str, Api]  # (path prefix, the API served under it)


def make_endpoint(pipeline: Pipeline, operation: Operation) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The aiohttp side of one operation: read the request, run the pipeline, send the answer."""
    read_timeout = pipeline.env.settings.read_timeout

    async def endpoint(request: web.Request) -> web.StreamResponse:
        request[OPERATION] = operation
        # A body over the size limit, too slow or in an unknown coding fails here, before the operation owns the
        # request: the 413, 408, 415 or 400 is a transport answer (like 404 and 405), so strict mode does not hold it
        # to the operation's responses.
        body = await read_body(request, read_timeout) if operation.body is not None else b""
        headers = request.headers
        raw = RawRequest(request.match_info, request.query, headers, headers.get("Content-Type"), body)
        answer = await pipeline.handle(operation, raw, request.raw_path)
        request[ANSWERED] = answer
        return await send(request, answer)

    endpoint.__name__ = operation.operation_id
    return endpoint


class ClientGone(web.HTTPClientError):
    """The client closed the connection before its body arrived: nothing to answer, nothing to log but the journal's
    entry (nginx's 499, "client closed request")."""

    status_code = 499


async def read_body(request: web.Request, timeout: float) -> bytes:
    """The body with its Content-Encoding undone; one still arriving must arrive within `timeout`."""
    if request.content.is_eof():  # the whole body came with the head, as it nearly always does
        body = await request.read()
    else:
        try:
            async with asyncio.timeout(timeout):
                body = await request.read()
        except TimeoutError:
            raise web.HTTPRequestTimeout(reason=f"the request body did not arrive within {timeout:g} s") from None
        except ConnectionError:
            raise ClientGone(reason="the client closed the connection before its body arrived") from None
    coding = request.headers.get("Content-Encoding")
    if coding is None:
        return body
    try:
        return decode_body(body, coding, request.app[ENV].settings.max_body_bytes)
    except UnsupportedCoding as exc:
        raise web.HTTPUnsupportedMediaType(reason=str(exc), headers={"Accept-Encoding": ACCEPTED_CODINGS}) from None
    except DecodedTooLarge as exc:
        limit = request.app[ENV].settings.max_body_bytes
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(body), reason=str(exc)) from None
    except UndecodableBody as exc:
        raise web.HTTPBadRequest(reason=str(exc)) from None


async def send(request: web.Request, answer: Answer) -> web.StreamResponse:
    """An Answer on the HTTP wire; a dropped one closes the connection without a word."""
    if isinstance(answer.body, Stream):
        return await send_stream(request, answer, answer.body)
    if answer.dropped:
        if request.transport is not None:
            request.transport.close()
        return web.Response(status=answer.status)  # never written
    headers: Mapping[str, str] = answer.headers
    if answer.content_type is not None:
        headers = {**headers, "Content-Type": answer.content_type}
    return web.Response(status=answer.status, body=answer.body, headers=headers)


async def send_stream(request: web.Request, answer: Answer, stream: Stream) -> web.StreamResponse:
    """Each chunk of a Stream is written as it comes, until the client goes away or shutdown."""
    response = web.StreamResponse(status=answer.status, headers=answer.headers)
    if answer.content_type is not None:
        response.headers["Content-Type"] = answer.content_type
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


async def close_streams(app: web.Application) -> None:
    """Open streams (a live inbox) never end by themselves: end them so that shutdown does not wait for them."""
    streams: set[asyncio.Task[object]] = app[STREAMS]
    for task in list(streams):
        task.cancel()


def owner(mounts: list[Mount], path: str) -> Api | None:
    """The API a path belongs to, even when no route matches (its error shape answers the 404)."""
    for prefix, api in mounts:
        if path == prefix or path.startswith(prefix + "/"):
            return api
    return None


_HTTP_KINDS: Mapping[int, Kind] = {
    404: Kind.NO_ROUTE,
    405: Kind.METHOD_NOT_ALLOWED,
    413: Kind.TOO_LARGE,
    415: Kind.UNSUPPORTED_MEDIA_TYPE,
}


def make_middleware(env: Env, mounts: list[Mount], guard: Guard) -> Middleware:
    """Refuse what the guard refuses and answer CORS preflights before the route runs, and give what aiohttp answers
    itself (404, 405, 413) or an unexpected exception the owning API's error shape; these are journaled and logged
    here, the rest by the pipeline.
    """
    settings = env.settings
    cors_allows = path_origin_check(settings) if settings.cors else None

    @web.middleware
    async def frame(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        started = time.perf_counter()
        headers = request.headers
        # aiohttp matched the route before this runs (an OPTIONS is a 405 match): refuse or answer the preflight
        # instead, before any validation or auth.
        response: web.StreamResponse
        denial = guard.check(request.method, request.path, headers, request.query)
        if denial is not None:
            response = _response(owner(mounts, request.path), denial.error(), request, None)
        elif (
            cors_allows is not None
            and request.method == "OPTIONS"
            and "Access-Control-Request-Method" in headers
            and cors_allows(request.path, headers.get("Origin"))
        ):
            response = preflight(headers)
        else:
            try:
                response = await handler(request)
            except web.HTTPException as exc:
                if exc.status < 400:
                    raise
                response = _transport_error(env, owner(mounts, request.path), request, exc)
            except Exception:
                response = _unexpected_error(mounts, request)
            if ANSWERED in request:
                return response
        api = owner(mounts, request.path)
        if api is None or api.journaled:
            _journal(env, request, response, started)
        if settings.log_requests:
            log_request(settings, request.method, request.raw_path, response.status, request.get(OPERATION), started)
        return response

    return frame


def _journal(env: Env, request: web.Request, response: web.StreamResponse, started: float) -> None:
    journal = env.journal
    operation = request.get(OPERATION)
    sent = response.body if isinstance(response, web.Response) else None
    sent = sent if isinstance(sent, bytes) else None
    journal.append(
        JournalEntry(
            env.clock.now(),
            request.method,
            request.raw_path,
            response.status,
            operation.operation_id if operation is not None else None,
            (time.perf_counter() - started) * 1000,
            request.headers,
            b"",
            request.content_length or 0,
            response.headers,
            sent[: journal.body_limit] if sent is not None else None,
            len(sent) if sent is not None else 0,
        )
    )


def _unexpected_error(mounts: list[Mount], request: web.Request) -> web.Response:
    """A 500 in the owning API's shape for an exception no handler expected (logged, never shown)."""
    log.exception("unhandled error in %s %s", request.method, request.path)
    error = ApiError(Kind.INTERNAL, "internal error in the mock; see the server log", status=500)
    return _response(owner(mounts, request.path), error, request, request.get(OPERATION))


def _transport_error(env: Env, api: Api | None, request: web.Request, exc: web.HTTPException) -> web.Response:
    if api is None:
        prefixes = [env.settings.prefix(name) or "/" for name in env.settings.vendors]
        return web.json_response({"error": exc.reason, "vendors": prefixes}, status=exc.status)
    kind = _HTTP_KINDS.get(exc.status, Kind.MALFORMED)
    headers = {name: exc.headers[name] for name in ("Allow", "Accept-Encoding") if name in exc.headers}
    error = ApiError(kind, exc.reason, status=exc.status if kind is Kind.MALFORMED else None, headers=headers)
    return _response(api, error, request, request.get(OPERATION))


def _response(api: Api | None, error: ApiError, request: web.Request, operation: Operation | None) -> web.Response:
    """`error` in the shape of the API that owns the path; a path no API owns gets `{"error": message}`."""
    if api is None:
        return web.json_response({"error": error.message}, status=error.status or 500, headers=error.headers)
    answer = to_answer(api.error_reply(error, request.path, operation.operation_id if operation else None))
    headers = {**answer.headers, "Content-Type": answer.content_type} if answer.content_type else answer.headers
    return web.Response(
        status=answer.status, body=answer.body if isinstance(answer.body, bytes) else None, headers=headers
    )
