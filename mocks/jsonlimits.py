"""Parse JSON from untrusted clients with limits on nesting and on the size of strings and numbers.

`json.loads` recurses once per nesting level, so a 2 KB body of `[[[[...` raises RecursionError; and it takes
numbers of thousands of digits, `NaN` and `Infinity`. The request pipeline and the journal read bodies with
`decode_json` instead. The common small body pays only a few `str` scans; the careful checks run only when the
body could break a limit.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

MAX_DEPTH = 64  # objects and arrays inside each other
MAX_STRING_CHARS = 65_536  # any string, keys included
MAX_NUMBER_CHARS = 100  # a number literal; int64 needs 20, a double 24

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_NESTING = {"[": 1, "{": 1, "]": -1, "}": -1}


class JsonLimitExceeded(ValueError):
    """Valid JSON or not, the text breaks one of the limits; the message says which."""


def _number(text: str, convert: type[int] | type[float]) -> int | float:
    if len(text) > MAX_NUMBER_CHARS:
        raise JsonLimitExceeded(f"a number is longer than {MAX_NUMBER_CHARS} characters")
    value = convert(text)
    if isinstance(value, float) and not math.isfinite(value):
        raise JsonLimitExceeded("a number is out of range")  # 1e999 would become Infinity
    return value


def _int(text: str) -> int | float:
    return _number(text, int)


def _float(text: str) -> int | float:
    return _number(text, float)


def _constant(name: str) -> Any:
    raise JsonLimitExceeded(f"{name} is not a JSON value")  # RFC 8259 has no NaN or Infinity


_DECODER = json.JSONDecoder(parse_int=_int, parse_float=_float, parse_constant=_constant)


def nesting_depth(text: str) -> int:
    """How deep objects and arrays nest in `text`, brackets inside strings not counted (no recursion)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_NESTING.__getitem__, brackets)), default=0)


def strings_in(value: Any) -> Iterator[str]:
    """Every string in a parsed JSON value, keys included, without recursion (the value may nest deep)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def _check_strings(value: Any) -> None:
    if any(len(text) > MAX_STRING_CHARS for text in strings_in(value)):
        raise JsonLimitExceeded(f"a string is longer than {MAX_STRING_CHARS} characters")


def decode_json(text: str) -> Any:
    """`text` parsed as JSON; ValueError if it is not JSON, JsonLimitExceeded (a ValueError) past a limit."""
    if text.count("[") + text.count("{") > MAX_DEPTH and nesting_depth(text) > MAX_DEPTH:
        raise JsonLimitExceeded(f"objects and arrays nest deeper than {MAX_DEPTH} levels")
    value = _DECODER.decode(text)
    if len(text) > MAX_STRING_CHARS:
        _check_strings(value)
    return value
