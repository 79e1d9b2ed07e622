"""What a run found: one `Outcome` per check, collected from pytest's reports, and the `Summary` every rendering
(console, Markdown, HTML, JUnit) starts from, so that all of them count alike.

Every check ends in one of five results:

- `pass`, `fail`;
- `warn`: a severity-S finding of the security profile (docs/security-checks.md: a warning, never a failure);
- `skip`: it could not run here, for a reason a better set-up would remove (no mailbox, no way to create
  accounts, not the mock's clock); the summary groups skips by their full reason;
- `n/a`: it cannot apply to this vendor (ZITADEL is addressed by user id, so look-alike e-mails mean nothing).

A check that runs sub-checks (schemathesis' one per operation) is a row of its own beside them, and it fails when
any of them failed. A run where more than half of the applicable checks (all but `n/a`) were skipped says so in
its summary line, whatever else it says: such a run checked little.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .outcomes import classify

STATUSES = ("pass", "fail", "warn", "skip", "n/a")
LABELS = {"pass": "passed", "fail": "failed", "warn": "warnings", "skip": "skipped", "n/a": "not applicable"}
SUITE_ORDER = ("contract", "bdd", "security", "coverage")
_SECURITY_ID = re.compile(r"\btest_sr(\d\d)_")
_FINDING_ID = re.compile(r"^FINDING (SR-\d\d)\b")
_FINDING_PREFIX = re.compile(r"^FINDING \S+ \(severity S, a warning\): ")
# What a failing report carries beside pytest's own text (plugin.py fills them in).
FAILURE_PROPERTIES = ("rule", "sent", "received")


@dataclass
class Outcome:
    """One row of every table: a check (an operation, a scenario, a security check) and what it found."""

    item: str
    status: str  # pass | fail | warn | skip | n/a
    checks: list[str] = field(default_factory=list)  # a failure's broken rules, one line each
    reason: str = ""  # the full skip, finding or not-applicable reason
    vendor: str = ""
    suite: str = ""
    rule: str = ""  # a failure: which rule it breaks, in full
    sent: str = ""  # a failure: what was sent, as a curl command
    received: str = ""  # a failure: what came back (status line, headers, body)
    seconds: float = 0.0
    folded: bool = False  # it failed because sub-checks did (their rows tell how)

    @property
    def details(self) -> str:
        return "; ".join(self.checks) if self.status == "fail" else self.reason

    @property
    def finding(self) -> str:
        """A warning's finding without the marker every finding's reason starts with."""
        return _FINDING_PREFIX.sub("", self.reason)

    @property
    def security_id(self) -> str | None:
        """The security requirement (`SR-13`) this check is about, from its name or its finding."""
        named = _SECURITY_ID.search(self.item)
        if named:
            return f"SR-{named.group(1)}"
        found = _FINDING_ID.match(self.reason)
        return found.group(1) if found else None


@dataclass
class Summary:
    """Counts by result, overall, per vendor and per suite, with the skip and not-applicable reasons."""

    total: Counter[str]
    by_vendor: dict[str, Counter[str]]
    by_suite: dict[str, Counter[str]]
    skipped: Counter[str]  # reason -> checks
    not_applicable: Counter[str]
    findings: list[Outcome]
    failures: list[Outcome]

    @property
    def checks(self) -> int:
        return sum(self.total.values())

    @property
    def applicable(self) -> int:
        return self.checks - self.total["n/a"]

    @property
    def mostly_skipped(self) -> bool:
        return self.total["skip"] * 2 > self.applicable

    @property
    def verdict(self) -> str:
        verdict = "NOT CONFORMANT" if self.total["fail"] else "CONFORMANT"
        if self.mostly_skipped:
            verdict += (
                f" ONLY AS FAR AS CHECKED: {self.total['skip']} of {self.applicable} applicable checks were skipped"
                " (more than half)"
            )
        return verdict

    def counts(self, counter: Counter[str] | None = None) -> str:
        counter = self.total if counter is None else counter
        parts = [f"{counter[s]} {LABELS[s]}" for s in STATUSES if counter[s] or s in ("pass", "fail")]
        return ", ".join(parts)

    def line(self, target: str) -> str:
        """The one total of a run, the same wherever it is shown: the verdict, and whether the run checked too
        little to mean much."""
        return f"{target}: {self.verdict}; {self.counts()} ({self.checks} checks)"

    def rows(self) -> list[tuple[str, Counter[str]]]:
        """(label, counts) per vendor, then per suite, then all."""
        suites = sorted(self.by_suite, key=lambda s: (SUITE_ORDER.index(s) if s in SUITE_ORDER else 9, s))
        rows = [(f"vendor {v}", self.by_vendor[v]) for v in sorted(self.by_vendor)]
        rows += [(f"suite {s}", self.by_suite[s]) for s in suites]
        return [*rows, ("all", self.total)]


def summarize(outcomes: Iterable[Outcome]) -> Summary:
    seen = list(outcomes)
    by_vendor: dict[str, Counter[str]] = {}
    by_suite: dict[str, Counter[str]] = {}
    for outcome in seen:
        by_vendor.setdefault(outcome.vendor or "(any)", Counter())[outcome.status] += 1
        by_suite.setdefault(outcome.suite or "(other)", Counter())[outcome.status] += 1
    return Summary(
        total=Counter(o.status for o in seen),
        by_vendor=by_vendor,
        by_suite=by_suite,
        skipped=Counter(o.reason for o in seen if o.status == "skip"),
        not_applicable=Counter(o.reason for o in seen if o.status == "n/a"),
        findings=[o for o in seen if o.status == "warn"],
        failures=[o for o in seen if o.status == "fail" and not o.folded],
    )


# Collecting outcomes from pytest's reports -----------------------------------------------------------------------
def is_subtest_report(report: Any) -> bool:
    """A report of one sub-check inside a test (pytest's subtests, or schemathesis' own on pytest 8)."""
    return type(report).__name__ == "SubtestReport" or bool(getattr(report, "_schemathesis_subtest", False))


def check_name(nodeid: str) -> str:
    """A check's name in every table: its module without `test_`, then the test (`stateless::test_x[GET /a]`)."""
    file, _, test = nodeid.partition("::")
    return f"{Path(file).stem.removeprefix('test_')}::{test}"


class Collector:
    """A pytest plugin that keeps one Outcome per check, in the order they ran."""

    def __init__(self) -> None:
        self.outcomes: dict[str, Outcome] = {}
        self.notes: list[str] = []  # conform's own lines: the run id, where accounts and mail come from, cleanup
        self.leads: list[str] = []  # what the target probe found that a reader must see before the results
        self.children: dict[str, list[str]] = {}  # a check -> its sub-checks' names
        self.setup_errors: list[str] = []  # why the target could not be prepared (a mailbox that cannot open)
        self._running: str | None = None

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        self._running = check_name(nodeid)
        self.outcomes.setdefault(self._running, Outcome(self._running, "pass"))  # a check before its sub-checks

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.when != "call" and not (report.skipped or report.failed):
            return
        name = check_name(report.nodeid)
        outcome = self.outcomes.setdefault(name, Outcome(name, "pass"))
        if is_subtest_report(report) and self._running and self._running != name:
            siblings = self.children.setdefault(self._running, [])
            if name not in siblings:
                siblings.append(name)
        outcome.seconds += float(getattr(report, "duration", 0.0) or 0.0)
        properties = dict(getattr(report, "user_properties", ()) or ())
        outcome.vendor = outcome.vendor or str(properties.get("vendor") or "")
        outcome.suite = outcome.suite or str(properties.get("suite") or Path(report.nodeid.split("::")[0]).parent.name)
        if report.failed:
            self._failed(outcome, report, properties)
        elif report.skipped and outcome.status != "fail":
            longrepr = report.longrepr
            reason = str(longrepr[2] if isinstance(longrepr, tuple) else longrepr).removeprefix("Skipped: ")
            outcome.status = classify(reason)
            outcome.reason = reason
        if report.when == "call" and name in self.children:
            self._fold_children(outcome)

    def _failed(self, outcome: Outcome, report: Any, properties: dict[str, Any]) -> None:
        outcome.status = "fail"
        if properties.get("setup_error"):
            self.setup_errors.append(str(properties["setup_error"]))
        rule = str(properties.get("rule") or "") or _crash_summary(report)
        for line in _rule_lines(rule):
            if line not in outcome.checks:
                outcome.checks.append(line)
        outcome.rule = outcome.rule or rule
        outcome.sent = outcome.sent or str(properties.get("sent") or "")
        outcome.received = outcome.received or str(properties.get("received") or "")

    def _fold_children(self, outcome: Outcome) -> None:
        """A check is never `pass` when one of its sub-checks failed; its time is its own, not theirs."""
        children = [self.outcomes[name] for name in self.children[outcome.item] if name in self.outcomes]
        outcome.seconds = max(0.0, outcome.seconds - sum(child.seconds for child in children))
        failed = [child for child in children if child.status == "fail"]
        if failed and outcome.status != "fail":
            outcome.status, outcome.folded = "fail", True
            outcome.checks = [f"{len(failed)} of {len(children)} sub-checks failed (their rows follow)"]
            outcome.rule = "\n".join(f"{child.item}: {'; '.join(child.checks)}" for child in failed)


def note_in_reports(config: Any, line: str) -> None:
    """Keep one of conform's own lines for this run's reports: what the run used, beside what it found."""
    for plugin in config.pluginmanager.get_plugins():
        if isinstance(plugin, Collector):
            plugin.notes.append(line)


def _rule_lines(rule: str) -> list[str]:
    """A failure's broken rules, one line each: schemathesis' `- ST103 Undocumented status code` lines, else the
    message on one line."""
    found = [m.group(1) for line in rule.splitlines() if (m := re.match(r"^\s*- (?:ST\d+ )?(.+?)\s*$", line))]
    whole = " ".join(rule.split()) or "failed"
    return found or [whole if len(whole) <= 240 else whole[:239] + "…"]


def _crash_summary(report: Any) -> str:
    """What failed, when the plugin left no rule: the crash message, else the report's last line."""
    crash = getattr(report.longrepr, "reprcrash", None)
    message = crash.message.strip() if crash is not None else ""
    text = str(report.longrepr).strip()
    return message or (text.splitlines()[-1] if text else "failed")
