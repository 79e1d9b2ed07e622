"""The mail relay (`--smtp`) cannot die: each e-mail is delivered or its failure logged once and counted, one bad
message never stops the next, the queue is bounded while the server is away, and delivery resumes once it is back.

The SMTP server is aiosmtpd in its own thread, answering as told per recipient (tests/fixtures/smtp.py)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from resetkit.outbox import Outbox
from resetkit.runner import free_port
from resetkit.smtp_relay import SmtpRelay
from tests.fixtures.smtp import Server

FAST_RETRY = (0.05, 0.2)
WAIT_SECONDS = 10


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def server(port: int) -> Iterator[Server]:
    running = Server(port).start()
    yield running
    running.stop()


@pytest.fixture
def relay_to(port: int) -> Iterator[Callable[..., tuple[SmtpRelay, Outbox]]]:
    """`relay_to(**options)`: an outbox whose e-mails a started relay delivers to `port`."""
    started: list[SmtpRelay] = []

    def make(**options: Any) -> tuple[SmtpRelay, Outbox]:
        relay = SmtpRelay("127.0.0.1", port, timeout=2, retry_seconds=FAST_RETRY, **options).start()
        outbox = Outbox()
        outbox.subscribe(relay)
        started.append(relay)
        return relay, outbox

    yield make
    for relay in started:
        relay.stop(timeout=5)


def send(outbox: Outbox, to: str, subject: str = "Reset your password", sender: str = "noreply@example.com") -> str:
    return outbox.send(vendor="v", channel="email", to=to, sender=sender, subject=subject, text="hi", now=0).id


def eventually(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():
        assert time.monotonic() < deadline, "not within the time a delivery takes"
        time.sleep(0.02)


@pytest.mark.parametrize("field_name", ["subject", "sender"])
def test_a_header_with_a_line_break_fails_that_message_only(
    server: Server, relay_to: Callable[..., tuple[SmtpRelay, Outbox]], field_name: str
) -> None:
    relay, outbox = relay_to()
    bad = send(outbox, "bad@example.com", **{field_name: "Reset\r\nBcc: everyone@example.com"})
    send(outbox, "next@example.com")
    eventually(lambda: server.accepted == ["next@example.com"])
    delivery = relay.delivery(bad)
    assert delivery is not None and delivery.state == "failed" and "control character" in (delivery.error or "")
    assert (relay.status()["sent"], relay.status()["failed"]) == (1, 1)


def test_a_failed_message_is_logged_once(
    server: Server, relay_to: Callable[..., tuple[SmtpRelay, Outbox]], caplog: pytest.LogCaptureFixture
) -> None:
    relay, outbox = relay_to()
    with caplog.at_level(logging.WARNING, logger="resetkit.smtp"):
        send(outbox, "bad@example.com", subject="a\nb")
        send(outbox, "next@example.com")
        eventually(lambda: relay.status()["sent"] == 1)
    assert [r.getMessage() for r in caplog.records if "could not deliver" in r.getMessage()] == [
        "could not deliver v's message 1 to 'bad@example.com' over SMTP "
        f"127.0.0.1:{server.port}: not relayed: its subject has a control character"
    ]


def test_a_recipient_the_server_refuses_fails_and_the_next_goes_out(
    server: Server, relay_to: Callable[..., tuple[SmtpRelay, Outbox]]
) -> None:
    server.refuse["gone@example.com"] = "550 no such user"
    relay, outbox = relay_to()
    refused = send(outbox, "gone@example.com")
    send(outbox, "next@example.com")
    eventually(lambda: server.accepted == ["next@example.com"])
    delivery = relay.delivery(refused)
    assert delivery is not None and delivery.state == "failed" and "550" in (delivery.error or "")


def test_a_message_the_server_asks_to_send_later_is_sent_later(
    server: Server, relay_to: Callable[..., tuple[SmtpRelay, Outbox]]
) -> None:
    server.refuse["later@example.com"] = "451 try again later"
    relay, outbox = relay_to()
    later = send(outbox, "later@example.com")
    eventually(lambda: relay.status()["state"] == "down")
    del server.refuse["later@example.com"]
    eventually(lambda: server.accepted == ["later@example.com"])
    delivery = relay.delivery(later)
    assert delivery is not None and delivery.state == "sent" and delivery.attempts >= 2


def test_e_mails_wait_while_the_server_is_away_and_go_out_once_it_is_back(
    port: int, relay_to: Callable[..., tuple[SmtpRelay, Outbox]]
) -> None:
    relay, outbox = relay_to()
    waiting = [send(outbox, f"user{n}@example.com") for n in range(3)]
    eventually(lambda: relay.status()["state"] == "down")
    assert relay.status()["queued"] == 3 and relay.status()["last_error"]
    server = Server(port).start()
    try:
        eventually(lambda: len(server.accepted) == 3)
    finally:
        server.stop()
    assert server.accepted == [f"user{n}@example.com" for n in range(3)]
    assert [d.state for d in map(relay.delivery, waiting) if d is not None] == ["sent"] * 3
    assert relay.status()["state"] == "up"


def test_the_queue_drops_its_oldest_past_its_size_while_the_server_is_away(
    relay_to: Callable[..., tuple[SmtpRelay, Outbox]],
) -> None:
    relay, outbox = relay_to(queue_size=2)
    ids = [send(outbox, f"user{n}@example.com") for n in range(5)]
    status = relay.status()
    assert (status["queued"], status["dropped"]) == (2, 3)
    assert [d.state for d in map(relay.delivery, ids) if d is not None] == ["dropped"] * 3 + ["queued"] * 2


def test_a_relay_that_stops_while_the_server_is_away_does_not_wait_for_it(
    relay_to: Callable[..., tuple[SmtpRelay, Outbox]],
) -> None:
    relay, outbox = relay_to()
    send(outbox, "user@example.com")
    eventually(lambda: relay.status()["state"] == "down")
    started = time.monotonic()
    relay.stop(timeout=5)
    assert time.monotonic() - started < 1


def test_text_messages_are_not_queued(relay_to: Callable[..., tuple[SmtpRelay, Outbox]]) -> None:
    relay, outbox = relay_to()
    sms = outbox.send(vendor="v", channel="sms", to="+4791000000", sender="v", subject="", text="123", now=0)
    assert relay.delivery(sms.id) is None and relay.status()["queued"] == 0
