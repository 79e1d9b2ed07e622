"""The coverage table of a conformance report: per vendor and operation, the documented statuses observed, the
request alternatives exercised, the lifetimes checked, the flags read back, and what was not covered and why.

It reads the outcomes of the coverage suite (`coverage::test_<kind>[<item id>]`) against the items the contracts
document (`resetkit.clients.coverage_items`), so an item no check reported on shows as "not run". `report.py` makes
two sections of it: the percentages right after the verdict, the table per operation near the end.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..clients import VENDORS, coverage_items
from ..clients.coverage import KINDS, Item, check_id

CHECK = re.compile(r"^coverage::test_(?P<kind>\w+)\[(?P<id>.+)\]$")
TITLES = {"alternative": "alternatives", "status": "statuses", "lifetime": "lifetimes", "flag": "flags"}
OPERATION_COLUMNS = (
    "operation",
    "statuses observed",
    "alternatives exercised",
    "lifetimes checked",
    "flags read back",
    "not covered, and why",
)
NOT_RUN = "not run in this run (narrowed with --suite, --select or --vendor?)"


class Reported(Protocol):
    """What the table needs of a report's outcome (report.Outcome)."""

    item: str
    status: str
    vendor: str

    @property
    def details(self) -> str: ...


@dataclass(frozen=True)
class Entry:
    """One item and what its check said: pass, fail, skip, n/a (or warn), "" when no check reported on it."""

    item: Item
    result: str
    why: str = ""

    @property
    def covered(self) -> bool:
        return self.result == "pass"

    @property
    def applicable(self) -> bool:
        return self.result != "n/a"


@dataclass
class Tally:
    listed: int = 0
    covered: int = 0
    not_applicable: int = 0

    def add(self, entry: Entry) -> None:
        self.listed += 1
        self.covered += entry.covered
        self.not_applicable += not entry.applicable

    @property
    def applicable(self) -> int:
        return self.listed - self.not_applicable

    def percent(self) -> str:
        return f"{100 * self.covered / self.applicable:.0f}%" if self.applicable else "-"

    def describe(self) -> str:
        if not self.applicable:
            return f"n/a ({self.not_applicable})" if self.listed else "-"
        na = f"; {self.not_applicable} n/a" if self.not_applicable else ""
        return f"{self.percent()} ({self.covered} of {self.applicable}{na})"


@dataclass
class Coverage:
    """The run's coverage: entries by vendor, in the contracts' order."""

    entries: dict[str, list[Entry]] = field(default_factory=dict)

    def tally(self, vendor: str | None = None) -> dict[str, Tally]:
        found = {kind: Tally() for kind in KINDS}
        for name, entries in self.entries.items():
            if vendor is None or name == vendor:
                for entry in entries:
                    found[entry.item.kind].add(entry)
        return found

    def shares(self, vendor: str | None = None) -> str:
        """The covered share of each kind the contracts list, for `vendor` or over every vendor."""
        return ", ".join(
            f"{TITLES[kind]} {tally.describe()}" for kind, tally in self.tally(vendor).items() if tally.listed
        )

    def headline(self) -> str:
        return "Coverage of what the contracts document: " + self.shares()

    def rows(self) -> list[tuple[str, dict[str, Tally]]]:
        return [(vendor, self.tally(vendor)) for vendor in self.entries]

    def operations(self, vendor: str) -> list[tuple[str, list[Entry]]]:
        grouped: dict[str, list[Entry]] = {}
        for entry in self.entries[vendor]:
            grouped.setdefault(entry.item.operation, []).append(entry)
        return list(grouped.items())

    def operation_rows(self, vendor: str) -> list[tuple[str, ...]]:
        """A row per operation, in the order of OPERATION_COLUMNS."""
        return [
            (
                operation,
                _observed(entries),
                *(_share(entries, kind) for kind in ("alternative", "lifetime", "flag")),
                "; ".join(_gaps(entries)),
            )
            for operation, entries in self.operations(vendor)
        ]


def _observed(entries: Iterable[Entry]) -> str:
    return " ".join(str(e.item.status) for e in entries if e.item.kind == "status" and e.covered) or "none"


def _share(entries: Iterable[Entry], kind: str) -> str:
    tally = Tally()
    for entry in entries:
        if entry.item.kind == kind:
            tally.add(entry)
    if not tally.listed:
        return "-"
    if not tally.applicable:
        return f"n/a ({tally.not_applicable})"
    na = f" ({tally.not_applicable} n/a)" if tally.not_applicable else ""
    return f"{tally.covered} of {tally.applicable}{na}"


def _gaps(entries: Iterable[Entry]) -> list[str]:
    """Every item not covered, those with one result and reason on one line: failed, skipped or not run first,
    then the not applicable ones."""
    labels = {"fail": "failed", "skip": "skipped", "warn": "warning", "": "not run", "n/a": "n/a"}
    grouped: dict[tuple[str, str], list[str]] = {}
    for entry in sorted((e for e in entries if not e.covered), key=lambda e: e.result == "n/a"):
        grouped.setdefault((entry.result, _one_line(entry.why)), []).append(_name(entry.item))
    return [f"{labels.get(result, result)} ({', '.join(names)}): {why}" for (result, why), names in grouped.items()]


def _name(item: Item) -> str:
    return f"status {item.label}" if item.kind == "status" else item.label


def _one_line(text: str, limit: int = 240) -> str:
    line = " ".join(text.split())
    for prefix in ("Skipped: ", "N/A for "):
        line = line.removeprefix(prefix)
    line = re.sub(r"^\w+: ", "", line) if line.split(":", 1)[0] in VENDORS else line
    return line if len(line) <= limit else line[: limit - 1] + "…"


def coverage_of(outcomes: Sequence[Reported]) -> Coverage | None:
    """The coverage of a run whose outcomes include the coverage suite's; None when that suite did not run."""
    found: dict[str, dict[str, Reported]] = {}
    for outcome in outcomes:
        match = CHECK.match(outcome.item)
        if match is not None and outcome.vendor in VENDORS:
            found.setdefault(outcome.vendor, {})[match.group("id")] = outcome
    if not found:
        return None
    coverage = Coverage()
    for vendor in (v for v in VENDORS if v in found):
        reported = found[vendor]
        entries = []
        for item in coverage_items(vendor):
            said = reported.get(check_id(item))
            if said is None:
                entries.append(Entry(item, "", NOT_RUN))
            else:
                entries.append(Entry(item, said.status, "" if said.status == "pass" else said.details))
        coverage.entries[vendor] = entries
    return coverage
