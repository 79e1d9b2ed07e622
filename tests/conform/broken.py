"""Deliberately non-conforming servers: the real mock of one vendor with exactly one planted defect each.

`resetkit conform` must fail every one of them (tests/conform/test_broken_servers.py). Each record is the real
VENDOR with one handler, authenticator or error renderer swapped, so everything else stays conformant.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from resetkit.api import Call, Principal, Reply
from resetkit.errors import ApiError, Kind
from resetkit.flows import reset
from resetkit.flows.codes import generate_token
from resetkit.protocols import VendorContext
from resetkit.runner import LiveMock, start_live_mock
from resetkit.settings import Settings
from resetkit.vendors import leadsquared, placewise, socialid, zitadel
from resetkit.vendors.base import Vendor, deliver


@dataclass(frozen=True)
class BrokenServer:
    """A vendor record with one planted defect; `defect` says what is wrong in one line."""

    vendor: str
    record: Vendor
    defect: str
    # What `resetkit conform` needs to run to catch it (--suite, --select): keeps these slow tests short.
    conform_options: tuple[str, ...] = field(default=())
    # Serve options the defect needs to be reachable at all (as Settings fields).
    settings: tuple[tuple[str, Any], ...] = field(default=())


def serve(broken: BrokenServer) -> LiveMock:
    """Serve the broken vendor at the root, strict mode off, as a real deployment of one vendor would be."""
    settings = Settings(port=0, strict=False, accounts=20, vendors=(broken.vendor,), mount_at_root=True)
    return start_live_mock(replace(settings, **dict(broken.settings)), overrides={broken.vendor: broken.record})


# (a) A wrong field type ----------------------------------------------------------------------------------------
def _forgot_password_status_as_number(call: Call) -> Reply:
    reply = leadsquared.forgot_password(call)
    # Planted bug: "Status" is the number 1; the spec's ForgotPasswordResponse says the string "Success".
    return replace(reply, body={**reply.body, "Status": 1})


WRONG_FIELD_TYPE = BrokenServer(
    vendor="leadsquared",
    record=replace(
        leadsquared.VENDOR,
        handlers={**leadsquared.VENDOR.handlers, "forgotPassword": _forgot_password_status_as_number},
    ),
    defect='Forgot Password answers {"Status": 1, ...} instead of "Success"',
    conform_options=("--suite", "contract", "--select", "conforms"),
)


# (b) An undocumented status ------------------------------------------------------------------------------------
def _send_reset_message_accepted(call: Call) -> Reply:
    reply = placewise.send_reset_password_message(call)
    # Planted bug: 202 Accepted, which sendResetPasswordMessage does not document (200 is the success answer).
    return replace(reply, status=202) if reply.status == 200 else reply


UNDOCUMENTED_STATUS = BrokenServer(
    vendor="placewise",
    record=replace(
        placewise.VENDOR,
        handlers={**placewise.VENDOR.handlers, "sendResetPasswordMessage": _send_reset_message_accepted},
    ),
    defect="Send reset password message answers 202 instead of the documented 200",
    conform_options=("--suite", "contract", "--select", "conforms"),
)


# (c) A missing auth check --------------------------------------------------------------------------------------
def _any_login_app_token(credential: str, ctx: VendorContext) -> Principal | None:
    # Planted bug: any Bearer token passes as a Login App Token; nothing is checked.
    return Principal("loginAppToken", credential)


MISSING_AUTH_CHECK = BrokenServer(
    vendor="socialid",
    record=replace(
        socialid.VENDOR,
        authenticators={**socialid.VENDOR.authenticators, "loginAppToken": _any_login_app_token},
    ),
    defect="the Login App Token (Bearer) is not checked: any token is accepted",
    conform_options=("--suite", "contract", "--select", "conforms"),
)


# (d) A 500 on malformed JSON -----------------------------------------------------------------------------------
def _crash_on_malformed_json(error: ApiError, status: int, path: str, operation_id: str | None) -> Reply:
    if error.kind is Kind.MALFORMED:
        # Planted bug: a body that is not JSON crashes the endpoint (500) instead of a 400 in the error shape.
        return Reply(500, {"error": "JSON::ParserError: unexpected token"})
    return placewise.render_error(error, status, path, operation_id)


CRASH_ON_MALFORMED_JSON = BrokenServer(
    vendor="placewise",
    record=replace(placewise.VENDOR, render_error=_crash_on_malformed_json),
    defect="a body that is not valid JSON gets a 500 instead of a 400",
    conform_options=("--suite", "bdd", "--select", "json"),
)


# (e) A reset token that works twice ----------------------------------------------------------------------------
def _reset_password_without_consuming(call: Call) -> Reply:
    reply = leadsquared.reset_password(call)
    pending = call.store.reset_for_account(leadsquared.NAME, call.body["LeadId"].lower(), "reset")
    if pending is not None:
        # Planted bug: the TemporaryPassword is not consumed, so the same link resets the password again.
        pending.used_at = None
    return reply


REUSABLE_RESET_LINK = BrokenServer(
    vendor="leadsquared",
    record=replace(
        leadsquared.VENDOR,
        handlers={
            **leadsquared.VENDOR.handlers,
            "resetPassword": _reset_password_without_consuming,
            "resetPasswordV2": _reset_password_without_consuming,
        },
    ),
    defect="Reset Password does not consume the TemporaryPassword: a link works twice",
    conform_options=("--suite", "bdd", "--select", "only_once"),
)


# (f) An unknown user told apart from a known one ---------------------------------------------------------------
def _forgot_password_reveals_unknown_leads(call: Call) -> Reply:
    reply = leadsquared.forgot_password(call)
    named = call.body.get("EmailAddress") or call.body.get("SearchKeyData", {}).get("Value", "")
    if call.store.find_account(leadsquared.NAME, named) is None:
        # Planted bug: an unknown lead gets a different (schema-valid) body; contracts.md section 0 says same body.
        return Reply(200, {"Status": "Success", "Message": "No lead matches this e-mail address"})
    return reply


USER_ENUMERATION = BrokenServer(
    vendor="leadsquared",
    record=replace(
        leadsquared.VENDOR,
        handlers={**leadsquared.VENDOR.handlers, "forgotPassword": _forgot_password_reveals_unknown_leads},
    ),
    defect="Forgot Password answers an unknown lead with a different body (user enumeration)",
    conform_options=("--suite", "bdd", "--select", "same_answer"),
)


# (g) The reset secret echoed in the API response ------------------------------------------------------------------
def _forgot_password_echoes_the_secret(call: Call) -> Reply:
    reply = leadsquared.forgot_password(call)
    sent = call.outbox.latest(vendor="leadsquared")
    # Planted bug: the TemporaryPassword comes back in the response (the schema allows extra fields; SR-11 does not).
    return replace(reply, body={**reply.body, "TemporaryPassword": sent.token if sent else None})


SECRET_IN_RESPONSE = BrokenServer(
    vendor="leadsquared",
    record=replace(
        leadsquared.VENDOR,
        handlers={**leadsquared.VENDOR.handlers, "forgotPassword": _forgot_password_echoes_the_secret},
    ),
    defect="Forgot Password returns the TemporaryPassword in its response body",
    conform_options=("--suite", "security", "--select", "sr11"),
)


# (h) A reset link built from the Host header ------------------------------------------------------------------
def _reset_email_links_to_the_host(call: Call) -> Reply:
    # Planted bug: without a redirect_url, the link points at whatever Host the caller sent (reset poisoning).
    if "redirect_url" not in call.body:
        call = replace(call, body={**call.body, "redirect_url": f"https://{call.headers.get('Host', '')}/reset"})
    return socialid.send_reset_password_email(call)


HOST_HEADER_LINK = BrokenServer(
    vendor="socialid",
    record=replace(
        socialid.VENDOR,
        handlers={**socialid.VENDOR.handlers, "sendResetPasswordEmail": _reset_email_links_to_the_host},
    ),
    defect="the reset e-mail's link is built from the request's Host header",
    conform_options=("--suite", "security", "--select", "sr13"),
    # A deployment without a Host check: the mock's own would refuse the forged Host before the defect is reached.
    settings=(("allowed_hosts", ("*",)),),
)


# Issue 10: one planted defect per class of "check harder" ------------------------------------------------------
# (i) A wrong type in a field no step reads ----------------------------------------------------------------------
def _token_created_at_as_text(call: Call) -> Reply:
    reply = placewise.create_token(call)
    # Planted bug: created_at is an ISO timestamp string; the spec (and Doorkeeper) say epoch seconds, an integer.
    if reply.status == 200:
        created = datetime.fromtimestamp(reply.body["created_at"], UTC).isoformat()
        return replace(reply, body={**reply.body, "created_at": created})
    return reply


UNREAD_FIELD_WRONG_TYPE = BrokenServer(
    vendor="placewise",
    record=replace(placewise.VENDOR, handlers={**placewise.VENDOR.handlers, "createToken": _token_created_at_as_text}),
    defect='Create Token answers "created_at" as an ISO string instead of an integer (no step reads it)',
    conform_options=("--suite", "bdd"),
)


# (j) A secret after the reset -------------------------------------------------------------------------------------
def _reset_password_mails_the_new_password(call: Call) -> Reply:
    reply = placewise.reset_password_by_email(call)
    member = call.store.find_account(placewise.NAME, call.path["email"])
    if member is not None:
        # Planted bug: the "password changed" confirmation quotes the new password.
        text = f"Your password was changed. Your new password is: {call.body['password']}\n"
        deliver(call, member, channel="email", sender=placewise.SENDER, subject="Password changed", text=text)
    return reply


SECRET_AFTER_RESET = BrokenServer(
    vendor="placewise",
    record=replace(
        placewise.VENDOR,
        handlers={**placewise.VENDOR.handlers, "resetPasswordByEmail": _reset_password_mails_the_new_password},
    ),
    defect="the password-changed e-mail sent after a reset quotes the new password",
    conform_options=("--suite", "bdd"),
)


# (k) One account's code changes another account's password -----------------------------------------------------
def _set_password_with_anyones_code(call: Call, user_id: str, handler: str) -> Reply:
    code = call.body.get("verificationCode")
    pending = call.store.get_reset(zitadel.NAME, code) if code else None
    user = call.store.get_account(zitadel.NAME, user_id)
    if pending is None or user is None or pending.account_id == user_id:
        return zitadel.VENDOR.handlers[handler](call)
    # Planted bug: the code is looked up on its own and checked for use and expiry, not for whose it is.
    reset.redeem_code(call.store, zitadel.NAME, code, now=call.now)
    reset.change_password(user, call.body["newPassword"]["password"], now=call.now)
    changed = datetime.fromtimestamp(call.now, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return Reply(200, {"details": {"sequence": "2", "changeDate": changed, "resourceOwner": "1"}})


CROSS_ACCOUNT_CODE = BrokenServer(
    vendor="zitadel",
    record=replace(
        zitadel.VENDOR,
        handlers={
            **zitadel.VENDOR.handlers,
            "setPassword": lambda call: _set_password_with_anyones_code(call, call.path["userId"], "setPassword"),
            "connectSetPassword": lambda call: _set_password_with_anyones_code(
                call, call.body["userId"], "connectSetPassword"
            ),
        },
    ),
    defect="SetPassword accepts any user's reset code for the user it names",
    conform_options=("--suite", "bdd", "--select", "code"),
)


# (l) A defect on one surface only: Connect --------------------------------------------------------------------------
def _connect_set_password_without_consuming(call: Call) -> Reply:
    reply = zitadel.VENDOR.handlers["connectSetPassword"](call)
    pending = call.store.reset_for_account(zitadel.NAME, call.body["userId"], "reset")
    if pending is not None:
        # Planted bug: the Connect handler forgets to consume the code; the REST gateway's handler does not.
        pending.used_at = None
    return reply


CONNECT_ONLY_REUSABLE_CODE = BrokenServer(
    vendor="zitadel",
    record=replace(
        zitadel.VENDOR,
        handlers={**zitadel.VENDOR.handlers, "connectSetPassword": _connect_set_password_without_consuming},
    ),
    defect="over Connect (only), SetPassword does not consume the code: it works twice",
    conform_options=("--suite", "bdd", "--select", "code"),
)


# (m) A stack trace in an error body -----------------------------------------------------------------------------------
RUBY_BACKTRACE = (
    'JSON::ParserError: 859: unexpected token at \'{"identifier": "alice@example.com", \'\n'
    "/usr/local/bundle/gems/json-2.7.1/lib/json/common.rb:219:in `parse'\n"
    "/app/app/controllers/api/v1/auth/reset_passwords_controller.rb:12:in `send_message'"
)


def _backtrace_on_malformed_json(error: ApiError, status: int, path: str, operation_id: str | None) -> Reply:
    if error.kind is Kind.MALFORMED:
        # Planted bug: the right status and shape, but the Rails backtrace rides along in "error".
        return Reply(400, {"error": RUBY_BACKTRACE})
    return placewise.render_error(error, status, path, operation_id)


STACK_TRACE_IN_ERROR = BrokenServer(
    vendor="placewise",
    record=replace(placewise.VENDOR, render_error=_backtrace_on_malformed_json),
    defect="a body that is not JSON gets a 400 whose error message carries a Ruby backtrace",
    conform_options=("--suite", "bdd", "--select", "json"),
)


# (n) A timing leak: known accounts answer later (a synchronous SMTP call) -------------------------------------------
SMTP_SECONDS = 0.15


def _reset_message_sent_before_answering(call: Call) -> Reply:
    if call.store.find_account(placewise.NAME, str(call.body.get("identifier", "")).strip()) is not None:
        # Planted bug: the mail goes out over SMTP before the answer, so known members wait for it.
        time.sleep(SMTP_SECONDS)
    return placewise.send_reset_password_message(call)


TIMING_LEAK = BrokenServer(
    vendor="placewise",
    record=replace(
        placewise.VENDOR,
        handlers={**placewise.VENDOR.handlers, "sendResetPasswordMessage": _reset_message_sent_before_answering},
    ),
    defect=f"a reset request for a known member answers {SMTP_SECONDS * 1000:.0f} ms later (synchronous SMTP)",
    conform_options=("--suite", "security", "--select", "sr02"),
)


# (o) SR-17: asking for a reset already changes the password -----------------------------------------------------------
def _reset_message_with_a_temporary_password(call: Call) -> Reply:
    member = call.store.find_account(placewise.NAME, str(call.body.get("identifier", "")).strip())
    if member is not None:
        # Planted bug: the old password is replaced by a temporary one as soon as a reset is asked for.
        reset.change_password(member, generate_token(8), now=call.now)
    return placewise.send_reset_password_message(call)


PASSWORD_CHANGED_ON_REQUEST = BrokenServer(
    vendor="placewise",
    record=replace(
        placewise.VENDOR,
        handlers={**placewise.VENDOR.handlers, "sendResetPasswordMessage": _reset_message_with_a_temporary_password},
    ),
    defect="asking for a reset replaces the password at once, before the link is used (lock-out by anyone)",
    conform_options=("--suite", "security", "--select", "sr17"),
)


# (p) SR-14: passwords truncated to 72 bytes (bcrypt) -----------------------------------------------------------------
def _truncated(password: str) -> str:
    return password.encode()[:72].decode(errors="ignore")


def _reset_password_truncated(call: Call) -> Reply:
    user = call.body["user"]
    # Planted bug: the password is cut to bcrypt's 72 bytes before it is stored...
    return socialid.reset_password(replace(call, body={"user": {**user, "password": _truncated(user["password"])}}))


def _sign_in_truncated(call: Call) -> Reply:
    body = call.body
    if body.get("grant_type") == "password" and isinstance(body.get("password"), str):
        body = {**body, "password": _truncated(body["password"])}  # ...and before it is checked
    return socialid.create_oauth_token(replace(call, body=body))


TRUNCATED_PASSWORDS = BrokenServer(
    vendor="socialid",
    record=replace(
        socialid.VENDOR,
        handlers={
            **socialid.VENDOR.handlers,
            "resetPassword": _reset_password_truncated,
            "createOAuthToken": _sign_in_truncated,
        },
    ),
    defect="passwords are cut to 72 bytes, so a long password's prefix signs in too",
    conform_options=("--suite", "security", "--select", "sr14"),
)


# (q) A one-time password that signs in twice --------------------------------------------------------------------------
def _sign_in_keeps_the_one_time_password(call: Call) -> Reply:
    reply = placewise.create_token(call)
    if reply.status == 200 and call.body.get("grant_type") == "password":
        member_id = str(reply.body["resource_owner_id"])
        code = call.store.reset_for_account(placewise.NAME, member_id, "one_time_password")
        if code is not None:
            # Planted bug: a sign-in with the one-time password does not spend it, so it works again.
            code.used_at = None
    return reply


REUSABLE_ONE_TIME_PASSWORD = BrokenServer(
    vendor="placewise",
    record=replace(
        placewise.VENDOR,
        handlers={**placewise.VENDOR.handlers, "createToken": _sign_in_keeps_the_one_time_password},
    ),
    defect="a one-time password is not spent when it signs in: it works again",
    conform_options=("--suite", "security", "--select", "sr05_a_code"),
)


CATALOGUE: dict[str, BrokenServer] = {
    "wrong_field_type": WRONG_FIELD_TYPE,
    "undocumented_status": UNDOCUMENTED_STATUS,
    "missing_auth_check": MISSING_AUTH_CHECK,
    "crash_on_malformed_json": CRASH_ON_MALFORMED_JSON,
    "reusable_reset_link": REUSABLE_RESET_LINK,
    "user_enumeration": USER_ENUMERATION,
    "secret_in_response": SECRET_IN_RESPONSE,
    "host_header_link": HOST_HEADER_LINK,
    "unread_field_wrong_type": UNREAD_FIELD_WRONG_TYPE,
    "secret_after_reset": SECRET_AFTER_RESET,
    "cross_account_code": CROSS_ACCOUNT_CODE,
    "connect_only_reusable_code": CONNECT_ONLY_REUSABLE_CODE,
    "stack_trace_in_error": STACK_TRACE_IN_ERROR,
    "timing_leak": TIMING_LEAK,
    "password_changed_on_request": PASSWORD_CHANGED_ON_REQUEST,
    "truncated_passwords": TRUNCATED_PASSWORDS,
    "reusable_one_time_password": REUSABLE_ONE_TIME_PASSWORD,
}
