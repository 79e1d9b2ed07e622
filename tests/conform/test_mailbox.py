"""Reading what a target sends: the SMTP adapter (conform listens) fed by the mock's `--smtp` relay, the IMAP
adapter against a real dovecot, and the parsing every adapter shares (multipart, quoted-printable, HTML-only mail,
each vendor's link and secret)."""

from __future__ import annotations

import logging
import shutil
import smtplib
import time
from collections.abc import Iterator
from dataclasses import replace
from email.message import EmailMessage
from typing import Any

import pytest
import requests

from resetkit.conform.mailbox import Mailbox, MailboxError, SmtpMailbox, extract, open_mailbox, parse_message
from resetkit.runner import LiveMock, free_port, start_live_mock
from resetkit.settings import ALL_VENDORS, Settings
from tests.conform.dovecot import ImapServer, delivering_to, install_dovecot, running_dovecot

DELIVERY_SECONDS = 10


@pytest.fixture(scope="module")
def listener() -> Iterator[SmtpMailbox]:
    mailbox = open_mailbox(f"smtp://127.0.0.1:{free_port()}", "placewise", timeout=DELIVERY_SECONDS)
    assert isinstance(mailbox, SmtpMailbox)
    yield mailbox
    mailbox.close()


@pytest.fixture(scope="module")
def relaying_mock(listener: SmtpMailbox) -> Iterator[LiveMock]:
    """Every vendor, strict, relaying every e-mail to the listener (`resetkit serve --smtp`)."""
    settings = Settings(port=0, strict=True, accounts=2, smtp=f"127.0.0.1:{listener.port}")
    with start_live_mock(settings) as mock:
        yield mock


def request_reset(mock: LiveMock, vendor: str) -> str:
    """Ask for a reset e-mail for the vendor's demo account; the address it goes to."""
    credentials = requests.get(f"{mock.url}/__admin/credentials", timeout=10).json()[vendor]
    base = f"{mock.url}/{vendor}"
    if vendor == "placewise":
        address = "demo@placewise.resetkit.example"
        headers = {"X-Loyalty-Club-Slug": credentials["loyalty_club_slug"]}
        response = requests.post(
            f"{base}/v1/auth/reset_password/send", json={"identifier": address}, headers=headers, timeout=10
        )
    elif vendor == "zitadel":
        address = "demo@zitadel.resetkit.example"
        headers = {"Authorization": f"Bearer {credentials['access_token']}"}
        response = requests.post(
            f"{base}/v2/users/310000000000000002/password_reset", json={}, headers=headers, timeout=10
        )
    elif vendor == "socialid":
        address = "john_doe@domain.com"
        headers = {"Authorization": f"Bearer {credentials['login_app_token']}"}
        response = requests.post(
            f"{base}/v2/marketing/login/users/reset_password/email",
            json={"email_address": address},
            headers=headers,
            timeout=10,
        )
    else:
        address = "demo@leadsquared.resetkit.example"
        headers = {"Authorization": credentials["public_auth_key"]}
        response = requests.post(
            f"{base}/api/Authentication/SecureForgotPassword",
            json={"EmailAddress": address},
            headers=headers,
            timeout=10,
        )
    assert response.ok, response.text
    return address


def wait_for(mailbox: SmtpMailbox, vendor: str, to: str) -> dict[str, Any]:
    deadline = time.monotonic() + DELIVERY_SECONDS
    while not (found := mailbox.messages(vendor, to)):
        assert time.monotonic() < deadline, f"no {vendor} e-mail reached the SMTP listener"
        time.sleep(0.05)
    return found[0]


@pytest.mark.parametrize("vendor", ALL_VENDORS)
def test_the_relayed_email_reads_as_the_outbox_shows_it(
    vendor: str, relaying_mock: LiveMock, listener: SmtpMailbox
) -> None:
    """Over SMTP and parsed back, each vendor's e-mail has the outbox's subject, sender, text, link and secret."""
    address = request_reset(relaying_mock, vendor)
    sent = relaying_mock.env.outbox.latest(vendor=vendor, to=address)
    assert sent is not None
    received = wait_for(listener, vendor, address)
    expected = {k: v for k, v in sent.to_json().items() if k in ("subject", "from", "to", "link", "token")}
    assert {k: received[k] for k in expected} == expected
    assert received["text"].strip() == sent.text.strip()
    assert received["channel"] == "email" and sent.html and received["html"].strip() == sent.html.strip()


def test_text_messages_are_not_relayed(relaying_mock: LiveMock, listener: SmtpMailbox) -> None:
    """SMS have nowhere to go over SMTP; the SMTP mailbox says it cannot read them."""
    assert "sms" not in listener.channels
    assert all(m["channel"] == "email" for v in ALL_VENDORS for m in listener.messages(v))


def test_a_relay_that_cannot_deliver_logs_and_the_request_still_succeeds(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(port=0, strict=True, accounts=1, vendors=("leadsquared",), smtp=f"127.0.0.1:{free_port()}")
    with caplog.at_level(logging.WARNING, logger="resetkit.smtp"), start_live_mock(settings) as mock:
        address = request_reset(replace(mock, url=mock.url.removesuffix("/leadsquared")), "leadsquared")
        deadline = time.monotonic() + DELIVERY_SECONDS
        while "does not take e-mails now" not in caplog.text:
            assert time.monotonic() < deadline, "the failed delivery was not logged"
            time.sleep(0.05)
        sent = mock.env.outbox.latest(to=address)
        assert mock.env.relay is not None and sent is not None
        delivery = mock.env.relay.delivery(sent.id)
        assert delivery is not None and delivery.state == "queued"  # it goes out once the server answers


def test_a_multipart_quoted_printable_message_is_decoded(listener: SmtpMailbox) -> None:
    """What a real vendor sends: text and HTML alternatives, quoted-printable (a long link is soft-wrapped)."""
    link = "https://portal.example.com/reset?LeadId=5c0e8a7e-0000-4000-8000-000000000d30&TemporaryPassword=" + "ab" * 32
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "noreply@leadsquared.example", "qp@example.com", "Réinitialiser"
    mail.set_content(f"Bonjour,\n\nUse this link:\n{link}\n", cte="quoted-printable")
    mail.add_alternative(f'<p>Bonjour</p><p><a href="{link}">Reset</a></p>', subtype="html", cte="quoted-printable")
    assert "=\n" in mail.as_string()  # the body really is soft-wrapped
    with smtplib.SMTP(listener.host, listener.port, timeout=10) as client:
        client.send_message(mail)
    received = wait_for(listener, "placewise", "qp@example.com")  # no vendor header: the target's vendor
    assert received["subject"] == "Réinitialiser"
    assert received["link"] == link
    assert extract("leadsquared", received["text"], received["html"]) == (link, "ab" * 32)


def test_an_html_only_message_gives_its_link_from_the_href() -> None:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "a@example.com", "b@example.com", "Reset"
    mail.set_content('<p><a href="https://app.example.com/reset?token=s3cr3t&amp;x=1">Reset</a></p>', subtype="html")
    message = parse_message(mail.as_bytes(), message_id="1", vendor="socialid")
    assert message["link"] == "https://app.example.com/reset?token=s3cr3t&x=1"
    assert message["token"] == "s3cr3t"


@pytest.mark.parametrize(
    ("vendor", "text", "secret"),
    [
        ("zitadel", "Please use the link below. (Code K7Q2ZP)\nhttps://x.example/ui/v2/login?code=K7Q2ZP\n", "K7Q2ZP"),
        ("zitadel", "Your one-time password is 483920.\n", "483920"),
        ("placewise", "Your registration password is Ab12Cd34. Sign in with it.\n", "Ab12Cd34"),
    ],
    ids=["zitadel-link", "zitadel-otp", "placewise-registration"],
)
def test_a_secret_spelled_out_in_the_text_is_found(vendor: str, text: str, secret: str) -> None:
    assert extract(vendor, text, "")[1] == secret


@pytest.mark.parametrize("url", ["pop3://mail.example.com", "smtp://127.0.0.1", "imap://mail.example.com/INBOX"])
def test_a_mailbox_url_no_adapter_takes_is_refused(url: str) -> None:
    with pytest.raises(MailboxError):
        open_mailbox(url, "zitadel")


def _dovecot(tls: bool) -> Iterator[tuple[ImapServer, str]]:
    problem = install_dovecot()
    if problem:
        pytest.skip(problem)
    if tls and shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate for dovecot's TLS")
    with running_dovecot(tls=tls) as server, delivering_to(server) as smtp:
        yield server, smtp


@pytest.fixture(scope="module")
def imap() -> Iterator[tuple[ImapServer, str]]:
    """dovecot (installed by the set-up when missing) and an SMTP server delivering into its test user's maildir."""
    yield from _dovecot(tls=False)


@pytest.fixture(scope="module")
def imaps() -> Iterator[tuple[ImapServer, str]]:
    """The same over TLS only (imaps://), with a self-signed certificate."""
    yield from _dovecot(tls=True)


def _send_reset(smtp: str, to: str, number: int) -> None:
    host, port = smtp.rsplit(":", 1)
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "noreply@social-id.example", to, f"Reset {number}"
    mail.set_content(f"Reset Password: https://shop.example.com/reset?token=t0k3n{number}\n")
    with smtplib.SMTP(host, int(port), timeout=10) as client:
        client.send_message(mail)


def _arrived(mailbox: Mailbox, to: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + DELIVERY_SECONDS
    while not (found := mailbox.messages("socialid", to)):
        assert time.monotonic() < deadline, "the message never showed over IMAP"
        time.sleep(0.1)
    return found


def test_the_imap_mailbox_reads_by_recipient_what_arrived_after_it_opened(imap: tuple[ImapServer, str]) -> None:
    """Plus-addressed mail all lands in one test mailbox; each recipient sees only its own, newest first."""
    server, smtp = imap
    mailbox = open_mailbox(server.url, "socialid", timeout=DELIVERY_SECONDS)
    try:
        for number, to in enumerate(["qa+run-alice-1@example.com", "qa+run-alice-12@example.com"]):
            _send_reset(smtp, to, number)
        found = _arrived(mailbox, "qa+run-alice-1@example.com")
        assert [(m["subject"], m["token"]) for m in found] == [("Reset 0", "t0k3n0")]
        assert "sms" not in mailbox.channels
    finally:
        mailbox.close()


def test_an_imaps_mailbox_whose_certificate_is_not_trusted_is_refused(imaps: tuple[ImapServer, str]) -> None:
    """imaplib alone would log in to anyone over TLS; conform verifies the server first."""
    server, _ = imaps
    with pytest.raises(MailboxError, match=r"cannot log in to imaps://.*CERTIFICATE_VERIFY_FAILED"):
        open_mailbox(server.url, "socialid", timeout=DELIVERY_SECONDS)


def test_an_imaps_mailbox_reads_once_its_certificate_is_trusted(
    imaps: tuple[ImapServer, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, smtp = imaps
    assert server.certificate is not None
    monkeypatch.setenv("SSL_CERT_FILE", str(server.certificate))  # how a CI job trusts its own test mail server
    mailbox = open_mailbox(server.url, "socialid", timeout=DELIVERY_SECONDS)
    try:
        _send_reset(smtp, "qa+tls@example.com", 7)
        assert [m["token"] for m in _arrived(mailbox, "qa+tls@example.com")] == ["t0k3n7"]
    finally:
        mailbox.close()
