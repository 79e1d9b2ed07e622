"""The inbox page and its live stream: every message newest first, search and filters, safe rendering, the way in
from `/` and `/__admin/`, and Server-Sent Events that send only new messages unless the past is asked for."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
import requests
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from resetkit import admin
from resetkit.env import Env
from resetkit.runner import start_live_mock
from resetkit.settings import Settings
from tests.fixtures.app import MockFactory


def send(env: Env, vendor: str = "placewise", to: str = "a@example.org", **fields: Any) -> str:
    message = {"channel": "email", "sender": "s@example.org", "subject": "Reset", "text": "t", "now": 0, **fields}
    return env.outbox.send(vendor=vendor, to=to, **message).id


async def page(client: TestClient, **query: str) -> str:
    response = await client.get("/__admin/inbox", params=query)
    assert response.status == 200 and response.content_type == "text/html"
    return await response.text()


def config_of(html: str) -> dict[str, Any]:
    """The JSON the page's script renders from."""
    found = re.search(r'<script type="application/json" id="config">(.*?)</script>', html, re.DOTALL)
    assert found is not None
    config: dict[str, Any] = json.loads(found.group(1))
    return config


def shown_ids(html: str) -> list[str]:
    return [m["id"] for m in config_of(html)["messages"]]


async def test_the_inbox_lists_every_message_newest_first(client: TestClient, env: Env) -> None:
    first, second = send(env), send(env, "zitadel", channel="sms", to="+4790000000")
    assert shown_ids(await page(client)) == [second, first]


async def test_the_inbox_filters_by_vendor_recipient_and_channel(client: TestClient, env: Env) -> None:
    placewise = send(env, to="A@Example.org")
    zitadel = send(env, "zitadel", to="b@example.org")
    sms = send(env, "zitadel", channel="sms", to="+4790000000")
    assert shown_ids(await page(client, vendor="zitadel")) == [sms, zitadel]
    assert shown_ids(await page(client, to="a@example.org")) == [placewise]
    assert shown_ids(await page(client, channel="sms")) == [sms]
    assert shown_ids(await page(client, vendor="", to="", channel="")) == [sms, zitadel, placewise]


async def test_the_inbox_searches_in_mailpits_syntax(client: TestClient, env: Env) -> None:
    send(env, to="ana@example.org", subject="Welcome")
    wanted = send(env, to="ana@example.org", subject="Reset your password")
    send(env, to="bo@example.org", subject="Reset your password")
    html = await page(client, query='to:ana subject:"reset your"')
    assert shown_ids(html) == [wanted] and config_of(html)["total"] == 1
    assert 'value="to:ana subject:&quot;reset your&quot;"' in html  # the search box keeps what was searched


async def test_the_inbox_finds_the_sms_with_is_sms(client: TestClient, env: Env) -> None:
    send(env)
    sms = send(env, "zitadel", channel="sms", to="+4790000000", subject="", text="Your code is 123456")
    assert shown_ids(await page(client, query="is:sms 123456")) == [sms]


async def test_the_inbox_finds_a_phone_number_typed_with_spaces(client: TestClient, env: Env) -> None:
    sms = send(env, "zitadel", channel="sms", to="+4790000000")
    send(env, "zitadel", channel="sms", to="+4790000001")
    assert shown_ids(await page(client, to="+47 900 00 000")) == [sms]


async def test_a_message_asked_for_by_its_id_is_opened_even_when_the_search_hides_it(
    client: TestClient, env: Env
) -> None:
    hidden = send(env, "zitadel")
    config = config_of(await page(client, vendor="placewise", message=hidden))
    assert config["opened"]["id"] == hidden and config["messages"] == []


async def test_message_fields_cannot_inject_markup(client: TestClient, env: Env) -> None:
    send(env, subject="</script><script>alert(1)</script>", text="</pre><img src=x onerror=alert(1)>")
    html = await page(client)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)" in html
    assert config_of(html)["messages"][0]["subject"] == "</script><script>alert(1)</script>"


async def test_the_page_runs_only_its_own_script_and_leaks_no_referrer(client: TestClient) -> None:
    response = await client.get("/__admin/inbox")
    html = await response.text()
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"script-src 'nonce-([^']+)'", policy)
    assert nonce is not None and "default-src 'none'" in policy
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all("src=" not in s for s in scripts)
    assert all(f'nonce="{nonce.group(1)}"' in s or 'type="application/json"' in s for s in scripts)
    assert response.headers["Referrer-Policy"] == "no-referrer"


async def test_the_page_has_a_favicon_of_its_own(client: TestClient) -> None:
    icon = re.search(r'<link rel="icon" href="([^"]+)">', await page(client))
    assert icon is not None and icon.group(1).startswith("data:image/svg+xml,")


@pytest.mark.parametrize(("path", "location"), [("/", "__admin/inbox"), ("/__admin/", "inbox")])
async def test_the_roots_lead_to_the_inbox(client: TestClient, path: str, location: str) -> None:
    response = await client.get(path, allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] == location


async def test_the_root_leads_to_the_inbox_when_a_vendor_is_served_there_too(make_mock: MockFactory) -> None:
    client, _ = await make_mock(vendors=("leadsquared",), mount_at_root=True)
    response = await client.get("/", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] == "__admin/inbox"


# The live stream ---------------------------------------------------------------------------------------------
async def next_event(response: ClientResponse) -> dict[str, Any]:
    """The next `message` event's data (comments and the retry hint skipped)."""
    fields: dict[str, str] = {}
    while True:
        line = (await asyncio.wait_for(response.content.readline(), 5)).decode().rstrip("\n")
        if not line:
            if "data" in fields:
                assert fields["event"] == "message"
                data: dict[str, Any] = json.loads(fields["data"])
                assert data["id"] == fields["id"]
                return data
            continue
        name, _, value = line.partition(": ")
        fields[name] = value


async def test_the_stream_sends_only_messages_sent_after_it_opened(client: TestClient, env: Env) -> None:
    send(env, subject="old")
    async with client.get("/__admin/outbox/stream") as response:
        assert response.status == 200 and response.content_type == "text/event-stream"
        await response.content.readline()  # the retry hint: the stream is open
        new = send(env, subject="new")
        event = await next_event(response)
        assert event["id"] == new and event["subject"] == "new"


async def test_the_stream_replays_the_messages_after_the_id_since_then_goes_live(client: TestClient, env: Env) -> None:
    first = send(env)
    second = send(env, subject="second")
    async with client.get("/__admin/outbox/stream", params={"since": first}) as response:
        assert (await next_event(response))["id"] == second
        third = send(env, subject="third")
        event = await next_event(response)
        assert event["id"] == third and event["subject"] == "third"


async def test_the_stream_replays_the_messages_sent_since_a_time(client: TestClient, env: Env) -> None:
    send(env, now=1_000_000.0)
    later = send(env, now=1_000_060.0)
    async with client.get("/__admin/outbox/stream", params={"since": "1970-01-12T13:47:00Z"}) as response:
        assert (await next_event(response))["id"] == later


async def test_the_stream_replays_everything_when_asked(client: TestClient, env: Env) -> None:
    first = send(env)
    async with client.get("/__admin/outbox/stream", params={"replay": "all"}) as response:
        assert (await next_event(response))["id"] == first


async def test_a_since_that_is_neither_an_id_nor_a_time_is_a_400(client: TestClient) -> None:
    response = await client.get("/__admin/outbox/stream", params={"since": "yesterday"})
    assert response.status == 400 and "since" in (await response.json())["error"]


async def test_a_reconnecting_client_resumes_after_its_last_event_id(client: TestClient, env: Env) -> None:
    first = send(env)
    second = send(env)
    async with client.get("/__admin/outbox/stream", headers={"Last-Event-ID": first}) as response:
        assert (await next_event(response))["id"] == second


async def test_the_stream_sends_only_matching_messages(client: TestClient, env: Env) -> None:
    async with client.get("/__admin/outbox/stream", params={"vendor": "zitadel"}) as response:
        await response.content.readline()
        send(env, "placewise")
        wanted = send(env, "zitadel")
        assert (await next_event(response))["id"] == wanted


async def test_the_stream_takes_a_search(client: TestClient, env: Env) -> None:
    async with client.get("/__admin/outbox/stream", params={"query": "to:bo@ -subject:welcome"}) as response:
        await response.content.readline()
        send(env, to="ana@example.org")
        send(env, to="bo@example.org", subject="Welcome")
        wanted = send(env, to="bo@example.org", subject="Reset")
        assert (await next_event(response))["id"] == wanted


async def test_the_stream_matches_a_phone_number_sent_with_an_unencoded_plus(client: TestClient, env: Env) -> None:
    async with client.get("/__admin/outbox/stream?to=+4790000000") as response:  # the + arrives as a space
        await response.content.readline()
        send(env, "zitadel", channel="sms", to="+4790000001")
        wanted = send(env, "zitadel", channel="sms", to="+4790000000")
        assert (await next_event(response))["id"] == wanted


async def test_the_stream_unsubscribes_when_the_client_goes_away(
    client: TestClient, env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(admin, "HEARTBEAT_SECONDS", 0.05)  # a keep-alive write notices the closed connection
    listeners = env.outbox._listeners  # the only way to see subscriptions from outside
    async with client.get("/__admin/outbox/stream") as response:
        await response.content.readline()
        assert len(listeners) == 1
    for _ in range(100):
        if not listeners:
            break
        await asyncio.sleep(0.05)
    assert listeners == []


def test_an_open_stream_does_not_hold_up_shutdown() -> None:
    mock = start_live_mock(Settings(port=0, accounts=1))
    stream = requests.get(f"{mock.url}/__admin/outbox/stream", stream=True, timeout=10)
    assert next(stream.iter_lines()) == b"retry: 1000"
    mock.stop()  # raises if the server waited for the stream (it would for a minute)
    stream.close()


# One message: read, marked, deleted ----------------------------------------------------------------------------
async def test_a_message_is_unread_until_marked_read(client: TestClient, env: Env) -> None:
    sent = send(env)
    assert (await (await client.get(f"/__admin/outbox/{sent}")).json())["read"] is False
    marked = await client.patch(f"/__admin/outbox/{sent}", json={"read": True})
    assert marked.status == 200 and (await marked.json())["read"] is True
    assert env.outbox.get(sent) is not None and env.outbox.get(sent).read  # type: ignore[union-attr]


async def test_a_deleted_message_is_gone(client: TestClient, env: Env) -> None:
    sent, kept = send(env), send(env)
    assert (await client.delete(f"/__admin/outbox/{sent}")).status == 204
    assert (await client.get(f"/__admin/outbox/{sent}")).status == 404
    assert [m.id for m in env.outbox.find()] == [kept]


async def test_the_outbox_listing_takes_a_search(client: TestClient, env: Env) -> None:
    send(env, to="ana@example.org")
    wanted = send(env, to="bo@example.org")
    listed = await (await client.get("/__admin/outbox", params={"query": "to:bo@"})).json()
    assert [m["id"] for m in listed["messages"]] == [wanted] and listed["total"] == 1
