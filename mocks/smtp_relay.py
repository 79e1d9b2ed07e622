"""`resetkit serve --smtp HOST:PORT`: every e-mail the mock "sends" is also delivered over SMTP (to MailDev, Mailpit,
or the listener of `resetkit conform --mailbox smtp://`), so the deployment path is testable end to end.

The relay listens to the outbox and hands each e-mail to one worker thread (stdlib smtplib), so an API call never
waits for SMTP. The worker cannot die: a message that cannot be made into an e-mail or that the server refuses is
logged once and counted as failed, and the next one goes on; while the server cannot be reached (or answers 4xx),
e-mails wait in a bounded queue (past it the oldest is dropped and counted) and delivery resumes once it answers.
Each message's delivery and the relay's state and counts are what `/__admin/outbox` and `/__admin/health` show.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import threading
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Literal

from .mail import to_mime
from .outbox import Message, Outbox, header_injection

QUEUE_SIZE = 1000  # e-mails kept while the SMTP server cannot be reached
RETRY_SECONDS = (0.5, 30.0)  # the first wait before trying an unreachable server again, and the longest
log = logging.getLogger("resetkit.smtp")

DeliveryState = Literal["queued", "sent", "failed", "dropped"]


def parse_address(value: str) -> tuple[str, int]:
    """`HOST:PORT` (`[::1]:2525` for IPv6); ValueError when it is not one."""
    host, colon, port = value.rpartition(":")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{value!r} is not HOST:PORT (like 127.0.0.1:1025)")
    return host.strip("[]"), int(port)


@dataclass(slots=True)
class Delivery:
    """What became of one e-mail: `queued` until it was `sent`, `failed` (refused, or no e-mail can be made of it)
    or `dropped` (the queue overflowed while the server could not be reached)."""

    state: DeliveryState = "queued"
    attempts: int = 0
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "attempts": self.attempts, "error": self.error}


class _ServerDown(Exception):
    """The SMTP server cannot be reached or asks to try later (4xx): the message waits, the relay retries."""


class SmtpRelay:
    """Delivers the outbox's e-mails to one SMTP server, in the order they were sent, from a daemon thread."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        timeout: float = 10.0,
        queue_size: int = QUEUE_SIZE,
        retry_seconds: tuple[float, float] = RETRY_SECONDS,
        keep: int = 10_000,
    ) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.queue_size, self.retry_seconds, self.keep = queue_size, retry_seconds, keep
        self.up = True  # False from a failed connection until a delivery gets through again
        self.sent = self.failed = self.dropped = 0
        self.last_error: str | None = None
        self._queue: deque[Message] = deque()
        self._deliveries: OrderedDict[str, Delivery] = OrderedDict()  # by message id, the newest `keep`
        self._changed = threading.Condition()
        self._stopping = False
        self._dropping = False  # the queue overflowed since the server was last reached (logged once)
        self._thread = threading.Thread(target=self._deliver_all, name=f"resetkit-smtp-{port}", daemon=True)

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def __call__(self, message: Message) -> None:
        """The outbox listener (on the server's loop, so it only queues): e-mails only, SMS have nowhere to go."""
        if message.channel != "email":
            return
        with self._changed:
            self._deliveries[message.id] = Delivery()
            while len(self._deliveries) > self.keep:
                self._deliveries.popitem(last=False)
            self._queue.append(message)
            while len(self._queue) > self.queue_size:
                self._drop(self._queue.popleft())
            self._changed.notify()

    def delivery(self, message_id: str) -> Delivery | None:
        with self._changed:
            return self._deliveries.get(message_id)

    def status(self) -> dict[str, Any]:
        """The relay as `/__admin/health` shows it."""
        with self._changed:
            return {
                "address": self.address,
                "state": "up" if self.up else "down",
                "queued": len(self._queue),
                "sent": self.sent,
                "failed": self.failed,
                "dropped": self.dropped,
                "last_error": self.last_error,
            }

    def start(self) -> SmtpRelay:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Deliver what is queued while the server answers, then stop (waits at most `timeout`)."""
        with self._changed:
            self._stopping = True
            self._changed.notify()
        self._thread.join(timeout=timeout)

    # the worker ---------------------------------------------------------------------------------------------------
    def _deliver_all(self) -> None:
        wait = self.retry_seconds[0]
        while True:
            with self._changed:
                while not self._queue and not self._stopping:
                    self._changed.wait()
                if not self._queue:
                    return
                message = self._queue[0]
                delivery = self._deliveries.setdefault(message.id, Delivery())
                delivery.attempts += 1
            try:
                error = self._send(message)
            except _ServerDown as down:
                if not self._server_down(str(down), wait):
                    return
                wait = min(wait * 2, self.retry_seconds[1])
                continue
            except Exception as exc:  # noqa: BLE001 (whatever goes wrong with one message must not stop the next)
                error = f"{type(exc).__name__}: {exc}"
            wait = self.retry_seconds[0]
            self._done(message, delivery, error)

    def _send(self, message: Message) -> str | None:
        """One e-mail over SMTP: None when the server took it, else why this message cannot be delivered."""
        unsafe = header_injection(to=message.to, sender=message.sender, subject=message.subject)
        if unsafe is not None:  # it could smuggle in headers or SMTP commands
            return f"not relayed: its {unsafe} has a control character"
        try:
            mime = to_mime(message)
        except (ValueError, TypeError) as exc:  # a header with CR/LF, say: no e-mail can be made of it
            return f"not a valid e-mail: {exc}"
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as server:
                server.send_message(mime, from_addr=message.sender, to_addrs=[message.to])
        except smtplib.SMTPRecipientsRefused as exc:  # the one recipient, with its own reply code
            code, reply = next(iter(exc.recipients.values()), (550, b""))
            if 400 <= code < 500:
                raise _ServerDown(f"{code} {reply!r}") from None
            return f"refused: {code} {reply!r}"
        except smtplib.SMTPResponseException as exc:  # a reply code: 4xx means later, 5xx means never
            if 400 <= exc.smtp_code < 500 or isinstance(exc, smtplib.SMTPConnectError):
                raise _ServerDown(f"{exc.smtp_code} {exc.smtp_error!r}") from None
            return f"refused: {exc.smtp_code} {exc.smtp_error!r}"
        except (OSError, smtplib.SMTPServerDisconnected) as exc:  # refused, unreachable, timed out, hung up
            raise _ServerDown(str(exc) or type(exc).__name__) from None
        except (smtplib.SMTPException, ValueError, UnicodeError) as exc:  # not deliverable as it is (no SMTPUTF8...)
            return f"not deliverable: {exc}"
        return None

    def _server_down(self, reason: str, wait: float) -> bool:
        """Note the outage (logged when it starts), then wait; False when the relay is stopping meanwhile."""
        with self._changed:
            if self.up:
                log.warning(
                    "SMTP server %s does not take e-mails now (%s); they wait (at most %d, then the oldest are "
                    "dropped) and go out once it does",
                    self.address,
                    reason,
                    self.queue_size,
                )
            self.up, self.last_error = False, reason
            if self._stopping:
                undelivered = len(self._queue)
                if undelivered:
                    log.warning("stopping with %d e-mail(s) not delivered to %s", undelivered, self.address)
                return False
            self._changed.wait(timeout=wait)
            return True

    def _done(self, message: Message, delivery: Delivery, error: str | None) -> None:
        with self._changed:
            if not self.up:
                log.warning("SMTP server %s takes e-mails again; %d still queued", self.address, len(self._queue))
                self.up, self._dropping = True, False
            if self._queue and self._queue[0] is message:
                self._queue.popleft()
            if error is None:
                delivery.state, delivery.error = "sent", None
                self.sent += 1
                return
            delivery.state, delivery.error = "failed", error
            self.failed += 1
            self.last_error = error
        log.warning(
            "could not deliver %s's message %s to %r over SMTP %s: %s", message.vendor, message.id, message.to,
            self.address, error,
        )  # fmt: skip

    def _drop(self, message: Message) -> None:
        """The queue is full (the server has been away for a while): the oldest e-mail goes, counted."""
        if not self._dropping:
            log.warning(
                "SMTP queue full (%d e-mails): dropping the oldest until %s answers", self.queue_size, self.address
            )
            self._dropping = True
        self.dropped += 1
        delivery = self._deliveries.get(message.id)
        if delivery is not None:
            delivery.state = "dropped"


def relaying(
    outbox: Outbox, address: str, found: Callable[[SmtpRelay | None], None]
) -> Callable[[object], AsyncIterator[None]]:
    """An aiohttp cleanup context: relay while the server runs (`found` gets the relay, then None once it stopped),
    then deliver what is queued and stop."""

    async def context(app: object) -> AsyncIterator[None]:
        host, port = parse_address(address)
        relay = SmtpRelay(host, port, keep=outbox.capacity).start()
        unsubscribe = outbox.subscribe_sent_here(relay)  # in a fleet, each process relays what it sent
        found(relay)
        try:
            yield
        finally:
            unsubscribe()
            await asyncio.to_thread(relay.stop)
            found(None)

    return context
