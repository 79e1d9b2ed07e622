"""A sent message as Mailpit shows it: Go's spelling of keys and times, a source that never changes, the snippet."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from resetkit.mail import to_mime
from resetkit.mailpit import view
from resetkit.outbox import Message, Outbox


@pytest.fixture
def message() -> Message:
    return Outbox().send(
        vendor="zitadel",
        channel="email",
        to="Ana Lima <ana@example.org>",
        sender="no-reply@zitadel.example",
        subject="Reset password",
        text="Use the code ABC123 at http://127.0.0.1:8080/reset?code=ABC123\n",
        html='<html><head><style>p{}</style></head><body><p>Use   the code</p><a href="http://x/?code=ABC123">go</a></body>',
        link="http://x/?code=ABC123",
        token="ABC123",
        now=1_800_000_000.5,
    )


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("Message-ID", "Message-Id"),
        ("MIME-Version", "Mime-Version"),
        ("content-type", "Content-Type"),
        ("X-A B", "X-A B"),
    ],
)
def test_header_names_are_spelled_as_go_spells_them(name: str, canonical: str) -> None:
    assert view.canonical_key(name) == canonical


@pytest.mark.parametrize(
    ("timestamp", "shown"),
    [
        (1_800_000_000.5, "2027-01-15T08:00:00.5Z"),
        (1_800_000_000.0, "2027-01-15T08:00:00Z"),
        (1_800_000_000.0123, "2027-01-15T08:00:00.012Z"),
    ],
)
def test_times_are_gos_rfc3339nano_of_milliseconds(timestamp: float, shown: str) -> None:
    assert view.go_time(timestamp) == shown


def test_the_source_and_size_are_the_same_on_every_read(message: Message) -> None:
    assert view.source(message) == view.source(message) and view.size(message) == len(view.source(message))


def test_the_source_parses_back_to_the_message(message: Message) -> None:
    parsed = message_from_bytes(view.source(message), policy=policy.default)
    assert parsed["Subject"] == "Reset password" and parsed["Delivered-To"] == "ana@example.org"
    plain, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert plain is not None and html is not None  # as on the wire: CRLF line ends
    assert plain.get_content() == message.text.replace("\n", "\r\n")
    assert html.get_content().rstrip("\r\n") == message.html


def test_the_relayed_e_mail_and_the_view_share_a_message_id(message: Message) -> None:
    assert view.headers(message)["Message-Id"] == [to_mime(message)["Message-ID"]]


def test_the_snippet_is_the_html_text_without_styles(message: Message) -> None:
    assert view.snippet(message) == "Use the code go"


def test_a_long_snippet_is_cut_at_200_characters() -> None:
    long = Outbox().send(vendor="v", channel="email", to="a@b.c", sender="s@b.c", subject="s", text="x " * 300, now=0)
    assert len(view.snippet(long)) == 203 and view.snippet(long).endswith("...")


def test_addresses_keep_their_names(message: Message) -> None:
    assert view.summary(message)["To"] == [{"Name": "Ana Lima", "Address": "ana@example.org"}]


def test_a_search_looks_at_the_html_links_of_an_e_mail_and_the_body_of_an_sms(message: Message) -> None:
    assert "code=abc123" in view.document(message).text
    sms = Outbox().send(vendor="v", channel="sms", to="+4790000000", sender="Club", subject="", text="Code 42", now=0)
    assert view.document(sms).text == "club +4790000000 code 42" and view.document(sms).channel == "sms"
