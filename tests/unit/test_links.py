"""The link check's facts, without the network: which links a message has, where each points, whether and how the
mock asks it (a request forgery guard), and the reset secret it carries, in words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resetkit.flows import reset
from resetkit.links import Probe, carries, duration, links_in, may_connect_to, place_of, probe_for, status_words
from resetkit.links import token_status as link_token_status
from resetkit.outbox import Outbox
from resetkit.store.memory import InMemoryStore
from resetkit.store.models import Account

BASE = "http://localhost:8080"  # the mock's public URL
LISTEN = "http://127.0.0.1:54321"  # where it listens
HOSTED = f"{BASE}/__admin/reset-page/placewise?token=abc"


def probe(url: str, remote: bool = False) -> Probe | str:
    return probe_for(url, base_url=BASE, listen_url=LISTEN, remote=remote)


def test_a_messages_links_come_link_first_then_html_then_text_each_once() -> None:
    message = Outbox().send(
        vendor="v",
        channel="email",
        to="a@b.c",
        sender="s@b.c",
        subject="s",
        text=f"Open {HOSTED}. Or https://help.example/faq, or javascript://alert(1)",
        html=f'<a href="{HOSTED}">reset</a> <a href="https://example.com/privacy">privacy</a> <a href="/x">x</a>',
        link=HOSTED,
        now=0,
    )
    assert links_in(message) == [HOSTED, "https://example.com/privacy", "https://help.example/faq"]


@pytest.mark.parametrize(
    ("url", "place"),
    [
        (HOSTED, "mock"),
        ("http://localhost:3000/reset?token=abc", "loopback"),
        ("http://127.0.0.2/x", "loopback"),
        ("http://[::1]:3000/x", "loopback"),
        ("http://app.localhost/x", "loopback"),
        ("https://shop.example/reset", "elsewhere"),
        ("http://localhost:8080.evil.example/x", "elsewhere"),
        ("myapp://reset?token=abc", "app"),
    ],
)
def test_where_a_link_points(url: str, place: str) -> None:
    assert place_of(url, BASE) == place


def test_a_link_on_the_mock_is_asked_where_the_mock_listens_and_its_hosted_page_with_get() -> None:
    assert probe(HOSTED) == Probe(f"{LISTEN}/__admin/reset-page/placewise?token=abc", "GET")
    assert probe(f"{BASE}/__admin/health") == Probe(f"{LISTEN}/__admin/health", "HEAD")


def test_a_loopback_link_is_asked_with_head_so_that_its_token_is_not_redeemed() -> None:
    assert probe("http://localhost:3000/reset?token=abc") == Probe("http://localhost:3000/reset?token=abc", "HEAD")


def test_another_host_is_asked_only_when_the_caller_says_remote() -> None:
    assert isinstance(probe("https://shop.example/reset"), str)
    assert probe("https://shop.example/reset", remote=True) == Probe("https://shop.example/reset", "HEAD", True)


def test_an_app_link_is_never_asked() -> None:
    assert isinstance(probe("myapp://reset", remote=True), str)


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("93.184.215.14", True),
        ("10.0.0.5", True),  # a colleague's machine or a compose network: asked when the caller says remote
        ("169.254.169.254", False),  # cloud metadata
        ("fe80::1%eth0", False),
        ("::ffff:169.254.169.254", False),
        ("fd00:ec2::254", False),
        ("100.100.100.200", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
    ],
)
def test_addresses_a_remote_check_may_connect_to(address: str, allowed: bool) -> None:
    assert may_connect_to(address) is allowed


def test_a_secret_is_found_in_the_query_the_fragment_or_the_path() -> None:
    assert carries("http://x/reset?token=abc", "abc") and carries("http://x/reset#code=abc", "abc")
    assert carries("http://x/reset/abc/confirm", "abc") and not carries("http://x/reset?token=abcd", "abc")


def test_the_token_status_of_a_link_is_its_messages_secret_read_from_the_store() -> None:
    store = InMemoryStore()
    account = Account(vendor="placewise", id="1", email="a@b.c", password_hash="x")
    store.add_account(account)
    reset.request_reset(store, account, now=0, ttl_seconds=3600, make_secret=lambda: "abc")
    message = Outbox().send(
        vendor="placewise",
        channel="email",
        to="a@b.c",
        sender="s",
        subject="s",
        text="",
        link=HOSTED,
        token="abc",
        now=0,
    )
    status = link_token_status(store, message, HOSTED, now=60)
    assert status is not None and status.state == "redeemable"
    assert link_token_status(store, message, "https://help.example/faq", now=60) is None


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (5, "5 s"),
        (59, "59 s"),
        (60, "1 min"),
        (3599, "59 min"),
        (3600, "1 h"),
        (3660, "1 h 1 min"),
        (86400, "1 day"),
        (3 * 86400, "3 days"),
    ],
)
def test_durations_in_words(seconds: float, words: str) -> None:
    assert duration(seconds) == words


def test_each_state_in_words() -> None:
    assert status_words(reset.SecretStatus("redeemable", "reset", 3600.0), now=0) == "still redeemable, for 1 h more"
    assert status_words(reset.SecretStatus("used", "reset", 3600.0, 10.0), now=70) == "already used, 1 min ago"
    assert status_words(reset.SecretStatus("expired", "reset", 3600.0), now=3720) == "expired 2 min ago"
    assert status_words(reset.SecretStatus("unknown"), now=0).startswith("not redeemable")


@given(st.text(max_size=200), st.text(max_size=200))
def test_no_text_or_html_makes_finding_links_fail(text: str, html: str) -> None:
    message = Outbox().send(vendor="v", channel="email", to="a", sender="s", subject="s", text=text, html=html, now=0)
    for url in links_in(message):
        assert place_of(url, BASE) in ("mock", "loopback", "elsewhere", "app")
        assert isinstance(probe(url, remote=True), Probe | str)


def test_a_link_that_does_not_parse_is_left_out() -> None:
    message = Outbox().send(
        vendor="v", channel="email", to="a", sender="s", subject="s", text="http://[::1 and http://x:port/", now=0
    )
    assert links_in(message) == []
