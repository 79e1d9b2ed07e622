"""How the suites read what a target sent: one interface, an adapter per source (`--mailbox URL`).

A message is a dict shaped like the mock's `GET /__admin/outbox` entries: `id`, `vendor`, `channel` ("email" or
"sms"), `to`, `from`, `subject`, `text`, `html`, `link`, `token` (either may be None), `created_at` (ISO 8601).
"""

from __future__ import annotations

from typing import Any, Protocol

Message = dict[str, Any]


class Mailbox(Protocol):
    """The messages a target delivered, newest first."""

    channels: frozenset[str]  # what it can read: "email", and "sms" for the mock's outbox

    def messages(self, vendor: str, to: str | None = None, channel: str | None = None) -> list[Message]:
        """Messages from `vendor` (to `to`, on `channel`, when given), newest first."""
        ...


class OutboxMailbox:
    """The mock's own outbox, read through its admin API (the default when the target is the mock)."""

    channels = frozenset({"email", "sms"})

    def __init__(self, admin: Any) -> None:
        self.admin = admin

    def messages(self, vendor: str, to: str | None = None, channel: str | None = None) -> list[Message]:
        found: list[Message] = self.admin.messages(vendor, to)
        return [m for m in found if channel is None or m["channel"] == channel]
