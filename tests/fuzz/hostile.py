"""The fuzz gate's classes beyond schemathesis (`make fuzz`, tests/fuzz/run.py): hostile header values on accepted
requests, held and trickled connections against `resetkit serve` at a lowered descriptor limit, and an SMTP relay
that fails in every way. Each class counts its cases and reports findings, as a vendor's schemathesis run does."""

from __future__ import annotations

import asyncio
import logging
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from resetkit.journal import JournalEntry
from resetkit.runner import free_port, start_live_mock
from resetkit.settings import Settings
from resetkit.vendors.socialid import LOGIN_APP_TOKEN
from tests.fixtures.smtp import Server

REQUEST_TIMEOUT = 5.0
# Header values a hostile or broken client sends, each on one accepted request per operation (the request as it
# was otherwise). Raw bytes: some are not UTF-8, some are what no HTTP library would send.
HOSTILE_HEADERS: dict[bytes, list[bytes]] = {
    b"Content-Encoding": [
        b"gzip", b"deflate", b"br", b"zstd", b"compress", b"x-gzip", b"GZIP", b"identity", b"gzip, gzip",
        b"gzip;q=1", b"gzip, identity, deflate", b"\xff\xfe", b"a" * 8000, b",", b"identity, br",
    ],
    b"Prefer": [
        b"code=\xc2\xb2", "code=٥٠٣".encode(), "delay=²".encode(), b"code=" + b"5" * 5000, b"delay=" + b"9" * 5000,
        b"code=99999", b"code=-503", b"delay=1e3", b"code=503x", b"delay=-1", b"code=400", b"delay=1",
        b"code=, delay=", b"return=minimal", b"\xff",
    ],
    b"Host": [b"", b"a" * 8000, b"[::1", b"\xc3\xa9vil.example", b"host:99999", b"a b", b"localhost:0", b"\xff"],
    b"Transfer-Encoding": [b"chunked", b"gzip, chunked", b"identity", b"chunked, chunked", b"xchunked", b"\xff"],
    b"Accept-Language": [
        b"*;q=abc", b"x" * 8000, b"en-US,en;q=0.9", b"\xff\xfe", b"zh-Hans-CN-u-nu-hanidec", b"ar;q=1.5", b",,,",
    ],
    b"Authorization": [b"Bearer caf\xc3\xa9", b"Bearer \xff", b"Basic \xff", b"Bearer " + b"a" * 8000],
}  # fmt: skip
# Headers the replayed request does not keep: each hostile one, and those that frame the message.
_REFRAMED = {b"content-length", b"host", b"transfer-encoding", b"connection", *(h.lower() for h in HOSTILE_HEADERS)}


@dataclass
class ClassRun:
    """One class of hostile input: how many cases it tried and what it found."""

    name: str
    seconds: float = 0.0
    cases: int = 0
    findings: list[str] = field(default_factory=list)
    detail: str = ""  # what else the summary line says


def raw_request(entry: JournalEntry, header: bytes, value: bytes) -> bytes:
    """The accepted request again, with one header set to `value` (Transfer-Encoding: without Content-Length)."""
    lines = [f"{entry.method} {entry.path} HTTP/1.1".encode(), b"Host: 127.0.0.1"]
    for name, sent in (entry.request_headers or {}).items():
        if name.lower().encode() not in _REFRAMED:
            lines.append(f"{name}: {sent}".encode("utf-8", "surrogateescape"))
    if header.lower() == b"host":
        lines.pop(1)
    lines.append(header + b": " + value)
    if header.lower() != b"transfer-encoding":
        lines.append(b"Content-Length: %d" % len(entry.request_body))
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + entry.request_body


def exchange(host: str, port: int, request: bytes) -> bytes:
    """Send one request on a new connection and read until the server closes it (or REQUEST_TIMEOUT)."""
    with socket.create_connection((host, port), timeout=REQUEST_TIMEOUT) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def send_hostile_headers(url: str, accepted: dict[tuple[str, str], JournalEntry]) -> ClassRun:
    """Every hostile header value on every accepted request: each must get an answer below 500 (the tally sees the
    ones the mock journals; the status line is checked here for those aiohttp answers itself)."""
    run = ClassRun("hostile header values")
    started = time.monotonic()
    host, port = url.removeprefix("http://").rsplit(":", 1)
    for (vendor, operation), entry in sorted(accepted.items()):
        if entry.request_size != len(entry.request_body):
            continue  # the journal kept only part of the body
        for header, values in HOSTILE_HEADERS.items():
            for value in values:
                run.cases += 1
                label = f"{header.decode()}: {value[:24]!r}{'...' if len(value) > 24 else ''}"
                try:
                    answer = exchange(host, int(port), raw_request(entry, header, value))
                except OSError as exc:
                    run.findings.append(f"{vendor} {operation} with {label}: no answer ({type(exc).__name__})")
                    continue
                status = answer.split(b" ", 2)[1] if answer.count(b" ") >= 2 else b""
                if not status.isdigit() or int(status) >= 500:
                    run.findings.append(f"{vendor} {operation} with {label}: {answer[:60]!r}")
    run.seconds = time.monotonic() - started
    return run


# Held and trickled connections at a lowered descriptor limit ------------------------------------------------------
DESCRIPTORS = 256
HELD = 300  # idle, trickling and slow-body connections together: more than the server has descriptors
SLOW_BODIES = 20  # under the cap (64 at 256 descriptors): past it new clients get 503 until these time out
PROBES = 20
PROMPT = 2.0
LOW_LIMIT = (
    "import resource, runpy, sys; resource.setrlimit(resource.RLIMIT_NOFILE, ({n}, {n})); "
    "sys.argv = ['resetkit', *sys.argv[1:]]; runpy.run_module('resetkit', run_name='__main__')"
)
HEALTH = b"GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
OPENINGS = {  # what each kind of held connection sends, and then nothing more
    "idle": b"",
    "trickling": b"GET /__admin/health HTTP/1.1\r\nX-Slow: ",
    "slow body": b"POST /leadsquared/api/Authentication/SecureForgotPassword HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
}


@contextmanager
def serving_at_low_limit(folder: Path) -> Iterator[tuple[str, Path]]:
    """`resetkit serve` in its own process with its descriptor limit lowered: its URL and its log."""
    port = free_port()
    log = folder / "held-connections.log"
    command = [sys.executable, "-c", LOW_LIMIT.format(n=DESCRIPTORS), "serve", "--no-grpc", "--accounts", "1"]
    with log.open("wb") as out:
        process = subprocess.Popen([*command, "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _answers(url):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"resetkit serve did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield url, log
    finally:
        process.terminate()
        process.wait(timeout=20)


def _answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/__admin/health", timeout=1).ok
    except requests.ConnectionError:
        return False


async def _held_connections(host: str, port: int, run: ClassRun) -> None:
    held: list[asyncio.StreamWriter] = []
    try:
        for n in range(HELD):
            kind = "slow body" if n < SLOW_BODIES else ("idle", "trickling")[n % 2]
            run.cases += 1
            try:
                _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), PROMPT)
            except (OSError, TimeoutError) as exc:
                run.findings.append(f"connection {n} ({kind}) not accepted: {type(exc).__name__}")
                break
            writer.write(OPENINGS[kind])
            held.append(writer)
        for probe in range(PROBES):
            run.cases += 1
            await asyncio.sleep(0.25)  # the trickling ones send another byte meanwhile
            for writer in held[SLOW_BODIES + 1 :: 2]:  # the trickling ones
                if not writer.is_closing():
                    writer.write(b"a")
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), PROMPT)
                writer.write(HEALTH)
                status = await asyncio.wait_for(reader.readline(), PROMPT)
                writer.close()
            except (OSError, TimeoutError) as exc:
                run.findings.append(f"probe {probe}: a new client got no answer within {PROMPT:g} s ({exc!r})")
                continue
            if not status.startswith(b"HTTP/1.1 200"):
                run.findings.append(f"probe {probe}: a new client got {status!r}")
    finally:
        for writer in held:
            writer.close()


def held_connections() -> ClassRun:
    """`resetkit serve` at DESCRIPTORS descriptors under HELD idle, trickling and slow-body connections: a new
    client is answered every time, and the log stays a few lines (no traceback, no flood)."""
    run = ClassRun(f"held connections ({DESCRIPTORS} descriptors)")
    started = time.monotonic()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < HELD + 200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(HELD + 200, hard), hard))
    with tempfile.TemporaryDirectory() as folder, serving_at_low_limit(Path(folder)) as (url, log):
        host, port = url.removeprefix("http://").rsplit(":", 1)
        asyncio.run(_held_connections(host, int(port), run))
        time.sleep(0.5)
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    if len(lines) > 40 or any("Traceback" in line for line in lines):
        run.findings.append(f"the log grew to {len(lines)} lines: {lines[-3:]}")
    run.seconds = time.monotonic() - started
    return run


# A relay that fails -------------------------------------------------------------------------------------------------
RESET_EMAIL = "/socialid/v2/marketing/login/users/reset_password/email"
RELAY_MESSAGES = 60
BAD_FIELDS = [  # Social ID lets the caller set the e-mail's sender and subject
    {"subject": "Reset\r\nBcc: everyone@example.com"},
    {"from": "Support\n<support@example.com>"},
    {"subject": "x" * 2000},
    {"subject": "Réinitialiser 🔑"},
    {"from": "\udcff@example.com"},
]


def _wait_for(check: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.05)


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage().splitlines()[0])


def failing_relay() -> ClassRun:
    """A mock relaying to an SMTP server that refuses one recipient (550), asks to come later for another (451), goes
    away for a third of the run and comes back, while Social ID resets carry hostile senders and subjects: no request
    fails, nothing is logged as an error, and once the server is back no e-mail is left queued."""
    run = ClassRun("failing SMTP relay")
    started = time.monotonic()
    port = free_port()
    refusals = {"refused@example.com": "550 no such user", "later@example.com": "451 try later"}
    server = Server(port, refuse=refusals).start()
    settings = Settings(port=0, strict=True, accounts=1, vendors=("socialid",), smtp=f"127.0.0.1:{port}")
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    try:
        with start_live_mock(settings) as mock:
            relay = mock.env.relay
            assert relay is not None
            for address in refusals:
                account = {"vendor": "socialid", "email": address, "password": "Passw0rd!"}
                requests.post(f"{mock.url}/__admin/accounts", json=account, timeout=10).raise_for_status()
            recipients = ["john_doe@domain.com", *refusals]
            headers = {"Authorization": f"Bearer {LOGIN_APP_TOKEN}"}
            for n in range(RELAY_MESSAGES):
                if n == RELAY_MESSAGES // 3:
                    server.stop()
                    _wait_for(lambda: relay.status()["state"] == "down")
                elif n == 2 * RELAY_MESSAGES // 3:
                    server = Server(port, refuse=refusals).start()
                    refusals.pop("later@example.com")  # it takes the e-mails it asked to come back with
                fields = BAD_FIELDS[n % len(BAD_FIELDS)] if n % 2 else {}
                body = {"email_address": recipients[n % len(recipients)], **fields}
                run.cases += 1
                answer = requests.post(f"{mock.url}{RESET_EMAIL}", json=body, headers=headers, timeout=10)
                if answer.status_code >= 500 or (not fields and answer.status_code != 201):
                    run.findings.append(f"reset {n} with {fields}: {answer.status_code} {answer.text[:80]}")
            _wait_for(lambda: not relay.status()["queued"])
            status = relay.status()
            run.detail = f"relay: {status['sent']} sent, {status['failed']} failed, {status['dropped']} dropped"
            if status["queued"] or status["state"] != "up":
                run.findings.append(f"the relay did not recover once the server was back: {status}")
            if not status["sent"] or not status["failed"]:
                run.findings.append(f"the relay neither sent nor failed as the server asked: {status}")
            run.findings += [f"strict mode: {v}" for v in mock.env.violations]
    finally:
        logging.getLogger().removeHandler(errors)
        server.stop()
    run.findings += [f"server log: {line}" for line in errors.records]
    run.seconds = time.monotonic() - started
    return run
