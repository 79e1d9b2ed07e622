"""Secrets for reset links and codes, always from `secrets` (a CSPRNG), never from time or counters."""

from __future__ import annotations

import functools
import secrets
import string
from urllib.parse import quote_plus, urlsplit, urlunsplit

UPPER_ALNUM = string.ascii_uppercase + string.digits


def generate_code(length: int, alphabet: str = UPPER_ALNUM) -> str:
    """A short code such as ZITADEL's 6 characters of A-Z0-9 (about 31 bits), uniform over the alphabet.

    Random bytes at or above the largest multiple of the alphabet size are dropped, so `% size` has no bias;
    drawing bytes in bulk and mapping them in one `bytes.translate` is several times faster than per character.
    """
    table, rejected = _byte_map(alphabet)
    code = ""
    while len(code) < length:
        code += secrets.token_bytes(length * 2).translate(table, rejected).decode("ascii")
    return code[:length]


@functools.lru_cache(maxsize=16)
def _byte_map(alphabet: str) -> tuple[bytes, bytes]:
    """For `bytes.translate`: each byte to `alphabet[byte % size]`, and the bytes to drop (at or above the limit)."""
    if not alphabet.isascii() or not 0 < len(alphabet) <= 256:
        raise ValueError(f"a code's alphabet must be 1 to 256 ASCII characters, got {alphabet!r}")
    size = len(alphabet)
    limit = 256 - 256 % size
    table = bytes(ord(alphabet[b % size]) for b in range(256))
    return table, bytes(range(limit, 256))


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
