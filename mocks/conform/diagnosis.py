"""Before the suites run, a few cheap calls per vendor tell a target set up wrong apart from one that breaks its
contract: unreachable, a TLS failure, HTML instead of the API (a login page or a proxy), 404 on every operation
(a wrong base path), or every authenticated call refused (wrong credentials).

The calls come from the vendor's client record: completing a reset with a secret nobody was given and signing in
an account nobody has, both with the credentials, and the first again without them. None of them changes
anything on a conformant server. When one of the above is all a vendor answers, nothing about its contract could
be checked, and the run stops as a set-up error with that one line; a partial symptom leads the report instead.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import requests

from ..clients import CLIENTS, Client, Request, pick
from ..clients.base import placeholders
from .driving import Driver
from .target import Target, describe_error

FATAL, LEAD, FINE = "fatal", "lead", "fine"
_TITLE = re.compile(r"<title[^>]*>\s*([^<]{1,80})", re.IGNORECASE)


@dataclass(frozen=True)
class Diagnosis:
    """What the probe found for one vendor: a line, and whether it stops the run (`fatal`), leads the report
    (`lead`), or only tells the person running conform that the vendor answers (`fine`)."""

    vendor: str
    line: str
    kind: str


@dataclass(frozen=True)
class Answer:
    """One probe call: what was asked and what came of it (a response or the exception)."""

    label: str  # "POST /api/Authentication/Signin"
    authenticated: bool
    response: requests.Response | None = None
    error: requests.RequestException | None = None
    kind: str = ""  # api | html | not_found | refused | error


def diagnose(target: Target) -> list[Diagnosis]:
    """One diagnosis per selected vendor."""
    return [diagnose_vendor(target, vendor) for vendor in target.vendors]


def diagnose_vendor(target: Target, vendor: str) -> Diagnosis:
    client = CLIENTS[vendor]
    driver = Driver(target, client, client.page_surface)
    answers = [_ask(driver, request, authenticated) for request, authenticated in _probes(client)]
    return judge(vendor, target.base_url(vendor), client, answers)


def _probes(client: Client) -> list[tuple[Request, bool]]:
    redeem = client.redeem_on(client.page_surface)
    return [(redeem, True), (pick(client.sign_in, client.page_surface), True), (redeem, False)]


def _ask(driver: Driver, request: Request, authenticated: bool) -> Answer:
    client = driver.client
    values: dict[str, Any] = driver.values(
        identifier=f"nobody-{secrets.token_hex(5)}@example.org",
        email=f"nobody-{secrets.token_hex(5)}@example.org",
        password=f"Probe-{secrets.token_hex(4)}-Pa1!",
        secret=secrets.token_hex(16),
        id=client.unknown_id() or secrets.token_hex(8),
    )
    for name in request.placeholders() - set(values):
        values[name] = f"probe-{secrets.token_hex(3)}"
    removed = {} if authenticated else dict.fromkeys(auth_headers(client, request, driver.credentials))
    operation = client.operation(request)
    label = f"{operation.method} {operation.path}" if operation is not None else request.operation
    try:
        response = driver.send(request, values, headers=removed)
    except requests.RequestException as error:
        return Answer(label, authenticated, error=error, kind="error")
    return Answer(label, authenticated, response, kind=_kind(client, request, response))


def auth_headers(client: Client, request: Request, credentials: dict[str, str]) -> list[str]:
    """The request's headers that carry credentials (a credentials key, or a value derived from them)."""
    secret_names = set(client.values(credentials)) - {"base_url", "known_identifier", "reset_ttl_seconds"}
    return [name for name, template in request.headers.items() if placeholders(template) & secret_names]


def _kind(client: Client, request: Request, response: requests.Response) -> str:
    if "html" in response.headers.get("Content-Type", "").lower():
        return "html"
    if response.status_code == 404 and not _vendors_own_404(client, request, response):
        return "not_found"
    if response.status_code in (401, 403):
        return "refused"
    return "api"


def _vendors_own_404(client: Client, request: Request, response: requests.Response) -> bool:
    """A 404 the operation documents, in the vendor's error shape: the vendor answering, not a wrong path."""
    operation = client.operation(request)
    documented = operation is not None and ("404" in operation.responses or "4XX" in operation.responses)
    try:
        body = response.json()
    except ValueError:
        return False
    return documented and not client.error_shape(404, body)


def judge(vendor: str, base: str, client: Client, answers: Sequence[Answer]) -> Diagnosis:
    """The one line the probe's answers call for."""
    errors = [a for a in answers if a.error is not None]
    if len(errors) == len(answers):
        return Diagnosis(vendor, f"{vendor} at {base}: {describe_error(errors[0].error)}", FATAL)
    answered = [a for a in answers if a.response is not None]
    html = [a for a in answered if a.kind == "html"]
    if len(html) == len(answered):
        title = _title(html[0].response)
        return Diagnosis(
            vendor,
            f"{vendor} at {base} answers HTML, not its API{title}: a login page or a proxy in front of it? "
            f"Give the API's own base URL (--target, or base_url in the credentials file)",
            FATAL,
        )
    missing = [a for a in answered if a.kind == "not_found"]
    if len(missing) == len(answered):
        paths = sorted({a.label for a in missing})
        return Diagnosis(
            vendor,
            f"{vendor} at {base}: every operation answered 404 ({'; '.join(paths)}): is --target the API's base "
            f"URL, the one its paths are under?",
            FATAL,
        )
    signed = [a for a in answered if a.authenticated]
    if signed and all(a.kind == "refused" for a in signed):
        statuses = "/".join(sorted({str(a.response.status_code) for a in signed if a.response is not None}))
        keys = ", ".join(_auth_keys(client))
        return Diagnosis(
            vendor,
            f"{vendor} at {base}: every call with the credentials was refused ({statuses}): they are not "
            f"accepted here; check {keys} in the credentials file",
            FATAL,
        )
    odd = [a for a in answered if a.kind in ("html", "not_found")]
    if odd:
        told = "; ".join(
            f"{a.label} answered {a.response.status_code} {_what(a)}" for a in odd if a.response is not None
        )
        return Diagnosis(vendor, f"{vendor} at {base}: {told} (the other probe calls reached the API)", LEAD)
    statuses = ", ".join(str(a.response.status_code) for a in answered if a.response is not None)
    return Diagnosis(vendor, f"{vendor} at {base} answers its API (probe calls: {statuses})", FINE)


def _what(answer: Answer) -> str:
    return "HTML" if answer.kind == "html" else "outside the vendor's error shape"


def _auth_keys(client: Client) -> list[str]:
    names = {name for request in (*client.redeem.values(), *client.sign_in.values()) for name in request.placeholders()}
    return [credential.key for credential in client.credentials if credential.key in names] or [
        credential.key for credential in client.credentials if credential.required
    ]


def _title(response: requests.Response | None) -> str:
    found = _TITLE.search(response.text) if response is not None else None
    return f" (a page titled {found.group(1).strip()!r})" if found else ""
