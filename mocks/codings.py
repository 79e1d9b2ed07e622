"""Content-Encoding of request bodies (RFC 9110 section 8.4): the mock decodes gzip and deflate itself, bounded by
the body size limit; a coding it does not know is refused (415 with Accept-Encoding, RFC 9110 section 15.5.16) and a
body that does not decode as its coding says is malformed (400). The HTTP side renders both in the API's shape."""

from __future__ import annotations

import zlib

ACCEPTED_CODINGS = "gzip, deflate"  # what a 415 names in its Accept-Encoding
SHOWN_CHARS = 40
_GZIP = 16 + zlib.MAX_WBITS
_ZLIB = zlib.MAX_WBITS
_RAW_DEFLATE = -zlib.MAX_WBITS


class UnsupportedCoding(ValueError):
    """A Content-Encoding the mock does not decode."""


class UndecodableBody(ValueError):
    """The body is not what its Content-Encoding says."""


class DecodedTooLarge(ValueError):
    """The decoded body is larger than the body size limit (a small compressed body may inflate to gigabytes)."""


def decode_body(body: bytes, content_encoding: str, limit: int) -> bytes:
    """`body` with its codings undone, last applied first; at most `limit` bytes of it (an empty body stays empty)."""
    codings = [coding.strip().lower() for coding in content_encoding.split(",")]
    for coding in codings:
        if coding not in ("gzip", "x-gzip", "deflate", "identity", ""):
            shown = ascii(coding[:SHOWN_CHARS])  # ASCII only: it may become an HTTP reason phrase
            raise UnsupportedCoding(f"Content-Encoding {shown} is not supported (only {ACCEPTED_CODINGS})")
    if not body:
        return body
    for coding in reversed(codings):
        if coding in ("gzip", "x-gzip"):
            body = _inflate(body, _GZIP, limit, coding)
        elif coding == "deflate":
            # RFC 9110 says zlib format; some clients send raw deflate (its first byte is no zlib header)
            body = _inflate(body, _ZLIB if body[:1] and body[0] & 0x0F == 8 else _RAW_DEFLATE, limit, coding)
    return body


def _inflate(data: bytes, wbits: int, limit: int, coding: str) -> bytes:
    """Every member of a gzip body (one stream for deflate), stopping as soon as the output passes `limit`."""
    out = bytearray()
    while True:
        inflater = zlib.decompressobj(wbits)
        try:
            out += inflater.decompress(data, limit + 1 - len(out))
        except zlib.error as exc:
            raise UndecodableBody(f"the body is not valid {coding} ({exc})") from None
        if len(out) > limit or inflater.unconsumed_tail:
            raise DecodedTooLarge(f"the {coding}-decoded body is larger than {limit} bytes")
        if not inflater.eof:
            raise UndecodableBody(f"the {coding} body ends before its data does")
        data = inflater.unused_data
        if not data:
            return bytes(out)
        if wbits != _GZIP:
            raise UndecodableBody(f"the body has data after its {coding} stream")
