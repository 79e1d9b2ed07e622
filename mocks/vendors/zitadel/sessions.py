"""SessionService: CreateSession and SetSession run every check and challenge of the proto, in ZITADEL's order (the
user check, the other checks, then the challenges), with ZITADEL's error IDs (`internal/command/session*.go`);
GetSession, ListSessions and DeleteSession read and end them. A session carries the factors that were checked
(with when), its metadata, user agent and expiration; SetSession rotates its token.

Sessions are kept in the store as tokens of kind `zitadel_session` keyed by session ID (bounded by `--max-tokens`):
an expired session is still listed until it is deleted, as in ZITADEL. An OTP challenge is kept on the user rather
than on the session: the newest one, valid 5 minutes, single use, redeemed by `checks.otpSms`/`otpEmail` of a later
CreateSession or SetSession. A wrong password counts against the lockout policy in force (the team's
`max_password_attempts`, 0: never locked): the attempt that reaches it locks the user, whose password checks fail
from then on (`/__admin/reset` unlocks). TOTP works for users created with `totpSecret` (RFC 6238: SHA-1, 6 digits,
30 s, one step of skew, as ZITADEL's `domain.VerifyTOTP`). The mock has no passkeys, IdP intents or recovery codes,
so those checks and the WebAuthN challenge fail as they do in ZITADEL for a user without them.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any

from ...api import Call, Reply
from ...flows import reset
from ...flows.codes import generate_token
from ...store.models import AccessToken, Account
from ..base import lifetime
from . import templates
from .customization import customized
from .errors import CREDENTIALS_CHECK_ERROR, fail, user_not_found
from .instance import NAME, ORG_DOMAIN, ORG_ID, SERVICE_USER_ID, new_id, new_otp
from .listing import list_details, page, timestamp_matches
from .protojson import duration_seconds, parse_timestamp, timestamp
from .users import display_name, login_names, password_matches, send, verify_pending

OTP_SMS, OTP_EMAIL = "otp_sms", "otp_email"
KIND = "zitadel_session"
ZERO_TIME = "0001-01-01T00:00:00Z"  # Go's zero time.Time, as protojson writes it
TOKEN_BYTES = 32
# How a factor is stored -> its name in `zitadel.session.v2.Factors`.
FACTOR_NAMES = {"user": "user", "password": "password", "totp": "totp", "otp_sms": "otpSms", "otp_email": "otpEmail"}


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


def _check_password(call: Call, user: Account, password: str) -> None:
    """ZITADEL's checkPassword: a locked user first, then the password; a failure that reaches the lockout policy's
    maximum locks the user (and is still answered as a wrong password)."""
    if user.extra.get("locked"):
        raise fail(9, "COMMAND-JLK35", "User is locked")
    if password_matches(user, password):
        user.extra["failed_password_attempts"] = 0
        return
    attempts = int(user.extra.get("failed_password_attempts", 0)) + 1
    user.extra["failed_password_attempts"] = attempts
    maximum = int(customized(call)["max_password_attempts"])
    if maximum and attempts >= maximum:
        user.extra["locked"] = True
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


def _run_checks(call: Call, checks: dict[str, Any], user: Account | None, factors: dict[str, Any]) -> Account | None:
    """Run the checks on a session whose user is `user` (None: not yet checked); each one that passes is recorded
    in `factors` with the time. Returns the session's user."""
    now = call.now
    if "user" in checks:
        found = _checked_user(call, checks["user"])
        if user is not None and found.id != user.id:
            raise fail(3, None, "The user of a session cannot be changed")
        user = found
        factors["user"] = {"verified_at": now, "id": user.id}
    if "password" in checks:
        _check_password(call, _require(user, 9, "COMMAND-Sfw3f"), checks["password"]["password"])
        factors["password"] = {"verified_at": now}
    if "idpIntent" in checks:
        _require(user, 9, "COMMAND-Sfw3r")
        _check_intent(checks["idpIntent"]["idpIntentToken"])
    if "webAuthN" in checks:
        raise fail(9, "COMMAND-Ioqu5", "Session without WebAuthN challenge")  # the mock never starts one
    if "totp" in checks:
        _check_totp(call, _require(user, 9, "COMMAND-Neil7"), checks["totp"]["code"])
        factors["totp"] = {"verified_at": now}
    if "otpSms" in checks:
        _check_otp(call, _require(user, 9, "COMMAND-VDrh3"), OTP_SMS, checks["otpSms"]["code"], "COMMAND-SF3tv")
        factors["otp_sms"] = {"verified_at": now}
    if "otpEmail" in checks:
        _check_otp(call, _require(user, 9, "COMMAND-ejo2w"), OTP_EMAIL, checks["otpEmail"]["code"], "COMMAND-zF3g3")
        factors["otp_email"] = {"verified_at": now}
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


# Sessions in the store ---------------------------------------------------------------------------------------------
def _session(call: Call, session_id: str) -> AccessToken:
    session = call.store.get_token(NAME, session_id)
    if session is None or session.kind != KIND:
        raise fail(5, None, "Session does not exist")
    return session


def _check_token(session: AccessToken, token: str | None) -> None:
    """A session token, when one is given, must be the session's current one."""
    if token is not None and not secrets.compare_digest(str(session.extra["token"]).encode(), token.encode()):
        raise fail(7, None, "Session Token is invalid")


def _details(session: AccessToken) -> dict[str, Any]:
    return {
        "sequence": str(session.extra["sequence"]),
        "changeDate": timestamp(session.extra["changed_at"]),
        "resourceOwner": ORG_ID,
        "creationDate": timestamp(session.created_at),
    }


def _changed(call: Call, session: AccessToken, body: dict[str, Any]) -> None:
    """What every write does: metadata merged (an empty value removes a key), the lifetime from now, a new
    sequence, and a new token (the previous one stops working)."""
    extra = session.extra
    for key, value in (body.get("metadata") or {}).items():
        if value:
            extra["metadata"][key] = value
        else:
            extra["metadata"].pop(key, None)
    if "lifetime" in body:
        extra["expires_at"] = call.now + duration_seconds(body["lifetime"])
    extra["sequence"] = int(extra["sequence"]) + 1
    extra["changed_at"] = call.now
    extra["token"] = generate_token(TOKEN_BYTES)


# CreateSession and SetSession ----------------------------------------------------------------------------------------
def create_session(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    """Checks first (nothing is stored when one fails), then the session, then the challenges."""
    factors: dict[str, Any] = {}
    user = _run_checks(call, body.get("checks") or {}, None, factors)
    session = AccessToken(
        vendor=NAME,
        value=new_id(),
        kind=KIND,
        account_id=user.id if user else None,
        created_at=call.now,
        extra={"sequence": 0, "factors": factors, "metadata": {}, "creator": SERVICE_USER_ID},
    )
    if "userAgent" in body:
        session.extra["user_agent"] = body["userAgent"]
    _changed(call, session, body)
    challenges = _run_challenges(call, user, body["challenges"]) if "challenges" in body else None
    call.store.put_token(session, now=call.now)
    answer: dict[str, Any] = {
        "details": _details(session),
        "sessionId": session.value,
        "sessionToken": session.extra["token"],
    }
    if challenges is not None:
        answer["challenges"] = challenges
    return answer


def create_session_rest(call: Call) -> Reply:
    return Reply(201, create_session(call, call.body or {}))  # the gateway's http_response.success_code


def connect_create_session(call: Call) -> Reply:
    return Reply(200, create_session(call, call.body))


def set_session(call: Call, session_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """More checks, challenges, metadata or a new lifetime; the token given (deprecated) is not needed. A failed
    check changes nothing but the failed-attempt count."""
    session = _session(call, session_id)
    user = call.store.get_account(NAME, session.account_id) if session.account_id else None
    if session.account_id and user is None:
        raise user_not_found()  # the session's user was deleted
    factors: dict[str, Any] = {}
    user = _run_checks(call, body.get("checks") or {}, user, factors)
    challenges = _run_challenges(call, user, body["challenges"]) if "challenges" in body else None
    session.account_id = user.id if user else None
    session.extra["factors"].update(factors)
    _changed(call, session, body)
    answer: dict[str, Any] = {"details": _details(session), "sessionToken": session.extra["token"]}
    if challenges is not None:
        answer["challenges"] = challenges
    return answer


def set_session_rest(call: Call) -> Reply:
    return Reply(200, set_session(call, call.path["sessionId"], call.body or {}))


def connect_set_session(call: Call) -> Reply:
    return Reply(200, set_session(call, call.body["sessionId"], call.body))


# GetSession, ListSessions, DeleteSession ----------------------------------------------------------------------------
def _factors(call: Call, session: AccessToken) -> dict[str, Any]:
    """`zitadel.session.v2.Factors`: the user factor names the user as it is now (ZITADEL joins the user)."""
    answer: dict[str, Any] = {}
    for name, factor in session.extra["factors"].items():
        view: dict[str, Any] = {"verifiedAt": timestamp(factor["verified_at"])}
        if name == "user":
            user = call.store.get_account(NAME, factor["id"])
            view["id"] = factor["id"]
            if user is not None:
                view.update(loginName=login_names(user)[0], displayName=display_name(user), organizationId=ORG_ID)
        answer[FACTOR_NAMES[name]] = view
    return answer


def session_view(call: Call, session: AccessToken) -> dict[str, Any]:
    """`zitadel.session.v2.Session` as protojson writes it."""
    extra = session.extra
    view: dict[str, Any] = {
        "id": session.value,
        "creationDate": timestamp(session.created_at),
        "changeDate": timestamp(extra["changed_at"]),
        "sequence": str(extra["sequence"]),
        "factors": _factors(call, session),
    }
    if extra["metadata"]:
        view["metadata"] = dict(extra["metadata"])
    if extra.get("user_agent"):
        view["userAgent"] = extra["user_agent"]
    if extra.get("expires_at") is not None:
        view["expirationDate"] = timestamp(extra["expires_at"])
    return view


def get_session(call: Call, session_id: str, token: str | None) -> dict[str, Any]:
    session = _session(call, session_id)
    _check_token(session, token)
    return {"session": session_view(call, session)}


def get_session_rest(call: Call) -> Reply:
    return Reply(200, get_session(call, call.path["sessionId"], call.query.get("sessionToken")))


def connect_get_session(call: Call) -> Reply:
    return Reply(200, get_session(call, call.body["sessionId"], call.body.get("sessionToken")))


def _matches(session: AccessToken, query: dict[str, Any]) -> bool:
    """One `zitadel.session.v2.SearchQuery`; several must all match."""
    if "idsQuery" in query:
        return session.value in (query["idsQuery"].get("ids") or ())
    if "userIdQuery" in query:
        return bool(session.account_id == query["userIdQuery"].get("id"))
    if "creationDateQuery" in query:
        created = query["creationDateQuery"]
        wanted = parse_timestamp(created.get("creationDate", "1970-01-01T00:00:00Z"))
        return timestamp_matches(session.created_at, wanted, created.get("method"))
    if "creatorQuery" in query:
        creator = query["creatorQuery"].get("id", SERVICE_USER_ID)  # absent: the caller
        return bool(creator == session.extra.get("creator"))
    if "userAgentQuery" in query:
        wanted_agent = query["userAgentQuery"].get("fingerprintId")
        return wanted_agent is None or (session.extra.get("user_agent") or {}).get("fingerprintId") == wanted_agent
    raise fail(3, None, "search query is empty")


def list_sessions(call: Call) -> Reply:
    body = call.body or {}
    queries = body.get("queries") or ()
    found = [session for session in call.store.tokens(NAME, KIND) if all(_matches(session, q) for q in queries)]
    by_creation = body.get("sortingColumn") in ("SESSION_FIELD_NAME_CREATION_DATE", 1)
    result = page(found, body.get("query"), (lambda session: session.created_at) if by_creation else None)
    answer: dict[str, Any] = {"details": list_details(len(found), call.now)}
    if result:
        answer["sessions"] = [session_view(call, session) for session in result]
    return Reply(200, answer)


def delete_session(call: Call, session_id: str, token: str | None) -> dict[str, Any]:
    """Terminating a session that does not exist (or no longer) changes nothing and succeeds, as in ZITADEL, whose
    answer then holds the details of its empty write model: only the zero time."""
    session = call.store.get_token(NAME, session_id)
    if session is None or session.kind != KIND:
        return {"details": {"changeDate": ZERO_TIME}}
    _check_token(session, token)
    call.store.remove_token(NAME, session_id)
    session.extra["sequence"] = int(session.extra["sequence"]) + 1
    session.extra["changed_at"] = call.now
    return {"details": _details(session)}


def delete_session_rest(call: Call) -> Reply:
    return Reply(200, delete_session(call, call.path["sessionId"], (call.body or {}).get("sessionToken")))


def connect_delete_session(call: Call) -> Reply:
    return Reply(200, delete_session(call, call.body["sessionId"], call.body.get("sessionToken")))


HANDLERS = {
    "createSession": create_session_rest,
    "connectCreateSession": connect_create_session,
    "setSession": set_session_rest,
    "connectSetSession": connect_set_session,
    "getSession": get_session_rest,
    "connectGetSession": connect_get_session,
    "listSessions": list_sessions,
    "connectListSessions": list_sessions,
    "deleteSession": delete_session_rest,
    "connectDeleteSession": connect_delete_session,
}
