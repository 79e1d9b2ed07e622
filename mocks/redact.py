"""Hide secrets in what the journal and the request log show: credentials in headers, passwords, codes and tokens
in bodies, query strings and links. `--journal-secrets` turns it off."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from .jsonlimits import decode_json

REDACTED = "[redacted]"
# Headers that always carry a credential; each spec's apiKey headers are added by the caller.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
URL_HEADERS = frozenset({"referer", "location"})  # may carry a reset link with its token
_SECRET_ENDINGS = ("password", "token", "secret", "authkey", "accesskey", "secretkey", "apikey")
_SECRET_NAMES = frozenset({"hash", "otp", "temporarypassword"})
_URL = re.compile(r"https?://[^\s\"'<>]+")
_SURROGATE = re.compile("[\ud800-\udfff]")


def is_secret_name(name: str) -> bool:
    """`password`, `reset_password_token`, `verificationCode`, `TemporaryPassword`, `AuthKey`...; not `code` alone
    (ZITADEL's error code) nor `token_type`."""
    key = name.lower().replace("_", "").replace("-", "")
    return key.endswith(_SECRET_ENDINGS) or key in _SECRET_NAMES or (key.endswith("code") and key != "code")


def redact_url(url: str, secret_segments: Collection[int] = ()) -> str:
    """The URL with the values of secret query parameters (`token`, `code`, `TemporaryPassword`, keys) hidden, and
    the path segments at `secret_segments` (counted from the end, 0: the last) where its operation carries a secret
    in the path (`Operation.secret_path_segments`)."""
    base, sep, query = url.partition("?")
    if secret_segments:
        base = _redact_segments(base, secret_segments)
    if not sep:
        return base
    query, hash_sep, fragment = query.partition("#")
    pairs = parse_qsl(query, keep_blank_values=True)
    hidden = [(k, REDACTED if is_secret_name(k) or k.lower() == "code" else v) for k, v in pairs]
    return f"{base}?{urlencode(hidden, safe='[]')}{hash_sep}{fragment}"


def _redact_segments(path: str, from_the_end: Collection[int]) -> str:
    segments = path.split("/")
    last = len(segments) - (2 if path.endswith("/") else 1)
    for offset in from_the_end:
        if 0 < last - offset < len(segments):  # never the empty segment before the leading slash
            segments[last - offset] = REDACTED
    return "/".join(segments)


def redact_headers(headers: Iterable[tuple[str, str]], secret_names: frozenset[str]) -> dict[str, str]:
    """Headers as a dict; credential values hidden but their scheme kept (`Bearer [redacted]`)."""
    shown: dict[str, str] = {}
    for name, value in headers:
        lowered = name.lower()
        if lowered in SECRET_HEADERS or lowered in secret_names:
            scheme, space, _ = value.partition(" ")
            value = f"{scheme} {REDACTED}" if space and scheme.isalpha() else REDACTED
        elif lowered in URL_HEADERS:
            value = redact_url(value)
        shown[name] = f"{shown[name]}, {value}" if name in shown else value
    return shown


def redact_value(value: Any) -> Any:
    """A parsed JSON document with secret fields hidden and the links in its strings redacted."""
    if isinstance(value, dict):
        return {
            k: REDACTED
            if is_secret_name(k) and isinstance(v, str | int) and not isinstance(v, bool)
            else redact_value(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_value(v) for v in value]
    if isinstance(value, str) and "://" in value:
        return _URL.sub(lambda m: redact_url(m.group(0)), value)
    return value


_JSON_FIELD = re.compile(r'"([A-Za-z0-9_\-]+)"\s*:\s*"(?:[^"\\]|\\.)*"')


def redact_text(text: str, media_type: str | None) -> str:
    """A body that did not parse (cut at the size limit, or not JSON): secret fields, form values and links."""
    if media_type == "application/x-www-form-urlencoded":
        return redact_url("?" + text)[1:]
    text = _JSON_FIELD.sub(lambda m: f'"{m.group(1)}":"{REDACTED}"' if is_secret_name(m.group(1)) else m.group(0), text)
    return _URL.sub(lambda m: redact_url(m.group(0)), text)


def show_body(body: bytes | None, size: int, content_type: str | None, redact: bool) -> dict[str, Any] | None:
    """How the journal shows a body: parsed JSON when it is, text otherwise; `truncated` past the size limit."""
    if body is None or (not body and not size):
        return None
    media_type = (content_type or "").split(";")[0].strip().lower() or None
    truncated = len(body) < size
    text = body.decode("utf-8", errors="replace")
    shown: Any = text
    if not truncated and media_type is not None and "json" in media_type:
        try:
            shown = decode_json(text)  # a body too deep to parse is shown as text
        except ValueError:
            shown = text
    if redact:
        shown = redact_value(shown) if not isinstance(shown, str) else redact_text(shown, media_type)
    return {"content": shown, "size": size, "truncated": truncated}


def without_surrogates(value: Any) -> Any:
    """`value` with every lone surrogate in its strings (a body's escaped `\\ud800`, a header byte that is not UTF-8,
    kept by aiohttp as `\\udcff`) replaced by U+FFFD, so that the journal can always be sent as UTF-8."""
    if isinstance(value, str):
        return value if value.isascii() else _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {without_surrogates(k): without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_surrogates(v) for v in value]
    return value
