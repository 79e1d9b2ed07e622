"""Spot a stack trace in a response body: a frame or banner of Python, JVM, .NET, Go, Node.js, Ruby or PHP.

An error body that carries one leaks the server's internals (ASVS 5.0 16.5.1; security.md SR-22). Each pattern
matches what only a runtime's trace prints (a frame with its file and line, or the runtime's own banner), never
ordinary prose, so that messages such as "Password is too short (DOMAIN-HuJf6)" or a URL with a port do not
count. JSON bodies are searched string by string after decoding, so escaped newlines and quotes in a
`"message"` do not hide a trace.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class StackTrace:
    """Which runtime's trace was found, and the line that gave it away."""

    runtime: str
    line: str

    def __str__(self) -> str:
        return f"a {self.runtime} stack trace ({self.line!r})"


_M = re.MULTILINE
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "Python",
        re.compile(r"Traceback \(most recent call last\):|^\s*File \"[^\"\n]+\", line \d+, in [\w<>.]+", _M),
    ),
    (
        "Java/JVM",
        re.compile(
            r"^\s*at (?:[\w$]+\.)+[\w$<>]+"
            r"\((?:[\w$-]+\.(?:java|kt|scala|groovy|clj):\d+|Native Method|Unknown Source)\)"
            r"|Exception in thread \"[^\"\n]*\" (?:[\w$]+\.)+[\w$]+"
            r"|^Caused by: (?:[a-z][\w$]*\.)+[\w$]*(?:Exception|Error)\b",
            _M,
        ),
    ),
    (
        ".NET",
        re.compile(
            r"^\s*at [\w.`+<>\[\],]+\([^()\n]*\) in [^\n]+:line \d+"
            r"|^\s*at (?:System|Microsoft)\.[\w.`+<>\[\],]+\([^()\n]*\)"
            r"|--- End of (?:inner exception )?stack trace(?: from previous location)? ---",
            _M,
        ),
    ),
    (
        "Go",
        re.compile(
            r"^goroutine \d+ \[[\w ,]+\]:|^panic: .+\n(?:\s*\n)?goroutine "
            r"|^\s*/?[\w./@-]+\.go:\d+(?: \+0x[0-9a-f]+)\s*$",
            _M,
        ),
    ),
    (
        "Node.js",
        re.compile(
            r"^\s*at (?:async )?(?:[\w$.<>\[\] ]+ )?\((?:/|[A-Za-z]:\\|node:|file://)[^()\n]*:\d+:\d+\)"
            r"|^\s*at (?:async )?(?:/|node:|file://)[^\s()]+:\d+:\d+\s*$",
            _M,
        ),
    ),
    (
        "Ruby",
        re.compile(r"(?:^|\s|from )/?[\w./@-]+\.rb:\d+:in [`'][^'\n]+'", _M),
    ),
    (
        "PHP",
        re.compile(
            r"^Stack trace:\s*\n#0 |^#\d+ [^\n]*\.php\(\d+\): |PHP (?:Fatal error|Parse error|Warning):"
            r"|\bin /?[\w./-]+\.php(?: on line |:)\d+\b",
            _M,
        ),
    ),
)


def find_stack_trace(text: str) -> StackTrace | None:
    """The first stack trace in a response body (raw, or each string of it when it is JSON), or None."""
    for candidate in _texts(text):
        for runtime, pattern in PATTERNS:
            match = pattern.search(candidate)
            if match:
                return StackTrace(runtime, match.group(0).strip()[:160])
    return None


def _texts(text: str) -> Iterator[str]:
    yield text
    try:
        document = json.loads(text)
    except ValueError:
        return
    yield from _strings(document)


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    if isinstance(node, list) and node and all(isinstance(v, str) for v in node):
        yield "\n".join(node)  # a backtrace as an array of frames, one per string
