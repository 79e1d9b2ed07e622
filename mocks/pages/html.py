"""What both pages share: templates with `{{ slots }}`, JSON for the page's script, and the security headers."""

from __future__ import annotations

import functools
import json
import re
import secrets
from dataclasses import dataclass
from importlib.resources import files
from typing import Any
from urllib.parse import quote

# An envelope with a circular arrow: the mock's pages in a row of tabs. Inline, so it needs no route of its own.
_ICON = (
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'>"
    "<rect width='32' height='32' rx='8' fill='#2c5be0'/>"
    "<rect x='6' y='9' width='20' height='14' rx='2' fill='#fff'/>"
    "<path d='M6.5 10l9.5 7.5 9.5-7.5' fill='none' stroke='#2c5be0' stroke-width='2' stroke-linejoin='round'/>"
    "</svg>"
)
FAVICON = "data:image/svg+xml," + quote(_ICON, safe="/:=' ")


@dataclass(frozen=True, slots=True)
class Page:
    text: str
    headers: dict[str, str]


@functools.cache
def template(name: str) -> str:
    return files(__package__ or __name__).joinpath(name).read_text(encoding="utf-8")


_SLOT = re.compile(r"\{\{ (\w+) \}\}")


def render(name: str, **values: str) -> str:
    """The template with each `{{ name }}` replaced by its (already escaped) value; a missing value is a bug."""
    return _SLOT.sub(lambda m: values[m.group(1)], template(name))


def json_for_html(value: Any) -> str:
    """JSON safe inside a `<script type="application/json">` element (no `</script>`, no comment openers)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def security_headers(nonce: str, *, framing: str) -> dict[str, str]:
    """Only our own inline script runs (by nonce); links never leak the page's URL, with its token (SR-21)."""
    policy = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; img-src * data:; "
        f"connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors {framing}"
    )
    return {
        "Content-Security-Policy": policy,
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }


def new_nonce() -> str:
    return secrets.token_urlsafe(16)
