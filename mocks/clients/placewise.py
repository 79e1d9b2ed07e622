"""Placewise as its clients know it: the documented v3 reset by e-mail address (and the v1 reset message), the
password grant, one-time passwords that sign a member in once, and the verification of a member's MSISDN."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .base import (
    Client,
    Credential,
    Delivery,
    OneTimePasswords,
    Refusals,
    Request,
    Schemathesis,
    SecretPlaces,
    SessionCheck,
    Values,
    Verification,
)
from .coverage import (
    Answer,
    Coverage,
    Delivered,
    Exercise,
    FromAnswer,
    FromMessage,
    LifetimeUse,
    Provocation,
    ReadBack,
    Then,
)

CLIENT_TOKEN = {"X-Client-Authorization": "{client_token}"}
BY_EMAIL = {"email": "{email}"}
BY_MSISDN = {"msisdn": "{msisdn}"}  # digits without `+`, as bl-api-v3 writes MSISDNs in paths


def error_shape(status: int, body: Any) -> list[str]:
    """`{"error": "..."}`; a 422 also has the `details` object of doc-341637."""
    problems = [] if isinstance(body, dict) and isinstance(body.get("error"), str) else ['no "error" string']
    if status == 422 and not (isinstance(body, dict) and isinstance(body.get("details"), dict)):
        problems.append('a 422 needs the "details" object of doc-341637')
    return problems


def derive(values: Values) -> Mapping[str, str]:
    """The account's phone as an MSISDN path segment, `4791000001` for `+4791000001`; without a phone, an MSISDN
    given as such (a verification link's) stays."""
    phone = values.get("phone")
    return {"msisdn": str(phone).removeprefix("+") if phone else str(values.get("msisdn") or "")}


def one_time_password(operation: str, address: Mapping[str, str], channel: str) -> Delivery:
    return Delivery(Request(operation, path=address, headers=CLIENT_TOKEN), channel)


CLIENT = Client(
    name="placewise",
    label="Placewise",
    credentials=(
        Credential("loyalty_club_slug", "the loyalty club: header X-Loyalty-Club-Slug (v1) and the v3 path segment"),
        Credential("client_token", "header X-Client-Authorization of the v3 member operations"),
        Credential("member_token", "a member access token for showTokenInfo (default: the member signs in)", False),
        # The mock's demo member (README), for a run against the mock without a credentials file.
        Credential(
            "member_identifier", "the member signed in for a member token", False, "demo@placewise.resetkit.example"
        ),
        Credential("member_password", "that member's password", False, "Demo-Passw0rd!"),
        Credential(
            "client_token_without_permits", "a client token lacking the operations' permits (the 403 checks)", False
        ),
    ),
    initiate={
        # The documented reset (bl-api-v3 0_members.md), then the v1 message (seed 000); both send the same tokens.
        "v3": Request("sendPasswordResetTokenByEmail", path={"email": "{identifier}"}, headers=CLIENT_TOKEN),
        "v1": Request(
            "sendResetPasswordMessage",
            headers={"X-Loyalty-Club-Slug": "{loyalty_club_slug}"},
            json={"identifier": "{identifier}"},
        ),
    },
    redeem={
        "": Request(
            "resetPasswordByEmail",
            path=BY_EMAIL,
            headers=CLIENT_TOKEN,
            json={"token": "{secret}", "password": "{password}"},
        )
    },
    sign_in={
        "": Request(
            "createToken",
            headers=CLIENT_TOKEN,
            json={
                "grant_type": "password",
                "identifier_type": "email",
                "identifier": "{email}",
                "password": "{password}",
            },
        )
    },
    secret=SecretPlaces(
        "the reset token",
        lifetime="reset_token",
        link="token",
        text=(
            re.compile(r"registration password is (\S+?)\.?(?:\s|$)"),
            re.compile(r"one-time password is (\S+?)\.?(?:\s|$)"),
        ),
    ),
    refusals=Refusals(used_secret=frozenset({463}), expired_secret=frozenset({463}), wrong_password=461),
    error_shape=error_shape,
    derive=derive,
    session=SessionCheck(
        Request("showTokenInfo", headers={"Authorization": "Bearer {session}"}),
        token="access_token",
        credential="member_token",
        account=("member_identifier", "member_password"),
    ),
    minimum_password_length=8,
    one_time_passwords=OneTimePasswords(
        send={
            "sms": one_time_password("sendOneTimePasswordSms", BY_MSISDN, "sms"),
            "sms-by-email": one_time_password("sendOneTimePasswordSmsByEmail", BY_EMAIL, "sms"),
            "email": one_time_password("sendOneTimePasswordEmail", BY_EMAIL, "email"),
            "email-by-msisdn": one_time_password("sendOneTimePasswordEmailByMsisdn", BY_MSISDN, "email"),
            "sms-deprecated": one_time_password("sendOneTimePasswordSmsLegacy", BY_MSISDN, "sms"),
            "email-deprecated": one_time_password("sendOneTimePasswordEmailLegacy", BY_EMAIL, "email"),
        },
        secret=SecretPlaces(
            "the one-time password",
            lifetime="one_time_password",
            link="otp",
            text=(re.compile(r"one-time password is (\S+?)\.?(?:\s|$)"),),
        ),
        reveals_unknown_users='documents 404 "Member not found" for an unknown e-mail address or MSISDN',
    ),
    verifications={
        "msisdn": Verification(
            send=Delivery(Request("sendMsisdnVerification", path=BY_MSISDN, headers=CLIENT_TOKEN), "sms"),
            confirm=Request("verifyMsisdn", path=BY_MSISDN, headers=CLIENT_TOKEN, json={"token": "{secret}"}),
            address="msisdn",
            secret=SecretPlaces("the verification token", lifetime="verification_token", link="verification_token"),
        ),
        "email": Verification(
            send=Delivery(Request("sendEmailVerification", path=BY_EMAIL, headers=CLIENT_TOKEN), "email"),
            confirm=Request("verifyEmail", path=BY_EMAIL, headers=CLIENT_TOKEN, json={"token": "{secret}"}),
            address="email",
            secret=SecretPlaces("the verification token", lifetime="verification_token", link="verification_token"),
        ),
    },
    schemathesis=Schemathesis(
        auth={"clientToken": {"api_key": "{client_token}"}, "memberToken": {"bearer": "{session}"}},
        parameters={
            "header.X-Loyalty-Club-Slug": "{loyalty_club_slug}",
            "path.loyalty_club_slug": "{loyalty_club_slug}",
        },
        business_rejections={
            "sendResetPasswordMessage": ("471",),
            # The path's e-mail or MSISDN may pass JSON Schema's `format` (a leading form feed) and still be the
            # documented "malformed, 422" (found by the fuzz gate's deep profile).
            "sendRegistrationPasswordEmail": ("422",),
            "sendRegistrationPasswordSms": ("422",),
            "createToken": ("461", "462"),
            "showTokenInfo": ("460",),
            # A valid path whose member or address the spec's formats cannot rule out: 422, documented.
            **dict.fromkeys(
                (
                    "sendOneTimePasswordSms",
                    "sendOneTimePasswordSmsByEmail",
                    "sendOneTimePasswordEmail",
                    "sendOneTimePasswordEmailByMsisdn",
                    "sendOneTimePasswordSmsLegacy",
                    "sendOneTimePasswordEmailLegacy",
                    "sendPasswordResetTokenByEmail",
                    "sendMsisdnVerification",
                    "sendEmailVerification",
                    "verifyToken",
                ),
                ("422",),
            ),
            "resetPasswordByEmail": ("400", "422", "463"),
            "verifyMsisdn": ("400", "422", "463"),
            "verifyEmail": ("400", "422", "463"),
            "updatePassword": ("422", "460", "464"),
            "showMember": ("460",),
        },
        extra_rejections=("470", "471", "460", "461", "462", "463", "464"),
        non_standard_auth=("showTokenInfo", "updatePassword", "showMember"),  # 460 for a bad token
    ),
)


# Coverage: how a client observes what each documented alternative, status and lifetime does ----------------------
MEMBER = {"Authorization": "Bearer {session}", **CLIENT_TOKEN}
PASSWORD_GRANT = {
    "grant_type": "password",
    "identifier_type": "email",
    "identifier": "{email}",
    "password": "{password}",
}


def _sign_in_with(password: str) -> Request:
    return Request("createToken", headers=CLIENT_TOKEN, json={**PASSWORD_GRANT, "password": password})


def _reset_with(token: str) -> Request:
    return Request("resetPasswordByEmail", headers=CLIENT_TOKEN, json={"token": token, "password": "{new_password}"})


def _token_info(token: str) -> Request:
    return Request("showTokenInfo", headers={"Authorization": f"Bearer {token}"})


def _sends(operation: str, channel: str, by: str, then: Request, secret_in: str | None = None) -> Exercise:
    """An operation that sends the member (named by e-mail or MSISDN) a secret on `channel` (in its link's
    `secret_in` parameter, else where the mailbox finds it), which `then` uses."""
    path = {"msisdn": "{phone}"} if by == "msisdn" else {}
    effects = (Delivered(channel, link_parameter=secret_in), Then(then))
    return Exercise(Request(operation, path=path, headers=CLIENT_TOKEN), effects=effects)


# (channel, the path's address) of the operations that send a one-time password: its login link carries `?otp=`.
ONE_TIME_PASSWORDS = {
    "sendOneTimePasswordSms": ("sms", "msisdn"),
    "sendOneTimePasswordSmsByEmail": ("sms", "email"),
    "sendOneTimePasswordEmail": ("email", "email"),
    "sendOneTimePasswordEmailByMsisdn": ("email", "msisdn"),
    "sendOneTimePasswordSmsLegacy": ("sms", "msisdn"),
    "sendOneTimePasswordEmailLegacy": ("email", "email"),
}


SIGNS_IN_ONCE = _sign_in_with("{message_secret}")
RESETS = _reset_with("{message_secret}")
SHOW_MEMBER = Request("showMember", headers=MEMBER)
WRONG_PASSWORD = "Wrong-Passw0rd-1!"
WEB_LINK, APP_LINK = r"^https?://", r"^(?!https?://)[a-z][a-z0-9+.-]*:"  # for_mobile_app: a deep link into the app

COVERAGE = Coverage(
    values={
        "session": FromAnswer(_sign_in_with("{password}"), "access_token"),
        "refresh_token": FromAnswer(_sign_in_with("{password}"), "refresh_token"),
        "reset_token": FromMessage(Request("sendPasswordResetTokenByEmail", headers=CLIENT_TOKEN)),
        "sms_verification_token": FromMessage(
            Request("sendMsisdnVerification", path={"msisdn": "{phone}"}, headers=CLIENT_TOKEN, json={}), "sms"
        ),
        "email_verification_token": FromMessage(Request("sendEmailVerification", headers=CLIENT_TOKEN, json={})),
    },
    exercises={
        "sendResetPasswordMessage": Exercise(
            Request(
                "sendResetPasswordMessage",
                headers={"X-Loyalty-Club-Slug": "{loyalty_club_slug}"},
                json={"identifier": "{email}"},
            ),
            effects=(Delivered(), Then(RESETS)),
            variants={
                "body:identifier:format=email": {"identifier": "{email}"},
                "body:identifier:Msisdn": {"identifier": "{phone}"},
            },
            alternative_effects={"body:identifier:Msisdn": (Delivered("sms"), Then(RESETS))},
            provoke={471: Provocation(headers={"X-Loyalty-Club-Slug": "no-such-club"})},
        ),
        "sendRegistrationPasswordEmail": _sends("sendRegistrationPasswordEmail", "email", "email", SIGNS_IN_ONCE),
        "sendRegistrationPasswordSms": _sends("sendRegistrationPasswordSms", "sms", "msisdn", SIGNS_IN_ONCE),
        **{name: _sends(name, *sent, SIGNS_IN_ONCE, "otp") for name, sent in ONE_TIME_PASSWORDS.items()},
        "sendPasswordResetTokenByEmail": _sends("sendPasswordResetTokenByEmail", "email", "email", RESETS),
        "resetPasswordByEmail": Exercise(
            _reset_with("{reset_token}"),
            effects=(Then(_sign_in_with("{new_password}")),),
            provoke={463: Provocation(values={"reset_token": "0" * 32})},
        ),
        "verifyToken": Exercise(
            Request("verifyToken", path={"type": "password_reset", "token": "{reset_token}"}, headers=CLIENT_TOKEN),
            effects=(Answer("valid", equals=True),),
            provoke={
                400: Provocation(
                    send=Request("verifyToken", path={"type": "magic_link", "token": "x"}, headers=CLIENT_TOKEN)
                ),
            },
        ),
        "createToken": Exercise(
            _sign_in_with("{password}"),
            effects=(Then(_token_info("{answer_access_token}")),),
            variants={
                "body:identifier_type=id": {"identifier": "{id}"},
                "body:identifier_type=email": {"identifier": "{email}"},
                "body:identifier_type=msisdn": {"identifier": "{phone}"},
                "body:grant_type=password": {
                    "identifier_type": "email",
                    "identifier": "{email}",
                    "password": "{password}",
                },
                "body:grant_type=refresh_token": {"refresh_token": "{refresh_token}"},
            },
            provoke={
                461: Provocation(members={"password": WRONG_PASSWORD}),
                462: Provocation(
                    members={
                        "grant_type": "refresh_token",
                        "refresh_token": "0" * 40,
                        "identifier_type": None,
                        "identifier": None,
                        "password": None,
                    }
                ),
                422: Provocation(members={"grant_type": "magic"}),
            },
        ),
        "showTokenInfo": Exercise(_token_info("{session}"), effects=(Answer("resource_owner_id"),)),
        "revokeToken": Exercise(
            Request("revokeToken", headers=CLIENT_TOKEN, json={"token": "{session}"}),
            effects=(Then(_token_info("{session}"), refused=frozenset({460})),),
        ),
        "showMember": Exercise(SHOW_MEMBER, effects=(Answer("id"),)),
        "updatePassword": Exercise(
            Request(
                "updatePassword", headers=MEMBER, json={"current_password": "{password}", "password": "{new_password}"}
            ),
            effects=(Then(_sign_in_with("{new_password}")),),
            provoke={464: Provocation(members={"current_password": WRONG_PASSWORD})},
        ),
        "sendMsisdnVerification": Exercise(
            Request("sendMsisdnVerification", path={"msisdn": "{phone}"}, headers=CLIENT_TOKEN, json={}),
            effects=(Delivered("sms", link=WEB_LINK),),
            alternative_effects={"body:for_mobile_app=true": (Delivered("sms", link=APP_LINK),)},
        ),
        "verifyMsisdn": Exercise(
            Request(
                "verifyMsisdn",
                path={"msisdn": "{phone}"},
                headers=CLIENT_TOKEN,
                json={"token": "{sms_verification_token}"},
            ),
            effects=(ReadBack(SHOW_MEMBER, "sms_status", "verified"),),
            provoke={463: Provocation(values={"sms_verification_token": "wrong-token"})},
        ),
        "sendEmailVerification": Exercise(
            Request("sendEmailVerification", headers=CLIENT_TOKEN, json={}),
            effects=(Delivered(link=WEB_LINK),),
            alternative_effects={"body:for_mobile_app=true": (Delivered(link=APP_LINK),)},
        ),
        "verifyEmail": Exercise(
            Request("verifyEmail", headers=CLIENT_TOKEN, json={"token": "{email_verification_token}"}),
            effects=(ReadBack(SHOW_MEMBER, "email_status", "verified"),),
            provoke={463: Provocation(values={"email_verification_token": "wrong-token"})},
        ),
    },
    provoke={
        400: Provocation("malformed_body"),
        401: Provocation("no_credentials"),
        403: Provocation(
            headers={"X-Client-Authorization": "{client_token_without_permits}"},
            needs_extension="x-placewise-permit",
            otherwise="the operation names no permit (x-placewise-permit), so no client token can lack it",
            stand_ins=True,  # the permit is checked before the member is looked up
        ),
        404: Provocation("unknown_path"),
        422: Provocation("invalid_value"),
        429: Provocation("rate_limit"),
        460: Provocation(values={"session": "0" * 40}),
        470: Provocation("missing_header"),
    },
    lifetimes={
        "reset_token": LifetimeUse("message", _reset_with("{thing}"), refused=frozenset({463})),
        "registration_password": LifetimeUse("message", _sign_in_with("{thing}"), refused=frozenset({461})),
        "one_time_password": LifetimeUse("message", _sign_in_with("{thing}"), refused=frozenset({461})),
        "access_token": LifetimeUse("answer.access_token", _token_info("{thing}"), refused=frozenset({460})),
        "refresh_token": LifetimeUse(
            "answer.refresh_token",
            Request(
                "createToken", headers=CLIENT_TOKEN, json={"grant_type": "refresh_token", "refresh_token": "{thing}"}
            ),
            refused=frozenset({462}),
        ),
        "sendMsisdnVerification/verification_token": LifetimeUse(
            "message",
            Request("verifyMsisdn", path={"msisdn": "{phone}"}, headers=CLIENT_TOKEN, json={"token": "{thing}"}),
            refused=frozenset({463}),
        ),
        "sendEmailVerification/verification_token": LifetimeUse(
            "message", Request("verifyEmail", headers=CLIENT_TOKEN, json={"token": "{thing}"}), refused=frozenset({463})
        ),
    },
    not_applicable={
        "createToken/body:grant_type=external_token": "needs a token Google or Apple issued for the member; a test run "
        "has none",
        "createToken/body:external_token_type=*": "needs a token Google or Apple issued for the member; a test run "
        "has none",
    },
)
