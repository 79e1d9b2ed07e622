"""The outbox as Mailpit 1.x shows a mailbox: its JSON shapes with Go's field and header spelling, read from
Mailpit's `internal/storage/structs.go`, `server/apiv1` and its swagger. Only e-mails are in this view."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.utils import parseaddr
from html.parser import HTMLParser
from typing import Any

from ..mail import delivered_source, message_id
from ..outbox import Message
from .search import Document, clean

SNIPPET_LENGTH = 200  # Mailpit's CreateSnippet limit, before its "..."
_SPACE = re.compile(r"\s+")
_BLOCKS = frozenset({"br", "p", "div", "tr", "td", "li", "h1", "h2", "h3", "h4", "table", "ul", "ol"})


def in_view(message: Message) -> bool:
    """Mailpit is a mail catcher: the SMS stay in resetkit's own outbox and inbox."""
    return message.channel == "email"


def go_time(timestamp: float) -> str:
    """Go's RFC3339Nano of a time kept in milliseconds (as Mailpit stores `Created`): UTC, zeros trimmed."""
    moment = datetime.fromtimestamp(int(timestamp * 1000) / 1000, UTC)
    fraction = f"{moment.microsecond // 1000:03d}".rstrip("0")
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + "Z"


def address(value: str) -> dict[str, str]:
    """`Name <address>` as Go's mail.Address."""
    name, addr = parseaddr(value)
    return {"Name": name, "Address": addr or value}


def canonical_key(name: str) -> str:
    """Go's textproto.CanonicalMIMEHeaderKey: `Message-ID` is `Message-Id`, `MIME-Version` is `Mime-Version`."""
    if not name or any(c in " :" or not c.isascii() for c in name):
        return name
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


class _TextOf(HTMLParser):
    """The visible text of an HTML body and its link targets (what Mailpit's html2text keeps)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self._hidden += 1
        if tag == "a":
            self.links.extend(value for name, value in attrs if name == "href" and value)
        if tag in _BLOCKS:
            self.words.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title") and self._hidden:
            self._hidden -= 1
        if tag in _BLOCKS:
            self.words.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.words.append(data)


def html_text(html: str) -> tuple[str, list[str]]:
    """The text an HTML body shows, whitespace collapsed, and the links in it."""
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    return _SPACE.sub(" ", "".join(parser.words)).strip(), parser.links


def snippet(message: Message) -> str:
    """Mailpit's Snippet: the HTML's text (else the text), whitespace collapsed, cut at 200 characters."""
    shown = html_text(message.html)[0] if message.html.strip() else _SPACE.sub(" ", message.text).strip()
    return shown if len(shown) <= SNIPPET_LENGTH else shown[:SNIPPET_LENGTH] + "..."


def source(message: Message) -> bytes:
    return delivered_source(message)


# A message's source, size and search text never change (only its read flag does): keep them per message.
_FIXED: dict[tuple[str, float], tuple[bytes, str]] = {}
_FIXED_LIMIT = 50_000


def _fixed(message: Message) -> tuple[bytes, str]:
    key = (message.id, message.created_at)
    found = _FIXED.get(key)
    if found is None:
        if len(_FIXED) >= _FIXED_LIMIT:
            _FIXED.clear()
        found = _FIXED[key] = (source(message), _search_text(message))
    return found


def _search_text(message: Message) -> str:
    """Mailpit's SearchText: the address headers and subject, then the HTML's text with its links (else the text)."""
    if message.html.strip():
        shown, links = html_text(message.html)
        body = " ".join([shown, *links])
    else:
        body = message.text
    return clean(" ".join((message.sender, message.subject, message.to, message.sender, body)))


def size(message: Message) -> int:
    return len(_fixed(message)[0])


def tags(message: Message) -> list[str]:
    """Each message is tagged with its vendor, so `tag:zitadel` finds ZITADEL's mail."""
    return [message.vendor]


def document(message: Message) -> Document:
    """What a search sees of `message`; an SMS has its sender id as `from` and its body as text."""
    to_name, to_addr = parseaddr(message.to)
    from_name, from_addr = parseaddr(message.sender)
    return Document(
        to=clean(f"{to_name} {to_addr or message.to}"),
        sender=clean(f"{from_name} {from_addr or message.sender}"),
        subject=message.subject.lower(),
        message_id=message_id(message),
        text=_fixed(message)[1] if in_view(message) else clean(f"{message.sender} {message.to} {message.text}"),
        tags=tuple(tags(message)),
        read=message.read,
        created_ms=int(message.created_at * 1000),
        size=size(message) if in_view(message) else len(message.text.encode()),
        channel=message.channel,
    )


def summary(message: Message) -> dict[str, Any]:
    """A MessageSummary, as in a listing or a search."""
    return {
        "ID": message.id,
        "MessageID": message_id(message),
        "Read": message.read,
        "From": address(message.sender),
        "To": [address(message.to)],
        "Cc": [],
        "Bcc": [],
        "ReplyTo": [],
        "Subject": message.subject,
        "Created": go_time(message.created_at),
        "Username": "",
        "Tags": tags(message),
        "Size": size(message),
        "Attachments": 0,
        "Snippet": snippet(message),
    }


def detail(message: Message) -> dict[str, Any]:
    """A Message, as `GET /api/v1/message/{ID}` answers it (`Date` is the Date header's time)."""
    return {
        "ID": message.id,
        "MessageID": message_id(message),
        "Read": message.read,
        "From": address(message.sender),
        "To": [address(message.to)],
        "Cc": [],
        "Bcc": [],
        "ReplyTo": [],
        "ReturnPath": parseaddr(message.sender)[1] or message.sender,
        "Subject": message.subject,
        "ListUnsubscribe": {"Header": "", "Links": [], "Errors": "", "HeaderPost": ""},
        "Date": go_time(int(message.created_at)),
        "Tags": tags(message),
        "Username": "",
        "Text": message.text,
        "HTML": message.html,
        "Size": size(message),
        "Inline": [],
        "Attachments": [],
    }


def headers(message: Message) -> dict[str, list[str]]:
    """The source's top-level headers as Go's mail.Header: canonical keys, sorted, folded lines joined."""
    parsed = message_from_bytes(_fixed(message)[0], policy=policy.compat32)
    found: dict[str, list[str]] = {}
    for name, value in parsed.items():
        unfolded = " ".join(line.strip() for line in str(value).splitlines()).strip()
        found.setdefault(canonical_key(name), []).append(unfolded)
    return dict(sorted(found.items()))


def listing(
    mailbox: Sequence[Message], matches: Sequence[Message], start: int, limit: int, *, searched: bool
) -> dict[str, Any]:
    """MessagesSummary: `limit` of `matches` from `start` (0: all of them when listing, none in a search, as Mailpit
    does), with the whole mailbox's totals and tags."""
    page = list(matches[start:]) if limit == 0 and not searched else list(matches[start : start + limit])
    unread = sum(1 for m in mailbox if not m.read)
    return {
        "total": len(mailbox),
        "unread": unread,
        "count": len(page),
        "messages_count": len(matches),
        "messages_unread": sum(1 for m in matches if not m.read) if searched else unread,
        "start": start,
        "tags": sorted({tag for m in mailbox for tag in tags(m)}),
        "messages": [summary(m) for m in page],
    }
