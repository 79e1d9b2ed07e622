"""SessionService CreateSession: every check and challenge of the proto, in ZITADEL's order (the user check, the
other checks, then the challenges), with ZITADEL's error IDs (`internal/command/session*.go`).

The mock serves CreateSession but not SetSession, so an OTP challenge is kept on the user rather than on the
session: the newest one, valid 5 minutes, single use, redeemed by `checks.otpSms`/`otpEmail` of a later
CreateSession. TOTP works for users created with `totpSecret` (RFC 6238: SHA-1, 6 digits, 30 s, one step of
skew, as ZITADEL's `domain.VerifyTOTP`). The mock has no passkeys, IdP intents or recovery codes, so those checks
and the WebAuthN challenge fail as they do in ZITADEL for a user without them.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ...api import Call, Reply
from ...flows import reset
from ...flows.sessions import issue_token
from ...store.models import Account
from ..base import lifetime
from . import templates
from .errors import CREDENTIALS_CHECK_ERROR, fail, user_not_found
from .instance import NAME, ORG_DOMAIN, ORG_ID, new_id, new_otp
from .protojson import duration_seconds, timestamp
from .users import display_name, login_names, password_matches, send, verify_pending

OTP_SMS, OTP_EMAIL = "otp_sms", "otp_email"


def _user_by_login_name(call: Call, login_name: str) -> Account | None:
    """A computed login name (`username` or `username@<org domain>`), case-insensitively."""
    wanted = login_name.casefold()
    name = wanted.removesuffix(f"@{ORG_DOMAIN}")
    user = call.store.find_account(NAME, name)
    if user is None:
        return None
    return user if wanted in {n.casefold() for n in login_names(user)} or name == user.email.casefold() else None


def _checked_user(call: Call, search: dict[str, Any]) -> Account:
    if "userId" in search:
        user = call.store.get_account(NAME, search["userId"])
    else:
        user = _user_by_login_name(call, search["loginName"])
    if user is None:
        raise user_not_found()
    return user


def _require(user: Account | None, grpc_code: int, error_id: str) -> Account:
    """Checks and challenges after the user check need a checked user (`Errors.User.UserIDMissing`)."""
    if user is None:
        raise fail(grpc_code, error_id, "User ID missing")
    return user


def _check_password(user: Account, password: str) -> None:
    if password_matches(user, password):
        user.extra["failed_password_attempts"] = 0
        return
    attempts = int(user.extra.get("failed_password_attempts", 0)) + 1
    user.extra["failed_password_attempts"] = attempts
    raise fail(3, "COMMAND-3M0fs", "Password is invalid", CREDENTIALS_CHECK_ERROR, failedAttempts=attempts)


def _check_intent(token: str) -> None:
    """crypto.CheckToken: the token is the intent ID encrypted by the instance; the mock started no intents."""
    try:
        base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise fail(7, "CRYPTO-Swg31", "Intent Token is invalid") from None
    raise fail(7, "CRYPTO-Sf4gt", "Intent Token is invalid")


def _check_totp(call: Call, user: Account, code: str) -> None:
    secret = user.extra.get("totp_secret")
    if not secret:
        raise fail(9, "COMMAND-eej1U", "Multifactor OTP (OneTimePassword) isn't ready")
    import pyotp  # only TOTP checks need it

    try:
        valid = pyotp.TOTP(secret).verify(code, for_time=int(call.now), valid_window=1)
    except (binascii.Error, ValueError):
        valid = False  # an imported secret that is not base32 matches no code
    if not valid:
        raise fail(3, "EVENT-8isk2", "Invalid code")


def _check_otp(call: Call, user: Account, purpose: str, code: str, not_found_id: str) -> None:
    verify_pending(call, user, purpose, code, not_found_id)
    reset.redeem_code(call.store, NAME, code, now=call.now, purpose=purpose, account_id=user.id)


def _run_checks(call: Call, checks: dict[str, Any]) -> Account | None:
    user = _checked_user(call, checks["user"]) if "user" in checks else None
    if "password" in checks:
        _check_password(_require(user, 9, "COMMAND-Sfw3f"), checks["password"]["password"])
    if "idpIntent" in checks:
        _require(user, 9, "COMMAND-Sfw3r")
        _check_intent(checks["idpIntent"]["idpIntentToken"])
    if "webAuthN" in checks:
        raise fail(9, "COMMAND-Ioqu5", "Session without WebAuthN challenge")  # a new session has none
    if "totp" in checks:
        _check_totp(call, _require(user, 9, "COMMAND-Neil7"), checks["totp"]["code"])
    if "otpSms" in checks:
        _check_otp(call, _require(user, 9, "COMMAND-VDrh3"), OTP_SMS, checks["otpSms"]["code"], "COMMAND-SF3tv")
    if "otpEmail" in checks:
        _check_otp(call, _require(user, 9, "COMMAND-ejo2w"), OTP_EMAIL, checks["otpEmail"]["code"], "COMMAND-zF3g3")
    if "recoveryCode" in checks:
        _require(user, 3, "COMMAND-4m9s2")
        raise fail(3, "COMMAND-84rgg", "Recovery codes are not ready for use")
    return user


def _new_otp(call: Call, user: Account, purpose: str) -> str:
    pending = reset.request_reset(
        call.store, user, now=call.now, ttl_seconds=lifetime(call, "otp_code"), make_secret=new_otp, purpose=purpose
    )
    return pending.secret


def _run_challenges(call: Call, user: Account | None, challenges: dict[str, Any]) -> dict[str, Any]:
    answered: dict[str, Any] = {}
    if "webAuthN" in challenges:
        _require(user, 9, "COMMAND-eeR2e")
        raise fail(13, "WEBAU-4G8sw", "WebAuthN begin login failed")  # go-webauthn: the user has no credentials
    if "otpSms" in challenges:
        checked = _require(user, 9, "COMMAND-JKL3g")
        if not checked.phone:
            raise fail(9, "COMMAND-BJ2g3", "Multifactor OTP (OneTimePassword) isn't ready")
        code = _new_otp(call, checked, OTP_SMS)
        if challenges["otpSms"].get("returnCode"):
            answered["otpSms"] = code
        else:
            send(
                call,
                checked,
                sms=True,
                subject="One-time password",
                text=f"Your one-time password is {code}.\n",
                link=None,
                code=code,
            )
    if "otpEmail" in challenges:
        checked = _require(user, 9, "COMMAND-JK3gp")
        medium = challenges["otpEmail"]
        template = (medium.get("sendCode") or {}).get("urlTemplate")
        names = login_names(checked)
        if template is not None:
            templates.otp_email_url(
                template, code="code", user_id="userID", login_name="loginName", display_name="displayName", lang="en"
            )
        code = _new_otp(call, checked, OTP_EMAIL)
        if "returnCode" in medium:
            answered["otpEmail"] = code
        else:
            lang = str(checked.extra.get("preferred_language") or "en")
            link = (
                templates.otp_email_url(
                    template,
                    code=code,
                    user_id=checked.id,
                    login_name=names[0],
                    display_name=display_name(checked),
                    lang=lang,
                )
                if template is not None
                else None
            )
            text = f"Your one-time password is {code}.\n" + (f"{link}\n" if link else "")
            send(call, checked, sms=False, subject="One-time password", text=text, link=link, code=code)
    return answered


def create_session(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    user = _run_checks(call, body.get("checks") or {})
    challenges = _run_challenges(call, user, body["challenges"]) if "challenges" in body else None
    lifetime = duration_seconds(body["lifetime"]) if "lifetime" in body else None
    token = issue_token(
        call.store, NAME, kind="session", account_id=user.id if user else None, now=call.now, ttl_seconds=lifetime
    )
    now = timestamp(call.now)
    answer: dict[str, Any] = {
        "details": {"sequence": "1", "changeDate": now, "resourceOwner": ORG_ID, "creationDate": now},
        "sessionId": new_id(),
        "sessionToken": token.value,
    }
    if challenges is not None:
        answer["challenges"] = challenges
    return answer


def create_session_rest(call: Call) -> Reply:
    return Reply(201, create_session(call, call.body or {}))  # the gateway's http_response.success_code


def connect_create_session(call: Call) -> Reply:
    return Reply(200, create_session(call, call.body))
