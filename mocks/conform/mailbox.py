"""How the suites read what a target sent: one interface, an adapter per source (`--mailbox URL`).

A message is a dict shaped like the mock's `GET /__admin/outbox` entries: `id`, `vendor`, `channel` ("email" or
"sms"), `to`, `from`, `subject`, `text`, `html`, `link`, `token` (either may be None), `created_at` (ISO 8601).

- the mock's own outbox (the default when the target is the mock): `OutboxMailbox`;
- `smtp://HOST:PORT`: conform listens there (aiosmtpd) and the deployment's SMTP server points at it;
- `imap://user:pass@host[:port]/FOLDER` (`imaps://` for TLS, the certificate verified): a test mailbox read with
  imap-tools, by recipient and arrival after the run started.

Delivered mail is parsed with the standard `email` package (multipart, quoted-printable, HTML) and its link and
reset secret are extracted the way each vendor writes them (`extract`).
"""

from __future__ import annotations

import email
import email.policy
import html as html_lib
import itertools
import re
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from ..clients import CLIENTS
from ..mail import VENDOR_HEADER  # set by `resetkit serve --smtp`; other senders are the target's one vendor
from ..outbox import recipient_key

Message = dict[str, Any]
DEFAULT_TIMEOUT = 10.0  # how long a message may take to arrive through SMTP or IMAP


class Mailbox(Protocol):
    """The messages a target delivered, newest first."""

    channels: frozenset[str]  # what it can read: "email", and "sms" for the mock's outbox
    timeout: float  # how long a message may take to show (0: it is there before the API call answers)

    def messages(self, vendor: str, to: str | None = None, channel: str | None = None) -> list[Message]:
        """Messages from `vendor` (to `to`, on `channel`, when given), newest first."""
        ...

    def close(self) -> None:
        """Stop listening or log out."""
        ...


class MailboxError(ValueError):
    """A `--mailbox` URL that cannot be used (a usage error)."""


class OutboxMailbox:
    """The mock's own outbox, read through its admin API (the default when the target is the mock)."""

    channels = frozenset({"email", "sms"})
    timeout = 0.0

    def __init__(self, admin: Any) -> None:
        self.admin = admin

    def messages(self, vendor: str, to: str | None = None, channel: str | None = None) -> list[Message]:
        found: list[Message] = self.admin.messages(vendor, to)
        return [m for m in found if channel is None or m["channel"] == channel]

    def close(self) -> None:
        pass


# Parsing and extraction ----------------------------------------------------------------------------------------
URL = re.compile(r"""https?://[^\s<>"']+""")
HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def extract(vendor: str, text: str, html: str) -> tuple[str | None, str | None]:
    """The message's reset link (the first URL of the text, else of the HTML) and its secret (the link's
    parameter where the vendor's client record says it sits, else a code or password the text spells out)."""
    urls = URL.findall(text) or [html_lib.unescape(u) for u in HREF.findall(html) if u.startswith("http")]
    link = urls[0].rstrip(".,)") if urls else None
    client = CLIENTS.get(vendor)
    token = None
    if link is not None:
        values = parse_qs(urlsplit(link).query).get(client.secret.link if client else "token")
        token = values[-1] if values else None
    if token is None and client is not None:
        plain = text or re.sub(r"<[^>]+>", " ", html_lib.unescape(html))
        token = next((m.group(1) for pattern in client.secret.text if (m := pattern.search(plain))), None)
    return link, token


def _parts(parsed: EmailMessage) -> tuple[str, str]:
    """The text/plain and text/html bodies (decoded: base64, quoted-printable, charsets)."""
    text = html = ""
    for part in parsed.walk() if parsed.is_multipart() else [parsed]:
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind not in ("text/plain", "text/html"):
            continue
        content = part.get_content() if isinstance(part, EmailMessage) else str(part.get_payload(decode=True))
        content = str(content).replace("\r\n", "\n")  # SMTP's line ends
        if kind == "text/plain" and not text:
            text = content
        elif kind == "text/html" and not html:
            html = content
    return text, html


def parse_message(
    raw: bytes | email.message.Message,
    *,
    message_id: str,
    vendor: str,
    recipient: str | None = None,
    received_at: float | None = None,
) -> Message:
    """One delivered e-mail as the suites read it; `vendor` unless the message names its own (VENDOR_HEADER)."""
    parsed = (
        email.message_from_bytes(raw, policy=email.policy.default)
        if isinstance(raw, bytes)
        else email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
    )
    assert isinstance(parsed, EmailMessage)
    vendor = str(parsed.get(VENDOR_HEADER) or vendor)
    text, html = _parts(parsed)
    link, token = extract(vendor, text, html)
    to = recipient or next((address for _, address in getaddresses([str(parsed.get("To", ""))]) if address), "")
    sender = next((address for _, address in getaddresses([str(parsed.get("From", ""))]) if address), "")
    when = received_at if received_at is not None else time.time()
    return {
        "id": message_id,
        "vendor": vendor,
        "channel": "email",
        "to": to,
        "from": sender,
        "subject": str(parsed.get("Subject", "")),
        "text": text,
        "html": html,
        "link": link,
        "token": token,
        "created_at": datetime.fromtimestamp(when, UTC).isoformat().replace("+00:00", "Z"),
    }


def _matching(found: Iterable[Message], vendor: str, to: str | None, channel: str | None) -> list[Message]:
    """The messages (as `/__admin/outbox` shows them) for `vendor`, `to` compared as the mock's outbox compares it."""
    wanted = recipient_key(to) if to else None
    return [
        m
        for m in found
        if m["vendor"] == vendor
        and (wanted is None or recipient_key(m["to"]) == wanted)
        and (channel is None or m["channel"] == channel)
    ]


# SMTP: conform is the deployment's mail server ------------------------------------------------------------------
@dataclass
class SmtpMailbox:
    """An SMTP server (aiosmtpd, in its own thread) that keeps every message it is handed, one per recipient."""

    host: str
    port: int
    vendor: str
    timeout: float = DEFAULT_TIMEOUT
    channels: frozenset[str] = frozenset({"email"})
    _received: list[Message] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _controller: Any = None

    def start(self) -> SmtpMailbox:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname=self.host, port=self.port, ready_timeout=10)
        try:
            self._controller.start()
        except Exception as exc:  # a taken port or a bad host is a set-up error, not a crash
            raise MailboxError(f"cannot listen for SMTP on {self.host}:{self.port}: {exc}") from None
        return self

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        """aiosmtpd's hook: one message per envelope recipient."""
        now = time.time()
        raw = envelope.original_content or envelope.content
        with self._lock:
            for recipient in envelope.rcpt_tos:
                message_id = f"smtp-{next(self._ids)}"
                self._received.append(
                    parse_message(raw, message_id=message_id, vendor=self.vendor, recipient=recipient, received_at=now)
                )
        return "250 OK"

    def messages(self, vendor: str, to: str | None = None, channel: str | None = None) -> list[Message]:
        with self._lock:
            found = list(reversed(self._received))
        return _matching(found, vendor, to, channel)

    def close(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


# IMAP: a test mailbox somewhere ---------------------------------------------------------------------------------
@dataclass
class ImapMailbox:
    """A folder read with imap-tools: messages to the recipient that arrived after the run started."""

    host: str
    port: int
    user: str
    password: str
    folder: str
    vendor: str
    ssl: bool = False
    timeout: float = DEFAULT_TIMEOUT
    channels: frozenset[str] = frozenset({"email"})
    since: float = field(default_factory=time.time)
    _client: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _cache: dict[str, Message] = field(default_factory=dict)

    def start(self) -> ImapMailbox:
        with self._lock:
            self._connect()
        return self

    def _connect(self) -> None:
        from imap_tools import BaseMailBox, MailBox, MailBoxUnencrypted

        client: BaseMailBox
        try:
            if self.ssl:
                # imaplib's own default context checks nothing (ssl._create_unverified_context): the test mailbox's
                # password would go to whoever answers. This one verifies against the system CAs, or SSL_CERT_FILE.
                client = MailBox(self.host, self.port, timeout=self.timeout, ssl_context=ssl.create_default_context())
            else:
                client = MailBoxUnencrypted(self.host, self.port, timeout=self.timeout)
            self._client = client.login(self.user, self.password, self.folder)
        except Exception as exc:
            where = f"{'imaps' if self.ssl else 'imap'}://{self.user}@{self.host}:{self.port}/{self.folder}"
            raise MailboxError(f"cannot log in to {where}: {exc}") from None

    def _fetch(self, to: str | None) -> list[Message]:
        from imap_tools import AND

        criteria = AND(to=to, date_gte=datetime.fromtimestamp(self.since - 86400, UTC).date()) if to else AND(all=True)
        found: list[Message] = []
        for attempt in range(2):
            try:
                self._client.client.noop()  # lets the server show what arrived since the last command
                for item in self._client.fetch(criteria, mark_seen=False, bulk=True):
                    key = f"imap-{item.uid}"
                    if key not in self._cache:
                        arrived = _date_of(item.obj) or time.time()
                        self._cache[key] = parse_message(
                            item.obj,
                            message_id=key,
                            vendor=self.vendor,
                            recipient=_recipient(item.obj, to),
                            received_at=arrived,
                        )
                    found.append(self._cache[key])
                break
            except Exception:
                if attempt:
                    raise
                self._connect()  # the server dropped an idle connection: log in again, once
        # Arrival after the run started (a minute's slack for clocks that disagree); newest first.
        recent = [m for m in found if _timestamp(m) >= self.since - 60]
        return sorted(recent, key=lambda m: (m["created_at"], m["id"]), reverse=True)

    def messages(self, vendor: str, to: str | None = None, channel: str | None = None) -> list[Message]:
        with self._lock:
            found = self._fetch(to)
        return _matching(found, vendor, to, channel)

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                try:
                    self._client.logout()
                except Exception:
                    pass  # already gone
                self._client = None


def _date_of(message: email.message.Message) -> float | None:
    try:
        return parsedate_to_datetime(str(message.get("Date"))).timestamp()
    except (TypeError, ValueError):
        return None


def _timestamp(message: Message) -> float:
    return datetime.fromisoformat(str(message["created_at"]).replace("Z", "+00:00")).timestamp()


def _recipient(message: email.message.Message, wanted: str | None) -> str | None:
    """The To address that matches `wanted` (IMAP's TO search is a substring match), else the first one."""
    addresses = [address for _, address in getaddresses([str(message.get("To", ""))]) if address]
    if wanted:
        return next((a for a in addresses if a.casefold() == wanted.casefold()), addresses[0] if addresses else None)
    return addresses[0] if addresses else None


# Choosing an adapter ----------------------------------------------------------------------------------------------
def open_mailbox(url: str, vendor: str, timeout: float = DEFAULT_TIMEOUT) -> Mailbox:
    """The adapter `url` names, started (listening or logged in); MailboxError when it cannot be."""
    parts = urlsplit(url)
    if parts.scheme == "smtp":
        if not parts.hostname or not parts.port:
            raise MailboxError(f"--mailbox {url}: expected smtp://HOST:PORT (where conform listens)")
        return SmtpMailbox(parts.hostname, parts.port, vendor, timeout).start()
    if parts.scheme in ("imap", "imaps"):
        if not parts.hostname or parts.username is None or parts.password is None:
            raise MailboxError(f"--mailbox {url}: expected {parts.scheme}://USER:PASSWORD@HOST[:PORT]/FOLDER")
        port = parts.port or (993 if parts.scheme == "imaps" else 143)
        folder = unquote(parts.path.lstrip("/")) or "INBOX"
        return ImapMailbox(
            parts.hostname,
            port,
            unquote(parts.username),
            unquote(parts.password),
            folder,
            vendor,
            ssl=parts.scheme == "imaps",
            timeout=timeout,
        ).start()
    raise MailboxError(f"--mailbox {url}: the scheme must be smtp, imap or imaps")


def check_mailbox_url(url: str) -> None:
    """Fail early (a usage error) on a `--mailbox` URL no adapter takes, without opening it."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "imap", "imaps"):
        raise MailboxError(f"--mailbox {url}: the scheme must be smtp, imap or imaps")
    if not parts.hostname or (parts.scheme == "smtp" and not parts.port):
        raise MailboxError(f"--mailbox {url}: expected smtp://HOST:PORT or imap://USER:PASSWORD@HOST[:PORT]/FOLDER")


def base_address(url: str | None) -> str | None:
    """The test mailbox's own address, for plus-addressing (`qa+<run-id>-...@example.com`): an IMAP user that is
    an e-mail address, or `?address=` on the URL."""
    if not url:
        return None
    parts = urlsplit(url)
    given = parse_qs(parts.query).get("address")
    if given:
        return given[-1]
    user = unquote(parts.username or "")
    return user if "@" in user else None
