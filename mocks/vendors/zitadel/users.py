"""UserService: PasswordReset, SetPassword, AddHumanUser, GetUserByID, ListUsers, ListAuthenticationMethodTypes and
DeleteUser, one implementation per RPC for every wire.

Error order and IDs follow ZITADEL's commands (`internal/command/user_v2_password.go`, `user_human_password.go`,
`internal/domain/policy_password_complexity.go`); see specs/zitadel.yaml for each case.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from ...api import Call, Reply
from ...flows import reset
from ...flows.passwords import verify_password
from ...outbox import Channel
from ...protocols import VendorContext
from ...store.models import Account
from ..base import NewAccount, deliver, lifetime, store_account
from . import templates
from .customization import DEFAULTS, customized, password_policy
from .errors import fail, user_not_found
from .instance import (
    NAME,
    ORG_DOMAIN,
    ORG_ID,
    SENDER,
    default_email_verification_link,
    default_reset_link,
    new_code,
    new_id,
)
from .listing import list_details, page, text_matches
from .protojson import enum_name, timestamp

log = logging.getLogger("resetkit.zitadel")
RESET = "reset"
NOTIFICATION_TYPES = ("NOTIFICATION_TYPE_Unspecified", "NOTIFICATION_TYPE_Email", "NOTIFICATION_TYPE_SMS")
GENDERS = ("GENDER_UNSPECIFIED", "GENDER_FEMALE", "GENDER_MALE", "GENDER_DIVERSE")
USER_STATES = (
    "USER_STATE_UNSPECIFIED",
    "USER_STATE_ACTIVE",
    "USER_STATE_INACTIVE",
    "USER_STATE_DELETED",
    "USER_STATE_LOCKED",
    "USER_STATE_INITIAL",
)
USER_TYPES = ("TYPE_UNSPECIFIED", "TYPE_HUMAN", "TYPE_MACHINE")


# ZITADEL's default complexity policy; the one in force is the team's (customization.py).
PASSWORD_POLICY = password_policy(DEFAULTS)


# Users -------------------------------------------------------------------------------------------------------
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


def display_name(account: Account) -> str:
    return str(account.extra.get("display_name") or f"{account.given_name} {account.family_name}".strip())


def check_policy(call: Call, password: str) -> None:
    """The complexity policy in force (the team's, as GetPasswordComplexitySettings answers it)."""
    violation = password_policy(customized(call)).first_violation(password)
    if violation is not None:
        raise fail(3, violation.code, violation.message)


def user_state(account: Account) -> str:
    """Active, or locked by too many failed password checks (the lockout policy in force then)."""
    return USER_STATES[4] if account.extra.get("locked") else USER_STATES[1]


def has_password(account: Account) -> bool:
    return bool(account.extra.get("has_password", True))


def password_matches(account: Account, password: str) -> bool:
    return has_password(account) and verify_password(password, account.password_hash)


def send(call: Call, user: Account, *, sms: bool, subject: str, text: str, link: str | None, code: str) -> None:
    channel: Channel = "sms" if sms else "email"
    if not deliver(call, user, channel=channel, sender=SENDER, subject=subject, text=text, link=link, token=code):
        # ZITADEL notifies asynchronously: the API call succeeds and the notification worker fails later.
        log.warning("zitadel: user %s has no %s; no message sent", user.id, "phone" if sms else "e-mail")


def verify_pending(call: Call, user: Account | None, purpose: str, code: str, not_found_id: str) -> None:
    """crypto.VerifyCode without consuming: no code (or a used one), then expiry, then the value."""
    pending = call.store.reset_for_account(NAME, user.id, purpose) if user is not None else None
    if pending is None or pending.used_at is not None:
        raise fail(9, not_found_id, "Code not found")
    if pending.is_expired(call.now):
        raise fail(9, "CODE-QvUQ4P", "Code is expired")
    if not secrets.compare_digest(pending.secret.encode(), code.encode()):
        raise fail(3, "CODE-woT0xc", "Code is invalid")


# PasswordReset -----------------------------------------------------------------------------------------------
def request_password_reset(call: Call, user_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """RequestPasswordReset: the URL template is checked first, then the user; `returnCode` sends nothing."""
    send_link = body.get("sendLink")
    template = (send_link or {}).get("urlTemplate")
    if template is not None:
        templates.confirm_url(template, user_id=user_id, code="code", org_id="orgID")
    user = find_user(call, user_id)
    pending = reset.request_reset(
        call.store, user, now=call.now, ttl_seconds=lifetime(call, "reset_code"), make_secret=new_code
    )
    touch(call, user)
    if "returnCode" in body:
        return {"details": details(user), "verificationCode": pending.secret}
    code = pending.secret
    if template is not None:
        link = templates.confirm_url(template, user_id=user.id, code=code, org_id=ORG_ID)
    else:
        link = default_reset_link(call, user.id, code)
    notification = enum_name((send_link or {}).get("notificationType", 0), NOTIFICATION_TYPES)
    greeting = f"Hello {user.given_name or user.username or user.email},"
    text = (
        f"{greeting}\n\nWe received a password reset request. Please use the link below to reset your password."
        f" (Code {code})\n{link}\n\nIf you didn't ask for this mail, please ignore it.\n"
    )
    sms = notification == "NOTIFICATION_TYPE_SMS"  # Unspecified and unknown numbers fall back to e-mail
    send(call, user, sms=sms, subject="Reset password", text=text, link=link, code=code)
    return {"details": details(user)}


def password_reset(call: Call) -> Reply:
    return Reply(200, request_password_reset(call, call.path["userId"], call.body or {}))


def connect_password_reset(call: Call) -> Reply:
    return Reply(200, request_password_reset(call, call.body["userId"], call.body))


# SetPassword -------------------------------------------------------------------------------------------------
def change_password(call: Call, user_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """By reset code, by current password, or (neither) as an administrator: each path has ZITADEL's own checks."""
    new_password = str((body.get("newPassword") or {}).get("password", ""))
    user = call.store.get_account(NAME, user_id)
    if "verificationCode" in body:  # SetPasswordWithVerifyCode
        if not new_password:
            raise fail(3, "COMMAND-Mf0sd", "Password is empty")
        verify_pending(call, user, RESET, body["verificationCode"], "COMMAND-2M9fs")
        assert user is not None  # verify_pending found the user's code
        check_policy(call, new_password)
        # Consumed only now: a code whose new password broke the policy stays usable, as in ZITADEL.
        reset.redeem_code(call.store, NAME, body["verificationCode"], now=call.now, account_id=user.id)
    elif "currentPassword" in body:  # ChangePassword
        if not new_password or not body["currentPassword"]:
            raise fail(3, "COMMAND-3M0fs", "Password is empty")
        if user is None or not has_password(user):
            raise fail(9, "COMMAND-Fds3s", "User has not set a password")
        if not password_matches(user, body["currentPassword"]):
            raise fail(3, "COMMAND-3M0fs", "Password is invalid")
        if body["currentPassword"] == new_password:  # passwap.ErrPasswordNoChange
            raise fail(9, "COMMAND-Aesh5", "New password cannot be the same as your current password")
        check_policy(call, new_password)
    else:  # SetPassword by an administrator
        if user is None:
            raise fail(9, "COMMAND-3M0fs", "User could not be found")
        check_policy(call, new_password)
    reset.change_password(user, new_password, now=call.now)
    user.extra["has_password"] = True
    user.extra["password_change_required"] = bool((body.get("newPassword") or {}).get("changeRequired", False))
    touch(call, user)
    return {"details": details(user)}


def set_password(call: Call) -> Reply:
    return Reply(200, change_password(call, call.path["userId"], call.body or {}))


def connect_set_password(call: Call) -> Reply:
    return Reply(200, change_password(call, call.body["userId"], call.body))


# AddHumanUser ------------------------------------------------------------------------------------------------
def _verification(call: Call, user: Account, medium: dict[str, Any], *, sms: bool) -> str | None:
    """`returnCode` answers the code; `isVerified` needs nothing; otherwise the code is sent (e-mail: in a link)."""
    if medium.get("isVerified") or (sms and not user.phone):
        return None
    purpose = "phone_verification" if sms else "email_verification"
    pending = reset.request_reset(
        call.store,
        user,
        now=call.now,
        ttl_seconds=lifetime(call, "verification_code"),
        make_secret=new_code,
        purpose=purpose,
    )
    if "returnCode" in medium:
        return pending.secret
    if sms:
        text = f"Your verification code is {pending.secret}.\n"
        send(call, user, sms=True, subject="Verify phone", text=text, link=None, code=pending.secret)
        return None
    template = (medium.get("sendCode") or {}).get("urlTemplate")
    link = (
        templates.confirm_url(template, user_id=user.id, code=pending.secret, org_id=ORG_ID)
        if template is not None
        else default_email_verification_link(user.id, pending.secret)
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
        templates.confirm_url(template, user_id="userID", code="code", org_id="orgID")
    email = email_medium["email"]
    username = body.get("username") or email
    user_id = body.get("userId") or new_id()
    taken = [v for v in (username, email) if call.store.find_account(NAME, v) is not None]
    if call.store.get_account(NAME, user_id) is not None or taken:
        raise fail(6, None, "User already exists")
    password = body.get("password") or {}
    initial = password.get("password")
    if initial is not None:
        check_policy(call, initial)
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
    user = store_user(call.ctx, new, has_password=initial is not None)
    user.extra.update(
        display_name=profile.get("displayName") or f"{profile['givenName']} {profile['familyName']}",
        nick_name=profile.get("nickName", ""),
        preferred_language=profile.get("preferredLanguage", ""),
        gender=profile.get("gender", GENDERS[0]),  # a name, or an unknown number (proto3 enums are open)
        email_verified=bool(email_medium.get("isVerified", False)),
        phone_verified=bool(phone_medium.get("isVerified", False)),
        password_change_required=bool(password.get("changeRequired", False)),
    )
    if body.get("totpSecret"):
        user.extra["totp_secret"] = body["totpSecret"]  # an imported TOTP authenticator, ready at once
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
    # The gateway's http_response.success_code: 200 in @zitadel/proto 1.3.1 (older protos said 201).
    return Reply(200, add_human_user(call, call.body))


def connect_add_human_user(call: Call) -> Reply:
    return Reply(200, add_human_user(call, call.body))


# GetUserByID -------------------------------------------------------------------------------------------------
def user_view(user: Account) -> dict[str, Any]:
    """`zitadel.user.v2.User` as protojson writes it: zero values (empty strings, false) are left out."""
    extra = user.extra
    profile = {
        "givenName": user.given_name,
        "familyName": user.family_name,
        "nickName": extra.get("nick_name", ""),
        "displayName": display_name(user),
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
    if has_password(user):
        human["passwordChanged"] = timestamp(user.password_changed_at)
    names = login_names(user)
    return {
        "userId": user.id,
        "details": details(user),
        "state": user_state(user),
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


# ListUsers ---------------------------------------------------------------------------------------------------
def _is(value: Any, name: str, names: tuple[str, ...]) -> bool:
    """An enum query value (by name, or by number) is `name`."""
    return value == name or (isinstance(value, int) and 0 <= value < len(names) and names[value] == name)


def _text(value: str, query: Mapping[str, Any], field: str) -> bool:
    return text_matches(value, str(query.get(field, "")), query.get("method"))


def _matches(user: Account, query: Mapping[str, Any]) -> bool:
    """One `zitadel.user.v2.SearchQuery` (internal/api/grpc/user/v2/query.go); every user is human."""
    if "userNameQuery" in query:
        return _text(user.username or user.email, query["userNameQuery"], "userName")
    if "firstNameQuery" in query:
        return _text(user.given_name, query["firstNameQuery"], "firstName")
    if "lastNameQuery" in query:
        return _text(user.family_name, query["lastNameQuery"], "lastName")
    if "nickNameQuery" in query:
        return _text(str(user.extra.get("nick_name", "")), query["nickNameQuery"], "nickName")
    if "displayNameQuery" in query:
        return _text(display_name(user), query["displayNameQuery"], "displayName")
    if "emailQuery" in query:
        return _text(user.email, query["emailQuery"], "emailAddress")
    if "phoneQuery" in query:
        return _text(user.phone or "", query["phoneQuery"], "number")
    if "loginNameQuery" in query:
        # Login names are compared in lower case, as ZITADEL keeps them (its lower_login_name column).
        wanted = {**query["loginNameQuery"], "loginName": str(query["loginNameQuery"].get("loginName", "")).lower()}
        return any(_text(name.lower(), wanted, "loginName") for name in login_names(user))
    if "stateQuery" in query:
        return _is(query["stateQuery"].get("state", USER_STATES[0]), user_state(user), USER_STATES)
    if "typeQuery" in query:
        return _is(query["typeQuery"].get("type", USER_TYPES[0]), USER_TYPES[1], USER_TYPES)
    if "inUserIdsQuery" in query:
        return user.id in (query["inUserIdsQuery"].get("userIds") or ())
    if "inUserEmailsQuery" in query:
        return user.email in (query["inUserEmailsQuery"].get("userEmails") or ())
    if "organizationIdQuery" in query:
        return bool(query["organizationIdQuery"].get("organizationId") == ORG_ID)
    if "orQuery" in query:
        return any(_matches(user, inner) for inner in query["orQuery"].get("queries") or ())
    if "andQuery" in query:
        return all(_matches(user, inner) for inner in query["andQuery"].get("queries") or ())
    if "notQuery" in query:
        return not _matches(user, query["notQuery"].get("query") or {})
    raise fail(3, None, "search query is empty")


# The sorting columns (`UserFieldName`) by name: the value each user is ordered by.
SORT_KEYS: dict[str, Callable[[Account], Any]] = {
    "USER_FIELD_NAME_USER_NAME": lambda user: user.username or user.email,
    "USER_FIELD_NAME_FIRST_NAME": lambda user: user.given_name,
    "USER_FIELD_NAME_LAST_NAME": lambda user: user.family_name,
    "USER_FIELD_NAME_NICK_NAME": lambda user: user.extra.get("nick_name", ""),
    "USER_FIELD_NAME_DISPLAY_NAME": display_name,
    "USER_FIELD_NAME_EMAIL": lambda user: user.email,
    "USER_FIELD_NAME_STATE": user_state,
    "USER_FIELD_NAME_TYPE": lambda user: USER_TYPES[1],
    "USER_FIELD_NAME_CREATION_DATE": lambda user: user.created_at,
}


def list_users(call: Call) -> Reply:
    """The users every query matches (all of them), one page; `details.totalResult` counts every match."""
    body = call.body or {}
    queries = body.get("queries") or ()
    found = [user for user in call.store.accounts(NAME) if all(_matches(user, query) for query in queries)]
    column = body.get("sortingColumn")
    result = page(found, body.get("query"), SORT_KEYS.get(column) if isinstance(column, str) else None)
    answer: dict[str, Any] = {"details": list_details(len(found), call.now)}
    if column not in (None, 0, "USER_FIELD_NAME_UNSPECIFIED"):
        answer["sortingColumn"] = column
    if result:
        answer["result"] = [user_view(user) for user in result]
    return Reply(200, answer)


# ListAuthenticationMethodTypes and DeleteUser -------------------------------------------------------------------
def authentication_methods(call: Call, user_id: str) -> dict[str, Any]:
    """What the user can sign in with: a password, an imported TOTP authenticator. OTP by SMS or e-mail is not
    listed: the mock has no AddOTPSMS/AddOTPEmail, so no user has added it. An unknown user has none (ZITADEL reads
    its auth method projection, which has no rows for it)."""
    user = call.store.get_account(NAME, user_id)
    methods = []
    if user is not None and has_password(user):
        methods.append("AUTHENTICATION_METHOD_TYPE_PASSWORD")
    if user is not None and user.extra.get("totp_secret"):
        methods.append("AUTHENTICATION_METHOD_TYPE_TOTP")
    answer: dict[str, Any] = {"details": list_details(len(methods), call.now)}
    if methods:
        answer["authMethodTypes"] = methods
    return answer


def list_authentication_method_types(call: Call) -> Reply:
    return Reply(200, authentication_methods(call, call.path["userId"]))


def connect_list_authentication_method_types(call: Call) -> Reply:
    return Reply(200, authentication_methods(call, call.body["userId"]))


def delete_user(call: Call, user_id: str) -> dict[str, Any]:
    """The user, its codes and its sessions are gone; the details are those of the removal event."""
    user = find_user(call, user_id)
    touch(call, user)
    answer = {"details": details(user)}
    call.store.remove_account(NAME, user.id)
    return answer


def delete_user_rest(call: Call) -> Reply:
    return Reply(200, delete_user(call, call.path["userId"]))


def connect_delete_user(call: Call) -> Reply:
    return Reply(200, delete_user(call, call.body["userId"]))


# Accounts the admin API and the seeder create ----------------------------------------------------------------
def store_user(ctx: VendorContext, new: NewAccount, *, has_password: bool = True) -> Account:
    now = ctx.clock.now()
    return store_account(
        ctx,
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
