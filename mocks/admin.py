"""The /__admin API: credentials, accounts, outbox, clock, reset and journal, for tests and frontend developers;
faults, the inbox page, its live stream, the link check and the hosted reset pages for frontend developers; and the
outbox as Mailpit's API (`/__admin/mailpit`) for teams that test with Mailpit's clients."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import urlencode

from .api import Api, Call, Reply, Stream
from .env import Env
from .errors import AccountNotFound, ApiError, DomainError, Kind, clip
from .flows.reset import SecretStatus
from .guard import login_cookie
from .journal import JournalEntry
from .links import Probe, host_of, links_in, place_of, probe_for, status_words, token_status
from .mailpit import view
from .mailpit.search import compile_query, parse_time
from .outbox import Keep, Message, message_filter
from .pages import inbox_page, opening_page, reset_page
from .probe import ask, new_session
from .redact import redact_headers, redact_url, show_body, without_surrogates
from .vendors.base import Customization, NewAccount, Vendor


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def _served(env: Env, name: str) -> Vendor:
    if name not in env.settings.vendors:
        raise ApiError(
            Kind.NOT_FOUND, f"vendor {clip(name)} is not served here (serving {', '.join(env.settings.vendors)})"
        )
    return env.vendors[name]


def get_health(env: Env, call: Call) -> Reply:
    health: dict[str, Any] = {"status": "ok", "vendors": list(env.settings.vendors)}
    if env.relay is not None:
        health["smtp"] = env.relay.status()
    if env.fleet is not None:
        state = env.fleet.status()
        health["state"] = state
        if not state["reachable"]:
            health["status"] = "degraded"
    return Reply(200, health)


def get_credentials(env: Env, call: Call) -> Reply:
    # A vendor's other transports add where they listen (ZITADEL: grpc_url), once they started.
    credentials = {
        name: {**env.vendors[name].credentials(), **env.endpoints.get(name, {})} for name in env.settings.vendors
    }
    return Reply(200, credentials)


def _page(call: Call, key: str, items: Sequence[Any], default_limit: int = 100) -> dict[str, Any]:
    """One page of a listing: `limit` items from `offset`, how many match in all, and the `next` page's offset
    (null on the last page)."""
    limit: int = call.query.get("limit", default_limit)
    offset: int = call.query.get("offset", 0)
    end = offset + limit
    return {
        key: list(items[offset:end]),
        "total": len(items),
        "limit": limit,
        "offset": offset,
        "next": end if end < len(items) else None,
    }


def list_accounts(env: Env, call: Call) -> Reply:
    vendor = _served(env, call.query["vendor"])
    accounts = [
        {
            "vendor": a.vendor,
            "id": a.id,
            "email": a.email,
            "phone": a.phone,
            "username": a.username,
            "given_name": a.given_name,
            "family_name": a.family_name,
        }
        for a in call.store.accounts(vendor.name)
    ]
    return Reply(200, _page(call, "accounts", accounts))


def create_account(env: Env, call: Call) -> Reply:
    """The account as the vendor knows it; a password the vendor's policy refuses is a 400 unless `force`."""
    body: dict[str, Any] = call.body
    vendor = _served(env, body["vendor"])
    policy = vendor.policy_in_force(env.customized(vendor.name))
    violation = policy.first_violation(body["password"]) if policy is not None and not body.get("force") else None
    if violation is not None:
        raise ApiError(
            Kind.INVALID,
            f"{vendor.name} refuses this password: {violation.message} ({violation.code}); "
            'send "force": true to create the account anyway',
            details={"location": "body", "field": "password", "rule": violation.rule},
        )
    for identifier in (body["email"], body.get("phone"), body.get("username")):
        if identifier and call.store.find_account(vendor.name, identifier) is not None:
            raise ApiError(
                Kind.PRECONDITION, f"{vendor.name} already has an account for {clip(identifier)}", status=409
            )
    new = NewAccount(
        email=body["email"],
        password=body["password"],
        phone=body.get("phone"),
        username=body.get("username"),
        given_name=body.get("given_name", ""),
        family_name=body.get("family_name", ""),
    )
    return Reply(201, {"vendor": vendor.name, **vendor.create_account(env, new)})


def _customizable(env: Env, name: str) -> Customization:
    customization = _served(env, name).customization
    if customization is None:
        raise ApiError(Kind.NOT_FOUND, f"{clip(name)} has nothing a team can shape")
    return customization


def _customization_view(env: Env, name: str, customization: Customization) -> dict[str, Any]:
    return {"vendor": name, "values": dict(env.customizations[name]), "defaults": dict(customization.defaults)}


def get_customization(env: Env, call: Call) -> Reply:
    name = call.path["vendor"]
    return Reply(200, _customization_view(env, name, _customizable(env, name)))


def update_customization(env: Env, call: Call) -> Reply:
    """The changes all apply or none does (a 400 names the one the vendor refuses)."""
    name = call.path["vendor"]
    customization = _customizable(env, name)
    try:
        values = customization.apply(env.customizations[name], call.body)
    except ValueError as exc:
        raise ApiError(Kind.INVALID, f"{name}: {exc}", details={"location": "body"}) from None
    env.customizations[name] = values
    return Reply(200, _customization_view(env, name, customization))


def searched(query: str | None, tz: str | None = None) -> Keep | None:
    """The messages a search in Mailpit's syntax keeps; None for no search."""
    if not query or not query.strip():
        return None
    matches = compile_query(query, tz)
    return lambda message: matches(view.document(message))


def list_outbox(env: Env, call: Call) -> Reply:
    query = call.query
    keep = searched(query.get("query"), query.get("tz"))
    messages = call.outbox.find(vendor=query.get("vendor"), to=query.get("to"), channel=query.get("channel"), keep=keep)
    page = _page(call, "messages", messages)
    page["messages"] = [_message_json(env, m) for m in page["messages"]]
    return Reply(200, page)


def _message_json(env: Env, message: Message) -> dict[str, Any]:
    """The message, and with `--smtp` what became of its e-mail."""
    shown = message.to_json()
    delivery = env.relay.delivery(message.id) if env.relay is not None else None
    if delivery is not None:
        shown["delivery"] = delivery.to_json()
    return shown


def clear_outbox(env: Env, call: Call) -> Reply:
    call.outbox.clear()
    return Reply(204)


def _sent(call: Call) -> Message:
    message = call.outbox.get(call.path["messageId"])
    if message is None:
        raise ApiError(Kind.NOT_FOUND, f"the outbox holds no message {clip(call.path['messageId'])}")
    return message


def get_outbox_message(env: Env, call: Call) -> Reply:
    return Reply(200, _sent(call).to_json())


def mark_outbox_message(env: Env, call: Call) -> Reply:
    (message,) = call.outbox.mark_read([_sent(call).id], call.body["read"])
    return Reply(200, message.to_json())


def delete_outbox_message(env: Env, call: Call) -> Reply:
    call.outbox.remove([_sent(call).id])
    return Reply(204)


def check_message_links(env: Env, call: Call) -> Reply:
    """Each link's host, where it points, whether it will be asked, and the status of the secret it carries."""
    message, now, settings = _sent(call), call.now, env.settings
    remote = bool(call.query.get("remote", False))
    links = []
    for url in links_in(message):
        probe = probe_for(url, base_url=settings.base_url, listen_url=settings.listen_url, remote=remote)
        status = token_status(call.store, message, url, now=now)
        links.append(
            {
                "url": url,
                "host": host_of(url),
                "place": place_of(url, settings.base_url),
                "probe": (
                    {"asked": False, "method": None, "words": probe}
                    if isinstance(probe, str)
                    else {"asked": True, "method": probe.method, "words": f"asking with {probe.method}"}
                ),
                "token": _status_json(status, now) if status is not None else None,
            }
        )
    return Reply(200, {"message": message.id, "links": links})


def _status_json(status: SecretStatus, now: float) -> dict[str, Any]:
    return {
        "state": status.state,
        "purpose": status.purpose,
        "expires_at": _iso(status.expires_at) if status.expires_at is not None else None,
        "used_at": _iso(status.used_at) if status.used_at is not None else None,
        "words": status_words(status, now),
    }


def stream_link_answers(env: Env, call: Call) -> Reply:
    """Server-Sent Events: each asked link's answer as it arrives, then `done`."""
    message, settings = _sent(call), env.settings
    remote = bool(call.query.get("remote", False))
    probes = [
        (index, url, probe_for(url, base_url=settings.base_url, listen_url=settings.listen_url, remote=remote))
        for index, url in enumerate(links_in(message))
    ]

    async def events() -> AsyncGenerator[bytes, None]:
        yield b"retry: 86400000\n\n"  # the stream ends after `done`: an EventSource must not ask again soon
        async with new_session() as session:

            async def answer(index: int, url: str, probe: Probe) -> dict[str, Any]:
                return {"index": index, "url": url, **(await ask(session, probe)).to_json()}

            asking = [asyncio.create_task(answer(i, url, p)) for i, url, p in probes if isinstance(p, Probe)]
            try:
                for finished in asyncio.as_completed(asking):
                    yield _sse("link", await finished)
            finally:  # the client went away: stop asking
                for task in asking:
                    task.cancel()
        yield _sse("done", {"message": message.id})

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return Reply(200, Stream(events), headers, "text/event-stream")


def _sse(event: str, data: dict[str, Any], event_id: str | None = None) -> bytes:
    encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (f"event: {event}\n" + (f"id: {event_id}\n" if event_id else "") + f"data: {encoded}\n\n").encode()


def _clock_state(env: Env) -> dict[str, Any]:
    return {"now": _iso(env.clock.now()), "offset_seconds": env.clock.offset}


def get_clock(env: Env, call: Call) -> Reply:
    return Reply(200, _clock_state(env))


def advance_clock(env: Env, call: Call) -> Reply:
    before = env.clock.offset
    env.clock.advance(float(call.body["advance_seconds"]))
    _after_clock_move(env, before)
    return Reply(200, _clock_state(env))


def set_clock(env: Env, call: Call) -> Reply:
    before = env.clock.offset
    env.clock.set_offset(float(call.body["offset_seconds"]))
    _after_clock_move(env, before)
    return Reply(200, _clock_state(env))


def _after_clock_move(env: Env, before: float) -> None:
    """Time moved back: what was stamped in the future (a conform run's rate windows) is brought in line."""
    if env.clock.offset < before:
        env.store.rewind(env.clock.now())


def delete_account(env: Env, call: Call) -> Reply:
    vendor = _served(env, call.path["vendor"])
    if not call.store.remove_account(vendor.name, call.path["accountId"]):
        raise ApiError(Kind.NOT_FOUND, f"{vendor.name} has no account {clip(call.path['accountId'])}")
    return Reply(204)


def reset_state(env: Env, call: Call) -> Reply:
    env.reset()
    return Reply(204)


def get_journal(env: Env, call: Call) -> Reply:
    """Newest first, filtered by vendor, operation and status; secrets redacted unless `--journal-secrets`."""
    env, query = env, call.query
    wanted_vendor, wanted_operation, wanted_status = query.get("vendor"), query.get("operation"), query.get("status")
    redact = not env.settings.journal_secrets
    secret_headers = _api_key_headers(env)
    matching = []
    for entry in reversed(env.journal):
        if wanted_operation is not None and entry.operation != wanted_operation:
            continue
        if wanted_status is not None and entry.status != wanted_status:
            continue
        vendor = _vendor_of(env, entry.path)
        if wanted_vendor is not None and vendor != wanted_vendor:
            continue
        matching.append((entry, vendor))
    page = _page(call, "requests", matching)
    page["requests"] = [
        _journal_view(entry, vendor, redact, secret_headers, _secret_segments(env, vendor, entry.operation))
        for entry, vendor in page["requests"]
    ]
    return Reply(200, without_surrogates(page))


def clear_journal(env: Env, call: Call) -> Reply:
    env.journal.clear()
    return Reply(204)


def _journal_view(
    entry: JournalEntry,
    vendor: str | None,
    redact: bool,
    secret_headers: frozenset[str],
    secret_segments: tuple[int, ...],
) -> dict[str, Any]:
    # str(): aiohttp's header names are case-insensitive `istr`s, which a JSON encoder does not take as keys
    request_headers = [(str(k), v) for k, v in (entry.request_headers or {}).items()]
    response_headers = [(str(k), v) for k, v in (entry.response_headers or {}).items()]
    shown_request = redact_headers(request_headers, secret_headers) if redact else dict(request_headers)
    shown_response = redact_headers(response_headers, secret_headers) if redact else dict(response_headers)
    request_type = entry.request_headers.get("Content-Type") if entry.request_headers is not None else None
    response_type = entry.response_headers.get("Content-Type") if entry.response_headers is not None else None
    return {
        "at": _iso(entry.at),
        "method": entry.method,
        "path": redact_url(entry.path, secret_segments) if redact else entry.path,
        "status": entry.status,
        "operation": entry.operation,
        "duration_ms": round(entry.duration_ms, 3),
        "vendor": vendor,
        "fault": entry.fault,
        "request": {
            "headers": shown_request,
            "body": show_body(entry.request_body, entry.request_size, request_type, redact),
        },
        "response": {
            "headers": shown_response,
            "body": show_body(entry.response_body, entry.response_size, response_type, redact),
        },
    }


def _secret_segments(env: Env, vendor: str | None, operation_id: str | None) -> tuple[int, ...]:
    """Where a journaled request's operation carries a secret in its path (`x-secret`), counted from the end."""
    spec = env.specs.get(vendor) if vendor is not None else None
    operation = spec.operations.get(operation_id) if spec is not None and operation_id is not None else None
    return operation.secret_path_segments if operation is not None else ()


def _vendor_of(env: Env, path: str) -> str | None:
    """The served vendor a journaled path belongs to (the only one, when it is served at the root)."""
    if env.settings.mount_at_root:
        return env.settings.vendors[0]
    for name in env.settings.vendors:
        prefix = env.settings.prefix(name)
        if path == prefix or path.startswith((prefix + "/", prefix + "?")):
            return name
    return None


def _api_key_headers(env: Env) -> frozenset[str]:
    """Every header a served spec names as an apiKey: its values are credentials."""
    return frozenset(
        (scheme.key_name or "").lower()
        for name in env.settings.vendors
        for scheme in env.specs[name].security_schemes.values()
        if scheme.type == "apiKey" and scheme.location == "header"
    )


# Faults ------------------------------------------------------------------------------------------------------------
def add_fault(env: Env, call: Call) -> Reply:
    """Register a fault; an operation the vendor does not have is a 400 naming it and the ones it has."""
    body: dict[str, Any] = call.body
    vendor = _served(env, body["vendor"])
    spec = env.specs[vendor.name]
    operation_id = body.get("operation")
    status = body.get("status")
    if operation_id is not None and operation_id not in spec.operations:
        known = ", ".join(sorted(spec.operations))
        raise ApiError(Kind.INVALID, f"{vendor.name} has no operation {clip(operation_id)} (it has: {known})")
    if status is None and not body.get("delay_ms") and not body.get("drop_connection"):
        raise ApiError(Kind.INVALID, "a fault needs a status, a delay_ms or drop_connection: true")
    documented = None
    if status is not None and operation_id is not None:
        documented = spec.operations[operation_id].response_for(status) is not None
    fault = env.faults.add(
        vendor.name,
        operation_id,
        status=status,
        delay_ms=body.get("delay_ms", 0),
        drop_connection=body.get("drop_connection", False),
        times=body.get("times"),
        probability=float(body.get("probability", 1.0)),
        retry_after=body.get("retry_after", 1),
        documented=documented,
    )
    return Reply(201, fault.to_json())


def list_faults(env: Env, call: Call) -> Reply:
    return Reply(200, _page(call, "faults", [fault.to_json() for fault in env.faults.all()]))


def clear_faults(env: Env, call: Call) -> Reply:
    env.faults.clear()
    return Reply(204)


def delete_fault(env: Env, call: Call) -> Reply:
    if not env.faults.remove(call.path["faultId"]):
        raise ApiError(Kind.NOT_FOUND, f"no fault {clip(call.path['faultId'])}")
    return Reply(204)


# The inbox page, its live stream and the hosted reset pages ----------------------------------------------------------
HEARTBEAT_SECONDS = 15.0  # a comment line this often keeps proxies from closing the stream and notices gone clients


def get_admin_home(env: Env, call: Call) -> Reply:
    return Reply(302, None, {"Location": "inbox"})


def get_inbox(env: Env, call: Call) -> Reply:
    query = call.query
    if "token" in query:
        return _log_in(env, call)
    keep = searched(query.get("query"))
    messages = call.outbox.find(
        vendor=query.get("vendor") or None,
        to=query.get("to") or None,
        channel=query.get("channel") or None,
        keep=keep,
    )
    opened = call.outbox.get(query["message"]) if query.get("message") else None
    html = inbox_page(env, messages[: query.get("limit", 200)], len(messages), query, opened)
    return Reply(200, html.text, html.headers, "text/html")


def _log_in(env: Env, call: Call) -> Reply:
    """The inbox link (`?token=`, already checked by the guard): a cookie for `/__admin` instead, then the same page
    without the token in its URL, so that it stays out of the address bar, the Referer and any screen share."""
    rest = urlencode({k: v for k, v in call.query.items() if k != "token"})
    page = opening_page("inbox" + (f"?{rest}" if rest else ""))
    headers = dict(page.headers)
    token = env.settings.admin_token
    if token:
        headers["Set-Cookie"] = login_cookie(token, secure=env.settings.base_url.startswith("https:"))
    return Reply(200, page.text, headers, "text/html")


def _replayed(call: Call, keep: Keep) -> list[Message]:
    """What a new stream sends before going live, oldest first: nothing unless asked (`since`, `replay=all`, or the
    Last-Event-ID of a reconnecting EventSource)."""
    query, outbox = call.query, call.outbox
    resumed = call.headers.get("Last-Event-ID", "")
    since = str(query.get("since", ""))
    if query.get("replay") == "all":
        return list(reversed(outbox.find(keep=keep)))
    if resumed.isdigit() or since.isdigit():
        after = max(int(resumed) if resumed.isdigit() else 0, int(since) if since.isdigit() else 0)
        return [m for m in reversed(outbox.find(keep=keep)) if int(m.id) > after]
    if since:
        moment = parse_time(since, UTC)
        if moment is None:
            raise ApiError(Kind.INVALID, f"since {clip(since)} is neither a message id nor a time")
        return [m for m in reversed(outbox.find(keep=keep)) if m.created_at >= moment]
    return []


def stream_outbox(env: Env, call: Call) -> Reply:
    """Server-Sent Events: each new matching message as it is sent, after the past when asked for (`_replayed`)."""
    outbox, query = call.outbox, call.query
    filters: dict[str, str] = {k: query[k] for k in ("vendor", "to", "channel") if k in query}
    matches, search = message_filter(**filters), searched(query.get("query"), query.get("tz"))

    def keep(message: Message) -> bool:
        return matches(message) and (search is None or search(message))

    past = _replayed(call, keep)

    async def events() -> AsyncGenerator[bytes, None]:
        queue: asyncio.Queue[Message] = asyncio.Queue()
        unsubscribe = outbox.subscribe(queue.put_nowait)  # before the replay: nothing sent meanwhile is lost
        last = 0
        try:
            yield b"retry: 1000\n\n"
            for message in past:
                last = int(message.id)
                yield _event(message)
            while True:
                try:
                    message = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                if int(message.id) > last and keep(message):
                    last = int(message.id)
                    yield _event(message)
        finally:
            unsubscribe()

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return Reply(200, Stream(events), headers, "text/event-stream")


def _event(message: Message) -> bytes:
    return _sse("message", message.to_json(), message.id)


def get_reset_page(env: Env, call: Call) -> Reply:
    vendor = _served(env, call.path["vendor"])
    page = reset_page(env, vendor, {k: str(v) for k, v in call.query.items()})
    return Reply(200, page.text, page.headers, "text/html")


# Mailpit's API (/__admin/mailpit) -----------------------------------------------------------------------------
MAILPIT_PREFIX = "/__admin/mailpit/"


def _mailbox(call: Call) -> list[Message]:
    """Mailpit's view of the outbox: its e-mails, newest first."""
    return call.outbox.find(channel="email")


def _field(body: Any, name: str) -> Any:
    """A body field by its name in any case (Go's JSON decoder matches `ids` to `IDs`)."""
    if not isinstance(body, dict):
        return None
    return next((value for key, value in body.items() if key.lower() == name), None)


def _mailpit_search(call: Call, mailbox: list[Message], query: str) -> list[Message]:
    if not query.strip():
        raise ApiError(Kind.INVALID, "Error: no search query")
    keep = searched(query, call.query.get("tz"))
    return [m for m in mailbox if keep is None or keep(m)]


def _before(call: Call, messages: list[Message]) -> list[Message]:
    """Mailpit's `before`: only messages sent before that time; a time it cannot read is ignored, as Mailpit does."""
    moment = parse_time(call.query["before"]) if call.query.get("before") else None
    return messages if moment is None else [m for m in messages if m.created_at < moment]


def mailpit_list_messages(env: Env, call: Call) -> Reply:
    mailbox = _mailbox(call)
    listing = view.listing(
        mailbox, _before(call, mailbox), call.query.get("start", 0), call.query.get("limit", 50), searched=False
    )
    return Reply(200, listing)


def mailpit_search(env: Env, call: Call) -> Reply:
    mailbox = _mailbox(call)
    matches = _before(call, _mailpit_search(call, mailbox, call.query["query"]))
    listing = view.listing(mailbox, matches, call.query.get("start", 0), call.query.get("limit", 50), searched=True)
    return Reply(200, listing)


def _ok() -> Reply:
    return Reply(200, "ok", {}, "text/plain")


def _mailpit_ids(body: Any) -> list[str]:
    ids = _field(body, "ids")
    return [str(i) for i in ids] if isinstance(ids, list) else []


def mailpit_set_read_status(env: Env, call: Call) -> Reply:
    """`Read` for the IDs, else the messages a `Search` finds, else every e-mail (Mailpit's SetReadStatus)."""
    body, mailbox = call.body, _mailbox(call)
    ids, search = _mailpit_ids(body), _field(body, "search") or ""
    read = _field(body, "read")
    read = read in ("true", "True", "1") if isinstance(read, str) else bool(read)
    if ids and search:
        raise ApiError(Kind.INVALID, "You may specify either IDs or a search query, not both")
    if search:
        chosen = [m.id for m in _mailpit_search(call, mailbox, search)]
    elif ids:
        in_view = {m.id for m in mailbox}
        chosen = [i for i in ids if i in in_view]
    else:
        chosen = [m.id for m in mailbox]
    call.outbox.mark_read(chosen, read)
    return _ok()


def mailpit_delete_messages(env: Env, call: Call) -> Reply:
    """The e-mails with the IDs given; no IDs: every e-mail (the SMS stay in resetkit's own outbox)."""
    mailbox, ids = _mailbox(call), _mailpit_ids(call.body)
    in_view = {m.id for m in mailbox}
    call.outbox.remove([i for i in ids if i in in_view] if ids else in_view)
    return _ok()


def mailpit_delete_search(env: Env, call: Call) -> Reply:
    call.outbox.remove(m.id for m in _mailpit_search(call, _mailbox(call), call.query["query"]))
    return _ok()


def _mailpit_message(call: Call, which: str) -> Message:
    """The e-mail `which` names: an id, or `latest` (the newest, matching `query` when given)."""
    mailbox = _mailbox(call)
    if which == "latest":
        query = call.query.get("query") or ""
        found = _mailpit_search(call, mailbox, query) if query.strip() else mailbox
        if not found:
            raise ApiError(Kind.NOT_FOUND, "Message not found")
        return found[0]
    message = call.outbox.get(which)
    if message is None or not view.in_view(message):
        raise ApiError(Kind.NOT_FOUND, "404 page not found")
    return message


def mailpit_get_message(env: Env, call: Call) -> Reply:
    """The message, which Mailpit marks read as it answers."""
    (message,) = call.outbox.mark_read([_mailpit_message(call, call.path["ID"]).id])
    return Reply(200, view.detail(message))


def mailpit_get_headers(env: Env, call: Call) -> Reply:
    return Reply(200, view.headers(_mailpit_message(call, call.path["ID"])))


def mailpit_get_source(env: Env, call: Call) -> Reply:
    message = _mailpit_message(call, call.path["ID"])
    headers = {"Content-Disposition": f'attachment; filename="{message.id}.eml"'} if call.query.get("dl") == "1" else {}
    return Reply(200, view.source(message).decode(), headers, "text/plain")


# A message's HTML, served on the mock's own origin: nothing in it may run or load, as in the inbox's frame.
_PART_POLICY = "default-src 'none'; img-src * data:; style-src 'unsafe-inline'; sandbox allow-popups"


def mailpit_view_part(env: Env, call: Call) -> Reply:
    """`ID.html` or `ID.txt`: the message's HTML or text as it is."""
    which, _, kind = call.path["file"].rpartition(".")
    message = _mailpit_message(call, which)
    if kind == "txt":
        return Reply(200, message.text, {}, "text/plain")
    if not message.html:
        raise ApiError(Kind.NOT_FOUND, "This message does not contain a HTML part")
    headers = {"Content-Security-Policy": _PART_POLICY, "Referrer-Policy": "no-referrer"}
    return Reply(200, message.html, headers, "text/html")


def _render_error(error: ApiError, status: int, path: str, operation_id: str | None) -> Reply:
    """JSON for the admin API; plain text under /mailpit, as Mailpit answers its errors."""
    if (operation_id or "").startswith("mailpit") or path.startswith(MAILPIT_PREFIX):
        return Reply(status, error.message, {}, "text/plain")
    return Reply(status, {"error": error.message})


HANDLERS: dict[str, Callable[[Env, Call], Reply]] = {
    "getAdminHome": get_admin_home,
    "getHealth": get_health,
    "getCredentials": get_credentials,
    "listAccounts": list_accounts,
    "createAccount": create_account,
    "deleteAccount": delete_account,
    "listOutbox": list_outbox,
    "clearOutbox": clear_outbox,
    "getOutboxMessage": get_outbox_message,
    "markOutboxMessage": mark_outbox_message,
    "deleteOutboxMessage": delete_outbox_message,
    "checkMessageLinks": check_message_links,
    "streamLinkAnswers": stream_link_answers,
    "streamOutbox": stream_outbox,
    "getInbox": get_inbox,
    "getResetPage": get_reset_page,
    "getClock": get_clock,
    "advanceClock": advance_clock,
    "setClock": set_clock,
    "resetState": reset_state,
    "getJournal": get_journal,
    "clearJournal": clear_journal,
    "addFault": add_fault,
    "listFaults": list_faults,
    "clearFaults": clear_faults,
    "deleteFault": delete_fault,
    "getCustomization": get_customization,
    "updateCustomization": update_customization,
    "mailpitListMessages": mailpit_list_messages,
    "mailpitSearch": mailpit_search,
    "mailpitSetReadStatus": mailpit_set_read_status,
    "mailpitDeleteMessages": mailpit_delete_messages,
    "mailpitDeleteSearch": mailpit_delete_search,
    "mailpitGetMessage": mailpit_get_message,
    "mailpitGetHeaders": mailpit_get_headers,
    "mailpitGetSource": mailpit_get_source,
    "mailpitViewPart": mailpit_view_part,
    "mailpitViewPartDoubledSlash": mailpit_view_part,
}


def admin_api(env: Env) -> Api:
    """The admin API on `env`: its own spec (specs/admin.yaml), never faulted or journaled."""
    return Api(
        name="admin",
        handlers={operation_id: partial(handler, env) for operation_id, handler in HANDLERS.items()},
        render_error=_render_error,
        # The admin API runs no flows; should one raise, its account is missing or its state does not allow the call.
        domain_errors={
            AccountNotFound: lambda: ApiError(Kind.NOT_FOUND, "no such account"),
            DomainError: lambda: ApiError(Kind.PRECONDITION, "the state does not allow this call"),
        },
        injectable=False,
        journaled=False,
        catch_up=True,
        catch_up_skip=frozenset({"getHealth"}),
    )
