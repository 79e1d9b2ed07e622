"""How a failure reads, in every rendering alike: which rule it breaks, what was sent (a curl command that
reproduces it, credentials masked) and what came back.

Schemathesis says all three in its own failure text (`- ST103 Undocumented status code ... [404] Not Found: ...
Reproduce with: curl ...`), which is read back here; a BDD step or a security check names the rule in its
assertion, and the exchange is the one the response inspector saw last (or the one a `Violation` carries).
"""

from __future__ import annotations

import re
import shlex
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests

from .inspection import Violation, mask_header

BODY_LIMIT = 2000  # characters of a body shown
_QUIET_REQUEST_HEADERS = {"user-agent", "accept-encoding", "connection", "content-length"}
_QUIET_RESPONSE_HEADERS = {"date", "server", "content-length", "connection", "keep-alive"}
_STATUS_BLOCK = re.compile(r"^\[(\d{3})\] (.*?):\s*$")
_TITLE = re.compile(r"^(?:Schemathesis|Hypothesis) found \d+ distinct failures?\.?\s*$")


@dataclass(frozen=True)
class FailureAccount:
    """What a failure says: the broken rule, the request as a curl command, the response."""

    rule: str
    sent: str = ""
    received: str = ""


def account_of(error: BaseException, exchange: requests.Response | None = None) -> FailureAccount:
    """The account of a failed check: from schemathesis' text, a `Violation`'s exchange, or the assertion's message
    with the last exchange the check made."""
    if isinstance(error, Violation):
        return FailureAccount(error.problems, curl_for(error.response.request), describe_response(error.response))
    told = list(_schemathesis_accounts(error))
    if told:
        return FailureAccount(
            rule="\n\n".join(a.rule for a in told),
            sent=next((a.sent for a in told if a.sent), ""),
            received=next((a.received for a in told if a.received), ""),
        )
    rule = message_of(error)
    if exchange is None:
        return FailureAccount(rule)
    return FailureAccount(rule, curl_for(exchange.request), describe_response(exchange))


def message_of(error: BaseException) -> str:
    """An exception as a person reads it: an assertion's message with pytest's comparison (`assert 200 == 400`)
    but not its `+ where ...` lines, else `Type: message`."""
    text = str(error).strip()
    if isinstance(error, AssertionError):
        text = re.split(r"\n\s*\+\s", text, maxsplit=1)[0].strip()
        return text or "an assertion failed"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _schemathesis_accounts(error: BaseException) -> Iterable[FailureAccount]:
    """Each schemathesis failure text in `error` (a FailureGroup, or a group of them from Hypothesis)."""
    message = str(getattr(error, "message", "") or "")
    if "Reproduce with:" in message or _TITLE.match(message.splitlines()[0] if message else ""):
        account = parse_schemathesis(message)
        if account is not None:
            yield account
            return
    for inner in getattr(error, "exceptions", ()) or ():
        yield from _schemathesis_accounts(inner)


def parse_schemathesis(text: str) -> FailureAccount | None:
    """Schemathesis' failure text as rule, curl and response; None when it does not read as one."""
    lines = text.splitlines()
    if lines and _TITLE.match(lines[0]):
        lines = lines[1:]
    status_at = next((i for i, line in enumerate(lines) if _STATUS_BLOCK.match(line)), None)
    curl_at = next((i for i, line in enumerate(lines) if line.strip() == "Reproduce with:"), None)
    ends = [i for i in (status_at, curl_at) if i is not None]
    rule = textwrap.dedent("\n".join(lines[: min(ends) if ends else len(lines)])).strip()
    if not rule:
        return None
    received = ""
    if status_at is not None:
        found = _STATUS_BLOCK.match(lines[status_at])
        assert found is not None
        body = textwrap.dedent("\n".join(lines[status_at + 1 : curl_at])).strip()
        if body.startswith("`") and body.endswith("`"):
            body = body[1:-1]
        received = f"{found.group(1)} {found.group(2)}\n\n{body}".strip()
    sent = ""
    if curl_at is not None:
        sent = layout_curl(textwrap.dedent("\n".join(lines[curl_at + 1 :])).strip())
    return FailureAccount(rule, sent, received)


# The request as curl, the response as text ---------------------------------------------------------------------
def curl_for(request: Any) -> str:
    """A `requests.PreparedRequest` as a curl command, one option a line (credentials masked, noise headers left
    out)."""
    method = str(request.method or "GET")
    headers = [
        (name, mask_header(name, str(value)))
        for name, value in request.headers.items()
        if name.lower() not in _QUIET_REQUEST_HEADERS and not (name.lower() == "accept" and value == "*/*")
    ]
    body = request.body
    text = body.decode(errors="replace") if isinstance(body, bytes) else (body or "")
    return curl_command(method, str(request.url), headers, _clip(text) if text else None)


def curl_command(method: str, url: str, headers: Iterable[tuple[str, str]], body: str | None) -> str:
    """`curl -X METHOD 'URL'` with a `-H` line per header and a `-d` line for the body, joined by backslashes."""
    parts = [f"curl -X {method} {shlex.quote(url)}"]
    parts += [f"  -H {shlex.quote(f'{name}: {value}')}" for name, value in headers]
    if body is not None:
        parts.append(f"  -d {shlex.quote(body)}")
    return " \\\n".join(parts)


def layout_curl(command: str) -> str:
    """A one-line curl command (schemathesis') laid out one option a line; unchanged when it does not parse."""
    try:
        words = shlex.split(command.replace("\\\n", " "))
    except ValueError:
        return command
    if not words or words[0] != "curl":
        return command
    method, url, headers, body, rest = "GET", "", [], None, []
    at = 1
    while at < len(words):
        word = words[at]
        if word in ("-X", "--request") and at + 1 < len(words):
            method, at = words[at + 1], at + 2
        elif word in ("-H", "--header") and at + 1 < len(words):
            name, _, value = words[at + 1].partition(":")
            headers.append((name.strip(), value.strip()))
            at += 2
        elif word in ("-d", "--data", "--data-raw", "--data-binary") and at + 1 < len(words):
            body, at = words[at + 1], at + 2
        elif word.startswith(("http://", "https://")):
            url, at = word, at + 1
        else:
            rest.append(word)
            at += 1
    if not url or rest:
        return command
    return curl_command(method, url, headers, body)


def describe_response(response: requests.Response) -> str:
    """The status line, the headers that matter and the body (cut at BODY_LIMIT characters)."""
    headers = "\n".join(
        f"{name}: {value}" for name, value in response.headers.items() if name.lower() not in _QUIET_RESPONSE_HEADERS
    )
    head = f"{response.status_code} {response.reason}\n{headers}".rstrip()
    return f"{head}\n\n{_clip(response.text)}".rstrip()


def _clip(text: str) -> str:
    return text if len(text) <= BODY_LIMIT else text[:BODY_LIMIT] + f"… ({len(text)} characters)"
