"""Every header is parsed defensively: an unknown or broken Content-Encoding is a 4xx in the vendor's shape, a
`Prefer` value that is not plain ASCII digits is ignored (RFC 7240), a header byte that is not UTF-8 is a 4xx, and the
journal can be read whatever a request held. None of it is a 500 or a traceback in the log."""

from __future__ import annotations

import gzip
import json
import logging
import zlib

import pytest
from aiohttp.test_utils import TestClient

from resetkit.env import Env

from .calls import VENDORS, WITH_BODY, initiate, new_account
from .test_bad_input import ENDPOINTS, is_vendor_shape
from .test_fuzz_findings import raw_exchange

LEADSQUARED = "/leadsquared/api/Authentication/SecureForgotPassword"
KEY = ENDPOINTS["leadsquared"][1]
FORGOT = json.dumps({"EmailAddress": "demo@leadsquared.resetkit.example"}).encode()


async def forgot(client: TestClient, body: bytes, **headers: str) -> tuple[int, dict[str, str], str]:
    sent = {**KEY, "Content-Type": "application/json", **{k.replace("_", "-"): v for k, v in headers.items()}}
    response = await client.post(LEADSQUARED, data=body, headers=sent)
    return response.status, dict(response.headers), await response.text()


# Content-Encoding -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize("coding", ["gzip", "deflate"])
async def test_a_body_that_is_not_in_its_coding_is_a_400_in_the_vendor_shape(
    vendor: str, coding: str, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    account = await new_account(client, vendor)
    with caplog.at_level(logging.WARNING):
        response = await initiate(client, vendor, account, {"Content-Encoding": coding}, WITH_BODY[vendor])
    assert response.status == 400, await response.text()
    assert is_vendor_shape(vendor)(await response.json())
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize("coding", ["br", "zstd", "compress", "x-bogus"])
async def test_a_coding_the_mock_does_not_decode_is_refused_naming_those_it_does(
    client: TestClient, coding: str
) -> None:
    status, headers, text = await forgot(client, FORGOT, Content_Encoding=coding)
    assert status == 400  # LeadSquared answers every body it cannot use with 400 (its 415 is a 400)
    assert headers["Accept-Encoding"] == "gzip, deflate"
    assert "is not supported" in json.loads(text)["ExceptionMessage"]


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some clients send it
        ("gzip, gzip", lambda data: gzip.compress(gzip.compress(data))),
        ("identity", lambda data: data),
    ],
    ids=["gzip", "zlib deflate", "raw deflate", "gzip twice", "identity"],
)
async def test_a_body_in_a_supported_coding_is_decoded(client: TestClient, coding: str, encode: object) -> None:
    assert callable(encode)
    status, _, text = await forgot(client, encode(FORGOT), Content_Encoding=coding)
    assert status == 200, text


async def test_a_body_that_inflates_past_the_size_limit_is_a_413(client: TestClient, env: Env) -> None:
    bomb = gzip.compress(b'{"EmailAddress": "' + b"a" * (env.settings.max_body_bytes + 1) + b'"}')
    status, _, text = await forgot(client, bomb, Content_Encoding="gzip")
    assert status == 413 and json.loads(text)["Status"] == "Error"


# Prefer -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "prefer",
    ["delay=²", "code=٥٠٣", "code=" + "5" * 5000, "delay=" + "1" * 5000, "code=503x", "code=-503", "delay=1e3"],
    ids=["superscript two", "arabic-indic digits", "5000-digit code", "5000-digit delay", "suffix", "sign", "float"],
)
async def test_a_prefer_value_that_is_not_plain_digits_is_ignored(client: TestClient, prefer: str) -> None:
    status, _, text = await forgot(client, FORGOT, Prefer=prefer)
    assert status == 200, text


# Header bytes that are not UTF-8 ----------------------------------------------------------------------------------
async def test_a_header_parameter_that_is_not_utf8_is_a_4xx(client: TestClient) -> None:
    path, headers = ENDPOINTS["placewise"]
    body = b'{"identifier": "a@b.c"}'
    request = (
        (
            f"POST /placewise{path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n"
        ).encode()
        + b"X-Loyalty-Club-Slug: \xff\xfe\r\n\r\n"
        + body
    )
    answer = await raw_exchange(client, request)
    status = int(answer.split(b" ", 2)[1])
    assert 400 <= status < 500, answer


@pytest.mark.parametrize("vendor", VENDORS)
async def test_a_credential_that_is_not_ascii_is_refused_not_a_500(client: TestClient, vendor: str) -> None:
    path, headers = ENDPOINTS[vendor]
    name = next(iter(headers))
    refused = {**headers, name: "Bearer café" if headers[name].startswith("Bearer") else "café"}
    response = await client.post(f"/{vendor}{path}", json={}, headers=refused)
    assert 400 <= response.status < 500


# The journal ------------------------------------------------------------------------------------------------------
async def test_the_journal_is_read_after_a_body_with_a_lone_surrogate(client: TestClient) -> None:
    status, _, _ = await forgot(client, b'{"EmailAddress":"\\ud800"}')
    assert status == 400
    response = await client.get("/__admin/journal")
    assert response.status == 200
    assert "\ufffd" in json.dumps((await response.json())["requests"][0]["request"]["body"], ensure_ascii=False)


async def test_the_journal_is_read_after_a_header_that_is_not_utf8(client: TestClient) -> None:
    body = b"{}"
    request = (
        (
            f"POST {LEADSQUARED} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {KEY['Authorization']}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
        ).encode()
        + b"X-Note: caf\xe9\r\n\r\n"
        + body
    )
    await raw_exchange(client, request)
    response = await client.get("/__admin/journal")
    assert response.status == 200
    assert (await response.json())["requests"][0]["request"]["headers"]["X-Note"] == "caf\ufffd"


async def test_a_basic_credential_that_is_not_ascii_is_a_401(client: TestClient) -> None:
    request = (
        b"POST /socialid/v2/marketing/oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic \xff\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 29\r\nConnection: close\r\n\r\n"
        b"grant_type=client_credentials"
    )
    answer = await raw_exchange(client, request)
    assert answer.split(b"\r\n", 1)[0].endswith(b" 401 Unauthorized"), answer
