"""Every response a check receives is inspected in one place: against the spec, for stack traces, for secrets.

The suites' driver (`driving.py`, for the BDD steps and the security checks alike) hands each response to the
active `Inspector`; a violation fails the check there, naming the operation and what is wrong, whatever the
step itself goes on to read. The plugin activates one inspector per test (`inspector` fixture) and attaches
the last exchange it saw to a failing test's report, so the report can show the request and the response.

Secrets: once a reset has been completed, its new password and the code or token that completed it are
"retired". The completing response and every later response and message must not carry any of them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

import requests

from .oracle import judge
from .stacktraces import find_stack_trace
from .target import Target

BODY_LIMIT = 2000  # characters of a body shown in a report


@dataclass(frozen=True, slots=True)
class Retired:
    """A secret that must never be seen again: its value and what it was (for the failure message)."""

    value: str
    what: str


@dataclass
class Inspector:
    """Checks for one test: which target it talks to, what it has seen, which secrets are retired."""

    target: Target
    retired: list[Retired] = field(default_factory=list)
    exchanges: list[requests.Response] = field(default_factory=list)
    # The ids of the messages a suite can see now; set by a suite that checks "every message after the reset".
    message_ids: Callable[[], set[str]] | None = None
    # The messages that were there just before the first reset completed: every other one came after it.
    messages_before_reset: set[str] | None = None
    _pending_snapshot: set[str] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def vendor_of(self, url: str) -> str | None:
        """The vendor whose base URL `url` is under (longest match); None for anything else (/__admin)."""
        bases = sorted(((self.target.base_url(v), v) for v in self.target.vendors), key=lambda b: -len(b[0]))
        for base, vendor in bases:
            rest = url[len(base) :]
            if url.startswith(base) and (rest == "" or rest[0] in "/?"):
                return vendor if not rest.startswith("/__admin") else None
        return None

    def problems(self, response: requests.Response, vendor: str | None = None) -> list[str]:
        """Everything wrong with one response; an empty list when it passes."""
        with self._lock:
            self.exchanges.append(response)
        vendor = vendor or self.vendor_of(response.url)
        if vendor is None:
            return []
        found: list[str] = []
        verdict = judge(vendor, self.target.base_url(vendor), response)
        if not verdict:
            found.append(verdict.describe())
        if response.status_code >= 400 and (trace := find_stack_trace(response.text)):
            found.append(f"{verdict.operation} answered {response.status_code} with {trace} in its body")
        leaked = self.leaks(_response_text(response))
        if leaked:
            found.append(f"{verdict.operation} answered {response.status_code} carrying {leaked} after the reset")
        return found

    def check(
        self, response: requests.Response, vendor: str | None = None, completes: Iterable[tuple[str, str]] = ()
    ) -> requests.Response:
        """`response`, or an AssertionError naming the operation and every violation.

        `completes`: the (value, what) secrets this request used to complete a reset; once it succeeds they are
        retired, and this response is the first that must not carry them.
        """
        problems = self.problems(response, vendor)
        completes = list(completes)
        if completes and response.ok:
            if self.messages_before_reset is None:
                self.messages_before_reset = self._pending_snapshot or set()
            self.retire(*completes)
            leaked = self.leaks(_response_text(response))
            if leaked:
                problems.append(f"the response that completed the reset carries {leaked}")
        if problems:
            raise AssertionError("; ".join(problems) + f"\n{describe_exchange(response)}")
        return response

    def completing(self) -> None:
        """A request that may complete a reset is about to be sent: note the messages there are before it."""
        if self.message_ids is not None and self.messages_before_reset is None:
            self._pending_snapshot = self.message_ids()

    def retire(self, *secrets: tuple[str, str]) -> None:
        """A reset was completed with these (value, what) secrets: none may appear from now on."""
        self.retired.extend(
            Retired(value, what) for value, what in secrets if value and value not in self.retired_values
        )

    @property
    def retired_values(self) -> set[str]:
        return {r.value for r in self.retired}

    def leaks(self, text: str) -> str:
        """The retired secrets `text` carries ("the new password, the token"), or "" when none."""
        lowered = text.lower()
        found = [r.what for r in self.retired if any(form.lower() in lowered for form in _forms(r.value))]
        return ", ".join(dict.fromkeys(found))

    def check_message(self, message: dict[str, Any]) -> None:
        """A message sent after the reset must not carry a retired secret either."""
        leaked = self.leaks("\n".join(str(message.get(key) or "") for key in ("subject", "text", "html", "link")))
        if leaked:
            raise AssertionError(
                f"the {message.get('channel', 'message')} {message.get('subject')!r} to {message.get('to')} "
                f"sent after the reset carries {leaked}"
            )


def _forms(secret: str) -> Iterator[str]:
    """The secret as sent, and as it reads in a URL or a JSON string."""
    yield secret
    yield quote(secret, safe="")
    yield quote_plus(secret)
    yield json.dumps(secret)[1:-1]


def _response_text(response: requests.Response) -> str:
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    return f"{headers}\n\n{response.text}"


# The inspector of the running test (set by the plugin's `inspector` fixture) ----------------------------------
_active: list[Inspector] = []


@contextmanager
def activated(inspector: Inspector) -> Iterator[Inspector]:
    _active.append(inspector)
    try:
        yield inspector
    finally:
        _active.remove(inspector)


def active() -> Inspector | None:
    """The inspector of the running test, or None outside one."""
    return _active[-1] if _active else None


def inspect(
    response: requests.Response, vendor: str | None = None, completes: Iterable[tuple[str, str]] = ()
) -> requests.Response:
    """Check `response` with the running test's inspector (a no-op outside a test)."""
    inspector = active()
    return inspector.check(response, vendor, completes) if inspector is not None else response


# How an exchange reads in a message or a report ----------------------------------------------------------------
def describe_request(sent: requests.PreparedRequest) -> str:
    headers = "\n".join(f"{k}: {_mask(k, v)}" for k, v in sent.headers.items())
    body = sent.body.decode(errors="replace") if isinstance(sent.body, bytes) else (sent.body or "")
    return f"{sent.method} {sent.url}\n{headers}\n\n{_clip(body)}".rstrip()


def describe_response(response: requests.Response) -> str:
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    return f"{response.status_code} {response.reason}\n{headers}\n\n{_clip(response.text)}".rstrip()


def describe_exchange(response: requests.Response) -> str:
    return f"{response.request.method} {response.url} -> {response.status_code} {response.text[:500]}"


def last_exchange(exchanges: Iterable[requests.Response]) -> tuple[str, str] | None:
    """(request, response) of the last exchange, as text for a report; None when there was none."""
    seen = list(exchanges)
    if not seen:
        return None
    return describe_request(seen[-1].request), describe_response(seen[-1])


def _mask(name: str, value: str) -> str:
    """Credentials stay out of reports: the scheme and the last four characters only."""
    if name.lower() not in ("authorization", "x-client-authorization", "cookie"):
        return value
    scheme, _, credential = value.partition(" ")
    if not credential:
        scheme, credential = "", scheme
    return f"{scheme} …{credential[-4:]}".strip() if len(credential) > 8 else f"{scheme} …".strip()


def _clip(text: str) -> str:
    return text if len(text) <= BODY_LIMIT else text[:BODY_LIMIT] + f"… ({len(text)} characters)"
