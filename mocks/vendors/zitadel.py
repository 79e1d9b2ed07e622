"""ZITADEL user service v2 and session service v2 on two surfaces: the REST gateway (`/v2/...`) and Connect
(`/zitadel.user.v2.UserService/...`). One implementation per RPC serves both. Sources: seed 002, contracts.md
section 2 and specs/zitadel.yaml.
"""

from __future__ import annotations

import base64
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from faker import Faker

from ..env import Env
from ..errors import ApiError, Kind
from ..flows import reset
from ..flows.codes import generate_code
from ..flows.passwords import PasswordPolicy, verify_password
from ..flows.sessions import issue_token
from ..openapi.spec import Operation
from ..outbox import Channel
from ..store.models import Account
from .base import (
    DEMO_PASSWORD,
    Call,
    NewAccount,
    Principal,
    Reply,
    Vendor,
    account_view,
    deliver,
    fake_person,
    store_account,
)

log = logging.getLogger("resetkit.zitadel")

NAME = "zitadel"
ACCESS_TOKEN = "resetkit-zitadel-dev-pat"  # the personal access token of the mock's all-powerful service user
ORG_ID = "310000000000000001"  # the one organization every user belongs to
ORG_DOMAIN = "resetkit.zitadel.resetkit.example"
ISSUER = "https://zitadel.resetkit.example"  # the instance's configured origin for default links, never Host
SENDER = "no-reply@zitadel.resetkit.example"
CODE_LENGTH = 6  # ZITADEL's default secret generator: 6 characters of A-Z0-9
CODE_TTL = 3600  # contracts.md section 0: valid 1 h
DEMO_ID = "310000000000000002"
RESET = "reset"


# ZITADEL's default complexity policy (internal/domain/policy_password_complexity.go): the length counts UTF-8
# bytes and the character classes are ASCII, as in Go's `len` and `[a-z]`; checked in this order.
def _contains(pattern: str) -> Callable[[str], bool]:
    return lambda password: re.search(pattern, password) is not None


PASSWORD_POLICY = PasswordPolicy(
    (
        ("min_length", lambda p: len(p.encode()) >= 8, "DOMAIN-HuJf6", "Password is too short"),
        ("has_lower", _contains("[a-z]"), "DOMAIN-co3Xw", "Password must contain lower case"),
        ("has_upper", _contains("[A-Z]"), "DOMAIN-VoaRj", "Password must contain upper case"),
        ("has_number", _contains("[0-9]"), "DOMAIN-ZBv4H", "Password must contain number"),
        ("has_symbol", _contains("[^A-Za-z0-9]"), "DOMAIN-ZDLwA", "Password must contain symbol"),
    )
)

# gRPC status codes: the gateway's HTTP status and the Connect code name and HTTP status for each.
GATEWAY_STATUS = {
    1: 499,
    2: 500,
    3: 400,
    4: 504,
    5: 404,
    6: 409,
    7: 403,
    8: 429,
    9: 400,
    10: 409,
    11: 400,
    12: 501,
    13: 500,
    14: 503,
    15: 500,
    16: 401,
}
CONNECT_CODES = {
    1: ("canceled", 499),
    2: ("unknown", 500),
    3: ("invalid_argument", 400),
    4: ("deadline_exceeded", 504),
    5: ("not_found", 404),
    6: ("already_exists", 409),
    7: ("permission_denied", 403),
    8: ("resource_exhausted", 429),
    9: ("failed_precondition", 400),
    10: ("aborted", 409),
    11: ("out_of_range", 400),
    12: ("unimplemented", 501),
    13: ("internal", 500),
    14: ("unavailable", 503),
    15: ("data_loss", 500),
    16: ("unauthenticated", 401),
}
GRPC_CODE_OF_KIND = {
    Kind.MALFORMED: 3,
    Kind.UNSUPPORTED_MEDIA_TYPE: 3,
    Kind.TOO_LARGE: 8,
    Kind.INVALID: 3,
    Kind.MISSING_HEADER: 3,
    Kind.UNAUTHENTICATED: 16,
    Kind.FORBIDDEN: 7,
    Kind.NOT_FOUND: 5,
    Kind.NO_ROUTE: 5,
    Kind.METHOD_NOT_ALLOWED: 12,
    Kind.PRECONDITION: 9,
    Kind.RATE_LIMITED: 8,
    Kind.INTERNAL: 13,
}
KIND_OF_GRPC_CODE = {3: Kind.INVALID, 5: Kind.NOT_FOUND, 6: Kind.PRECONDITION, 7: Kind.FORBIDDEN, 9: Kind.PRECONDITION}
# Answers of the HTTP layer rather than of an RPC keep their HTTP status on both surfaces.
TRANSPORT_STATUS = {Kind.NO_ROUTE: 404, Kind.METHOD_NOT_ALLOWED: 405, Kind.TOO_LARGE: 413}
ERROR_DETAIL = "zitadel.v1.ErrorDetail"
CREDENTIALS_CHECK_ERROR = "zitadel.v1.CredentialsCheckError"


def fail(grpc_code: int, error_id: str | None, message: str, detail_type: str = ERROR_DETAIL) -> ApiError:
    """A ZITADEL error: gRPC code, error ID (`COMMAND-SAF4f`) and the English i18n text."""
    return ApiError(
        KIND_OF_GRPC_CODE[grpc_code], message, code=error_id, details={"grpc": grpc_code, "detail_type": detail_type}
    )


def user_not_found() -> ApiError:
    return fail(5, "COMMAND-SAF4f", "User could not be found")


# Protobuf JSON mapping ----------------------------------------------------------------------------------------
def timestamp(seconds: float) -> str:
    """A `google.protobuf.Timestamp` in JSON: RFC 3339 in UTC with milliseconds and `Z`."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_code() -> str:
    return generate_code(CODE_LENGTH)


def new_id() -> str:
    """ZITADEL ids are 18-digit decimal strings (sonyflake)."""
    return str(10**17 + secrets.randbelow(9 * 10**17))


MAP_FIELDS = frozenset({"metadata", "header"})  # protobuf maps: their keys are data, not field names


def json_name(name: str) -> str:
    """protojson's JSON name of a field: `user_id` -> `userId`, `web_auth_n` -> `webAuthN`."""
    return re.sub(r"_([a-zA-Z0-9])", lambda m: m.group(1).upper(), name)


def protojson_names(value: Any) -> Any:
    """Accept original (snake_case) field names as well as JSON names, as protojson does.

    `null` stays as sent: protojson reads it as "unset", but the spec types each field, so it is a 400 here.
    """
    if isinstance(value, list):
        return [protojson_names(item) for item in value]
    if not isinstance(value, dict):
        return value
    result: dict[str, Any] = {}
    for key, item in value.items():
        name = json_name(key)
        if name in result:
            problem = {"location": "body", "field": name}
            raise ApiError(Kind.INVALID, f'proto: duplicate field "{name}"', details=problem)
        if name in MAP_FIELDS and isinstance(item, dict):
            result[name] = {k: protojson_names(v) for k, v in item.items()}
        else:
            result[name] = protojson_names(item)
    return result


def prepare_body(operation: Operation, body: Any) -> Any:
    """Connect bodies are decoded as protojson does; REST bodies are validated as sent (the spec closes them)."""
    return protojson_names(body) if operation.operation_id.startswith("connect") else body


def enum_name(value: Any, names: tuple[str, ...]) -> str:
    """An enum given by name or by number, as its name."""
    return names[value] if isinstance(value, int) and 0 <= value < len(names) else str(value)


NOTIFICATION_TYPES = ("NOTIFICATION_TYPE_Unspecified", "NOTIFICATION_TYPE_Email", "NOTIFICATION_TYPE_SMS")
GENDERS = ("GENDER_UNSPECIFIED", "GENDER_FEMALE", "GENDER_MALE", "GENDER_DIVERSE")


# URL templates (a subset of Go's text/template: field actions, comments and trim markers) ------------------------
_ACTION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_FIELD = re.compile(r"^\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*$")


def render_url_template(template: str, *, user_id: str, code: str, org_id: str) -> str:
    """Render `{{.UserID}}`, `{{.Code}}` and `{{.OrgID}}`; a template Go cannot parse or execute is a 400."""
    data = {"UserID": user_id, "Code": code, "OrgID": org_id}
    parts: list[str] = []
    position = 0
    for match in _ACTION.finditer(template):
        parts.append(template[position : match.start()])
        position = match.end()
        inner = match.group(1)
        if inner.startswith("- "):
            parts[-1] = parts[-1].rstrip()
            inner = inner[2:]
        trim_after = inner.endswith(" -")
        inner = inner[:-2] if trim_after else inner
        if trim_after:
            rest = template[position:]
            position += len(rest) - len(rest.lstrip())
        if inner.startswith("/*") and inner.endswith("*/"):
            continue
        if inner.strip() == ".":
            parts.append("&{" + " ".join(data.values()) + "}")  # Go prints the *ConfirmURLData itself
            continue
        field = _FIELD.match(inner)
        if field is None:
            raise fail(3, "DOMAIN-oGh5e", "URL Template is invalid")
        if field.group(1) not in data:
            raise fail(3, "DOMAIN-ieYa7", "URL Template is invalid")
        parts.append(data[field.group(1)])
    tail = template[position:]
    if "{{" in tail:
        raise fail(3, "DOMAIN-oGh5e", "URL Template is invalid")  # an action that is never closed
    parts.append(tail)
    return "".join(parts)


# Users ---------------------------------------------------------------------------------------------------------
def find_user(call: Call, user_id: str) -> Account:
    user = call.store.get_account(NAME, user_id)
    if user is None:
        raise user_not_found()
    return user


def details(account: Account) -> dict[str, Any]:
    """`zitadel.object.v2.Details` of the user after its latest change."""
    return {
        "sequence": str(account.extra.get("sequence", 1)),
        "changeDate": timestamp(account.extra.get("changed_at", account.created_at)),
        "resourceOwner": ORG_ID,
        "creationDate": timestamp(account.created_at),
    }


def touch(call: Call, account: Account) -> None:
    """Record one more event on the user: the sequence grows and the change date moves."""
    account.extra["sequence"] = int(account.extra.get("sequence", 1)) + 1
    account.extra["changed_at"] = call.now


def login_names(account: Account) -> list[str]:
    username = account.username or account.email
    return [username] if "@" in username else [username, f"{username}@{ORG_DOMAIN}"]


def check_policy(password: str) -> None:
    violation = PASSWORD_POLICY.first_violation(password)
    if violation is not None:
        raise fail(3, violation.code, violation.message)


def password_matches(account: Account, password: str) -> bool:
    return bool(account.extra.get("has_password", True)) and verify_password(password, account.password_hash)


def send(call: Call, user: Account, *, sms: bool, subject: str, text: str, link: str | None, code: str) -> None:
    channel: Channel = "sms" if sms else "email"
    if not deliver(call, user, channel=channel, sender=SENDER, subject=subject, text=text, link=link, token=code):
        # ZITADEL notifies asynchronously: the API call succeeds and the notification worker fails later.
        log.warning("zitadel: user %s has no %s; no message sent", user.id, "phone" if sms else "e-mail")


# PasswordReset ---------------------------------------------------------------------------------------------------
def request_password_reset(call: Call, user_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """RequestPasswordReset: the URL template is checked first, then the user; `returnCode` sends nothing."""
    send_link = body.get("sendLink")
    if send_link is not None and "returnCode" in body:
        raise ApiError(Kind.INVALID, "oneof zitadel.user.v2.PasswordResetRequest.medium is already set")
    template = (send_link or {}).get("urlTemplate")
    if template is not None:
        render_url_template(template, user_id=user_id, code="code", org_id="orgID")
    user = find_user(call, user_id)
    pending = reset.request_reset(call.store, user, now=call.now, ttl_seconds=CODE_TTL, make_secret=new_code)
    touch(call, user)
    if "returnCode" in body:
        return {"details": details(user), "verificationCode": pending.secret}
    code = pending.secret
    if template is not None:
        link = render_url_template(template, user_id=user.id, code=code, org_id=ORG_ID)
    else:
        link = f"{ISSUER}/ui/login/password/init?userID={user.id}&code={code}&orgID={ORG_ID}"
    notification = enum_name((send_link or {}).get("notificationType", 0), NOTIFICATION_TYPES)
    greeting = f"Hello {user.given_name or user.username or user.email},"
    text = (
        f"{greeting}\n\nWe received a password reset request. Please use the link below to reset your password."
        f" (Code {code})\n{link}\n\nIf you didn't ask for this mail, please ignore it.\n"
    )
    sms = notification == "NOTIFICATION_TYPE_SMS"
    send(call, user, sms=sms, subject="Reset password", text=text, link=link, code=code)
    return {"details": details(user)}


def password_reset(call: Call) -> Reply:
    return Reply(200, request_password_reset(call, call.path["userId"], call.body or {}))


def connect_password_reset(call: Call) -> Reply:
    return Reply(200, request_password_reset(call, call.body["userId"], call.body))


# SetPassword -----------------------------------------------------------------------------------------------------
def verify_code(call: Call, user: Account, code: str) -> None:
    """crypto.VerifyCode without consuming: no code (or a used one), then expiry, then the value."""
    pending = call.store.reset_for_account(NAME, user.id, RESET)
    if pending is None or pending.used_at is not None:
        raise fail(9, "COMMAND-2M9fs", "Code not found")
    if pending.is_expired(call.now):
        raise fail(9, "CODE-QvUQ4P", "Code is expired")
    if not secrets.compare_digest(pending.secret.encode(), code.encode()):
        raise fail(3, "CODE-woT0xc", "Code is invalid")


def change_password(call: Call, user_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """By reset code, by current password, or (neither) as an administrator; the first failure wins."""
    user = find_user(call, user_id)
    new_password = body["newPassword"]["password"]
    if "verificationCode" in body:
        verify_code(call, user, body["verificationCode"])
        check_policy(new_password)
        # Consumed only now: a code whose new password broke the policy stays usable, as in ZITADEL.
        reset.redeem_code(call.store, NAME, body["verificationCode"], now=call.now, account_id=user.id)
    elif "currentPassword" in body:
        if not password_matches(user, body["currentPassword"]):
            raise fail(3, "COMMAND-3M0fs", "Password is invalid")
        if body["currentPassword"] == new_password:
            raise fail(9, "COMMAND-Aesh8", "New password cannot be the same as your current password")
        check_policy(new_password)
    else:
        check_policy(new_password)
    reset.change_password(user, new_password, now=call.now)
    user.extra["has_password"] = True
    user.extra["password_change_required"] = bool(body["newPassword"].get("changeRequired", False))
    touch(call, user)
    return {"details": details(user)}


def set_password(call: Call) -> Reply:
    return Reply(200, change_password(call, call.path["userId"], call.body))


def connect_set_password(call: Call) -> Reply:
    return Reply(200, change_password(call, call.body["userId"], call.body))


# AddHumanUser ----------------------------------------------------------------------------------------------------
def _verification(call: Call, user: Account, medium: dict[str, Any], *, sms: bool) -> str | None:
    """`returnCode` answers the code; `isVerified` needs nothing; otherwise the code is sent (e-mail: in a link)."""
    if medium.get("isVerified") or (sms and not user.phone):
        return None
    purpose = "phone_verification" if sms else "email_verification"
    pending = reset.request_reset(
        call.store, user, now=call.now, ttl_seconds=CODE_TTL, make_secret=new_code, purpose=purpose
    )
    if "returnCode" in medium:
        return pending.secret
    if sms:
        text = f"Your verification code is {pending.secret}.\n"
        send(call, user, sms=True, subject="Verify phone", text=text, link=None, code=pending.secret)
        return None
    template = (medium.get("sendCode") or {}).get("urlTemplate")
    link = (
        render_url_template(template, user_id=user.id, code=pending.secret, org_id=ORG_ID)
        if template is not None
        else f"{ISSUER}/ui/login/mail/verification?userID={user.id}&code={pending.secret}&orgID={ORG_ID}"
    )
    text = f"Hello {user.given_name},\n\nPlease verify your e-mail address (Code {pending.secret}):\n{link}\n"
    send(call, user, sms=False, subject="Verify email", text=text, link=link, code=pending.secret)
    return None


def add_human_user(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    organization = body.get("organization") or {}
    if organization.get("orgId", ORG_ID) != ORG_ID or organization.get("orgDomain", ORG_DOMAIN).lower() != ORG_DOMAIN:
        raise fail(5, None, "Organisation not found")
    email_medium, phone_medium = body["email"], body.get("phone") or {}
    template = (email_medium.get("sendCode") or {}).get("urlTemplate")
    if template is not None:
        render_url_template(template, user_id="userID", code="code", org_id="orgID")
    email = email_medium["email"]
    username = body.get("username") or email
    user_id = body.get("userId") or new_id()
    taken = [v for v in (username, email) if call.store.find_account(NAME, v) is not None]
    if call.store.get_account(NAME, user_id) is not None or taken:
        raise fail(6, None, "User already exists")
    password = body.get("password") or {}
    initial = password.get("password")
    if initial is not None:
        check_policy(initial)
    profile = body["profile"]
    new = NewAccount(
        email=email,
        password=initial or secrets.token_urlsafe(24),
        phone=phone_medium.get("phone") or None,
        username=username,
        given_name=profile["givenName"],
        family_name=profile["familyName"],
        id=user_id,
    )
    user = _store_user(call.env, new, has_password=initial is not None)
    user.extra.update(
        display_name=profile.get("displayName") or f"{profile['givenName']} {profile['familyName']}",
        nick_name=profile.get("nickName", ""),
        preferred_language=profile.get("preferredLanguage", ""),
        gender=enum_name(profile.get("gender", 0), GENDERS),
        email_verified=bool(email_medium.get("isVerified", False)),
        phone_verified=bool(phone_medium.get("isVerified", False)),
        password_change_required=bool(password.get("changeRequired", False)),
    )
    if "hashedPassword" in body:
        # Kept as given: the mock cannot verify a bcrypt or other MCF hash, so this password never signs in.
        user.password_hash = body["hashedPassword"]["hash"]
        user.extra["password_change_required"] = bool(body["hashedPassword"].get("changeRequired", False))
    answer: dict[str, Any] = {"userId": user.id, "details": details(user)}
    email_code = _verification(call, user, email_medium, sms=False)
    phone_code = _verification(call, user, phone_medium, sms=True)
    if email_code is not None:
        answer["emailCode"] = email_code
    if phone_code is not None:
        answer["phoneCode"] = phone_code
    return answer


def add_human_user_rest(call: Call) -> Reply:
    return Reply(201, add_human_user(call, call.body))  # the gateway's http_response.success_code


def connect_add_human_user(call: Call) -> Reply:
    return Reply(200, add_human_user(call, call.body))


# GetUserByID -----------------------------------------------------------------------------------------------------
def user_view(user: Account) -> dict[str, Any]:
    """`zitadel.user.v2.User` as protojson writes it: zero values (empty strings, false) are left out."""
    extra = user.extra
    profile = {
        "givenName": user.given_name,
        "familyName": user.family_name,
        "nickName": extra.get("nick_name", ""),
        "displayName": extra.get("display_name") or f"{user.given_name} {user.family_name}".strip(),
        "preferredLanguage": extra.get("preferred_language", ""),
        "gender": extra.get("gender", GENDERS[0]),
    }
    human: dict[str, Any] = {
        "profile": {k: v for k, v in profile.items() if v and v != GENDERS[0]},
        "email": {"email": user.email, **({"isVerified": True} if extra.get("email_verified") else {})},
        "phone": {k: v for k, v in {"phone": user.phone, "isVerified": bool(extra.get("phone_verified"))}.items() if v},
    }
    if extra.get("password_change_required"):
        human["passwordChangeRequired"] = True
    if extra.get("has_password", True):
        human["passwordChanged"] = timestamp(user.password_changed_at)
    names = login_names(user)
    return {
        "userId": user.id,
        "details": details(user),
        "state": "USER_STATE_ACTIVE",
        "username": user.username or user.email,
        "loginNames": names,
        "preferredLoginName": names[0],
        "human": human,
    }


def get_user(call: Call, user_id: str) -> dict[str, Any]:
    user = find_user(call, user_id)
    return {"details": details(user), "user": user_view(user)}


def get_user_by_id(call: Call) -> Reply:
    return Reply(200, get_user(call, call.path["userId"]))


def connect_get_user_by_id(call: Call) -> Reply:
    return Reply(200, get_user(call, call.body["userId"]))


# CreateSession ---------------------------------------------------------------------------------------------------
def _user_by_login_name(call: Call, login_name: str) -> Account | None:
    """A computed login name (`username` or `username@<org domain>`), case-insensitively."""
    wanted = login_name.casefold()
    name = wanted.removesuffix(f"@{ORG_DOMAIN}")
    user = call.store.find_account(NAME, name)
    if user is None:
        return None
    return user if wanted in {n.casefold() for n in login_names(user)} or name == user.email.casefold() else None


def duration_seconds(value: str) -> float:
    return float(value.removesuffix("s"))


def create_session(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    checks = body.get("checks") or {}
    user: Account | None = None
    if "user" in checks:
        search = checks["user"]
        if "userId" in search:
            user = call.store.get_account(NAME, search["userId"])
        else:
            user = _user_by_login_name(call, search["loginName"])
        if user is None:
            raise user_not_found()
    if "password" in checks:
        assert user is not None  # the schema makes the password check depend on the user check
        if not password_matches(user, checks["password"]["password"]):
            raise fail(3, "COMMAND-3M0fs", "Password is invalid", CREDENTIALS_CHECK_ERROR)
    lifetime = duration_seconds(body["lifetime"]) if "lifetime" in body else None
    token = issue_token(
        call.store, NAME, kind="session", account_id=user.id if user else None, now=call.now, ttl_seconds=lifetime
    )
    now = timestamp(call.now)
    return {
        "details": {"sequence": "1", "changeDate": now, "resourceOwner": ORG_ID, "creationDate": now},
        "sessionId": new_id(),
        "sessionToken": token.value,
    }


def create_session_rest(call: Call) -> Reply:
    return Reply(201, create_session(call, call.body or {}))  # the gateway's http_response.success_code


def connect_create_session(call: Call) -> Reply:
    return Reply(200, create_session(call, call.body))


# Errors ----------------------------------------------------------------------------------------------------------
def _proto_string(field_number: int, text: str) -> bytes:
    data = text.encode()
    length, size = b"", len(data)
    while True:
        byte, size = size & 0x7F, size >> 7
        length += bytes([byte | (0x80 if size else 0)])
        if not size:
            break
    return bytes([field_number << 3 | 2]) + length + data


def error_detail_bytes(error_id: str, message: str) -> bytes:
    """`zitadel.v1.ErrorDetail {id = 1; message = 2}` in the protobuf binary encoding (for Connect details)."""
    return _proto_string(1, error_id) + _proto_string(2, message)


def is_connect(path: str, operation_id: str | None) -> bool:
    """Connect procedures live at `/<package>.<Service>/<Method>`; REST gateway paths start with `/v2/`."""
    return operation_id.startswith("connect") if operation_id else "/zitadel." in path


def render_error(error: ApiError, status: int, path: str, operation_id: str | None) -> Reply:
    """REST: grpc-gateway `{code: int, message, details[@type]}`; Connect: `{code: "not_found", message, details}`."""
    info = error.details if isinstance(error.details, dict) else {}
    grpc_code = int(info.get("grpc") or GRPC_CODE_OF_KIND.get(error.kind, 2))
    connect = is_connect(path, operation_id)
    if connect and error.kind is Kind.UNSUPPORTED_MEDIA_TYPE:
        return Reply(415, None, {"Accept-Post": "application/json"})  # connect-go: 415 without a body
    if connect and error.kind is Kind.NO_ROUTE:
        grpc_code = 12
    message = f"{error.message} ({error.code})" if error.code else error.message
    detail_type = str(info.get("detail_type", ERROR_DETAIL))
    if connect:
        name, connect_status = CONNECT_CODES[grpc_code]
        body: dict[str, Any] = {"code": name, "message": message}
        if error.code:
            value = base64.b64encode(error_detail_bytes(error.code, error.message)).decode().rstrip("=")
            debug = {"id": error.code, "message": error.message}
            body["details"] = [{"type": detail_type, "value": value, "debug": debug}]
        return Reply(TRANSPORT_STATUS.get(error.kind, connect_status), body)
    body = {"code": grpc_code, "message": message}
    if error.code:
        body["details"] = [{"@type": f"type.googleapis.com/{detail_type}", "id": error.code, "message": error.message}]
    return Reply(TRANSPORT_STATUS.get(error.kind, GATEWAY_STATUS[grpc_code]), body)


# Auth and accounts -----------------------------------------------------------------------------------------------
def _access_token(credential: str, env: Env) -> Principal | None:
    if secrets.compare_digest(credential.encode(), ACCESS_TOKEN.encode()):
        return Principal("zitadelAccessToken", credential)
    return None


def _store_user(env: Env, new: NewAccount, *, has_password: bool = True) -> Account:
    now = env.clock.now()
    return store_account(
        env,
        NAME,
        replace(new, username=new.username or new.email),
        new.id or new_id(),
        org_id=ORG_ID,
        sequence=1,
        changed_at=now,
        has_password=has_password,
        email_verified=True,
        preferred_language="en",
    )


def create_account(env: Env, new: NewAccount) -> dict[str, Any]:
    user = _store_user(env, new)
    return {**account_view(user), "userId": user.id, "orgId": ORG_ID, "loginName": login_names(user)[0]}


def fake_account(faker: Faker) -> NewAccount:
    return replace(fake_person(faker, with_username=True), id=str(faker.unique.random_int(10**17, 10**18 - 1)))


HANDLERS: dict[str, Callable[[Call], Reply]] = {
    "passwordReset": password_reset,
    "setPassword": set_password,
    "addHumanUser": add_human_user_rest,
    "getUserById": get_user_by_id,
    "createSession": create_session_rest,
    "connectPasswordReset": connect_password_reset,
    "connectSetPassword": connect_set_password,
    "connectAddHumanUser": connect_add_human_user,
    "connectGetUserById": connect_get_user_by_id,
    "connectCreateSession": connect_create_session,
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
)
