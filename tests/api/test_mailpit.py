"""The outbox through Mailpit's API (`/__admin/mailpit`): Mailpit 1.x's shapes, search, read flags and deletes,
answered with 200 as Mailpit does (its clients throw on anything else), errors in plain text."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from resetkit.env import Env

BASE = "/__admin/mailpit"


def send(env: Env, to: str = "ana@example.org", **fields: Any) -> str:
    message = {
        "vendor": "placewise",
        "channel": "email",
        "sender": "no-reply@club.example",
        "subject": "Reset your password",
        "text": "Go to http://127.0.0.1:8080/__admin/reset-page/placewise?token=abc",
        "html": '<p>Go to <a href="http://127.0.0.1:8080/__admin/reset-page/placewise?token=abc">the page</a></p>',
        "now": 1_800_000_000.25,
        **fields,
    }
    return env.outbox.send(to=to, **message).id


async def get_json(client: TestClient, path: str, **params: str) -> Any:
    response = await client.get(BASE + path, params=params)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_a_listing_is_mailpits_messages_summary(client: TestClient, env: Env) -> None:
    first, second = send(env), send(env, to="bo@example.org")
    listing = await get_json(client, "/api/v1/messages")
    assert listing["total"] == listing["unread"] == listing["messages_count"] == listing["count"] == 2
    assert listing["start"] == 0 and listing["tags"] == ["placewise"]
    assert [m["ID"] for m in listing["messages"]] == [second, first]
    summary = listing["messages"][1]
    assert summary["From"] == {"Name": "", "Address": "no-reply@club.example"}
    assert summary["To"] == [{"Name": "", "Address": "ana@example.org"}]
    assert summary["Created"] == "2027-01-15T08:00:00.25Z"  # Go's RFC3339Nano of the millisecond
    assert summary["Snippet"].startswith("Go to the page") and summary["Attachments"] == 0


async def test_the_sms_stay_out_of_the_mailpit_view(client: TestClient, env: Env) -> None:
    send(env, channel="sms", to="+4790000000", html="")
    listing = await get_json(client, "/api/v1/messages")
    assert listing["total"] == 0 and listing["messages"] == []


async def test_a_listing_pages_with_start_and_limit_and_lists_50_by_default(client: TestClient, env: Env) -> None:
    ids = [send(env) for _ in range(55)]
    assert len((await get_json(client, "/api/v1/messages"))["messages"]) == 50
    page = await get_json(client, "/api/v1/messages", start="50", limit="3")
    assert [m["ID"] for m in page["messages"]] == ids[4::-1][:3] and page["start"] == 50


async def test_a_search_counts_its_matches_apart_from_the_mailbox(client: TestClient, env: Env) -> None:
    send(env, to="ana@example.org")
    wanted = send(env, to="bo@example.org")
    found = await get_json(client, "/api/v1/search", query="to:BO@example")
    assert [m["ID"] for m in found["messages"]] == [wanted]
    assert (found["messages_count"], found["messages_unread"], found["total"]) == (1, 1, 2)


async def test_a_search_without_a_query_is_a_plain_text_400(client: TestClient) -> None:
    response = await client.get(BASE + "/api/v1/search", params={"query": "  "})
    assert response.status == 400 and response.content_type == "text/plain"
    assert await response.text() == "Error: no search query"


async def test_opening_a_message_answers_its_detail_and_marks_it_read(client: TestClient, env: Env) -> None:
    sent = send(env)
    message = await get_json(client, f"/api/v1/message/{sent}")
    assert message["ID"] == sent and message["Read"] is True
    assert message["Text"].startswith("Go to http") and message["HTML"].startswith("<p>")
    assert message["Date"] == "2027-01-15T08:00:00Z" and message["ReturnPath"] == "no-reply@club.example"
    assert (message["Inline"], message["Attachments"], message["Tags"]) == ([], [], ["placewise"])
    assert (await get_json(client, "/api/v1/messages"))["unread"] == 0


async def test_latest_is_the_newest_e_mail_matching_the_query(client: TestClient, env: Env) -> None:
    wanted = send(env, to="ana@example.org")
    send(env, to="bo@example.org")
    send(env, channel="sms", to="+4790000000", html="")
    assert (await get_json(client, "/api/v1/message/latest", query="to:ana"))["ID"] == wanted


async def test_latest_of_an_empty_mailbox_is_a_404(client: TestClient) -> None:
    response = await client.get(BASE + "/api/v1/message/latest")
    assert response.status == 404 and await response.text() == "Message not found"


async def test_an_unknown_or_sms_id_is_a_404(client: TestClient, env: Env) -> None:
    sms = send(env, channel="sms", to="+4790000000", html="")
    for which in ("999", sms):
        assert (await client.get(f"{BASE}/api/v1/message/{which}")).status == 404


async def test_headers_are_gos_mail_header(client: TestClient, env: Env) -> None:
    sent = send(env)
    headers = await get_json(client, f"/api/v1/message/{sent}/headers")
    assert list(headers) == sorted(headers)
    assert {"Content-Type", "Date", "Delivered-To", "From", "Message-Id", "Mime-Version", "Subject", "To"} <= set(
        headers
    )
    assert headers["Delivered-To"] == ["ana@example.org"] and headers["Subject"] == ["Reset your password"]
    assert parsedate_to_datetime(headers["Date"][0]).timestamp() == 1_800_000_000
    message = await get_json(client, f"/api/v1/message/{sent}")
    assert headers["Message-Id"] == [f"<{message['MessageID']}>"]


async def test_the_source_is_the_e_mail_as_delivered(client: TestClient, env: Env) -> None:
    sent = send(env)
    response = await client.get(f"{BASE}/api/v1/message/{sent}/raw", params={"dl": "1"})
    source = await response.read()
    assert source.startswith(b"Return-Path: <no-reply@club.example>\r\n") and b"\r\nSubject: Reset" in source
    assert response.headers["Content-Disposition"] == f'attachment; filename="{sent}.eml"'
    assert len(source) == (await get_json(client, f"/api/v1/message/{sent}"))["Size"]


@pytest.mark.parametrize("prefix", [f"{BASE}/view", f"{BASE}//view"])  # cypress-mailpit doubles the slash
async def test_the_view_answers_a_part_as_it_is(client: TestClient, env: Env, prefix: str) -> None:
    sent = send(env)
    text = await client.get(f"{prefix}/{sent}.txt")
    assert text.content_type == "text/plain" and await text.text() == env.outbox.get(sent).text  # type: ignore[union-attr]
    html = await client.get(f"{prefix}/latest.html", params={"query": "to:ana"})
    assert html.content_type == "text/html" and (await html.text()).startswith("<p>Go to")
    assert "default-src 'none'" in html.headers["Content-Security-Policy"]


async def test_the_view_of_a_message_without_html_is_a_404(client: TestClient, env: Env) -> None:
    sent = send(env, html="")
    response = await client.get(f"{BASE}/view/{sent}.html")
    assert response.status == 404 and await response.text() == "This message does not contain a HTML part"


async def test_deleting_by_ids_answers_ok_with_200(client: TestClient, env: Env) -> None:
    first, second, kept = send(env), send(env), send(env)
    response = await client.delete(BASE + "/api/v1/messages", json={"IDs": [first, second]})
    assert response.status == 200 and await response.text() == "ok"
    assert [m.id for m in env.outbox.find()] == [kept]


async def test_deleting_takes_ids_in_any_case_as_gos_decoder_does(client: TestClient, env: Env) -> None:
    first, kept = send(env), send(env)
    assert (await client.delete(BASE + "/api/v1/messages", json={"ids": [first]})).status == 200
    assert [m.id for m in env.outbox.find()] == [kept]


async def test_deleting_takes_a_form_with_several_ids(client: TestClient, env: Env) -> None:
    first, second, kept = send(env), send(env), send(env)
    response = await client.delete(BASE + "/api/v1/messages", data=[("ids", first), ("ids", second)])
    assert response.status == 200 and [m.id for m in env.outbox.find()] == [kept]


async def test_deleting_without_a_body_deletes_every_e_mail_and_keeps_the_sms(client: TestClient, env: Env) -> None:
    send(env)
    sms = send(env, channel="sms", to="+4790000000", html="")
    assert (await client.delete(BASE + "/api/v1/messages")).status == 200
    assert [m.id for m in env.outbox.find()] == [sms]


async def test_deleting_a_search_deletes_what_it_finds(client: TestClient, env: Env) -> None:
    send(env, to="ana@example.org")
    kept = send(env, to="bo@example.org")
    response = await client.delete(BASE + "/api/v1/search", params={"query": "to:ana"})
    assert response.status == 200 and [m.id for m in env.outbox.find()] == [kept]


async def test_read_status_is_set_for_ids_a_search_or_everything(client: TestClient, env: Env) -> None:
    ana, bo = send(env, to="ana@example.org"), send(env, to="bo@example.org")

    def read() -> dict[str, bool]:
        return {m.id: m.read for m in env.outbox.find()}

    assert (await client.put(BASE + "/api/v1/messages", json={"IDs": [ana], "Read": True})).status == 200
    assert read() == {ana: True, bo: False}
    await client.put(BASE + "/api/v1/messages", json={"Search": "to:bo", "Read": True})
    assert read() == {ana: True, bo: True}
    await client.put(BASE + "/api/v1/messages", json={})
    assert read() == {ana: False, bo: False}
    await client.put(BASE + "/api/v1/messages", data=[("ids", bo), ("Read", "True")])  # PyPI mailpit-api-client
    assert read() == {ana: False, bo: True}


async def test_ids_and_a_search_together_are_a_400(client: TestClient, env: Env) -> None:
    sent = send(env)
    response = await client.put(BASE + "/api/v1/messages", json={"IDs": [sent], "Search": "to:ana", "Read": True})
    assert response.status == 400 and "not both" in await response.text()


async def test_a_path_mailpit_does_not_have_is_a_plain_text_404(client: TestClient) -> None:
    response = await client.get(BASE + "/api/v1/nothing")
    assert response.status == 404 and response.content_type == "text/plain"


@pytest.mark.parametrize("field", ["sender", "subject", "to"])
async def test_a_control_character_in_a_header_is_shown_as_a_space_not_a_500(
    client: TestClient, env: Env, field: str
) -> None:
    values = {"sender": "no-reply@club.example", "subject": "Reset", "to": "ana@example.org"}
    values[field] += "\r\nBcc: victim@example.org"
    message_id = send(env, **values)
    await get_json(client, "/api/v1/messages")
    headers = await get_json(client, f"/api/v1/message/{message_id}/headers")
    assert "Bcc" not in headers
    source = await client.get(f"{BASE}/api/v1/message/{message_id}/raw")
    assert source.status == 200 and b"\r\nBcc:" not in await source.read()
