"""Every e-mail and SMS the mock would have sent, newest first, queryable like a mail catcher."""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

Channel = Literal["email", "sms"]
Listener = Callable[["Message"], None]
Keep = Callable[["Message"], bool]
log = logging.getLogger("resetkit.outbox")


@dataclass(frozen=True, slots=True)
class Message:
    """One delivered message. `link` and `token` are what a test or a developer needs to go on with the flow;
    `read` is whether someone opened it (the inbox, a Mailpit client)."""

    id: str
    vendor: str
    channel: Channel
    to: str
    sender: str
    subject: str
    text: str
    html: str
    link: str | None
    token: str | None
    created_at: float
    read: bool = False

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["from"] = data.pop("sender")
        data["created_at"] = datetime.fromtimestamp(self.created_at, UTC).isoformat().replace("+00:00", "Z")
        return data


# What may never be in a value that becomes a mail header (From, To, Subject): C0 and C1 controls (CR and LF among
# them) and the Unicode line and paragraph separators, any of which could end the header and start another.
_HEADER_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def header_injection(**headers: str) -> str | None:
    """The first of `headers` (name=value) whose value could break out of its mail header, or None."""
    if not _HEADER_BREAKING.search("".join(headers.values())):  # the usual case: one search, not one per header
        return None
    return next((name for name, value in headers.items() if _HEADER_BREAKING.search(value)), None)


_PHONE_TYPING = re.compile(r"[0-9+\s().-]+")  # how people type a phone number: +47 912 34 567, (0047) 912-34567
_NOT_DIGIT = re.compile(r"[^0-9]")


def recipient_key(to: str) -> str:
    """What a `to` filter compares: an e-mail case-folded; a phone number by its digits alone, so that
    `+4791234567`, `+47 912 34 567` and ` 4791234567` (an unencoded `+` in a query string arrives as a space) match."""
    if _PHONE_TYPING.fullmatch(to) and any(c.isdigit() for c in to):
        return _NOT_DIGIT.sub("", to)
    return to.casefold()


def message_filter(
    *, vendor: str | None = None, to: str | None = None, channel: str | None = None
) -> Callable[[Message], bool]:
    """Whether a message matches every filter given; `to` compares as `recipient_key` does, an empty one matches all."""
    wanted_to = recipient_key(to) if to else None

    def keep(message: Message) -> bool:
        return (
            (vendor is None or message.vendor == vendor)
            and (wanted_to is None or recipient_key(message.to) == wanted_to)
            and (channel is None or message.channel == channel)
        )

    return keep


class Outbox:
    """A bounded, in-memory record of sent messages (the oldest are dropped past `capacity`)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        # By id, oldest first. An OrderedDict because dropping the oldest past the capacity is then O(1); a dict leaves
        # a hole at its front for each, which every later `next(iter(...))` walks past (6 us a message at 10,000).
        self._messages: OrderedDict[str, Message] = OrderedDict()
        self._last_id = 0  # ids only grow, also past withdrawn messages: a reader that saw one never sees it again
        self._listeners: list[Listener] = []
        self._change_listeners: list[Listener] = []
        self._removal_listeners: list[Callable[[list[str]], None]] = []
        self._clear_listeners: list[Callable[[], None]] = []

    @property
    def capacity(self) -> int:
        return self._capacity

    def load(self, message: Message) -> None:
        """Put back a message sent before (saved state); numbering goes on after it, listeners hear nothing."""
        self._keep(message)
        self._last_id = max(self._last_id, int(message.id))

    def withdraw(self, message_ids: set[str]) -> None:
        """Forget these messages (sent by a request whose changes could not be saved); listeners hear nothing."""
        for message_id in message_ids:
            self._messages.pop(message_id, None)

    def put_back(self, messages: list[Message]) -> None:
        """These messages as they were saved, in the order of their ids (a request that changed or removed them could
        not be saved); listeners hear nothing."""
        if not messages:
            return
        for message in messages:
            self._last_id = max(self._last_id, int(message.id))
            self._messages[message.id] = message
        self._messages = OrderedDict(sorted(self._messages.items(), key=lambda item: int(item[0])))

    def _keep(self, message: Message) -> None:
        self._messages[message.id] = message
        while len(self._messages) > self._capacity:
            self._messages.popitem(last=False)

    def on_clear(self, listener: Callable[[], None]) -> None:
        """Call `listener` whenever the outbox is emptied (saved state deletes its copy)."""
        self._clear_listeners.append(listener)

    def on_change(self, listener: Listener) -> None:
        """Call `listener` with every message changed after it was sent (marked read or unread)."""
        self._change_listeners.append(listener)

    def on_remove(self, listener: Callable[[list[str]], None]) -> None:
        """Call `listener` with the ids of messages removed one by one (`remove`), not by `clear`."""
        self._removal_listeners.append(listener)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every message sent from now on (a live inbox, SMTP delivery); returns unsubscribe.

        Listeners run inside `send`, on the server's loop: they must hand the message off, never block.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def subscribe_sent_here(self, listener: Listener) -> Callable[[], None]:
        """As `subscribe`, for messages this process sent only (in a fleet, others are heard too); SMTP delivery."""
        return self.subscribe(listener)

    def send(
        self,
        *,
        vendor: str,
        channel: Channel,
        to: str,
        sender: str,
        subject: str,
        text: str,
        html: str = "",
        link: str | None = None,
        token: str | None = None,
        now: float,
    ) -> Message:
        self._last_id += 1
        message = Message(
            id=str(self._last_id),
            vendor=vendor,
            channel=channel,
            to=to,
            sender=sender,
            subject=subject,
            text=text,
            html=html,
            link=link,
            token=token,
            created_at=now,
        )
        self._keep(message)
        for listener in tuple(self._listeners):
            try:
                listener(message)
            except Exception:  # a broken listener must not turn a sent message into a failed API call
                log.exception("outbox listener %r failed", listener)
        return message

    def find(
        self,
        *,
        vendor: str | None = None,
        to: str | None = None,
        channel: str | None = None,
        keep: Keep | None = None,
    ) -> list[Message]:
        """Matching messages, newest first (see `message_filter`; `keep`, when given, must accept them too)."""
        matches = message_filter(vendor=vendor, to=to, channel=channel)
        return [m for m in reversed(self._messages.values()) if matches(m) and (keep is None or keep(m))]

    def latest(self, *, vendor: str | None = None, to: str | None = None, channel: str | None = None) -> Message | None:
        if vendor is None and to is None and channel is None:
            return next(reversed(self._messages.values()), None)
        found = self.find(vendor=vendor, to=to, channel=channel)
        return found[0] if found else None

    def get(self, message_id: str) -> Message | None:
        return self._messages.get(message_id)

    def mark_read(self, message_ids: Iterable[str], read: bool = True) -> list[Message]:
        """Set the messages' read flag; unknown ids are skipped. The messages as they are now."""
        changed, marked = [], []
        for message_id in message_ids:
            message = self._messages.get(message_id)
            if message is None:
                continue
            if message.read != read:
                message = self._messages[message_id] = replace(message, read=read)
                changed.append(message)
            marked.append(message)
        for listener in self._change_listeners:
            for message in changed:
                listener(message)
        return marked

    def remove(self, message_ids: Iterable[str]) -> list[str]:
        """Forget these messages; unknown ids are skipped. The ids that were removed."""
        removed = [
            message_id for message_id in dict.fromkeys(message_ids) if self._messages.pop(message_id, None) is not None
        ]
        if removed:
            for listener in self._removal_listeners:
                listener(removed)
        return removed

    def clear(self) -> None:
        self._messages.clear()
        for listener in self._clear_listeners:
            listener()

    def __len__(self) -> int:
        return len(self._messages)
