"""The /__admin API: credentials, accounts, outbox, clock, reset and journal, for tests and frontend developers;
faults, the inbox page, its live stream and the hosted reset pages for frontend developers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Sequence
from datetime import UTC, datetime
from typing import Any

from .env import Env, JournalEntry
from .errors import AccountNotFound, ApiError, DomainError, Kind, clip
from .outbox import Message, message_filter
from .pages import inbox_page, reset_page
from .redact import redact_headers, redact_url, show_body
from .vendors.base import Call, Customization, NewAccount, Reply, Stream, Vendor


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def _served(env: Env, name: str) -> Vendor:
    if name not in env.settings.vendors:
        raise ApiError(
            Kind.NOT_FOUND, f"vendor {clip(name)} is not served here (serving {', '.join(env.settings.vendors)})"
        )
    return env.vendors[name]


def get_health(call: Call) -> Reply:
    return Reply(200, {"status": "ok", "vendors": list(call.env.settings.vendors)})


def get_credentials(call: Call) -> Reply:
    env = call.env
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


def list_accounts(call: Call) -> Reply:
    vendor = _served(call.env, call.query["vendor"])
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


def create_account(call: Call) -> Reply:
    """The account as the vendor knows it; a password the vendor's policy refuses is a 400 unless `force`."""
    body: dict[str, Any] = call.body
    vendor = _served(call.env, body["vendor"])
    policy = vendor.policy_in_force(call.env.customizations.get(vendor.name, {}))
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
    return Reply(201, {"vendor": vendor.name, **vendor.create_account(call.env, new)})


def _customizable(env: Env, name: str) -> Customization:
    customization = _served(env, name).customization
    if customization is None:
        raise ApiError(Kind.NOT_FOUND, f"{clip(name)} has nothing a team can shape")
    return customization


def _customization_view(env: Env, name: str, customization: Customization) -> dict[str, Any]:
    return {"vendor": name, "values": dict(env.customizations[name]), "defaults": dict(customization.defaults)}


def get_customization(call: Call) -> Reply:
    name = call.path["vendor"]
    return Reply(200, _customization_view(call.env, name, _customizable(call.env, name)))


def update_customization(call: Call) -> Reply:
    """The changes all apply or none does (a 400 names the one the vendor refuses)."""
    name = call.path["vendor"]
    customization = _customizable(call.env, name)
    try:
        values = customization.apply(call.env.customizations[name], call.body)
    except ValueError as exc:
        raise ApiError(Kind.INVALID, f"{name}: {exc}", details={"location": "body"}) from None
    call.env.customizations[name] = values
    return Reply(200, _customization_view(call.env, name, customization))


def list_outbox(call: Call) -> Reply:
    messages = call.outbox.find(
        vendor=call.query.get("vendor"), to=call.query.get("to"), channel=call.query.get("channel")
    )
    page = _page(call, "messages", messages)
    page["messages"] = [m.to_json() for m in page["messages"]]
    return Reply(200, page)


def clear_outbox(call: Call) -> Reply:
    call.outbox.clear()
    return Reply(204)


def _clock_state(env: Env) -> dict[str, Any]:
    return {"now": _iso(env.clock.now()), "offset_seconds": getattr(env.clock, "offset", 0.0)}


def get_clock(call: Call) -> Reply:
    return Reply(200, _clock_state(call.env))


def advance_clock(call: Call) -> Reply:
    call.env.clock.advance(float(call.body["advance_seconds"]))
    return Reply(200, _clock_state(call.env))


def set_clock(call: Call) -> Reply:
    clock = call.env.clock
    clock.advance(float(call.body["offset_seconds"]) - float(getattr(clock, "offset", 0.0)))
    return Reply(200, _clock_state(call.env))


def delete_account(call: Call) -> Reply:
    vendor = _served(call.env, call.path["vendor"])
    if not call.store.remove_account(vendor.name, call.path["accountId"]):
        raise ApiError(Kind.NOT_FOUND, f"{vendor.name} has no account {clip(call.path['accountId'])}")
    return Reply(204)


def reset_state(call: Call) -> Reply:
    call.env.reset()
    return Reply(204)


def get_journal(call: Call) -> Reply:
    """Newest first, filtered by vendor, operation and status; secrets redacted unless `--journal-secrets`."""
    env, query = call.env, call.query
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
    page["requests"] = [_journal_view(entry, vendor, redact, secret_headers) for entry, vendor in page["requests"]]
    return Reply(200, page)


def clear_journal(call: Call) -> Reply:
    call.env.journal.clear()
    return Reply(204)


def _journal_view(
    entry: JournalEntry, vendor: str | None, redact: bool, secret_headers: frozenset[str]
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
        "path": redact_url(entry.path) if redact else entry.path,
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
def add_fault(call: Call) -> Reply:
    """Register a fault; an operation the vendor does not have is a 400 naming it and the ones it has."""
    body: dict[str, Any] = call.body
    vendor = _served(call.env, body["vendor"])
    spec = call.env.specs[vendor.name]
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
    fault = call.env.faults.add(
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


def list_faults(call: Call) -> Reply:
    return Reply(200, _page(call, "faults", [fault.to_json() for fault in call.env.faults.all()]))


def clear_faults(call: Call) -> Reply:
    call.env.faults.clear()
    return Reply(204)


def delete_fault(call: Call) -> Reply:
    if not call.env.faults.remove(call.path["faultId"]):
        raise ApiError(Kind.NOT_FOUND, f"no fault {clip(call.path['faultId'])}")
    return Reply(204)


# The inbox page, its live stream and the hosted reset pages ----------------------------------------------------------
HEARTBEAT_SECONDS = 15.0  # a comment line this often keeps proxies from closing the stream and notices gone clients


def get_inbox(call: Call) -> Reply:
    query = call.query
    messages = call.outbox.find(
        vendor=query.get("vendor") or None, to=query.get("to") or None, channel=query.get("channel") or None
    )
    html = inbox_page(call.env, messages[: query.get("limit", 200)], len(messages), query)
    return Reply(200, html.text, html.headers, "text/html")


def stream_outbox(call: Call) -> Reply:
    """Server-Sent Events: the messages after `after` (or Last-Event-ID), then each new one as it is sent."""
    outbox = call.outbox
    filters: dict[str, str] = {k: call.query[k] for k in ("vendor", "to", "channel") if k in call.query}
    keep = message_filter(**filters)
    resumed = call.headers.get("Last-Event-ID", "")  # a reconnecting EventSource: go on from there
    last = max(int(call.query.get("after") or 0), int(resumed) if resumed.isdigit() else 0)

    async def events() -> AsyncGenerator[bytes, None]:
        nonlocal last
        queue: asyncio.Queue[Message] = asyncio.Queue()
        unsubscribe = outbox.subscribe(queue.put_nowait)  # before the replay: nothing sent meanwhile is lost
        try:
            yield b"retry: 1000\n\n"
            for message in reversed(outbox.find(**filters)):
                if int(message.id) > last:
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
    data = json.dumps(message.to_json(), ensure_ascii=False, separators=(",", ":"))
    return f"event: message\nid: {message.id}\ndata: {data}\n\n".encode()


def get_reset_page(call: Call) -> Reply:
    vendor = _served(call.env, call.path["vendor"])
    page = reset_page(call.env, vendor, {k: str(v) for k, v in call.query.items()})
    return Reply(200, page.text, page.headers, "text/html")


def _render_error(error: ApiError, status: int, path: str, operation_id: str | None) -> Reply:
    return Reply(status, {"error": error.message})


def _no_account(env: Env, new: NewAccount) -> dict[str, Any]:
    raise ApiError(Kind.NOT_FOUND, "the admin API has no accounts")


VENDOR = Vendor(
    name="admin",
    # The admin API runs no flows; should one raise, its account is missing or its state does not allow the call.
    domain_errors={
        AccountNotFound: lambda: ApiError(Kind.NOT_FOUND, "no such account"),
        DomainError: lambda: ApiError(Kind.PRECONDITION, "the state does not allow this call"),
    },
    handlers={
        "getHealth": get_health,
        "getCredentials": get_credentials,
        "listAccounts": list_accounts,
        "createAccount": create_account,
        "listOutbox": list_outbox,
        "clearOutbox": clear_outbox,
        "getClock": get_clock,
        "advanceClock": advance_clock,
        "setClock": set_clock,
        "deleteAccount": delete_account,
        "resetState": reset_state,
        "getJournal": get_journal,
        # issue 9: journal, faults, inbox, hosted reset pages
        "clearJournal": clear_journal,
        "addFault": add_fault,
        "listFaults": list_faults,
        "clearFaults": clear_faults,
        "deleteFault": delete_fault,
        "getInbox": get_inbox,
        "streamOutbox": stream_outbox,
        "getResetPage": get_reset_page,
        "getCustomization": get_customization,
        "updateCustomization": update_customization,
    },
    error_status={},
    render_error=_render_error,
    authenticators={},
    credentials=dict,
    create_account=_no_account,
    demo_account=NewAccount(email="admin@resetkit.invalid", password="-"),
    fake_account=lambda faker: NewAccount(email="admin@resetkit.invalid", password="-"),
)
