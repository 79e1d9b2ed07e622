"""The /__admin API: credentials, accounts, outbox, clock, reset and journal, for tests and frontend developers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .env import Env
from .errors import ApiError, Kind
from .vendors.base import Call, NewAccount, Reply, Vendor


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def _served(env: Env, name: str) -> Vendor:
    if name not in env.settings.vendors:
        raise ApiError(Kind.NOT_FOUND, f"vendor {name} is not served here (serving {', '.join(env.settings.vendors)})")
    return env.vendors[name]


def get_health(call: Call) -> Reply:
    return Reply(200, {"status": "ok", "vendors": list(call.env.settings.vendors)})


def get_credentials(call: Call) -> Reply:
    env = call.env
    return Reply(200, {name: env.vendors[name].credentials() for name in env.settings.vendors})


def list_accounts(call: Call) -> Reply:
    vendor = _served(call.env, call.query["vendor"])
    limit = call.query.get("limit", 100)
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
    return Reply(200, {"accounts": accounts[:limit]})


def create_account(call: Call) -> Reply:
    body: dict[str, Any] = call.body
    vendor = _served(call.env, body["vendor"])
    for identifier in (body["email"], body.get("phone"), body.get("username")):
        if identifier and call.store.find_account(vendor.name, identifier) is not None:
            raise ApiError(Kind.PRECONDITION, f"{vendor.name} already has an account for {identifier}", status=409)
    new = NewAccount(
        email=body["email"],
        password=body["password"],
        phone=body.get("phone"),
        username=body.get("username"),
        given_name=body.get("given_name", ""),
        family_name=body.get("family_name", ""),
    )
    return Reply(201, {"vendor": vendor.name, **vendor.create_account(call.env, new)})


def list_outbox(call: Call) -> Reply:
    messages = call.outbox.find(
        vendor=call.query.get("vendor"), to=call.query.get("to"), channel=call.query.get("channel")
    )
    return Reply(200, {"messages": [m.to_json() for m in messages]})


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


def reset_state(call: Call) -> Reply:
    call.env.reset()
    return Reply(204)


def get_journal(call: Call) -> Reply:
    limit = call.query.get("limit", 100)
    entries = list(call.env.journal)[-limit:][::-1]
    requests = [{**e._asdict(), "at": _iso(e.at), "duration_ms": round(e.duration_ms, 3)} for e in entries]
    return Reply(200, {"requests": requests})


def _render_error(error: ApiError, status: int, path: str, operation_id: str | None) -> Reply:
    return Reply(status, {"error": error.message})


def _no_account(env: Env, new: NewAccount) -> dict[str, Any]:
    raise ApiError(Kind.NOT_FOUND, "the admin API has no accounts")


VENDOR = Vendor(
    name="admin",
    handlers={
        "getHealth": get_health,
        "getCredentials": get_credentials,
        "listAccounts": list_accounts,
        "createAccount": create_account,
        "listOutbox": list_outbox,
        "clearOutbox": clear_outbox,
        "getClock": get_clock,
        "advanceClock": advance_clock,
        "resetState": reset_state,
        "getJournal": get_journal,
    },
    error_status={},
    render_error=_render_error,
    authenticators={},
    credentials=dict,
    create_account=_no_account,
    demo_account=NewAccount(email="admin@resetkit.invalid", password="-"),
    fake_account=lambda faker: NewAccount(email="admin@resetkit.invalid", password="-"),
)
