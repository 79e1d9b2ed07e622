"""The link check of one message, against a live mock (its links are asked over the network): each link's host,
whether it answers, and whether the reset secret in it is redeemable, used or expired, in words."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from resetkit.clients import CLIENTS
from resetkit.runner import LiveMock, start_live_mock
from resetkit.settings import Settings
from tests.fixtures.resets import new_account, request_reset


@pytest.fixture(scope="module")
def mock() -> Iterator[LiveMock]:
    """The mock, strict, with a public URL of its own: its links are asked where it listens."""
    with start_live_mock(Settings(port=0, strict=True, accounts=1, public_url="http://mock.localhost:9999")) as live:
        yield live
    assert not live.env.violations, "\n".join(live.env.violations)


def reset_message(mock: LiveMock, vendor: str = "placewise") -> dict[str, Any]:
    account = new_account(mock.url, vendor)
    request_reset(mock.url, vendor, account)
    found = requests.get(f"{mock.url}/__admin/outbox", params={"to": account["email"]}, timeout=10).json()
    message: dict[str, Any] = found["messages"][0]
    return message


def facts(mock: LiveMock, message_id: str, **params: str) -> list[dict[str, Any]]:
    response = requests.get(f"{mock.url}/__admin/outbox/{message_id}/links", params=params, timeout=10)
    assert response.status_code == 200, response.text
    links: list[dict[str, Any]] = response.json()["links"]
    return links


def answers(mock: LiveMock, message_id: str, **params: str) -> dict[int, dict[str, Any]]:
    """The `link` events of the answers stream by link index, read until `done`."""
    found: dict[int, dict[str, Any]] = {}
    url = f"{mock.url}/__admin/outbox/{message_id}/links/answers"
    with requests.get(url, params=params, stream=True, timeout=20) as stream:
        event = ""
        for line in stream.iter_lines(decode_unicode=True):
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: ") and event == "link":
                data = json.loads(line.removeprefix("data: "))
                found[data["index"]] = data
            elif line.startswith("data: ") and event == "done":
                return found
    raise AssertionError("the answers stream ended without `done`")


def send_link(mock: LiveMock, link: str, token: str | None = None) -> str:
    message = mock.env.outbox.send(
        vendor="placewise",
        channel="email",
        to="x@example.org",
        sender="s@example.org",
        subject="links",
        text=f"Open {link}",
        link=link,
        token=token,
        now=mock.env.clock.now(),
    )
    return message.id


@pytest.mark.parametrize("vendor", ["placewise", "zitadel", "socialid", "leadsquared"])
def test_a_fresh_link_answers_and_its_token_is_redeemable(mock: LiveMock, vendor: str) -> None:
    message = reset_message(mock, vendor)
    (link,) = facts(mock, message["id"])
    assert link["url"] == message["link"] and link["host"] == "mock.localhost:9999" and link["place"] == "mock"
    assert link["token"]["state"] == "redeemable" and link["token"]["words"].startswith("still redeemable, for")
    assert answers(mock, message["id"])[0] | {"url": ""} == {
        "index": 0,
        "url": "",
        "answers": True,
        "status": 200,
        "words": "answers 200 OK",
    }


def test_a_used_link_says_so_and_checking_it_used_nothing(mock: LiveMock) -> None:
    message = reset_message(mock)
    answers(mock, message["id"])  # asking the hosted page redeems nothing
    assert facts(mock, message["id"])[0]["token"]["state"] == "redeemable"
    placewise = requests.get(f"{mock.url}/__admin/credentials", timeout=10).json()["placewise"]
    redeemed = requests.put(
        f"{mock.url}/placewise/v3/{placewise['loyalty_club_slug']}/members/by_email/{message['to']}/reset_password",
        json={"token": message["token"], "password": "N3w-Passw0rd!"},
        headers={"X-Client-Authorization": placewise["client_token"]},
        timeout=10,
    )
    assert redeemed.status_code == 200, redeemed.text
    (link,) = facts(mock, message["id"])
    assert link["token"]["state"] == "used" and link["token"]["words"].startswith("already used,")


def test_an_expired_link_says_since_when(mock: LiveMock) -> None:
    message = reset_message(mock)
    lifetime = CLIENTS["placewise"].reset_lifetime()
    assert lifetime is not None
    requests.post(f"{mock.url}/__admin/clock", json={"advance_seconds": lifetime + 3600}, timeout=10)
    try:
        (link,) = facts(mock, message["id"])
    finally:
        requests.put(f"{mock.url}/__admin/clock", json={"offset_seconds": 0}, timeout=10)
    assert link["token"]["state"] == "expired" and link["token"]["words"] == "expired 1 h ago"


def test_a_link_without_the_messages_token_has_no_token_status(mock: LiveMock) -> None:
    (link,) = facts(mock, send_link(mock, "http://localhost:1/help"))
    assert link["token"] is None and link["place"] == "loopback"


def test_a_loopback_link_nobody_listens_on_does_not_answer(mock: LiveMock) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    message_id = send_link(mock, f"http://127.0.0.1:{port}/reset?token=abc")
    answer = answers(mock, message_id)[0]
    assert answer["answers"] is False and answer["words"].startswith("does not answer")


def test_a_link_to_another_host_is_not_asked_unless_remote(mock: LiveMock) -> None:
    message_id = send_link(mock, "https://shop.invalid/reset?token=abc")
    (link,) = facts(mock, message_id)
    assert link["probe"]["asked"] is False and "remote=true" in link["probe"]["words"]
    assert answers(mock, message_id) == {}
    assert facts(mock, message_id, remote="true")[0]["probe"]["asked"] is True


def test_even_with_remote_a_metadata_address_is_never_asked(mock: LiveMock) -> None:
    message_id = send_link(mock, "http://169.254.169.254/latest/meta-data/")
    answer = answers(mock, message_id, remote="true")[0]
    assert answer["answers"] is False and answer["words"].startswith("not asked: 169.254.169.254 resolves to")


def test_an_unknown_message_is_a_404(mock: LiveMock) -> None:
    assert requests.get(f"{mock.url}/__admin/outbox/999999/links", timeout=10).status_code == 404
