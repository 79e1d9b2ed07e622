"""Mailpit's search syntax over plain documents: terms ANDed, quotes group, `-`/`!` negate, prefixes match fields."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resetkit.mailpit.search import Document, clean, compile_query, parse_time, size_in_bytes, split_terms

SENT = datetime(2026, 12, 7, 12, 30, tzinfo=UTC).timestamp()
DOC = Document(
    to=clean("Ana Lima ana@example.org"),
    sender=clean("no-reply@club.example"),
    subject="reset your password",
    message_id="resetkit-placewise-1@club.example",
    text=clean("no-reply@club.example Reset your password ana@example.org Use this link token=abc123"),
    tags=("placewise",),
    read=False,
    created_ms=int(SENT * 1000),
    size=1500,
)


def matches(query: str, document: Document = DOC, tz: str | None = "UTC") -> bool:
    return compile_query(query, tz)(document)


def test_terms_split_at_spaces_and_quotes_keep_a_phrase() -> None:
    assert split_terms('to:ana subject:"your password"  -is:read') == ["to:ana", "subject:your password", "-is:read"]


@pytest.mark.parametrize("query", ["", "   ", '""'])
def test_an_empty_search_matches_everything(query: str) -> None:
    assert matches(query)


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("to:ana@example", True),
        ("to:ANA", True),
        ("to:lima", True),  # the recipient's name too
        ("to:bo@", False),
        ("from:club.example", True),
        ('subject:"Your Password"', True),
        ("subject:welcome", False),
        ("message-id:resetkit-placewise", True),
        ("tag:placewise", True),
        ("vendor:zitadel", False),
        ("is:unread", True),
        ("is:read", False),
        ("is:email", True),
        ("is:sms", False),
        ("token=abc123", True),  # a bare word is looked for in the whole message
        ("link token", True),
        ('"this link"', True),
        ("nothing-like-it", False),
        ("foo:bar", False),  # an unknown prefix is a bare word, as in Mailpit
        ("larger:1kb", True),
        ("smaller:1kb", False),
        ("larger:2kb", False),
    ],
)
def test_each_kind_of_term(query: str, found: bool) -> None:
    assert matches(query) is found


def test_all_terms_must_match() -> None:
    assert matches("to:ana subject:reset") and not matches("to:ana subject:welcome")


@pytest.mark.parametrize("negation", ["-", "!"])
def test_a_leading_dash_or_bang_negates_a_term(negation: str) -> None:
    assert not matches(f"{negation}to:ana") and matches(f"{negation}to:bo") and matches(f"{negation}is:read")


def test_a_lone_dash_or_bang_is_a_bare_word_not_a_negation() -> None:
    assert matches("-") and not matches("!")  # "no-reply" holds a dash, nothing holds a bang


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("after:2026-12-07", True),
        ("after:2026-12-08", False),
        ("before:2026-12-08", True),
        ('after:"2026-12-07 12:00"', True),
        ('after:"2026-12-07 13:00"', False),
        ("after:2026-12-07T12:31:00Z", False),
        ("-after:2026-12-08", True),
        ("after:someday", True),  # a date it cannot read is ignored, as Mailpit does
    ],
)
def test_dates_compare_with_the_sending_time(query: str, found: bool) -> None:
    assert matches(query) is found


def test_a_date_without_a_zone_is_read_in_the_tz_zone() -> None:
    # 12:30 UTC is 13:30 in Oslo: after 13:00 there, not after 14:00
    assert matches('after:"2026-12-07 13:00"', tz="Europe/Oslo")
    assert not matches('after:"2026-12-07 14:00"', tz="Europe/Oslo")


def test_read_flags_follow_the_document() -> None:
    assert matches("is:read", replace(DOC, read=True)) and not matches("is:unread", replace(DOC, read=True))


@pytest.mark.parametrize(("value", "size"), [("300", 300), ("2kb", 2048), ("1.5m", 1572864), ("2K", 2048), ("2gb", 0)])
def test_sizes(value: str, size: int) -> None:
    assert size_in_bytes(value) == size


def test_times_read_dates_iso_and_unix() -> None:
    assert parse_time("2026-12-07T12:30:00Z") == SENT
    assert parse_time("2026/12/07", UTC) == datetime(2026, 12, 7, tzinfo=UTC).timestamp()
    assert parse_time(str(int(SENT))) == SENT and parse_time(str(int(SENT * 1000))) == SENT
    assert parse_time("yesterday") is None


@given(st.text(max_size=300), st.sampled_from(["", "UTC", "Europe/Oslo", "America", "../etc", "Nowhere/City"]))
def test_every_query_gets_a_verdict(query: str, tz: str) -> None:
    assert compile_query(query, tz)(DOC) in (True, False)


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("larger:" + "9" * 400, False),  # not a size: a bare word, found nowhere
        ("after:0001-01-01", True),
        ("before:9999-12-31T23:59:59-12:00", True),
        ("after:10000-01-01", True),  # not a date: ignored
    ],
)
def test_sizes_and_dates_at_the_edges(query: str, found: bool) -> None:
    assert compile_query(query, "UTC")(DOC) is found
