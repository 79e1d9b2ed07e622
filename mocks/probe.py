"""Whether a link answers: one request from the server (`links.probe_for` decides which, and whether at all), with a
short timeout, no redirects followed, no cookies or credentials sent and no body read."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from .links import Probe, host_of, may_connect_to

TIMEOUT_SECONDS = 3.0
USER_AGENT = "resetkit-link-check"


@dataclass(frozen=True, slots=True)
class Answer:
    """What the link's server said: `status` (None: it did not answer) and the same in words."""

    answers: bool
    status: int | None
    words: str

    def to_json(self) -> dict[str, Any]:
        return {"answers": self.answers, "status": self.status, "words": self.words}


def _phrase(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


async def _refused_address(url: str) -> str | None:
    """Why a remote link's host may not be asked (it resolves to an address never asked), or None."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        return f"does not answer: its host cannot be resolved ({exc.strerror or exc})"
    for *_, sockaddr in found:
        if not may_connect_to(str(sockaddr[0])):
            return f"not asked: {host} resolves to {sockaddr[0]}, an address the mock never asks (link-local, metadata)"
    return None


async def ask(session: aiohttp.ClientSession, probe: Probe, timeout: float = TIMEOUT_SECONDS) -> Answer:
    """One request to `probe.url`; any HTTP status counts as an answer."""
    if probe.check_address:
        refused = await _refused_address(probe.url)
        if refused is not None:
            return Answer(False, None, refused)
    try:
        async with session.request(
            probe.method,
            probe.url,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=timeout),
            headers={"User-Agent": USER_AGENT},
        ) as response:
            status = response.status
            location = response.headers.get("Location")
    except TimeoutError:
        return Answer(False, None, f"does not answer within {timeout:g} s")
    except aiohttp.ClientConnectorCertificateError as exc:
        return Answer(False, None, f"does not answer: its TLS certificate is not trusted ({exc.certificate_error})")
    except aiohttp.ClientConnectorError as exc:
        return Answer(False, None, f"does not answer: {exc.os_error.strerror or exc.os_error}")
    except (aiohttp.ClientError, ValueError, OSError) as exc:  # InvalidURL, a reset connection, a bad TLS record
        return Answer(False, None, f"does not answer: {type(exc).__name__}")
    words = f"answers {_phrase(status)}"
    if location and 300 <= status < 400:
        words += f", redirecting to {host_of(location) or 'a path on the same host'}"
    return Answer(True, status, words)


def new_session() -> aiohttp.ClientSession:
    """A session that keeps no cookies, so one link's answer never travels to another."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False)
