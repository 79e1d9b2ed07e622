"""ZITADEL as its clients know it: PasswordReset, SetPassword with the code, CreateSession with a password check,
each on the REST gateway (the user in the path) and over Connect (unary JSON, the user in the body)."""

from __future__ import annotations

import re
import secrets
from typing import Any

from .base import AccountSource, Client, Credential, Handout, Refusals, Request, Schemathesis, SecretPlaces

BEARER = {"Authorization": "Bearer {access_token}"}
CONNECT = {**BEARER, "Connect-Protocol-Version": "1"}
NEW_PASSWORD = {"newPassword": {"password": "{password}"}, "verificationCode": "{secret}"}
PASSWORD_CHECK = {"checks": {"user": {"userId": "{id}"}, "password": {"password": "{password}"}}}


def error_shape(status: int, body: Any) -> list[str]:
    """REST (grpc-gateway) answers `{code: int, message, details: [...]}`; Connect `{code: "not_found", message}`."""
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return ['no "message" string']
    code = body.get("code")
    if isinstance(code, bool) or not isinstance(code, int | str):
        return ['"code" is neither a gRPC code number nor a Connect code name']
    if isinstance(code, int) and not isinstance(body.get("details", []), list):
        return ['"details" is not a list']
    return []


def unknown_id() -> str:
    """An 18-digit user id nobody has."""
    return f"39{secrets.randbelow(10**16):016d}"


def reset_code_requests(body: dict[str, Any]) -> dict[str, Request]:
    return {
        "rest": Request("passwordReset", path={"userId": "{identifier}"}, headers=BEARER, json=body),
        "connect": Request("connectPasswordReset", headers=CONNECT, addressing={"userId": "{identifier}"}, json=body),
    }


CLIENT = Client(
    name="zitadel",
    label="ZITADEL",
    credentials=(
        Credential("access_token", "a PAT: Authorization: Bearer on REST, Connect and gRPC (user.write creates users)"),
        Credential("user_id", "a test user's id for the code checks (default: a new user)", required=False),
        Credential("grpc_url", "where ZITADEL serves gRPC (the wire checks skip without it)", required=False),
    ),
    initiate=reset_code_requests({}),
    redeem={
        "rest": Request("setPassword", path={"userId": "{id}"}, headers=BEARER, json=NEW_PASSWORD),
        "connect": Request("connectSetPassword", headers=CONNECT, addressing={"userId": "{id}"}, json=NEW_PASSWORD),
    },
    sign_in={
        "rest": Request("createSession", headers=BEARER, json=PASSWORD_CHECK),
        "connect": Request("connectCreateSession", headers=CONNECT, json=PASSWORD_CHECK),
    },
    # returnCode: ZITADEL hands the code to the caller and sends nothing.
    handout=Handout(reset_code_requests({"returnCode": {}}), field="verificationCode"),
    secret=SecretPlaces(
        "the reset code",
        lifetime="reset_code",
        link="code",
        link_account="userID",
        text=(
            re.compile(r"\(Code ([A-Za-z0-9]+)\)"),  # "... reset your password. (Code ABC123)"
            re.compile(r"(?:one-time password|verification code) is (\S+?)\.?(?:\s|$)"),
        ),
    ),
    refusals=Refusals(used_secret=frozenset({400}), expired_secret=frozenset({400}), wrong_password=400),
    error_shape=error_shape,
    identifier="id",
    identifier_label="user id",
    reveals_unknown_users="addressed by user id with admin auth",
    accounts=AccountSource(
        create=Request(
            "addHumanUser",
            headers=BEARER,
            json={
                "username": "{username}",
                "profile": {"givenName": "{given_name}", "familyName": "{family_name}"},
                "email": {"email": "{email}", "isVerified": True},
                "password": {"password": "{password}", "changeRequired": False},
            },
            optional_json={"phone": {"phone": "{phone}", "isVerified": True}},
        ),
        created_id="userId",
        remove=Request(
            "DeleteUser", path={"userId": "{id}"}, headers=BEARER, outside_spec=("DELETE", "/v2/users/{userId}")
        ),
        description="created by conform with ZITADEL's AddHumanUser and removed with DeleteUser after the run",
    ),
    minimum_password_length=8,
    unknown_id=unknown_id,
    schemathesis=Schemathesis(
        auth={"zitadelAccessToken": {"bearer": "{access_token}"}},
        business_rejections={
            "setPassword": ("400",),
            "connectSetPassword": ("400",),
            "passwordReset": ("400",),
            "connectPasswordReset": ("400",),
            "addHumanUser": ("400", "409"),
            "connectAddHumanUser": ("400", "409"),
            "createSession": ("400",),
            "connectCreateSession": ("400",),
        },
        # `/v2/users/human` is also `/v2/users/{userId}` (GET there is GetUserByID, DELETE DeleteUser, so
        # `Allow: DELETE, GET, POST` is honest), and `/v2/sessions/search` is also `/v2/sessions/{sessionId}`
        # (GetSession, SetSession, DeleteSession).
        route_overlaps=("addHumanUser", "getUserById", "listSessions"),
    ),
)
