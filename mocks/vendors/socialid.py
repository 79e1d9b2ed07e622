"""Social ID (socialidnow): e-mail a reset link (S1) or hand the token to the server (S2), reset the password
with the token (S3, Login App Basic auth) and sign in through the OAuth token endpoint. Source: seed 003 and
dev.socialidnow.com (see specs/socialid.yaml).
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from html import escape
from typing import Any

from faker import Faker

from ..api import Call, Principal, Reply
from ..errors import (
    AccountNotFound,
    ApiError,
    CodeAlreadyUsed,
    CodeExpired,
    CodeMismatch,
    CodeNotFound,
    Kind,
    TokenInvalid,
    WrongPassword,
)
from ..flows import reset
from ..flows.codes import generate_token, render_reset_link
from ..flows.passwords import PasswordPolicy, rails_min_length
from ..flows.sessions import introspect_token, issue_token
from ..protocols import VendorContext
from ..store.models import Account
from .base import (
    DEMO_PASSWORD,
    NewAccount,
    Vendor,
    account_view,
    deliver,
    fake_person,
    lifetime,
    link_base,
    store_account,
)

NAME = "socialid"
LOGIN_APP_ID = "138"
API_SECRET = "resetkit-socialid-api-secret"
LOGIN_APP_TOKEN = "0358172c0cd160dfa731c7a76284fe0c30580f3fc8d827831e9f8b1821d8124c"  # the seed's example token
DEFAULT_SENDER = "no-reply@socialid.resetkit.example"

GRANTS = ("client_credentials", "password")  # the grants this contract covers; others are unsupported_grant_type
TEMPLATES = {
    "en": ("Reset Password", "We received a request to reset your password.", "Choose a new password"),
    "pt-br": ("Cadastrar Nova Senha", "Recebemos uma requisição para recadastrar sua senha.", "Escolha uma nova senha"),
}


def template_language(accept_language: str | None) -> str:
    """`pt-br` when it is the client's most preferred supported language; `en` otherwise (the documented default)."""
    best, best_q = "en", -1.0
    for item in (accept_language or "").split(","):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        if params.strip().lower().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        language = tag.strip().lower()
        if language in TEMPLATES and q > best_q:
            best, best_q = language, q
    return best


def _find_user(call: Call) -> Account:
    identifier = call.body.get("username") or call.body.get("email_address") or ""
    user = call.store.find_account(NAME, identifier)
    if user is None:
        raise ApiError(Kind.NOT_FOUND, "user not found")
    return user


def _issue_reset_token(call: Call, user: Account) -> str:
    pending = reset.request_reset(
        call.store,
        user,
        now=call.now,
        ttl_seconds=lifetime(call, "reset_token"),
        make_secret=lambda: generate_token(32),
    )
    return pending.secret


# POST oauth/login/users/reset password/email (seed 003) and its deprecated alias ------------------------------
def send_reset_password_email(call: Call) -> Reply:
    """201 with no body; 404 for an unknown user (documented: this API reveals whether a user exists)."""
    user = _find_user(call)
    token = _issue_reset_token(call, user)
    language = template_language(call.headers.get("Accept-Language"))
    subject, intro, action = TEMPLATES[language]
    link = render_reset_link(call.body.get("redirect_url") or link_base(call), token=token)
    intro = call.body.get("description") or intro
    logo = call.body.get("logo_url")
    deliver(
        call,
        user,
        channel="email",
        sender=call.body.get("from") or DEFAULT_SENDER,
        subject=call.body.get("subject") or subject,
        text=f"{intro}\n\n{action}: {link}\n",
        link=link,
        token=token,
        # The template: the app's logo, its introduction, a button. Caller-supplied values are escaped.
        html=(f'<img src="{escape(logo)}" alt="">' if logo else "")
        + f'<p>{escape(intro)}</p><p><a href="{escape(link)}">{escape(action)}</a></p>',
    )
    return Reply(201)


# POST oauth/login/users/reset password/token ----------------------------------------------------------------
def create_reset_password_token(call: Call) -> Reply:
    user = _find_user(call)
    return Reply(201, {"user_id": int(user.id), "reset_password_token": _issue_reset_token(call, user)})


# POST login/users/reset_password (v1, Login App Basic auth) -------------------------------------------------
def reset_password(call: Call) -> Reply:
    data = call.body["user"]
    try:
        pending = reset.redeem_code(call.store, NAME, data["reset_password_token"], now=call.now)
        user = call.store.get_account(NAME, pending.account_id)
        if user is None:
            raise AccountNotFound(pending.account_id)
    except CodeExpired:
        raise ApiError(Kind.PRECONDITION, "reset password token expired", status=403) from None
    except (CodeNotFound, CodeAlreadyUsed, AccountNotFound):
        raise ApiError(Kind.NOT_FOUND, "reset password token not found") from None
    reset.change_password(user, data["password"], now=call.now)
    return Reply(201)


# POST /oauth/token: client_credentials (Login App Token) and password (Login User Token) ---------------------
def create_oauth_token(call: Call) -> Reply:
    body = call.body
    if body["grant_type"] == "client_credentials":
        ttl = lifetime(call, "access_token")
        token = issue_token(call.store, NAME, kind="login_app", account_id=None, now=call.now, ttl_seconds=ttl)
        return Reply(200, {"access_token": token.value, "token_type": "bearer", "expires_in": ttl})
    try:
        user = reset.sign_in(call.store, NAME, body.get("username") or body["email_address"], body["password"])
    except WrongPassword:
        raise ApiError(Kind.INVALID, "invalid username, e-mail address or password", code="invalid_grant") from None
    ttl = lifetime(call, "access_token")
    token = issue_token(
        call.store, NAME, kind="login_user", account_id=user.id, now=call.now, ttl_seconds=ttl, with_refresh=True
    )
    return Reply(
        200,
        {
            "access_token": token.value,
            "token_type": "bearer",
            "expires_in": ttl,
            "refresh_token": token.refresh_token,
        },
    )


# Errors, auth, accounts ----------------------------------------------------------------------------------------
# The login-user calls answer Rails-style (fidelity.md): `error` is the status as a Rails symbol.
STATUS_SYMBOLS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_entity",
    429: "too_many_requests",
    500: "internal_server_error",
    503: "service_unavailable",
}
# A schema rule of the "user" object as an ActiveModel error: (code, message), formatted with the rule's limit.
FIELD_ERRORS = {
    "minLength": ("too_short", "is too short (minimum is {limit} characters)"),
    "maxLength": ("too_long", "is too long (maximum is {limit} characters)"),
}


def _rails_error(status: int, description: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": STATUS_SYMBOLS.get(status, "bad_request"), "error_description": description}
    if errors is not None:
        body["errors"] = errors
    return body


def _field_error(info: dict[str, Any]) -> dict[str, str]:
    pointer = [str(p) for p in info.get("pointer", [])]
    attribute = pointer[1] if len(pointer) > 1 else "user"
    code, message = FIELD_ERRORS.get(str(info.get("rule")), ("invalid", "is invalid"))
    return {"attribute": attribute, "message": message.format(limit=info.get("limit")), "code": code}


def render_error(error: ApiError, status: int, path: str, operation_id: str | None) -> Reply:
    info = error.details or {}
    if operation_id == "createOAuthToken" and status < 500:
        return _oauth_error(error, status)
    if operation_id == "resetPassword" and error.kind is Kind.INVALID and info.get("pointer", [])[:1] == ["user"]:
        if info.get("rule") not in ("required", "type"):
            field = _field_error(info)
            return Reply(422, _rails_error(422, f"{field['attribute']} {field['message']}", [field]))
    headers = {"WWW-Authenticate": 'Bearer realm="socialid"'} if status == 401 else {}
    return Reply(status, _rails_error(status, error.message), headers)


def _oauth_error(error: ApiError, status: int) -> Reply:
    """RFC 6749 section 5.2 errors for the token endpoint."""
    if error.kind is Kind.UNAUTHENTICATED:
        return Reply(
            401,
            {"error": "invalid_client", "error_description": "Login App authentication failed"},
            {"WWW-Authenticate": 'Basic realm="socialid"'},
        )
    code = error.code or "invalid_request"
    document = (error.details or {}).get("document")
    if isinstance(document, dict) and document.get("grant_type") not in (None, *GRANTS):
        code = "unsupported_grant_type"
    return Reply(status, {"error": code, "error_description": error.message})


def _login_app_token(credential: str, ctx: VendorContext) -> Principal | None:
    if secrets.compare_digest(credential, LOGIN_APP_TOKEN):
        return Principal("loginAppToken", credential)
    try:
        token = introspect_token(ctx.store, NAME, credential, kind="login_app", now=ctx.clock.now())
    except TokenInvalid:
        return None
    return Principal("loginAppToken", credential, token=token)


def _login_app_basic(credential: str, ctx: VendorContext) -> Principal | None:
    return Principal("loginAppBasic", credential) if credential == f"{LOGIN_APP_ID}:{API_SECRET}" else None


def create_account(ctx: VendorContext, new: NewAccount) -> dict[str, Any]:
    user_id = new.id or _unused_user_id(ctx)
    user = store_account(ctx, NAME, new, user_id)
    return {**account_view(user), "user_id": int(user.id), "email_address": user.email}


def _unused_user_id(ctx: VendorContext) -> str:
    """A 5-digit id no user has: a taken one would replace that user (a few hundred accounts make it likely)."""
    while ctx.store.get_account(NAME, candidate := str(10_000 + secrets.randbelow(89_999))) is not None:
        pass
    return candidate


def fake_account(faker: Faker) -> NewAccount:
    return replace(fake_person(faker, with_username=True), id=str(faker.unique.random_int(100_000, 999_999)))


def _token_not_found() -> ApiError:
    return ApiError(Kind.NOT_FOUND, "reset password token not found")


# specs/socialid.yaml, the reset's user.password: at least 6 characters (inferred; shorter is a 422 on "user").
PASSWORD_POLICY = PasswordPolicy((rails_min_length(6),))

DOMAIN_ERRORS = {
    AccountNotFound: lambda: ApiError(Kind.NOT_FOUND, "user not found"),
    CodeNotFound: _token_not_found,
    CodeAlreadyUsed: _token_not_found,
    CodeMismatch: _token_not_found,
    CodeExpired: lambda: ApiError(Kind.PRECONDITION, "reset password token expired", status=403),
    WrongPassword: lambda: ApiError(Kind.INVALID, "invalid username, e-mail address or password", code="invalid_grant"),
    TokenInvalid: lambda: ApiError(Kind.UNAUTHENTICATED, "invalid or expired access token"),
}

VENDOR = Vendor(
    name=NAME,
    handlers={
        "sendResetPasswordEmail": send_reset_password_email,
        "sendResetPasswordEmailLegacy": send_reset_password_email,
        "createResetPasswordToken": create_reset_password_token,
        "resetPassword": reset_password,
        "createOAuthToken": create_oauth_token,
    },
    # "bad_request (400) Some required parameter was not informed" covers every unusable body.
    error_status={Kind.UNSUPPORTED_MEDIA_TYPE: 400, Kind.TOO_LARGE: 400},
    render_error=render_error,
    authenticators={"loginAppToken": _login_app_token, "loginAppBasic": _login_app_basic},
    credentials=lambda: {"login_app_id": LOGIN_APP_ID, "api_secret": API_SECRET, "login_app_token": LOGIN_APP_TOKEN},
    create_account=create_account,
    demo_account=NewAccount(
        email="john_doe@domain.com",
        password=DEMO_PASSWORD,
        phone="+4791000003",
        username="john_doe",
        given_name="John",
        family_name="Doe",
        id="321",
    ),
    fake_account=fake_account,
    domain_errors=DOMAIN_ERRORS,
    password_policy=PASSWORD_POLICY,
)
