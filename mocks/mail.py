"""The outbox's e-mails as RFC 5322 messages: what `--smtp` relays and what the Mailpit view shows as headers and
source. Built the same way every time for a message (its Message-ID and MIME boundary come from its id), so its
size and source do not change between two reads."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from .outbox import Message

VENDOR_HEADER = "X-Resetkit-Vendor"  # lets a reader that sees several vendors' mail tell them apart
MOCK_DOMAIN = "resetkit.example"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def shown_header(value: str) -> str:
    """A header value as a reader may see it: a control character (CR, LF, ...) would end the header, so it is a
    space here. Sending refuses such a message instead (`to_mime` raises ValueError)."""
    return _CONTROL.sub(" ", value)


def sender_domain(message: Message) -> str:
    return message.sender.rpartition("@")[2] or MOCK_DOMAIN


def message_id(message: Message) -> str:
    """The Message-ID without angle brackets: unique per message, also across restarts without `--state`."""
    sent_ms = int(message.created_at * 1000)
    return f"resetkit-{message.vendor}-{message.id}-{sent_ms}@{sender_domain(message)}"


def sent_at(message: Message) -> datetime:
    return datetime.fromtimestamp(message.created_at, UTC)


def to_mime(message: Message, *, shown: bool = False) -> EmailMessage:
    """The outbox message as the e-mail a vendor sends: text and HTML alternatives, quoted-printable. A header with
    a control character raises ValueError, unless the e-mail is only `shown` (then it is a space)."""
    header = shown_header if shown else str
    mail = EmailMessage()
    mail["From"] = header(message.sender)
    mail["To"] = header(message.to)
    mail["Subject"] = header(message.subject)
    mail["Date"] = format_datetime(sent_at(message))
    mail["Message-ID"] = f"<{message_id(message)}>"
    mail[VENDOR_HEADER] = message.vendor
    mail.set_content(message.text, cte="quoted-printable")
    if message.html:
        mail.add_alternative(message.html, subtype="html", cte="quoted-printable")
        # "=_" never occurs in quoted-printable text, so this boundary cannot clash with the content
        mail.set_boundary(f"=_resetkit_{message.id}")
    return mail


def delivered_source(message: Message) -> bytes:
    """The e-mail as a mailbox holds it after delivery: the sent message under Return-Path, Received and
    Delivered-To, with CRLF line ends (what Mailpit keeps and shows as a message's source); never raises."""
    sender, to = shown_header(message.sender), shown_header(message.to)
    trace = (
        f"Return-Path: <{sender}>\r\n"
        f"Received: from resetkit ({message.vendor} mock) by {MOCK_DOMAIN}; {format_datetime(sent_at(message))}\r\n"
        f"Delivered-To: {parseaddr(to)[1] or to}\r\n"
    )
    return trace.encode() + to_mime(message, shown=True).as_bytes(policy=policy.SMTP)
