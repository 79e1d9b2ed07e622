"""What `resetkit conform` says it checked: one outcome per check, a summary, and the table, Markdown and HTML.

Every check ends in one of five results:

- `pass`, `fail`;
- `warn`: a severity-S finding of the security profile (security.md: a warning, never a failure);
- `skip`: it could not run here, for a reason a better set-up would remove (no mailbox, no way to create
  accounts, not the mock's clock); the summary groups skips by their full reason;
- `n/a`: it cannot apply to this vendor (ZITADEL is addressed by user id, so look-alike e-mails mean nothing).

The summary line comes first in every rendering. A run where more than half of the applicable checks (all but
`n/a`) were skipped says so in that line, whatever else it says: such a run checked little.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .coverage_report import coverage_of
from .outcomes import classify

_FAILURE_LINE = re.compile(r"^\s*[|]?\s*- (?:ST\d+ )?(.+?)\s*$")
STATUSES = ("pass", "fail", "warn", "skip", "n/a")
LABELS = {"pass": "passed", "fail": "failed", "warn": "warnings", "skip": "skipped", "n/a": "not applicable"}
SUITE_ORDER = ("contract", "bdd", "security", "coverage")


@dataclass
class Outcome:
    """One row of the table: a suite item (operation or scenario) and what each of its checks said."""

    item: str
    status: str  # pass | fail | warn | skip | n/a
    checks: list[str] = field(default_factory=list)
    reason: str = ""  # the full skip, finding or not-applicable reason
    vendor: str = ""
    suite: str = ""
    message: str = ""  # a failure's full message
    request: str = ""  # a failure's last request and response, as text
    response: str = ""

    @property
    def details(self) -> str:
        return "; ".join(self.checks) if self.status == "fail" else self.reason


class Collector:
    """A pytest plugin that keeps one Outcome per test item (schemathesis subtests fold into their operation)."""

    def __init__(self) -> None:
        self.outcomes: dict[str, Outcome] = {}
        self.notes: list[str] = []  # conform's own lines: the run id, where accounts and mail come from, cleanup

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.when != "call" and not (report.skipped or report.failed):
            return
        file, _, test = report.nodeid.partition("::")
        name = f"{Path(file).stem.removeprefix('test_')}::{test}"
        outcome = self.outcomes.setdefault(name, Outcome(name, "pass"))
        properties = dict(getattr(report, "user_properties", ()) or ())
        outcome.vendor = outcome.vendor or str(properties.get("vendor") or "")
        outcome.suite = outcome.suite or str(properties.get("suite") or Path(file).parent.name)
        if report.failed:
            outcome.status = "fail"
            text = str(report.longrepr)
            found = [m.group(1) for line in text.splitlines() if (m := _FAILURE_LINE.match(line))]
            for check in found or [_crash_summary(report)]:
                if check not in outcome.checks:
                    outcome.checks.append(check)
            outcome.message = outcome.message or _failure_message(report)
            outcome.request = outcome.request or str(properties.get("request") or "")
            outcome.response = outcome.response or str(properties.get("response") or "")
        elif report.skipped and outcome.status != "fail":
            longrepr = report.longrepr
            reason = str(longrepr[2] if isinstance(longrepr, tuple) else longrepr).removeprefix("Skipped: ")
            outcome.status = classify(reason)
            outcome.reason = reason


def note_in_reports(config: Any, line: str) -> None:
    """Keep one of conform's own lines for this run's reports: what the run used, beside what it found."""
    for plugin in config.pluginmanager.get_plugins():
        if isinstance(plugin, Collector):
            plugin.notes.append(line)


def _crash_summary(report: Any) -> str:
    """One line on what failed: the assertion message (a BDD step's), else the traceback's last line."""
    crash = getattr(report.longrepr, "reprcrash", None)
    message = crash.message.strip() if crash is not None else ""
    text = str(report.longrepr).strip()
    line = message.splitlines()[0] if message else (text.splitlines()[-1] if text else "failed")
    return line[:240]


def _failure_message(report: Any) -> str:
    """The check's whole message: the assertion's text, else the end of the report (schemathesis' account)."""
    crash = getattr(report.longrepr, "reprcrash", None)
    message = crash.message.strip() if crash is not None else ""
    text = str(report.longrepr).strip()
    if message and not text.lstrip().startswith("-"):
        return message[:4000]
    return text[-4000:]


# The summary ------------------------------------------------------------------------------------------------
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

    def counts(self, counter: Counter[str] | None = None) -> str:
        counter = self.total if counter is None else counter
        parts = [f"{counter[s]} {LABELS[s]}" for s in STATUSES if counter[s] or s in ("pass", "fail")]
        return ", ".join(parts)

    def line(self, target: str) -> str:
        """The first line of every report: the verdict, and whether the run checked too little to mean much."""
        verdict = "NOT CONFORMANT" if self.total["fail"] else "CONFORMANT"
        if self.mostly_skipped:
            verdict += (
                f" ONLY AS FAR AS CHECKED: {self.total['skip']} of {self.applicable} applicable checks were skipped"
                " (more than half)"
            )
        return f"{target}: {verdict}; {self.counts()} ({self.checks} checks)"

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
        failures=[o for o in seen if o.status == "fail"],
    )


# Plain text (the terminal) --------------------------------------------------------------------------------------
def render_table(outcomes: Sequence[Outcome], target: str = "") -> str:
    """The summary line and block, then one row per check."""
    summary = summarize(outcomes)
    width = max([len(o.item) for o in outcomes] + [20])
    lines = [summary.line(target or "resetkit conform"), ""]
    if (coverage := coverage_of(outcomes)) is not None:
        lines += [*coverage.text(), ""]
    label_width = max(len(label) for label, _ in summary.rows())
    header = "".join(f"{LABELS[s]:>16}" for s in STATUSES)
    lines.append(f"{'':<{label_width}}{header}")
    for label, counts in summary.rows():
        lines.append(f"{label:<{label_width}}" + "".join(f"{counts[s]:>16}" for s in STATUSES))
    for title, reasons in (("skipped", summary.skipped), ("not applicable", summary.not_applicable)):
        if reasons:
            lines += ["", f"{title}, by reason:"]
            lines += [f"  {count:>4} x {reason}" for reason, count in reasons.most_common()]
    lines += ["", f"{'operation / scenario':<{width}}  result  details", f"{'-' * width}  ------  -------"]
    lines += [f"{o.item:<{width}}  {o.status:<6}  {_one_line(o.details)}" for o in outcomes]
    return "\n".join(lines)


def _one_line(text: str) -> str:
    return " ".join(text.split())


# Markdown -------------------------------------------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`|<*])")


def md_cell(text: str) -> str:
    """Text as it reads in a Markdown table cell: newlines folded, and a backslash before each character Markdown
    would otherwise take as syntax there (pipe, backtick, `<` of raw HTML, `*` of emphasis, the backslash itself)."""
    return _MD_SPECIAL.sub(r"\\\1", _one_line(text))


def md_code(text: str) -> str:
    """An inline code span that holds `text` whatever backticks it has (pipes escaped for table cells)."""
    text = _one_line(text).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_block(text: str, info: str = "text") -> str:
    """A fenced code block longer than any backtick run inside it."""
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}{info}\n{text.rstrip()}\n{fence}"


def render_markdown(target: str, outcomes: Sequence[Outcome], notes: Sequence[str] = ()) -> str:
    summary = summarize(outcomes)
    coverage = coverage_of(outcomes)
    out = [f"# Conformance report: {md_cell(summary.line(target))}", ""]
    if coverage is not None:
        out += [*coverage.markdown_headline(md_cell), ""]
    if notes:
        out += ["## Run", "", *(f"- {md_cell(note)}" for note in notes), ""]
    out += ["## Summary", "", "| | " + " | ".join(LABELS[s] for s in STATUSES) + " | total |"]
    out.append("|---" * (len(STATUSES) + 2) + "|")
    for label, counts in summary.rows():
        cells = " | ".join(str(counts[s]) for s in STATUSES)
        out.append(f"| **{md_cell(label)}** | {cells} | {sum(counts.values())} |")
    for title, reasons in (
        ("Skipped, by reason", summary.skipped),
        ("Not applicable, by reason", summary.not_applicable),
    ):
        if reasons:
            out += ["", f"### {title}", "", "| checks | reason |", "|---|---|"]
            out += [f"| {count} | {md_cell(reason)} |" for reason, count in reasons.most_common()]
    if summary.findings:
        out += ["", "### Warnings (severity S findings)", "", "| check | finding |", "|---|---|"]
        out += [f"| {md_code(o.item)} | {md_cell(o.reason)} |" for o in summary.findings]
    if summary.failures:
        out += ["", "## Failures"]
        for failure in summary.failures:
            out += ["", f"### {md_code(failure.item)}", "", md_block(failure.message or failure.details)]
            if failure.request:
                out += ["", "Request:", "", md_block(failure.request, "http")]
            if failure.response:
                out += ["", "Response:", "", md_block(failure.response, "http")]
    if coverage is not None:
        out += ["", *coverage.markdown(md_cell)]
    out += ["", "## All checks", "", "| check | vendor | suite | result | details |", "|---|---|---|---|---|"]
    for o in outcomes:
        out.append(
            f"| {md_code(o.item)} | {md_cell(o.vendor)} | {md_cell(o.suite)} | {o.status} | {md_cell(o.details)} |"
        )
    return "\n".join(out) + "\n"


# HTML -----------------------------------------------------------------------------------------------------------
_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em}td,th{padding:4px 8px;border-bottom:1px solid #ddd;"
    "text-align:left;vertical-align:top}.fail{background:#fdd}.warn{background:#ffd}.skip,.n\\/a{color:#777}"
    "pre{background:#f6f6f6;padding:8px;overflow-x:auto;white-space:pre-wrap}.verdict{font-size:1.2em}"
)


def render_html(target: str, outcomes: Sequence[Outcome], notes: Sequence[str] = ()) -> str:
    summary = summarize(outcomes)
    coverage = coverage_of(outcomes)
    e = html.escape
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>Conformance {e(target)}</title>",
        f"<style>{_STYLE}</style></head><body><h1>Conformance report for {e(target)}</h1>",
        f"<p class='verdict' id='summary'><strong>{e(summary.line(target))}</strong></p>",
    ]
    if coverage is not None:
        parts.append(coverage.html_headline())
    if notes:
        parts.append("<ul id='run'>" + "".join(f"<li>{e(note)}</li>" for note in notes) + "</ul>")
    parts.append(
        "<table id='counts'><tr><th></th>" + "".join(f"<th>{LABELS[s]}</th>" for s in STATUSES) + "<th>total</th></tr>"
    )
    for label, counts in summary.rows():
        cells = "".join(f"<td>{counts[s]}</td>" for s in STATUSES)
        parts.append(f"<tr><th>{e(label)}</th>{cells}<td>{sum(counts.values())}</td></tr>")
    parts.append("</table>")
    for title, reasons in (
        ("Skipped, by reason", summary.skipped),
        ("Not applicable, by reason", summary.not_applicable),
    ):
        if reasons:
            rows = "".join(f"<tr><td>{n}</td><td>{e(r)}</td></tr>" for r, n in reasons.most_common())
            parts.append(f"<h3>{title}</h3><table><tr><th>checks</th><th>reason</th></tr>{rows}</table>")
    if summary.findings:
        rows = "".join(
            f"<tr class='warn'><td><code>{e(o.item)}</code></td><td>{e(o.reason)}</td></tr>" for o in summary.findings
        )
        parts.append(f"<h3>Warnings (severity S findings)</h3><table>{rows}</table>")
    if summary.failures:
        parts.append("<h2 id='failures'>Failures</h2>")
        for failure in summary.failures:
            parts.append(f"<div class='failure'><h3><code>{e(failure.item)}</code></h3>")
            parts.append(f"<h4>Check</h4><pre class='message'>{e(failure.message or failure.details)}</pre>")
            if failure.request:
                parts.append(f"<h4>Request</h4><pre class='request'>{e(failure.request)}</pre>")
            if failure.response:
                parts.append(f"<h4>Response</h4><pre class='response'>{e(failure.response)}</pre>")
            parts.append("</div>")
    if coverage is not None:
        parts.append(coverage.html())
    rows = "".join(
        f"<tr class='{e(o.status)}'><td><code>{e(o.item)}</code></td><td>{e(o.vendor)}</td><td>{e(o.suite)}</td>"
        f"<td>{e(o.status)}</td><td>{e(o.details)}</td></tr>"
        for o in outcomes
    )
    parts.append(
        "<h2>All checks</h2><table id='checks'><tr><th>check</th><th>vendor</th><th>suite</th><th>result</th>"
        f"<th>details</th></tr>{rows}</table></body></html>"
    )
    return "".join(parts)
