"""The ZITADEL instance the mock plays: its one organization, its service user's token, its origin and the
secret generators (contracts.md section 0 and ZITADEL's defaults). What a team may change (the organization's
name, branding, policies) is in `customization.py`."""

from __future__ import annotations

import secrets
import string

from ...api import Call
from ...flows.codes import generate_code
from ..base import reset_link

NAME = "zitadel"
INSTANCE_ID = "310000000000000000"  # the owner of the instance-wide settings
ACCESS_TOKEN = "resetkit-zitadel-dev-pat"  # the personal access token of the mock's all-powerful service user
ORG_ID = "310000000000000001"  # the one organization every user belongs to
ORG_DOMAIN = "resetkit.zitadel.resetkit.example"  # its primary domain (fixed: login names end with it)
ISSUER = "https://zitadel.resetkit.example"  # the instance's configured origin for default links, never Host
SENDER = "no-reply@zitadel.resetkit.example"
DEMO_ID = "310000000000000002"
SERVICE_USER_ID = "310000000000000003"  # the user behind ACCESS_TOKEN: the creator of every session

# Secret generators (ZITADEL's defaults): reset and verification codes 6 characters of A-Z0-9, OTP SMS and e-mail
# codes 8 digits (SecretGeneratorTypeOTPSMS/OTPEmail); how long each lives is the spec's x-lifetimes.
CODE_LENGTH = 6
OTP_LENGTH = 8


def new_code() -> str:
    return generate_code(CODE_LENGTH)


def new_otp() -> str:
    return generate_code(OTP_LENGTH, string.digits)


def new_id() -> str:
    """ZITADEL ids are 18-digit decimal strings (sonyflake)."""
    return str(10**17 + secrets.randbelow(9 * 10**17))


# The links ZITADEL sends when the caller gives no URL template: the hosted login's pages on the instance origin.
def default_reset_link(call: Call, user_id: str, code: str) -> str:
    """Where the instance's own reset link points: `--link-base zitadel=URL`, else the mock's hosted reset page
    (ZITADEL's hosted login UI, `/ui/login/password/init`, takes the same three parameters)."""
    return reset_link(call, userID=user_id, code=code, orgID=ORG_ID)


def default_email_verification_link(user_id: str, code: str) -> str:
    return f"{ISSUER}/ui/login/mail/verification?userID={user_id}&code={code}&orgID={ORG_ID}"
