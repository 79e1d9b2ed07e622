"""LeadSquared Portal API: Forgot Password e-mails (or texts) a link with LeadId and TemporaryPassword;
Reset Password redeems it; Sign In proves the new password. Source: seed 004 and apidocs.leadsquared.com.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import replace
from typing import Any

from faker import Faker

from ..api import Call, Principal, Reply
from ..errors import AccountNotFound, ApiError, DomainError, Kind, TokenInvalid, WrongPassword
from ..flows import reset
from ..flows.codes import generate_token
from ..flows.sessions import issue_token
from ..outbox import Channel
from ..protocols import VendorContext
from .base import (
    DEMO_PASSWORD,
    NewAccount,
    Vendor,
    account_view,
    deliver,
    fake_person,
    lifetime,
    reset_link,
    store_account,
)

NAME = "leadsquared"
ACCESS_KEY = "u$r-resetkit-access-key"
SECRET_KEY = "resetkit-secret-key-0123456789abcdef"
PUBLIC_AUTH_KEY = base64.b64encode(b"resetkit-leadsquared-public-auth-key").decode()
SENDER = "no-reply@portal.resetkit.example"

# SearchKeyData / RecipientField SchemaNames the mock's leads have, and the account attribute behind each.
LEAD_FIELDS = {"EmailAddress": "email", "Phone": "phone", "Mobile": "phone", "ProspectID": "id", "LeadId": "id"}
FORGOT_ANSWER = {"Status": "Success", "Message": "Reset link sent successfully"}


# Get Public Auth Key ---------------------------------------------------------------------------------------
def get_public_auth_key(call: Call) -> Reply:
    return Reply(200, {"PublicAuthKey": PUBLIC_AUTH_KEY})


# Forgot Password ------------------------------------------------------------------------------------------
def _lead_for(call: Call, body: dict[str, Any]) -> Any:
    """The lead named by EmailAddress or SearchKeyData; an unknown SchemaName simply matches nobody."""
    if "EmailAddress" in body:
        return call.store.find_account(NAME, body["EmailAddress"])
    search = body["SearchKeyData"]
    attribute = LEAD_FIELDS.get(search["SchemaName"])
    if attribute is None:
        return None
    lead = call.store.find_account(NAME, search["Value"])
    return lead if lead is not None and getattr(lead, attribute) == search["Value"] else None


def forgot_password(call: Call) -> Reply:
    """Same answer whether or not a lead matched (no enumeration); only a matched lead gets a link."""
    lead = _lead_for(call, call.body)
    if lead is None:
        return Reply(200, FORGOT_ANSWER)
    recipient_field = call.body.get("RecipientField", {}).get("SchemaName", "EmailAddress")
    channel: Channel = "sms" if LEAD_FIELDS.get(recipient_field) == "phone" else "email"
    to = lead.phone if channel == "sms" else lead.email
    if recipient_field not in LEAD_FIELDS or LEAD_FIELDS[recipient_field] == "id" or not to:
        return Reply(200, FORGOT_ANSWER)
    pending = reset.request_reset(
        call.store,
        lead,
        now=call.now,
        ttl_seconds=lifetime(call, "temporary_password"),
        make_secret=lambda: generate_token(32),
    )
    link = reset_link(call, LeadId=lead.id, TemporaryPassword=pending.secret)
    text = f"Hello {lead.given_name},\n\nUse this link to set a new portal password:\n{link}\n"
    deliver(
        call,
        lead,
        channel=channel,
        sender=SENDER,
        subject="Reset your portal password",
        text=text,
        link=link,
        token=pending.secret,
    )
    return Reply(200, FORGOT_ANSWER)


# Reset Password (older and v2 paths share one contract) -----------------------------------------------------
def reset_password(call: Call) -> Reply:
    body = call.body
    lead = call.store.get_account(NAME, body["LeadId"].lower())
    try:
        if lead is None:
            raise AccountNotFound(body["LeadId"])
        reset.redeem_code(call.store, NAME, body["TemporaryPassword"].lower(), now=call.now, account_id=lead.id)
    except DomainError:
        raise ApiError(
            Kind.PRECONDITION,
            "The reset link is invalid, expired or already used. Request a new one with Forgot Password.",
            code="MXInvalidTemporaryPasswordException",
        ) from None
    reset.change_password(lead, body["Password"], now=call.now)
    return Reply(200, {"IsSuccessful": True, "ResponseText": "Password changed successfully"})


# Sign In --------------------------------------------------------------------------------------------------
def sign_in(call: Call) -> Reply:
    body = call.body
    lead = _lead_for(call, body)
    try:
        if lead is None:
            raise WrongPassword("unknown lead")
        reset.check_password(lead, body["Password"])
    except WrongPassword:
        raise ApiError(
            Kind.UNAUTHENTICATED, "Invalid credentials.", status=401, code="MXInvalidCredentialsException"
        ) from None
    key = issue_token(
        call.store,
        NAME,
        kind="private_auth_key",
        account_id=lead.id,
        now=call.now,
        ttl_seconds=lifetime(call, "private_auth_key"),
    )
    return Reply(200, {"AuthKey": key.value, "LeadId": lead.id})


# Errors, auth, accounts -----------------------------------------------------------------------------------
EXCEPTION_TYPES = {
    Kind.MALFORMED: "MXInvalidInputException",
    Kind.UNSUPPORTED_MEDIA_TYPE: "MXInvalidInputException",
    Kind.INVALID: "MXInvalidInputException",
    Kind.MISSING_HEADER: "MXInvalidInputException",
    Kind.UNAUTHENTICATED: "MXUnAuthorizedAccessException",
    Kind.RATE_LIMITED: "MXAPIRateLimitExceededException",
    Kind.NO_ROUTE: "MXAPINotFoundException",
}


def render_error(error: ApiError, status: int, path: str, operation_id: str | None) -> Reply:
    exception_type = error.code or EXCEPTION_TYPES.get(error.kind, "MXException")
    message = error.message
    if error.kind is Kind.UNAUTHENTICATED and not error.code:
        message = "The API call was made with invalid access credentials."
    elif error.kind is Kind.NO_ROUTE:
        message = "The API could not be found. Please check the API signature."
    return Reply(status, {"Status": "Error", "ExceptionType": exception_type, "ExceptionMessage": message})


def _key_check(expected: str, scheme: str) -> Any:
    def check(credential: str, ctx: VendorContext) -> Principal | None:
        return Principal(scheme, credential) if credential == expected else None

    return check


def create_account(ctx: VendorContext, new: NewAccount) -> dict[str, Any]:
    lead = store_account(ctx, NAME, new, new.id or str(uuid.uuid4()))
    return {**account_view(lead), "LeadId": lead.id, "EmailAddress": lead.email, "Phone": lead.phone}


def fake_account(faker: Faker) -> NewAccount:
    return replace(fake_person(faker), id=faker.uuid4())


def _invalid_temporary_password() -> ApiError:
    return ApiError(
        Kind.PRECONDITION,
        "The reset link is invalid, expired or already used. Request a new one with Forgot Password.",
        code="MXInvalidTemporaryPasswordException",
    )


DOMAIN_ERRORS = {
    DomainError: _invalid_temporary_password,  # an unknown lead and every code problem answer alike (reset_password)
    WrongPassword: lambda: ApiError(
        Kind.UNAUTHENTICATED, "Invalid credentials.", status=401, code="MXInvalidCredentialsException"
    ),
    TokenInvalid: lambda: ApiError(Kind.UNAUTHENTICATED, "The API call was made with invalid access credentials."),
}

VENDOR = Vendor(
    name=NAME,
    handlers={
        "getPublicAuthKey": get_public_auth_key,
        "forgotPassword": forgot_password,
        "resetPassword": reset_password,
        "resetPasswordV2": reset_password,
        "signIn": sign_in,
    },
    # The portal pages: a non-JSON content type is a 400 like any body not per the specification.
    error_status={Kind.UNSUPPORTED_MEDIA_TYPE: 400},
    render_error=render_error,
    authenticators={
        "publicAuthKey": _key_check(PUBLIC_AUTH_KEY, "publicAuthKey"),
        "accessKey": _key_check(ACCESS_KEY, "accessKey"),
        "secretKey": _key_check(SECRET_KEY, "secretKey"),
    },
    credentials=lambda: {"access_key": ACCESS_KEY, "secret_key": SECRET_KEY, "public_auth_key": PUBLIC_AUTH_KEY},
    create_account=create_account,
    demo_account=NewAccount(
        email="demo@leadsquared.resetkit.example",
        password=DEMO_PASSWORD,
        phone="+4791000004",
        given_name="Dana",
        family_name="Demo",
        id="5c0e8a7e-0000-4000-8000-000000000d30",
    ),
    fake_account=fake_account,
    domain_errors=DOMAIN_ERRORS,
)
