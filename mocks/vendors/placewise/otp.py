"""Passwords that sign a member in once: one-time passwords and registration passwords (bl-api-v3
`0_members.md#members-send-one-time-password`, `#members-send-registration-password`; seed 001)."""

from __future__ import annotations

import string

from ...api import Call, Reply
from ...flows import one_time
from ...flows.codes import generate_code
from ...outbox import Channel
from ...store.models import Account
from ..base import lifetime
from .club import OK, in_club, member_by_email, member_by_msisdn, member_or_404, message_link, send

ONE_TIME_PASSWORD = "one_time_password"  # the store's purposes
REGISTRATION_PASSWORD = "registration"
SIGN_IN_PURPOSES = (ONE_TIME_PASSWORD, REGISTRATION_PASSWORD)  # what createToken's password grant also accepts
# 0_members.md before commit 6f25a5f (2021-05-07), the last revision that said: "4-digit One-Time-Password ...
# valid for 1 hour" by SMS, "16-digit password ... valid for 1 hour" by e-mail (the hour is the spec's x-lifetimes).
ONE_TIME_PASSWORD_DIGITS: dict[Channel, int] = {"sms": 4, "email": 16}


def _address(member: Account, channel: Channel) -> str | None:
    return member.phone if channel == "sms" else member.email


# One Time Password: six paths (by e-mail or MSISDN, sent by SMS or e-mail; two deprecated) --------------------------
def _send_one_time_password(call: Call, member: Account | None, channel: Channel) -> Reply:
    """404 for no member (documented); a member without the asked channel's address gets nothing."""
    in_club(call)
    member = member_or_404(member)
    if not _address(member, channel):
        return OK
    digits = ONE_TIME_PASSWORD_DIGITS[channel]
    code = one_time.issue(
        call.store,
        member,
        purpose=ONE_TIME_PASSWORD,
        now=call.now,
        ttl_seconds=lifetime(call, "one_time_password"),
        make_code=lambda: generate_code(digits, string.digits),
    )
    login = message_link(call, call.query.get("login_url"), otp=code)
    text = (
        f"Your one-time password is {code}. It signs you in once, within an hour.\n"
        f"Or sign in with this link:\n{login}\n"
    )
    send(call, member, channel, subject="Your one-time password", text=text, link=login, token=code)
    return OK


def send_one_time_password_sms(call: Call) -> Reply:
    return _send_one_time_password(call, member_by_msisdn(call), "sms")


def send_one_time_password_sms_by_email(call: Call) -> Reply:
    return _send_one_time_password(call, member_by_email(call), "sms")


def send_one_time_password_email(call: Call) -> Reply:
    return _send_one_time_password(call, member_by_email(call), "email")


def send_one_time_password_email_by_msisdn(call: Call) -> Reply:
    return _send_one_time_password(call, member_by_msisdn(call), "email")


# Registration Password: by e-mail (seed 001) and by MSISDN (bl-api-v3) ---------------------------------------------
def _send_registration_password(call: Call, member: Account | None, channel: Channel) -> Reply:
    """Always `{}` (contracts.md section 0): an unknown member, or one without the address, gets nothing."""
    in_club(call)
    if member is None or not _address(member, channel):
        return OK
    password = one_time.issue(
        call.store,
        member,
        purpose=REGISTRATION_PASSWORD,
        now=call.now,
        ttl_seconds=lifetime(call, "registration_password"),
        make_code=lambda: generate_code(8),
    )
    login_url = call.query.get("login_url")
    login = message_link(call, login_url, otp=password) if login_url else None
    text = f"Your registration password is {password}. Sign in with it to set up your account.\n"
    if login:
        text += f"Or use this link:\n{login}\n"
    send(call, member, channel, subject="Your registration password", text=text, link=login, token=password)
    return OK


def send_registration_password_email(call: Call) -> Reply:
    return _send_registration_password(call, member_by_email(call), "email")


def send_registration_password_sms(call: Call) -> Reply:
    return _send_registration_password(call, member_by_msisdn(call), "sms")
