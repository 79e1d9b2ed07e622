"""The inbox page and its live stream: every message newest first, filters, safe rendering, Server-Sent Events."""

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


def send(env: Env, vendor: str = "placewise", to: str = "a@example.org", **fields: Any) -> str:
    message = {"channel": "email", "sender": "s@example.org", "subject": "Reset", "text": "t", "now": 0, **fields}
    return env.outbox.send(vendor=vendor, to=to, **message).id


async def page(client: TestClient, **query: str) -> str:
    response = await client.get("/__admin/inbox", params=query)
    assert response.status == 200 and response.content_type == "text/html"
    return await response.text()


def shown_ids(html: str) -> list[str]:
    return re.findall(r'<li class="message" data-id="(\d+)"', html)


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


async def test_a_message_shows_its_link_its_sandboxed_html_and_its_text(client: TestClient, env: Env) -> None:
    link = "http://127.0.0.1:8080/__admin/reset-page/placewise?token=abc"
    send(env, text=f"Go to {link}", html=f'<p><a href="{link}">Reset</a></p>', link=link, token="abc")
    html = await page(client)
    assert f'<a class="link" href="{link}" target="_blank" rel="noopener noreferrer">' in html
    frame = re.search(r"<iframe [^>]*>", html)
    assert frame is not None and 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in frame.group(0)
    assert 'srcdoc="&lt;base target=&quot;_blank&quot;&gt;&lt;p&gt;&lt;a href=' in frame.group(0)
    assert f'<pre class="text">Go to {link}</pre>' in html


async def test_message_fields_cannot_inject_markup(client: TestClient, env: Env) -> None:
    send(env, subject="<script>alert(1)</script>", text="</pre><img src=x onerror=alert(1)>")
    html = await page(client)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


async def test_a_javascript_link_is_not_clickable(client: TestClient, env: Env) -> None:
    send(env, link="javascript://%0aalert(1)", text="x")
    assert 'href="javascript' not in await page(client)


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


async def test_the_stream_replays_the_messages_after_the_given_id_then_goes_live(client: TestClient, env: Env) -> None:
    first = send(env)
    second = send(env, subject="second")
    async with client.get("/__admin/outbox/stream", params={"after": first}) as response:
        assert response.status == 200 and response.content_type == "text/event-stream"
        assert (await next_event(response))["id"] == second
        third = send(env, subject="third")
        event = await next_event(response)
        assert event["id"] == third and event["subject"] == "third"


async def test_a_reconnecting_client_resumes_after_its_last_event_id(client: TestClient, env: Env) -> None:
    first = send(env)
    second = send(env)
    async with client.get("/__admin/outbox/stream", headers={"Last-Event-ID": first}) as response:
        assert (await next_event(response))["id"] == second


async def test_the_stream_sends_only_matching_messages(client: TestClient, env: Env) -> None:
    async with client.get("/__admin/outbox/stream", params={"vendor": "zitadel"}) as response:
        send(env, "placewise")
        wanted = send(env, "zitadel")
        assert (await next_event(response))["id"] == wanted


async def test_the_stream_matches_a_phone_number_sent_with_an_unencoded_plus(client: TestClient, env: Env) -> None:
    async with client.get("/__admin/outbox/stream?to=+4790000000") as response:  # the + arrives as a space
        send(env, "zitadel", channel="sms", to="+4790000001")
        wanted = send(env, "zitadel", channel="sms", to="+4790000000")
        assert (await next_event(response))["id"] == wanted


async def test_the_inbox_finds_a_phone_number_typed_with_spaces(client: TestClient, env: Env) -> None:
    sms = send(env, "zitadel", channel="sms", to="+4790000000")
    send(env, "zitadel", channel="sms", to="+4790000001")
    assert shown_ids(await page(client, to="+47 900 00 000")) == [sms]


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
