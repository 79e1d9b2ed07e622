"""`resetkit serve --smtp HOST:PORT`: every e-mail the mock "sends" is also delivered over SMTP (to MailDev, Mailpit,
or the listener of `resetkit conform --mailbox smtp://`), so the deployment path is testable end to end.

The relay listens to the outbox and hands each e-mail to one worker thread (stdlib smtplib), so an API call never
waits for SMTP; a delivery that fails is logged and dropped, never turned into a failed request.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import smtplib
import threading
from collections.abc import AsyncIterator, Callable

from .mail import to_mime
from .outbox import Message, Outbox, header_injection

log = logging.getLogger("resetkit.smtp")


def parse_address(value: str) -> tuple[str, int]:
    """`HOST:PORT` (`[::1]:2525` for IPv6); ValueError when it is not one."""
    host, colon, port = value.rpartition(":")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{value!r} is not HOST:PORT (like 127.0.0.1:1025)")
    return host.strip("[]"), int(port)


class SmtpRelay:
    """Delivers the outbox's e-mails to one SMTP server, in the order they were sent, from a daemon thread."""

    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._queue: queue.Queue[Message | None] = queue.Queue()
        self._thread = threading.Thread(target=self._deliver_all, name=f"resetkit-smtp-{port}", daemon=True)

    def __call__(self, message: Message) -> None:
        """The outbox listener: e-mails are queued (SMS have nowhere to go over SMTP)."""
        if message.channel == "email":
            self._queue.put(message)

    def start(self) -> SmtpRelay:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Deliver what is queued, then stop (waits at most `timeout`)."""
        self._queue.put(None)
        self._thread.join(timeout=timeout)

    def _deliver_all(self) -> None:
        while (message := self._queue.get()) is not None:
            self.deliver(message)

    def deliver(self, message: Message) -> bool:
        """One e-mail over SMTP; False (and a warning in the log) when the server cannot be reached or refuses, or
        when the message could smuggle in headers or SMTP commands (a control character in From, To or Subject)."""
        unsafe = header_injection(to=message.to, sender=message.sender, subject=message.subject)
        if unsafe is not None:
            log.warning(
                "not relaying %s's message %s: its %s has a control character", message.vendor, message.id, unsafe
            )
            return False
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as server:
                server.send_message(to_mime(message), from_addr=message.sender, to_addrs=[message.to])
        except (OSError, ValueError, smtplib.SMTPException) as exc:
            log.warning(
                "could not deliver %s's message %s to %s over SMTP %s:%s: %s",
                message.vendor,
                message.id,
                message.to,
                self.host,
                self.port,
                exc,
            )
            return False
        return True


def relaying(outbox: Outbox, address: str) -> Callable[[object], AsyncIterator[None]]:
    """An aiohttp cleanup context: relay while the server runs, then deliver what is queued and stop."""

    async def context(app: object) -> AsyncIterator[None]:
        host, port = parse_address(address)
        relay = SmtpRelay(host, port).start()
        unsubscribe = outbox.subscribe(relay)
        try:
            yield
        finally:
            unsubscribe()
            await asyncio.to_thread(relay.stop)

    return context
