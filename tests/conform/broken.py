"""Deliberately non-conforming servers: the real mock of one vendor with exactly one planted defect each.

`resetkit conform` must fail every one of them (tests/conform/test_broken_servers.py). Each record is the real
VENDOR with one handler, authenticator or error renderer swapped, so everything else stays conformant.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from resetkit.env import Env
from resetkit.errors import ApiError, Kind
from resetkit.runner import LiveMock, start_live_mock
from resetkit.settings import Settings
from resetkit.vendors import leadsquared, placewise, socialid
from resetkit.vendors.base import Call, Principal, Reply, Vendor


@dataclass(frozen=True)
class BrokenServer:
    """A vendor record with one planted defect; `defect` says what is wrong in one line."""

    vendor: str
    record: Vendor
    defect: str


def serve(broken: BrokenServer) -> LiveMock:
    """Serve the broken vendor at the root, strict mode off, as a real deployment of one vendor would be."""
    settings = Settings(port=0, strict=False, accounts=20, vendors=(broken.vendor,), mount_at_root=True)
    return start_live_mock(settings, overrides={broken.vendor: broken.record})


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
)


# (c) A missing auth check --------------------------------------------------------------------------------------
def _any_login_app_token(credential: str, env: Env) -> Principal | None:
    # Planted bug: any Bearer token passes as a Login App Token; nothing is checked.
    return Principal("loginAppToken", credential)


MISSING_AUTH_CHECK = BrokenServer(
    vendor="socialid",
    record=replace(
        socialid.VENDOR,
        authenticators={**socialid.VENDOR.authenticators, "loginAppToken": _any_login_app_token},
    ),
    defect="the Login App Token (Bearer) is not checked: any token is accepted",
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
}
