"""ZITADEL's user, session, settings and organization services v2 (what the hosted login app calls) on every wire
ZITADEL's official clients use: the REST gateway (`/v2/...`), Connect (JSON and binary), gRPC-web and gRPC. One
implementation per RPC serves them all: the binary wires are decoded into the Connect operation's JSON (`wires.py`),
gRPC is served by `grpc_server.py` (on the HTTP port too, through `mocks/h2c.py`). Sources: seed 002, contracts.md
section 2, fidelity.md and specs/zitadel.yaml.

Modules: `instance` (the mock's organization, tokens, default links), `customization` (what a team can shape:
names, branding, policies), `errors` (gRPC codes, error shapes), `protos` and `protojson` (ZITADEL's descriptors,
protojson reading), `templates` (URL templates), `listing` (queries and paging), `users`, `sessions`,
`settings_service` and `orgs` (the RPCs), `wires` and `grpc_server` (the transports).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from faker import Faker

from ...api import Call, Principal, Reply
from ...openapi.spec import Operation
from ...protocols import VendorContext
from ..base import DEMO_PASSWORD, NewAccount, Vendor, account_view, fake_person
from . import orgs, protojson, protos, sessions, settings_service, users, wires
from .customization import CUSTOMIZATION
from .errors import DOMAIN_ERRORS, GATEWAY_STATUS, GRPC_CODE_OF_KIND, TRANSPORT_STATUS, render_error
from .grpc_server import GRPC_TRANSPORT
from .instance import ACCESS_TOKEN, DEMO_ID, ISSUER, NAME, ORG_ID

__all__ = ["ACCESS_TOKEN", "DEMO_ID", "ISSUER", "NAME", "ORG_ID", "VENDOR"]

_REQUEST_MESSAGE: dict[str, str] = {}


def request_message(operation: Operation) -> str:
    """The request message of the RPC behind an operation (its `x-rpc`), e.g. `zitadel.user.v2.PasswordResetRequest`."""
    found = _REQUEST_MESSAGE.get(operation.operation_id)
    if found is None:
        found = protos.rpcs()[operation.extensions["x-rpc"]].request.full_name
        _REQUEST_MESSAGE[operation.operation_id] = found
    return found


def prepare_body(operation: Operation, body: Any) -> Any:
    """Every JSON body, REST or Connect, is read as protojson reads it into the RPC's request message."""
    return protojson.normalize(request_message(operation), body)


def _access_token(credential: str, ctx: VendorContext) -> Principal | None:
    if secrets.compare_digest(credential.encode(), ACCESS_TOKEN.encode()):
        return Principal("zitadelAccessToken", credential)
    return None


def create_account(ctx: VendorContext, new: NewAccount) -> dict[str, Any]:
    user = users.store_user(ctx, new)
    return {**account_view(user), "userId": user.id, "orgId": ORG_ID, "loginName": users.login_names(user)[0]}


def fake_account(faker: Faker) -> NewAccount:
    return replace(fake_person(faker, with_username=True), id=str(faker.unique.random_int(10**17, 10**18 - 1)))


HANDLERS: dict[str, Callable[[Call], Reply]] = {
    "passwordReset": users.password_reset,
    "setPassword": users.set_password,
    "addHumanUser": users.add_human_user_rest,
    "getUserById": users.get_user_by_id,
    "listUsers": users.list_users,
    "listAuthenticationMethodTypes": users.list_authentication_method_types,
    "deleteUser": users.delete_user_rest,
    "connectPasswordReset": users.connect_password_reset,
    "connectSetPassword": users.connect_set_password,
    "connectAddHumanUser": users.connect_add_human_user,
    "connectGetUserById": users.connect_get_user_by_id,
    "connectListUsers": users.list_users,
    "connectListAuthenticationMethodTypes": users.connect_list_authentication_method_types,
    "connectDeleteUser": users.connect_delete_user,
    **sessions.HANDLERS,
    **settings_service.HANDLERS,
    **orgs.HANDLERS,
}

VENDOR = Vendor(
    name=NAME,
    handlers=HANDLERS,
    # render_error derives the status from the gRPC code; this table is the REST answer for each kind.
    error_status={kind: TRANSPORT_STATUS.get(kind, GATEWAY_STATUS[code]) for kind, code in GRPC_CODE_OF_KIND.items()},
    render_error=render_error,
    authenticators={"zitadelAccessToken": _access_token},
    credentials=lambda: {"access_token": ACCESS_TOKEN},
    create_account=create_account,
    demo_account=NewAccount(
        email="demo@zitadel.resetkit.example",
        password=DEMO_PASSWORD,
        phone="+4791000002",
        username="demo@zitadel.resetkit.example",
        given_name="Dana",
        family_name="Demo",
        id=DEMO_ID,
    ),
    fake_account=fake_account,
    prepare_body=prepare_body,
    wire_for=wires.wire_for,
    transports=(GRPC_TRANSPORT,),
    domain_errors=DOMAIN_ERRORS,
    password_policy=users.PASSWORD_POLICY,
    customization=CUSTOMIZATION,
)
