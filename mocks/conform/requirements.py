"""The security profile's requirements as docs/security-checks.md documents them (shipped as `resetkit.docs`), so
that a report can say what each SR id it names asks for, why, and from where."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from ..resources import ResourcesMissing, docs_dir

DOCUMENT = "security-checks.md"
_HEADING = re.compile(r"^### (SR-\d\d): (.+?)\s*$")
_FIELD = re.compile(r"^- \*\*(\w+):\*\* (.+?)\s*$")


@dataclass(frozen=True)
class Requirement:
    """One SR id of the document: its title and its Checks, Why, Severity, Sources and Tests lines."""

    id: str
    title: str
    checks: str
    why: str
    severity: str
    sources: str
    tests: str

    @property
    def anchor(self) -> str:
        """The heading's anchor as GitHub and most Markdown renderers make it (`sr-01-known-and-...`)."""
        text = re.sub(r"[^\w\- ]", "", f"{self.id}: {self.title}".lower())
        return text.replace(" ", "-")


def parse(text: str) -> dict[str, Requirement]:
    """Every `### SR-nn: title` section of the document with its fields."""
    found: dict[str, Requirement] = {}
    current: tuple[str, str] | None = None
    fields: dict[str, str] = {}

    def close() -> None:
        if current is not None:
            found[current[0]] = Requirement(
                current[0],
                current[1],
                **{name: fields.get(name, "") for name in ("checks", "why", "severity", "sources", "tests")},
            )

    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading or line.startswith("## "):
            close()
            current, fields = (heading.group(1), heading.group(2)) if heading else None, {}
            continue
        field = _FIELD.match(line)
        if field and current is not None:
            fields[field.group(1).lower()] = field.group(2)
    close()
    return found


def document_path() -> Path | None:
    """Where the installed document is (None in an installation without it)."""
    try:
        path = docs_dir() / DOCUMENT
    except ResourcesMissing:
        return None
    return path if path.is_file() else None


@functools.cache
def requirements() -> dict[str, Requirement]:
    """The documented requirements by id (empty when the document is not installed)."""
    path = document_path()
    return parse(path.read_text(encoding="utf-8")) if path is not None else {}
