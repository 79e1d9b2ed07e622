"""Secrets for reset links and codes, always from `secrets` (a CSPRNG), never from time or counters."""

from __future__ import annotations

import secrets
import string
from urllib.parse import quote_plus, urlsplit, urlunsplit

UPPER_ALNUM = string.ascii_uppercase + string.digits


def generate_code(length: int, alphabet: str = UPPER_ALNUM) -> str:
    """A short code such as ZITADEL's 6 characters of A-Z0-9 (about 31 bits), uniform over the alphabet.

    Random bytes at or above the largest multiple of the alphabet size are dropped, so `% size` has no bias;
    drawing bytes in bulk is several times faster than `secrets.choice` per character.
    """
    size = len(alphabet)
    limit = 256 - 256 % size
    chars: list[str] = []
    while len(chars) < length:
        chars.extend(alphabet[b % size] for b in secrets.token_bytes(length * 2) if b < limit)
    return "".join(chars[:length])


def generate_token(nbytes: int = 32) -> str:
    """A URL-safe hex token; 32 bytes gives the 64 hex characters Social ID and LeadSquared use."""
    return secrets.token_hex(nbytes)


def _quote(value: str) -> str:
    """`quote_plus`, skipped for the usual already URL-safe value (hex tokens, ids, GUIDs): a measurable saving."""
    if value.isascii() and value.replace("-", "").replace("_", "").replace(".", "").isalnum():
        return value
    return quote_plus(value)


def render_reset_link(base: str, **params: str) -> str:
    """`base` with `params` appended to its query string; the origin always comes from configuration, never Host."""
    query = "&".join(f"{_quote(k)}={_quote(v)}" for k, v in params.items())
    if "?" not in base and "#" not in base:
        return f"{base}?{query}"
    parts = urlsplit(base)
    query = f"{parts.query}&{query}" if parts.query else query
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
