"""The services ZITADEL's hosted login app calls (OrganizationService, SettingsService, UserService ListUsers,
ListAuthenticationMethodTypes and DeleteUser, SessionService Get/Set/List/DeleteSession), each on every wire: the
REST gateway path, Connect JSON, Connect proto, gRPC-web and gRPC, on one state."""

from __future__ import annotations

import base64
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import grpc
import pytest
from aiohttp.test_utils import TestClient
from google.protobuf import json_format
from pytest_aiohttp.plugin import AiohttpClient

from resetkit.app import create_app
from resetkit.env import Env
from resetkit.settings import Settings
from resetkit.transports import transports_started
from resetkit.vendors.zitadel import ACCESS_TOKEN, DEMO_ID, ORG_ID, protos
from tests.api.test_zitadel import AUTH, NEW, OLD, UNKNOWN_ID, new_user

pytestmark = pytest.mark.zitadel
WIRES = ["rest", "connect-json", "connect-proto", "grpc-web", "grpc"]
DEMO_LOGIN = "demo@zitadel.resetkit.example"
GRPC_CODES = {code.value[1].replace(" ", "_"): code.value[0] for code in grpc.StatusCode}
# The REST gateway path of each RPC (google.api.http): method, path (fields in braces come from the request),
# and whether the rest of the request is the body (else the query string).
REST = {
    "ListOrganizations": ("POST", "/v2/organizations/_search", True),
    "GetGeneralSettings": ("GET", "/v2/settings", False),
    "GetLoginSettings": ("GET", "/v2/settings/login", False),
    "GetActiveIdentityProviders": ("GET", "/v2/settings/login/idps", False),
    "GetPasswordComplexitySettings": ("GET", "/v2/settings/password/complexity", False),
    "GetPasswordExpirySettings": ("GET", "/v2/settings/password/expiry", False),
    "GetBrandingSettings": ("GET", "/v2/settings/branding", False),
    "GetLegalAndSupportSettings": ("GET", "/v2/settings/legal_support", False),
    "GetLockoutSettings": ("GET", "/v2/settings/lockout", False),
    "GetSecuritySettings": ("GET", "/v2/settings/security", False),
    "GetHostedLoginTranslation": ("GET", "/v2/settings/hosted_login_translation", False),
    "ListUsers": ("POST", "/v2/users", True),
    "ListAuthenticationMethodTypes": ("GET", "/v2/users/{userId}/authentication_methods", False),
    "DeleteUser": ("DELETE", "/v2/users/{userId}", False),
    "GetUserByID": ("GET", "/v2/users/{userId}", False),
    "CreateSession": ("POST", "/v2/sessions", True),
    "GetSession": ("GET", "/v2/sessions/{sessionId}", False),
    "SetSession": ("PATCH", "/v2/sessions/{sessionId}", True),
    "ListSessions": ("POST", "/v2/sessions/search", True),
    "DeleteSession": ("DELETE", "/v2/sessions/{sessionId}", True),
}
SERVICES = {
    "ListOrganizations": "zitadel.org.v2.OrganizationService",
    "ListUsers": "zitadel.user.v2.UserService",
    "ListAuthenticationMethodTypes": "zitadel.user.v2.UserService",
    "DeleteUser": "zitadel.user.v2.UserService",
    "GetUserByID": "zitadel.user.v2.UserService",
}


def rpc_path(method: str) -> str:
    service = SERVICES.get(method) or (
        "zitadel.session.v2.SessionService" if "Session" in method else "zitadel.settings.v2.SettingsService"
    )
    return f"/{service}/{method}"


@dataclass
class Answer:
    """What a wire answered: the gRPC status code (0: OK) and the response message in protojson form."""

    code: int
    body: dict[str, Any]
    error_id: str | None = None


def _query(value: Any, prefix: str = "") -> dict[str, str]:
    """A request message as grpc-gateway query parameters (`ctx.orgId=...`)."""
    found: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, dict):
            found |= _query(item, f"{prefix}{key}.")
        else:
            found[f"{prefix}{key}"] = str(item).lower() if isinstance(item, bool) else str(item)
    return found


def _frames(data: bytes) -> list[tuple[int, bytes]]:
    found, position = [], 0
    while position < len(data):
        flags, length = struct.unpack(">BI", data[position : position + 5])
        found.append((flags, data[position + 5 : position + 5 + length]))
        position += 5 + length
    return found


def _detail_id(details: bytes) -> str | None:
    status = protos.message_class("google.rpc.Status").FromString(details)
    for packed in status.details:
        name = packed.type_url.rsplit("/", 1)[-1]
        return str(protos.message_class(name).FromString(packed.value).id)
    return None


class Wires:
    """One call of an RPC on a chosen wire, against the in-process mock (gRPC on its own port)."""

    def __init__(self, client: TestClient, channel: grpc.aio.Channel) -> None:
        self.client = client
        self.channel = channel

    async def __call__(self, wire: str, method: str, request: dict[str, Any]) -> Answer:
        rpc = protos.rpcs()[rpc_path(method)]
        if wire == "rest":
            return await self._rest(method, request)
        if wire == "connect-json":
            response = await self.client.post(f"/zitadel{rpc.path}", json=request, headers=AUTH)
            body = await response.json()
            if response.status != 200:
                return Answer(
                    GRPC_CODES[body["code"]], body, (body.get("details") or [{}])[0].get("debug", {}).get("id")
                )
            return Answer(0, body)
        message = protos.message_class(rpc.request.full_name)()
        json_format.ParseDict(request, message)
        data = message.SerializeToString()
        if wire == "connect-proto":
            headers = {**AUTH, "Content-Type": "application/proto"}
            response = await self.client.post(f"/zitadel{rpc.path}", data=data, headers=headers)
            if response.status != 200:
                body = await response.json()
                return Answer(
                    GRPC_CODES[body["code"]], body, (body.get("details") or [{}])[0].get("debug", {}).get("id")
                )
            return Answer(0, protos.decode(rpc.response, await response.read()))
        if wire == "grpc-web":
            headers = {**AUTH, "Content-Type": "application/grpc-web+proto"}
            framed = struct.pack(">BI", 0, len(data)) + data
            response = await self.client.post(f"/zitadel{rpc.path}", data=framed, headers=headers)
            if "grpc-status" in response.headers:  # trailers-only: an error
                details = response.headers.get("grpc-status-details-bin", "")
                error_id = _detail_id(base64.b64decode(details + "=" * (-len(details) % 4)))
                message_text = unquote(response.headers.get("grpc-message", ""))
                return Answer(int(response.headers["grpc-status"]), {"message": message_text}, error_id)
            (_, payload), _ = _frames(await response.read())
            return Answer(0, protos.decode(rpc.response, payload))
        call = self.channel.unary_unary(rpc.path, request_serializer=lambda raw: raw, response_deserializer=None)
        try:
            payload = await call(data, metadata=(("authorization", f"Bearer {ACCESS_TOKEN}"),))
        except grpc.aio.AioRpcError as error:
            trailing = dict(error.trailing_metadata() or ())
            details = trailing.get("grpc-status-details-bin")
            return Answer(error.code().value[0], {"message": error.details()}, _detail_id(details) if details else None)
        return Answer(0, protos.decode(rpc.response, payload))

    async def _rest(self, method: str, request: dict[str, Any]) -> Answer:
        verb, template, with_body = REST[method]
        rest = dict(request)
        path = template
        for field in ("userId", "sessionId"):
            if "{" + field + "}" in path:
                path = path.replace("{" + field + "}", str(rest.pop(field)))
        kwargs: dict[str, Any] = {"json": rest} if with_body else {"params": _query(rest)}
        response = await self.client.request(verb, f"/zitadel{path}", headers=AUTH, **kwargs)
        body = await response.json()
        if response.status >= 300:
            return Answer(int(body["code"]), body, (body.get("details") or [{}])[0].get("id"))
        return Answer(0, body)


@pytest.fixture
def settings() -> Settings:
    return Settings(strict=True, accounts=5, seed=7, vendors=("zitadel",), grpc_port=0)


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, settings: Settings, env: Env) -> TestClient:
    app = create_app(settings, env=env)
    result: TestClient = await aiohttp_client(app)
    await transports_started(app)
    return result


@pytest.fixture
async def call(client: TestClient, env: Env) -> AsyncIterator[Callable[[str, str, dict[str, Any]], Awaitable[Answer]]]:
    target = env.endpoints["zitadel"]["grpc_url"].removeprefix("http://")
    async with grpc.aio.insecure_channel(target) as channel:
        yield Wires(client, channel)


async def customize(client: TestClient, **values: Any) -> None:
    response = await client.patch("/__admin/customizations/zitadel", json=values)
    assert response.status == 200, await response.text()


Call = Callable[[str, str, dict[str, Any]], Awaitable[Answer]]


# OrganizationService ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("wire", WIRES)
async def test_the_default_organization_is_listed_with_the_teams_name(
    wire: str, call: Call, client: TestClient
) -> None:
    await customize(client, org_name="Acme Travel")
    answer = await call(wire, "ListOrganizations", {"queries": [{"defaultQuery": {}}]})
    assert answer.code == 0 and answer.body["details"]["totalResult"] == "1"
    organization = answer.body["result"][0]
    assert organization["id"] == ORG_ID and organization["name"] == "Acme Travel"
    assert organization["state"] == "ORGANIZATION_STATE_ACTIVE"


@pytest.mark.parametrize("wire", WIRES)
async def test_an_organization_query_that_does_not_match_lists_none(wire: str, call: Call) -> None:
    query = {"nameQuery": {"name": "nobody", "method": "TEXT_QUERY_METHOD_CONTAINS"}}
    answer = await call(wire, "ListOrganizations", {"queries": [query]})
    assert answer.code == 0 and "totalResult" not in answer.body["details"] and "result" not in answer.body


# SettingsService ------------------------------------------------------------------------------------------------
CTX = {"ctx": {"orgId": ORG_ID}}


@pytest.mark.parametrize("wire", WIRES)
async def test_login_settings_offer_password_sign_in_and_reset(wire: str, call: Call) -> None:
    settings = (await call(wire, "GetLoginSettings", CTX)).body["settings"]
    assert settings["allowUsernamePassword"] is True and "hidePasswordReset" not in settings
    assert settings["passwordCheckLifetime"] == "864000s" and "mfaInitSkipLifetime" not in settings
    assert settings["resourceOwnerType"] == "RESOURCE_OWNER_TYPE_INSTANCE"


@pytest.mark.parametrize("wire", WIRES)
async def test_the_complexity_settings_are_the_policy_in_force(wire: str, call: Call, client: TestClient) -> None:
    await customize(client, password_min_length=12, password_requires_symbol=False)
    settings = (await call(wire, "GetPasswordComplexitySettings", CTX)).body["settings"]
    assert settings["minLength"] == "12" and "requiresSymbol" not in settings and settings["requiresNumber"] is True


@pytest.mark.parametrize("wire", WIRES)
async def test_branding_carries_the_teams_colours(wire: str, call: Call, client: TestClient) -> None:
    await customize(client, primary_color="#0a7d47", font_color_dark="#eeeeee")
    settings = (await call(wire, "GetBrandingSettings", CTX)).body["settings"]
    assert settings["lightTheme"]["primaryColor"] == "#0a7d47"
    assert settings["darkTheme"]["fontColor"] == "#eeeeee"


@pytest.mark.parametrize("wire", WIRES)
async def test_lockout_settings_are_the_lockout_applied(wire: str, call: Call, client: TestClient) -> None:
    assert "maxPasswordAttempts" not in (await call(wire, "GetLockoutSettings", CTX)).body["settings"]
    await customize(client, max_password_attempts=3)
    assert (await call(wire, "GetLockoutSettings", CTX)).body["settings"]["maxPasswordAttempts"] == "3"


@pytest.mark.parametrize("wire", WIRES)
async def test_password_expiry_settings_follow_the_team(wire: str, call: Call, client: TestClient) -> None:
    await customize(client, password_max_age_days=90, password_expire_warn_days=7)
    settings = (await call(wire, "GetPasswordExpirySettings", CTX)).body["settings"]
    assert settings["maxAgeDays"] == "90" and settings["expireWarnDays"] == "7"


@pytest.mark.parametrize("wire", WIRES)
async def test_general_settings_name_the_default_organization(wire: str, call: Call) -> None:
    answer = (await call(wire, "GetGeneralSettings", {})).body
    assert (
        answer["defaultOrgId"] == ORG_ID and answer["defaultLanguage"] == "en" and "en" in answer["supportedLanguages"]
    )


@pytest.mark.parametrize("wire", WIRES)
async def test_there_are_no_identity_providers(wire: str, call: Call) -> None:
    answer = (await call(wire, "GetActiveIdentityProviders", CTX)).body
    assert "totalResult" not in answer["details"] and "identityProviders" not in answer  # protojson leaves out 0


@pytest.mark.parametrize("wire", WIRES)
async def test_security_legal_and_translations_are_zitadels_defaults(wire: str, call: Call) -> None:
    assert (await call(wire, "GetSecuritySettings", {})).body["settings"] == {"embeddedIframe": {}}
    legal = (await call(wire, "GetLegalAndSupportSettings", CTX)).body["settings"]
    assert legal == {"resourceOwnerType": "RESOURCE_OWNER_TYPE_INSTANCE"}
    translation = (await call(wire, "GetHostedLoginTranslation", {"instance": True, "locale": "en"})).body
    assert translation["translations"] == {} and translation["etag"]


# UserService ------------------------------------------------------------------------------------------------------
def login_name_query(login_name: str, method: str = "TEXT_QUERY_METHOD_EQUALS") -> dict[str, Any]:
    return {"loginNameQuery": {"loginName": login_name, "method": method}}


@pytest.mark.parametrize("wire", WIRES)
async def test_a_login_name_finds_exactly_one_user(wire: str, call: Call) -> None:
    queries = [login_name_query(DEMO_LOGIN.upper()), {"organizationIdQuery": {"organizationId": ORG_ID}}]
    answer = await call(wire, "ListUsers", {"queries": queries})
    assert answer.body["details"]["totalResult"] == "1"
    assert answer.body["result"][0]["userId"] == DEMO_ID and answer.body["result"][0]["human"]["email"]["isVerified"]


@pytest.mark.parametrize("wire", WIRES)
async def test_an_email_or_phone_query_finds_the_user(wire: str, call: Call, client: TestClient) -> None:
    user_id = await new_user(client, email="lisa@example.com", phone="+4790000123")
    email = {"emailQuery": {"emailAddress": "lisa@example.com"}}
    phone = {"phoneQuery": {"number": "+4799999999"}}
    answer = await call(wire, "ListUsers", {"queries": [{"orQuery": {"queries": [email, phone]}}]})
    assert [user["userId"] for user in answer.body["result"]] == [user_id]


@pytest.mark.parametrize("wire", WIRES)
async def test_user_ids_and_not_queries_combine(wire: str, call: Call, client: TestClient) -> None:
    first = await new_user(client, email="a@example.com", phone=None)
    second = await new_user(client, email="b@example.com", phone=None)
    queries = [
        {"inUserIdsQuery": {"userIds": [first, second]}},
        {"notQuery": {"query": {"inUserIdsQuery": {"userIds": [first]}}}},
    ]
    answer = await call(wire, "ListUsers", {"queries": queries})
    assert [user["userId"] for user in answer.body["result"]] == [second]


@pytest.mark.parametrize("wire", WIRES)
async def test_users_are_paged_and_sorted(wire: str, call: Call) -> None:
    everyone = (await call(wire, "ListUsers", {})).body
    request = {"query": {"offset": "1", "limit": 2, "asc": True}, "sortingColumn": "USER_FIELD_NAME_EMAIL"}
    page = (await call(wire, "ListUsers", request)).body
    emails = sorted(user["human"]["email"]["email"] for user in everyone["result"])
    assert page["details"]["totalResult"] == everyone["details"]["totalResult"] == "6"
    assert [user["human"]["email"]["email"] for user in page["result"]] == emails[1:3]


@pytest.mark.parametrize("wire", WIRES)
async def test_a_user_with_a_password_signs_in_with_it(wire: str, call: Call) -> None:
    answer = await call(wire, "ListAuthenticationMethodTypes", {"userId": DEMO_ID})
    assert answer.body["authMethodTypes"] == ["AUTHENTICATION_METHOD_TYPE_PASSWORD"]
    assert answer.body["details"]["totalResult"] == "1"


@pytest.mark.parametrize("wire", WIRES)
async def test_an_unknown_user_has_no_authentication_methods(wire: str, call: Call) -> None:
    answer = await call(wire, "ListAuthenticationMethodTypes", {"userId": UNKNOWN_ID})
    assert answer.code == 0 and "authMethodTypes" not in answer.body


@pytest.mark.parametrize("wire", WIRES)
async def test_a_deleted_user_is_gone(wire: str, call: Call, client: TestClient) -> None:
    user_id = await new_user(client)
    deleted = await call(wire, "DeleteUser", {"userId": user_id})
    assert deleted.code == 0 and deleted.body["details"]["resourceOwner"] == ORG_ID
    assert (await call(wire, "GetUserByID", {"userId": user_id})).code == 5


@pytest.mark.parametrize("wire", WIRES)
async def test_deleting_an_unknown_user_is_not_found(wire: str, call: Call) -> None:
    answer = await call(wire, "DeleteUser", {"userId": UNKNOWN_ID})
    assert answer.code == 5 and answer.error_id == "COMMAND-SAF4f"


# SessionService ---------------------------------------------------------------------------------------------------
async def signed_in(call: Call, wire: str, user_id: str, password: str = OLD) -> dict[str, Any]:
    checks = {"user": {"userId": user_id}, "password": {"password": password}}
    request = {"checks": checks, "lifetime": "3600s", "userAgent": {"fingerprintId": "fp-1"}}
    answer = await call(wire, "CreateSession", request)
    assert answer.code == 0, answer
    return answer.body


@pytest.mark.parametrize("wire", WIRES)
async def test_a_session_carries_the_checked_factors(wire: str, call: Call, client: TestClient) -> None:
    user_id = await new_user(client)
    created = await signed_in(call, wire, user_id)
    answer = await call(
        wire, "GetSession", {"sessionId": created["sessionId"], "sessionToken": created["sessionToken"]}
    )
    session = answer.body["session"]
    assert session["factors"]["user"]["id"] == user_id and session["factors"]["user"]["displayName"] == "Mia"
    assert session["factors"]["user"]["organizationId"] == ORG_ID and session["factors"]["password"]["verifiedAt"]
    assert session["userAgent"] == {"fingerprintId": "fp-1"} and session["expirationDate"]


@pytest.mark.parametrize("wire", WIRES)
async def test_set_session_checks_the_password_and_replaces_the_token(
    wire: str, call: Call, client: TestClient
) -> None:
    user_id = await new_user(client)
    created = await call(wire, "CreateSession", {"checks": {"user": {"userId": user_id}}})
    session_id = created.body["sessionId"]
    wrong = await call(wire, "SetSession", {"sessionId": session_id, "checks": {"password": {"password": NEW}}})
    assert wrong.code == 3 and wrong.error_id == "COMMAND-3M0fs"
    updated = await call(wire, "SetSession", {"sessionId": session_id, "checks": {"password": {"password": OLD}}})
    assert updated.code == 0 and updated.body["sessionToken"] != created.body["sessionToken"]
    stale = await call(wire, "GetSession", {"sessionId": session_id, "sessionToken": created.body["sessionToken"]})
    assert stale.code == 7
    read = await call(wire, "GetSession", {"sessionId": session_id, "sessionToken": updated.body["sessionToken"]})
    assert read.body["session"]["factors"]["password"]["verifiedAt"] and read.body["session"]["sequence"] == "2"


@pytest.mark.parametrize("wire", WIRES)
async def test_sessions_are_listed_by_id_and_by_user(wire: str, call: Call, client: TestClient) -> None:
    user_id = await new_user(client)
    first, second = await signed_in(call, wire, user_id), await signed_in(call, wire, user_id)
    by_id = await call(wire, "ListSessions", {"queries": [{"idsQuery": {"ids": [first["sessionId"]]}}]})
    assert [session["id"] for session in by_id.body["sessions"]] == [first["sessionId"]]
    by_user = await call(wire, "ListSessions", {"queries": [{"userIdQuery": {"id": user_id}}]})
    assert {session["id"] for session in by_user.body["sessions"]} == {first["sessionId"], second["sessionId"]}


@pytest.mark.parametrize("wire", WIRES)
async def test_a_deleted_session_is_gone(wire: str, call: Call, client: TestClient) -> None:
    created = await signed_in(call, wire, await new_user(client))
    request = {"sessionId": created["sessionId"], "sessionToken": created["sessionToken"]}
    assert (await call(wire, "DeleteSession", request)).code == 0
    assert (await call(wire, "GetSession", {"sessionId": created["sessionId"]})).code == 5


@pytest.mark.parametrize("wire", WIRES)
async def test_deleting_a_session_that_does_not_exist_succeeds(wire: str, call: Call) -> None:
    answer = await call(wire, "DeleteSession", {"sessionId": UNKNOWN_ID})
    assert answer.code == 0 and answer.body["details"] == {"changeDate": "0001-01-01T00:00:00Z"}


# Lockout and the password policy in force --------------------------------------------------------------------------
@pytest.mark.parametrize("wire", WIRES)
async def test_the_attempt_that_reaches_the_maximum_locks_the_user(wire: str, call: Call, client: TestClient) -> None:
    await customize(client, max_password_attempts=2)
    user_id = await new_user(client)
    checks = {"user": {"userId": user_id}, "password": {"password": NEW}}
    assert (await call(wire, "CreateSession", {"checks": checks})).error_id == "COMMAND-3M0fs"
    assert (await call(wire, "CreateSession", {"checks": checks})).error_id == "COMMAND-3M0fs"
    right = {"user": {"userId": user_id}, "password": {"password": OLD}}
    locked = await call(wire, "CreateSession", {"checks": right})
    assert locked.code == 9 and locked.error_id == "COMMAND-JLK35"
    assert (await call(wire, "GetUserByID", {"userId": user_id})).body["user"]["state"] == "USER_STATE_LOCKED"


async def test_without_a_lockout_policy_wrong_passwords_never_lock(call: Call, client: TestClient) -> None:
    user_id = await new_user(client)
    checks = {"user": {"userId": user_id}, "password": {"password": NEW}}
    for _ in range(5):
        assert (await call("rest", "CreateSession", {"checks": checks})).error_id == "COMMAND-3M0fs"
    right = {"user": {"userId": user_id}, "password": {"password": OLD}}
    assert (await call("rest", "CreateSession", {"checks": right})).code == 0


async def test_a_stricter_policy_refuses_a_password_the_default_allows(call: Call, client: TestClient) -> None:
    user_id = await new_user(client)
    await customize(client, password_min_length=16)
    response = await client.post(
        f"/zitadel/v2/users/{user_id}/password", json={"newPassword": {"password": NEW}}, headers=AUTH
    )
    assert response.status == 400 and (await response.json())["details"][0]["id"] == "DOMAIN-HuJf6"


async def test_an_enum_number_written_as_a_float_is_that_number(call: Call) -> None:
    answer = await call("connect-json", "ListUsers", {"sortingColumn": 6.0, "query": {"limit": 1}})
    assert answer.code == 0 and answer.body["sortingColumn"] == "USER_FIELD_NAME_EMAIL"
