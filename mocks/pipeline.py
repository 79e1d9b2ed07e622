"""The one pipeline every request goes through, whatever carried it (HTTP, Connect, gRPC-web, native gRPC):
faults, auth, rate limit, wire decoding, validation, the handler, saving, the strict check, wire encoding, the
journal. A transport builds a `RawRequest`, awaits `Pipeline.handle` and writes the `Answer`; it knows no more.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus

from .api import DROPPED, Answer, Api, Call, Reply, Wire, to_answer
from .auth import authenticate, credential_for
from .env import Env
from .errors import ApiError, DomainError, Kind, StateNotSaved
from .faults import Injection, parse_prefer
from .fleet.link import Fleet
from .flows.ratelimit import RateLimit, take
from .journal import JournalEntry
from .openapi.spec import Operation, VendorSpec
from .openapi.validation import RawRequest, response_problems, validate_request
from .redact import redact_url
from .settings import Settings

log = logging.getLogger("resetkit")
request_log = logging.getLogger("resetkit.requests")  # `--log-requests`: one line per request

# The kind of failure an injected status stands for, so that the API renders it in its own shape.
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
    503: Kind.UNAVAILABLE,
}
NOT_SAVED = "resetkit could not save this request's changes (nothing was changed); try again"


@dataclass
class Pipeline:
    """The pipeline of one served spec (a vendor's, or the admin API's) on the mock's state."""

    env: Env
    api: Api
    spec: VendorSpec

    async def handle(self, operation: Operation, raw: RawRequest, path: str) -> Answer:
        """Answer one request to `operation`; `path` is what the journal and error messages show."""
        fleet = self.env.fleet
        if fleet is not None:
            return await self.handle_in_fleet(fleet, operation, raw, path)
        started = time.perf_counter()
        injection = self.injection(operation, raw.headers)
        if injection is None:
            answer = to_answer(self.dispatch(operation, raw, path))
        else:
            answer = await self.inject(injection, operation, raw, path)
        if self.api.journaled:
            self.record(operation, raw, path, answer, started, injection)
        if self.env.settings.log_requests:
            fault = injection.source if injection is not None else None
            log_request(self.env.settings, operation.method, path, answer.status, operation, started, fault)
        return answer

    def dispatch(self, operation: Operation, raw: RawRequest, path: str) -> Reply:
        """Auth, rate limit, validation, then the handler; saved before the answer leaves, checked in strict mode.

        A request on another wire (`Api.wire_for`) is decoded into the spec's JSON before validation and its reply
        encoded back after the strict check, so every wire runs this one pipeline. When its changes cannot be
        saved, the store has put them back and the answer is the API's documented 503 instead.
        """
        wire = self.api.wire_for(operation, raw.content_type) if self.api.wire_for is not None else None
        reply, crashed = self.run(operation, raw, path, wire)
        try:
            self.env.store.commit()  # saved state (--state): what the request changed is on disk before the answer
        except StateNotSaved as failure:
            reply, crashed = self.not_saved(failure, operation, path), None
        return self.finish(operation, reply, crashed, path, wire)

    def run(self, operation: Operation, raw: RawRequest, path: str, wire: Wire | None) -> tuple[Reply, Reply | None]:
        """Auth, rate limit, wire decoding, validation and the handler: the reply, and the 500 of a bug of ours."""
        api, env = self.api, self.env
        try:
            principal = authenticate(api, operation, self.spec.security_schemes, raw.headers, raw.query, env)
            limit = operation.rate_limit
            if limit is not None and env.settings.rate_limits:
                self.enforce_rate_limit(limit, raw)
            if wire is not None:
                raw = wire.decode(operation, raw)
            valid = validate_request(operation, raw, api.prepare_body)
            call = Call(operation, valid.path, valid.query, raw.headers, valid.body, principal, env, api)
            return api.handlers[operation.operation_id](call), None
        except ApiError as error:
            return api.error_reply(error, path, operation.operation_id), None
        except DomainError as error:
            return api.error_reply(api.translate(error), path, operation.operation_id), None
        except StateNotSaved as failure:  # a handler that saves by itself (`/__admin/reset`)
            return self.not_saved(failure, operation, path), None
        except Exception:
            log.exception("unhandled error in %s %s", operation.method, path)
            internal = ApiError(Kind.INTERNAL, "internal error in the mock; see the server log", status=500)
            crashed = api.error_reply(internal, path, operation.operation_id)  # a bug of ours, not a spec violation
            return crashed, crashed

    def finish(self, operation: Operation, reply: Reply, crashed: Reply | None, path: str, wire: Wire | None) -> Reply:
        """The strict check and the wire's encoding (a crash of ours is answered as it is)."""
        if crashed is not None:
            return crashed
        reply = self.strict_check(operation, reply, f"{operation.method} {path}")
        return reply if wire is None else wire.encode(operation, reply)

    # A fleet (`--state redis://`): the request runs against this process's copy, then its work is saved --------------
    async def handle_in_fleet(self, fleet: Fleet, operation: Operation, raw: RawRequest, path: str) -> Answer:
        """As `handle`, with the request's unit of work saved before the answer leaves: run again when what it read
        changed meanwhile (another process was first), the documented 503 when Redis cannot be reached."""
        started = time.perf_counter()
        api = self.api
        wire = api.wire_for(operation, raw.content_type) if api.wire_for is not None else None
        injection: Injection | None = None
        try:
            if api.catch_up and operation.operation_id not in api.catch_up_skip:
                await fleet.barrier()

            def first() -> Answer | Injection:
                nonlocal injection
                injection = self.injection(operation, raw.headers)
                if injection is not None:  # its use is saved first, alone; the request goes on after any delay
                    return injection
                return self.answer_in_fleet(operation, raw, path, wire, started, None)

            result = await fleet.saved(first)
            if isinstance(result, Answer):
                answer = result
            else:
                answer = await self.injected_in_fleet(fleet, result, operation, raw, path, wire, started)
        except StateNotSaved as failure:
            reply = self.finish(operation, self.not_saved(failure, operation, path), None, path, wire)
            answer = to_answer(reply)
            if api.journaled:
                self.record(operation, raw, path, answer, started, injection)
        if self.env.settings.log_requests:
            fault = injection.source if injection is not None else None
            log_request(self.env.settings, operation.method, path, answer.status, operation, started, fault)
        return answer

    async def injected_in_fleet(
        self,
        fleet: Fleet,
        injection: Injection,
        operation: Operation,
        raw: RawRequest,
        path: str,
        wire: Wire | None,
        started: float,
    ) -> Answer:
        if injection.delay_ms:
            await asyncio.sleep(injection.delay_ms / 1000)
        if injection.status is None and not injection.drop_connection:
            return await fleet.saved(lambda: self.answer_in_fleet(operation, raw, path, wire, started, injection))
        if injection.drop_connection:
            answer = DROPPED
        else:
            reply = self.fault_reply(operation, injection, path)
            answer = to_answer(reply if wire is None else wire.encode(operation, reply))
        if self.api.journaled:  # saved before the answer leaves, as every request's entry is
            await fleet.saved(lambda: self.record(operation, raw, path, answer, started, injection))
        return answer

    def answer_in_fleet(
        self,
        operation: Operation,
        raw: RawRequest,
        path: str,
        wire: Wire | None,
        started: float,
        injection: Injection | None,
    ) -> Answer:
        """The request run in its unit of work, its journal entry included (saved with it)."""
        reply, crashed = self.run(operation, raw, path, wire)
        answer = to_answer(self.finish(operation, reply, crashed, path, wire))
        if self.api.journaled:
            self.record(operation, raw, path, answer, started, injection)
        return answer

    def not_saved(self, failure: StateNotSaved, operation: Operation, path: str) -> Reply:
        """The documented 503 in the API's shape; the log names the store's own error."""
        shown = path if self.env.settings.journal_secrets else redact_url(path, operation.secret_path_segments)
        log.error("answered 503 to %s %s: the state could not be saved: %s", operation.method, shown, failure)
        error = ApiError(Kind.UNAVAILABLE, NOT_SAVED)
        return self.api.error_reply(error, path, operation.operation_id)

    def strict_check(self, operation: Operation, reply: Reply, where: str) -> Reply:
        """In strict mode, a reply the spec does not allow becomes a loud 500 that names the violation."""
        if not self.env.settings.strict:
            return reply
        content_type = reply.content_type if reply.body is not None else None
        problems = response_problems(operation, reply.status, content_type, reply.body, reply.headers)
        if not problems:
            return reply
        message = f"resetkit strict mode: {where} -> {reply.status}: " + "; ".join(problems)
        self.env.violations.append(message)
        log.error(message)
        return Reply(500, {"error": message})

    def enforce_rate_limit(self, limit: RateLimit, raw: RawRequest) -> None:
        """`x-rate-limit`: the calls of one credential in the window; past the limit a 429 with Retry-After."""
        credential = credential_for(self.spec.security_schemes[limit.scheme], raw.headers, raw.query)
        if credential is None:
            return
        env = self.env
        now = env.clock.now()
        key = f"{limit.scheme}:{credential}"
        retry_after = take(env.store.hits(self.api.name, key, now=now, window_seconds=limit.window_seconds), limit, now)
        if retry_after is not None:
            raise ApiError(
                Kind.RATE_LIMITED,
                f"API calls exceeded the limit of {limit.limit} in {limit.window_seconds:g} second(s)",
                headers={"Retry-After": str(retry_after)},
            )

    # Faults: answers injected on purpose, by `/__admin/faults` or a `Prefer` header ---------------------------------
    def injection(self, operation: Operation, headers: Mapping[str, str]) -> Injection | None:
        """A request's own `Prefer` header wins over a registered fault (which then is not used up)."""
        if not self.api.injectable:
            return None
        faults = self.env.faults
        prefer = headers.get("Prefer")
        if not faults and prefer is None:
            return None
        injection = parse_prefer(prefer) if prefer else None
        return injection or faults.take(self.api.name, operation.operation_id)

    async def inject(self, injection: Injection, operation: Operation, raw: RawRequest, path: str) -> Answer:
        """Delay, then drop the connection, answer the injected status, or (a delay alone) go on as usual."""
        if injection.delay_ms:
            await asyncio.sleep(injection.delay_ms / 1000)
        if injection.drop_connection:
            return DROPPED
        if injection.status is None:
            return to_answer(self.dispatch(operation, raw, path))
        reply = self.fault_reply(operation, injection, path)
        wire = self.api.wire_for(operation, raw.content_type) if self.api.wire_for is not None else None
        return to_answer(reply if wire is None else wire.encode(operation, reply))

    def fault_reply(self, operation: Operation, injection: Injection, path: str) -> Reply:
        """The injected status in the API's own error shape (429 with Retry-After). Never a strict-mode violation:
        the status is deliberate, documented for the operation or not."""
        status = injection.status or 500
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Injected fault"
        kind = _FAULT_KINDS.get(status, Kind.INTERNAL if status >= 500 else Kind.INVALID)
        headers = {"Retry-After": str(injection.retry_after)} if status == 429 else None
        error = ApiError(kind, f"{phrase} (injected by resetkit: {injection.source})", status=status, headers=headers)
        reply = self.api.error_reply(error, path, operation.operation_id)
        # An API that derives its status from its own codes (ZITADEL's gRPC codes) still answers the asked status.
        return reply if reply.status == status else Reply(status, reply.body, reply.headers, reply.content_type)

    # The journal ----------------------------------------------------------------------------------------------------
    def record(
        self,
        operation: Operation,
        raw: RawRequest,
        path: str,
        answer: Answer,
        started: float,
        injection: Injection | None,
    ) -> None:
        journal = self.env.journal
        limit = journal.body_limit
        sent = answer.body if isinstance(answer.body, bytes) else None
        headers = answer.headers
        if answer.content_type is not None:
            headers = {**headers, "Content-Type": answer.content_type}
        journal.append(
            JournalEntry(
                self.env.clock.now(),
                operation.method,
                path,
                answer.status,
                operation.operation_id,
                (time.perf_counter() - started) * 1000,
                raw.headers,
                raw.body[:limit],
                len(raw.body),
                headers,
                sent[:limit] if sent is not None else None,
                len(sent) if sent is not None else 0,
                injection.source if injection is not None else None,
            )
        )


def log_request(
    settings: Settings,
    method: str,
    path: str,
    status: int,
    operation: Operation | None,
    started: float,
    fault: str | None = None,
) -> None:
    """`--log-requests`: one line per request, secrets in the path redacted unless `--journal-secrets`."""
    request_log.info(
        "%s %s %d %s %.1fms%s",
        method,
        path if settings.journal_secrets else redact_url(path, operation.secret_path_segments if operation else ()),
        status,
        operation.operation_id if operation is not None else "-",
        (time.perf_counter() - started) * 1000,
        f" ({fault})" if fault else "",
    )
