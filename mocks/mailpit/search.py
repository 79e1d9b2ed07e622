"""Mailpit's search syntax (its search-filters documentation and `internal/storage/search.go`), over plain documents.

Terms are separated by spaces and all must match; `"..."` keeps a phrase together; a leading `-` or `!` negates a
term. `to:`, `from:`, `cc:`, `bcc:`, `reply-to:`, `addressed:`, `subject:` and `message-id:` match a substring,
case-insensitively; `tag:` a whole tag; `is:read`, `is:unread`, `is:tagged`, `has:attachment`, `has:inline`;
`after:` and `before:` a date or time (in the `tz` zone when it names none); `larger:` and `smaller:` a size
(`2kb`, `1.5m`); any other word is looked for in the whole message. Like Mailpit, a date it cannot read is ignored.
resetkit adds `vendor:NAME`, `is:email` and `is:sms`, for its own inbox where text messages sit beside e-mail.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True, slots=True)
class Document:
    """What a search sees of one message; text fields are already lower-case (`clean`)."""

    to: str
    sender: str
    subject: str
    message_id: str
    text: str  # everything a bare word is looked for in
    tags: tuple[str, ...]
    read: bool
    created_ms: int
    size: int
    channel: str = "email"
    cc: str = ""
    bcc: str = ""
    reply_to: str = ""
    attachments: int = 0
    inline: int = 0


Condition = Callable[[Document], bool]

_UNWANTED = re.compile(r"(\r?\n|\t|>|<|\"|,|;|\(|\))")
_SIZE = re.compile(r"^(\d+)(\.\d+)?\s?([a-z]{1,2})?$")
_UNITS = {"": 1, "k": 1024, "kb": 1024, "m": 1024 * 1024, "mb": 1024 * 1024}
_ADDRESS_FIELDS: dict[str, Callable[[Document], str]] = {
    "to:": lambda d: d.to,
    "from:": lambda d: d.sender,
    "cc:": lambda d: d.cc,
    "bcc:": lambda d: d.bcc,
    "reply-to:": lambda d: d.reply_to,
    "addressed:": lambda d: " ".join((d.to, d.sender, d.cc, d.bcc, d.reply_to)),
    "message-id:": lambda d: d.message_id.lower(),
}
_FLAGS: dict[str, Condition] = {
    "is:read": lambda d: d.read,
    "is:unread": lambda d: not d.read,
    "is:tagged": lambda d: bool(d.tags),
    "has:attachment": lambda d: d.attachments > 0,
    "has:attachments": lambda d: d.attachments > 0,
    "has:inline": lambda d: d.inline > 0,
    "has:inlines": lambda d: d.inline > 0,
    "is:email": lambda d: d.channel == "email",
    "is:sms": lambda d: d.channel == "sms",
}


def clean(text: str) -> str:
    """Mailpit's cleanString: line breaks, tabs and `<>",;()` become spaces, runs of space one, lower-case."""
    return " ".join(_UNWANTED.sub(" ", text.replace("\ufeff", " ")).split()).lower()


def split_terms(query: str) -> list[str]:
    """The query's terms: split at spaces outside double quotes, the quotes dropped (Mailpit's ArgsParser)."""
    terms, current, quoted = [], [], False
    for char in query:
        if char == '"':
            quoted = not quoted
            current.append(char)
        elif char == " " and not quoted:
            terms.append("".join(current))
            current = []
        else:
            current.append(char)
    terms.append("".join(current))
    return [term for term in (t.replace('"', "").strip() for t in terms) if term]


def zone(name: str | None) -> tzinfo | None:
    """The IANA zone called `name`; None (the server's local zone, as Mailpit uses) when empty or unknown."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder of zones, such as "America"
        return None


def parse_time(value: str, where: tzinfo | None = None) -> float | None:
    """A date or time as a Unix timestamp: `2026-12-07`, `2026/12/07`, ISO 8601 with or without a time and zone,
    or Unix seconds or milliseconds; without a zone, in `where` (None: the local zone). None when unreadable."""
    value = value.strip()
    if value.isdigit() and len(value) in (10, 13):
        return int(value) / (1000 if len(value) == 13 else 1)
    try:
        moment = datetime.fromisoformat(value.replace("/", "-"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=where) if where is not None else moment.astimezone()
        return moment.timestamp()
    except (ValueError, OverflowError):  # not a date, or one at the edge of the calendar
        return None


def size_in_bytes(value: str) -> int:
    """`2kb`, `1.5m`, `300` as bytes (Mailpit's sizeToBytes); 0 when it is not a size."""
    match = _SIZE.match(value.lower())
    if match is None or (match.group(3) or "") not in _UNITS or len(match.group(1)) > 15:
        return 0
    return int(float(match.group(1) + (match.group(2) or "")) * _UNITS[match.group(3) or ""])


def _contains(field: Callable[[Document], str], wanted: str) -> Condition:
    return lambda d: wanted in field(d)


def _has_tag(tag: str) -> Condition:
    return lambda d: tag in (t.lower() for t in d.tags)


def _sent(limit_ms: int, *, after: bool) -> Condition:
    return (lambda d: d.created_ms >= limit_ms) if after else (lambda d: d.created_ms <= limit_ms)


def _sized(size: int, *, larger: bool) -> Condition:
    return (lambda d: d.size > size) if larger else (lambda d: d.size < size)


def _term(term: str, where: tzinfo | None) -> Condition | None:
    """One term's condition, before negation; None when the term asks nothing (Mailpit ignores it)."""
    lowered = term.lower()
    for prefix, field in _ADDRESS_FIELDS.items():
        if lowered.startswith(prefix):
            wanted = clean(term[len(prefix) :])
            return _contains(field, wanted) if wanted else None
    if lowered.startswith("subject:"):
        subject = term[len("subject:") :].lower()
        return _contains(lambda d: d.subject, subject) if subject else None
    if lowered.startswith(("tag:", "vendor:")):
        tag = clean(term.partition(":")[2])
        return _has_tag(tag) if tag else None
    if lowered in _FLAGS:
        return _FLAGS[lowered]
    for prefix, after in (("after:", True), ("before:", False)):
        if lowered.startswith(prefix):
            moment = parse_time(clean(term[len(prefix) :]).upper(), where)
            return _sent(int(moment * 1000), after=after) if moment is not None else None
    for prefix, larger in (("larger:", True), ("smaller:", False)):
        size = size_in_bytes(clean(term[len(prefix) :])) if lowered.startswith(prefix) else 0
        if size:
            return _sized(size, larger=larger)
    return _contains(lambda d: d.text, clean(lowered))


def _negated(condition: Condition) -> Condition:
    return lambda d: not condition(d)


def compile_query(query: str, tz: str | None = None) -> Condition:
    """Whether a document matches every term of `query` (an empty query matches all)."""
    where = zone(tz)
    conditions: list[Condition] = []
    for term in split_terms(query):
        if not clean(term):
            continue
        negated = len(term) > 1 and term[0] in "-!"
        condition = _term(term[1:] if negated else term, where)
        if condition is not None:
            conditions.append(_negated(condition) if negated else condition)
    return lambda d: all(condition(d) for condition in conditions)
