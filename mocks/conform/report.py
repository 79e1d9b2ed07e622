"""What `resetkit conform` says it checked, as the console summary, Markdown and HTML.

A report is a list of sections (`SECTIONS`), each built from the run (`Report`) as neutral blocks (paragraphs,
lists, tables, failures) that every renderer knows: a new section is one more builder in that list. Every rendering
starts with the same total (`Summary.line`): the verdict, and "ONLY AS FAR AS CHECKED" when more than half of the
applicable checks were skipped. A failure reads the same everywhere: the rule it breaks, what was sent (curl),
what came back.
"""

from __future__ import annotations

import functools
import html
import re
import shutil
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .coverage_report import OPERATION_COLUMNS, TITLES, Coverage, coverage_of
from .requirements import Requirement, document_path, requirements
from .results import LABELS, STATUSES, Collector, Outcome, Summary, note_in_reports, summarize

__all__ = [
    "SECTIONS",
    "Block",
    "Bullets",
    "Collector",
    "Failures",
    "Outcome",
    "Paragraph",
    "Report",
    "Section",
    "Table",
    "failure_text",
    "note_in_reports",
    "render_console",
    "render_html",
    "render_markdown",
    "render_setup_error",
    "sections",
    "summarize",
    "write_report",
]

CONSOLE_WIDTH = 100
CONSOLE_FAILURES = 8  # different failures the console shows in full; the report has every one
CONSOLE_BODY_LINES = 12  # lines of a sent or received text the console shows


@dataclass
class Report:
    """A finished run as the renderers see it: the target, every outcome, conform's own lines about the run
    (`notes`) and what the target probe found that a reader must see first (`leads`)."""

    target: str
    outcomes: Sequence[Outcome]
    notes: Sequence[str] = ()
    leads: Sequence[str] = ()

    @functools.cached_property
    def summary(self) -> Summary:
        return summarize(self.outcomes)

    @property
    def line(self) -> str:
        return self.summary.line(self.target)

    @functools.cached_property
    def coverage(self) -> Coverage | None:
        return coverage_of(self.outcomes)


# Blocks and sections -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]
    id: str = ""


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    id: str = ""
    code: frozenset[int] = frozenset()  # columns shown as code
    numeric: frozenset[int] = frozenset()  # columns aligned right
    whole: frozenset[int] = frozenset()  # short columns never broken across lines (vendor, result)
    row_classes: tuple[str, ...] = ()  # one per row (the HTML class: a result)
    row_header: bool = False  # the first column labels its row


@dataclass(frozen=True)
class Failures:
    outcomes: tuple[Outcome, ...]
    grouped: bool = False  # failures that break the same rule shown once, the others named (the console)


Block = Paragraph | Bullets | Table | Failures


@dataclass(frozen=True)
class Section:
    """One part of every report: an id (HTML anchor), a title and its blocks. `console` is what the console
    summary shows of it (None: the same blocks; empty: nothing); `folded` sections are closed in HTML at first."""

    id: str
    title: str
    blocks: tuple[Block, ...]
    console: tuple[Block, ...] | None = None
    folded: bool = False


def coverage_summary_section(report: Report) -> Section | None:
    """The covered share of what the contracts document, per kind and vendor (when the coverage suite ran)."""
    if report.coverage is None:
        return None
    kinds = tuple(TITLES)
    rows = tuple((vendor, *(tallies[k].describe() for k in kinds)) for vendor, tallies in report.coverage.rows())
    table = Table(("vendor", *(TITLES[k] for k in kinds)), rows, id="coverage-percentages", row_header=True)
    headline = Paragraph(report.coverage.headline())
    per_vendor = Bullets(tuple(f"{vendor}: {report.coverage.shares(vendor)}" for vendor in report.coverage.entries))
    return Section("coverage-summary", "Coverage", (headline, table), console=(headline, per_vendor))


def coverage_section(report: Report) -> Section | None:
    """Per vendor and operation: what was observed, exercised, checked and read back, and what not and why."""
    if report.coverage is None:
        return None
    blocks: list[Block] = [Paragraph("What each operation's contract documents, and what this run covered of it.")]
    for vendor in report.coverage.entries:
        rows = tuple(report.coverage.operation_rows(vendor))
        blocks += [Paragraph(vendor), Table(OPERATION_COLUMNS, rows, id=f"coverage-{vendor}", code=frozenset({0}))]
    return Section("coverage", "Coverage, per operation", tuple(blocks), console=(), folded=True)


def counts_section(report: Report) -> Section:
    rows = tuple(
        (label, *(str(counts[s]) for s in STATUSES), str(sum(counts.values())))
        for label, counts in report.summary.rows()
    )
    header = ("", *(LABELS[s] for s in STATUSES), "total")
    numbers = frozenset(range(1, len(header)))
    table = Table(header, rows, id="counts", numeric=numbers, whole=frozenset({0}), row_header=True)
    return Section("summary-table", "Summary", (table,))


def failures_section(report: Report) -> Section | None:
    failures = tuple(report.summary.failures)
    if not failures:
        return None
    return Section("failures", "Failures", (Failures(failures),), console=(Failures(failures, grouped=True),))


def findings_section(report: Report) -> Section | None:
    findings = report.summary.findings
    if not findings:
        return None
    grouped: dict[tuple[str, str], list[Outcome]] = {}
    for outcome in findings:
        grouped.setdefault((outcome.security_id or "", outcome.finding), []).append(outcome)
    by_finding = Table(
        ("id", "checks", "finding", "vendors"),
        tuple(
            (sr, str(len(group)), text, ", ".join(dict.fromkeys(o.vendor for o in group if o.vendor)))
            for (sr, text), group in grouped.items()
        ),
        numeric=frozenset({1}),
        whole=frozenset({0, 3}),
    )
    each = Table(
        ("check", "id", "finding"),
        tuple((o.item, o.security_id or "", o.finding) for o in findings),
        code=frozenset({0}),
        whole=frozenset({1}),
        row_classes=tuple("warn" for _ in findings),
    )
    brief = Table(
        ("id", "checks", "finding (vendors)"),
        tuple((sr, count, f"{text} ({vendors})") for sr, count, text, vendors in by_finding.rows),
        numeric=frozenset({1}),
    )
    intro = Paragraph(
        "Severity-S requirements of the security profile that the target does not meet: warnings, not failures "
        "(what each asks for and why: Security requirements, below, and docs/security-checks.md)."
    )
    return Section("warnings", "Warnings (severity S findings)", (intro, by_finding, each), console=(brief,))


def _reasons_section(key: str, title: str, reasons: dict[str, int], in_console: bool) -> Section | None:
    if not reasons:
        return None
    ordered = sorted(reasons.items(), key=lambda pair: -pair[1])
    table = Table(("checks", "reason"), tuple((str(n), r) for r, n in ordered), numeric=frozenset({0}))
    return Section(key, title, (table,), console=None if in_console else ())


def skipped_section(report: Report) -> Section | None:
    return _reasons_section("skipped", "Skipped, by reason", report.summary.skipped, True)


def not_applicable_section(report: Report) -> Section | None:
    return _reasons_section("not-applicable", "Not applicable, by reason", report.summary.not_applicable, False)


def requirements_section(report: Report) -> Section | None:
    """What each security requirement the run checked asks for, why, and from where (docs/security-checks.md)."""
    documented = requirements()
    used = sorted({o.security_id for o in report.outcomes if o.security_id and o.security_id in documented})
    if not used:
        return None
    rows = tuple(_requirement_row(documented[sr]) for sr in used)
    where = document_path()
    intro = Paragraph(
        "The security profile's checks, from docs/security-checks.md"
        + (f" (installed with resetkit: {where})" if where else "")
        + "; M is a failure when not met, S a warning."
    )
    table = Table(("id", "what it checks", "severity", "sources"), rows, code=frozenset({0}), whole=frozenset({0}))
    return Section("security-requirements", "Security requirements", (intro, table), console=(), folded=True)


def _requirement_row(requirement: Requirement) -> tuple[str, str, str, str]:
    what = f"{requirement.title}: {requirement.checks}".replace("`", "")  # the document's code marks
    return requirement.id, what, requirement.severity, requirement.sources.replace("`", "")


def run_section(report: Report) -> Section | None:
    if not report.notes:
        return None
    return Section("run-notes", "Run", (Bullets(tuple(report.notes), id="run"),), console=())


def checks_section(report: Report) -> Section:
    rows = tuple((o.item, o.vendor, o.suite, o.status, _one_line(o.details)) for o in report.outcomes)
    table = Table(
        ("check", "vendor", "suite", "result", "details"),
        rows,
        id="checks",
        code=frozenset({0}),
        whole=frozenset({1, 2, 3}),
        row_classes=tuple(o.status for o in report.outcomes),
    )
    return Section("all-checks", "All checks", (table,), console=())


# The report, in order. A section builder takes the run and answers a Section, or None when it has nothing to say.
SECTIONS: tuple[Callable[[Report], Section | None], ...] = (
    coverage_summary_section,
    counts_section,
    failures_section,
    findings_section,
    skipped_section,
    not_applicable_section,
    requirements_section,
    coverage_section,
    run_section,
    checks_section,
)


def sections(report: Report) -> list[Section]:
    return [section for build in SECTIONS if (section := build(report)) is not None]


# A failure as text: the console, JUnit, and the same three parts in Markdown and HTML ------------------------------
def failure_parts(outcome: Outcome) -> list[tuple[str, str]]:
    """(label, text) of a failure: the rule it breaks (with its security requirement), what was sent, what came
    back; the parts a failure has."""
    rule = outcome.rule or outcome.details or "failed"
    documented = requirements().get(outcome.security_id or "")
    if documented is not None:
        rule = f"{documented.id} {documented.title} (docs/security-checks.md#{documented.anchor})\n{rule}"
    parts = [("Rule", rule)]
    if outcome.sent:
        parts.append(("Sent", outcome.sent))
    if outcome.received:
        parts.append(("Received", outcome.received))
    return parts


def failure_text(outcome: Outcome) -> str:
    """A failure as plain text, as JUnit and the console carry it."""
    return "\n".join(f"{label}:\n{textwrap.indent(text, '  ')}" for label, text in failure_parts(outcome))


# Plain text (the console) ------------------------------------------------------------------------------------------
def render_console(report: Report, width: int | None = None, footer: Sequence[str] = ()) -> str:
    """The summary after a run: the sections meant for the console, within `width` columns (at most 100), the
    `footer` lines (where the report went), and the one total last."""
    width = min(width or shutil.get_terminal_size((CONSOLE_WIDTH, 24)).columns, CONSOLE_WIDTH)
    out: list[str] = []
    for section in sections(report):
        blocks = section.blocks if section.console is None else section.console
        if not blocks:
            continue
        out += ["", section.title, "-" * len(section.title)]
        for block in blocks:
            out += _text_block(block, width)
    if footer:
        out += ["", *(line for text in footer for line in _wrap(text, width, "", "  "))]
    summary = report.summary
    out += ["", *_wrap(f"{summary.verdict}; {summary.counts()} ({summary.checks} checks)", width)]
    return "\n".join(out)


def _text_block(block: Block, width: int) -> list[str]:
    if isinstance(block, Paragraph):
        return _wrap(block.text, width)
    if isinstance(block, Bullets):
        return [line for item in block.items for line in _wrap(item, width, "- ", "  ")]
    if isinstance(block, Table):
        return _text_table(block, width)
    groups = _by_rule(block.outcomes) if block.grouped else {o.item: [o] for o in block.outcomes}
    lines: list[str] = []
    for shown, (_, group) in enumerate(groups.items()):
        if block.grouped and shown == CONSOLE_FAILURES:
            rest = sum(len(g) for g in list(groups.values())[shown:])
            lines += ["", *_wrap(f"... and {rest} more failures for other reasons: every one is in the report", width)]
            break
        lines += _text_failure(group[0], width)
        if len(group) > 1:
            others = ", ".join(o.item for o in group[1:4]) + (", ..." if len(group) > 4 else "")
            lines += _wrap(f"The same in {len(group) - 1} more: {others}", width, "  ", "    ")
    return lines


def _text_failure(outcome: Outcome, width: int) -> list[str]:
    lines = ["", *_wrap(f"FAIL {outcome.item}", width, "", "     ")]
    where = ", ".join(part for part in (outcome.vendor, outcome.suite) if part)
    lines += _wrap(f"({where})", width, "     ") if where else []
    for label, text in failure_parts(outcome):
        lines.append(f"  {label}:")
        if label == "Rule":
            lines += [line for paragraph in text.splitlines() for line in _wrap(paragraph, width, "    ", "    ")]
        else:
            lines += _clipped(text, width, "    ")
    return lines


def _by_rule(outcomes: Sequence[Outcome]) -> dict[str, list[Outcome]]:
    """Failures grouped by the first line of the rule they break, in the order they ran."""
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        groups.setdefault(_first_line(outcome.rule or outcome.details), []).append(outcome)
    return groups


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _text_table(table: Table, width: int) -> list[str]:
    """Columns as wide as their widest cell, two spaces apart; when that is wider than `width`, the widest column
    wraps."""
    columns = list(zip(table.header, *table.rows, strict=True))
    widths = [max(len(cell) for cell in column) for column in columns]
    total = sum(widths) + 2 * (len(widths) - 1)
    wrapped = max(range(len(widths)), key=lambda i: widths[i])
    if total > width:
        widths[wrapped] = max(width - (total - widths[wrapped]), 20)
    lines = []
    for row in (table.header, *table.rows):
        parts = [textwrap.wrap(cell, widths[i]) or [""] if i == wrapped else [cell] for i, cell in enumerate(row)]
        for at in range(max(len(part) for part in parts)):
            cells = [
                (part[at] if at < len(part) else "").rjust(widths[i])
                if i in table.numeric
                else (part[at] if at < len(part) else "").ljust(widths[i])
                for i, part in enumerate(parts)
            ]
            lines.append("  ".join(cells).rstrip())
    return lines


def _wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    return textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest) or [first.rstrip()]


def _clipped(text: str, width: int, indent: str) -> list[str]:
    """A block of text for the console: at most CONSOLE_BODY_LINES lines, each cut to `width`."""
    lines = text.splitlines()
    shown = [f"{indent}{line}".rstrip() for line in lines[:CONSOLE_BODY_LINES]]
    if len(lines) > CONSOLE_BODY_LINES:
        shown.append(f"{indent}... ({len(lines) - CONSOLE_BODY_LINES} more lines in the report)")
    return [line if len(line) <= width else line[: width - 1] + "…" for line in shown]


def _one_line(text: str) -> str:
    return " ".join(text.split())


# Markdown ---------------------------------------------------------------------------------------------------------
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


_INFO = {"Rule": "text", "Sent": "sh", "Received": "http"}


def render_markdown(report: Report) -> str:
    out = [f"# Conformance report: {md_cell(report.line)}", ""]
    out += [f"> {md_cell(lead)}" for lead in report.leads]
    for section in sections(report):
        out += ["", f"## {section.title}"]
        for block in section.blocks:
            out += ["", *_md_block(block)]
    return "\n".join(out).replace("\n\n\n", "\n\n").lstrip("\n") + "\n"


def _md_block(block: Block) -> list[str]:
    if isinstance(block, Paragraph):
        return [md_cell(block.text)]
    if isinstance(block, Bullets):
        return [f"- {md_cell(item)}" for item in block.items]
    if isinstance(block, Table):
        lines = ["| " + " | ".join(md_cell(h) for h in block.header) + " |", "|---" * len(block.header) + "|"]
        for row in block.rows:
            cells = [_md_table_cell(block, i, cell) for i, cell in enumerate(row)]
            lines.append("| " + " | ".join(cells) + " |")
        return lines
    lines = []
    for outcome in block.outcomes:
        lines += [f"### {md_code(outcome.item)}", ""]
        if outcome.vendor or outcome.suite:
            lines += [md_cell(", ".join(p for p in (outcome.vendor, outcome.suite) if p)), ""]
        for label, text in failure_parts(outcome):
            lines += [f"**{label}**", "", md_block(text, _INFO[label]), ""]
    return lines


def _md_table_cell(table: Table, column: int, cell: str) -> str:
    if column in table.code:
        return md_code(cell)
    if table.row_header and column == 0 and cell:
        return f"**{md_cell(cell)}**"
    return md_cell(cell)


# HTML -------------------------------------------------------------------------------------------------------------
_STYLE = (Path(__file__).parent / "report.css").read_text(encoding="utf-8")


def render_html(report: Report) -> str:
    e = html.escape
    summary = report.summary
    tone = "fail" if summary.total["fail"] else ("thin" if summary.mostly_skipped else "pass")
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Conformance {e(report.target)}</title><style>{_STYLE}</style></head><body><main>",
        f"<header><h1>Conformance report</h1><p class='target'>{e(report.target)}</p>",
        f"<p class='verdict {tone}' id='summary'><strong>{e(report.line)}</strong></p>",
    ]
    if report.leads:
        parts.append("<ul class='leads'>" + "".join(f"<li>{e(lead)}</li>" for lead in report.leads) + "</ul>")
    parts.append(_html_nav(sections(report)) + "</header>")
    for section in sections(report):
        body = "".join(_html_block(block) for block in section.blocks)
        if section.folded:
            parts.append(
                f"<section id='{section.id}'><details><summary><h2>{e(section.title)}</h2></summary>{body}"
                "</details></section>"
            )
        else:
            parts.append(f"<section id='{section.id}'><h2>{e(section.title)}</h2>{body}</section>")
    parts.append("</main></body></html>")
    return "".join(parts)


def _html_nav(found: Sequence[Section]) -> str:
    links = "".join(f"<a href='#{s.id}'>{html.escape(s.title)}</a>" for s in found)
    return f"<nav>{links}</nav>"


def _html_block(block: Block) -> str:
    e = html.escape
    if isinstance(block, Paragraph):
        return f"<p>{e(block.text)}</p>"
    if isinstance(block, Bullets):
        id_attribute = f" id='{block.id}'" if block.id else ""
        return f"<ul{id_attribute}>" + "".join(f"<li>{e(item)}</li>" for item in block.items) + "</ul>"
    if isinstance(block, Table):
        return _html_table(block)
    parts = []
    for group in _by_rule(block.outcomes).values():
        parts.append(_html_failure(group[0]))
        if len(group) > 1:
            parts.append(
                f"<details class='same'><summary>The same rule, broken by {len(group) - 1} more checks</summary>"
                + "".join(_html_failure(outcome) for outcome in group[1:])
                + "</details>"
            )
    return "".join(parts)


def _html_table(table: Table) -> str:
    e = html.escape
    id_attribute = f" id='{table.id}'" if table.id else ""
    head = "".join(f"<th{_num(table, i)}>{e(h)}</th>" for i, h in enumerate(table.header))
    rows = []
    for at, row in enumerate(table.rows):
        cells = []
        for i, cell in enumerate(row):
            text = f"<code>{_breakable(e(cell))}</code>" if i in table.code else e(cell)
            tag = "th" if table.row_header and i == 0 else "td"
            cells.append(f"<{tag}{_num(table, i)}>{text}</{tag}>")
        row_class = f" class='{e(table.row_classes[at])}'" if at < len(table.row_classes) else ""
        rows.append(f"<tr{row_class}>{''.join(cells)}</tr>")
    table_html = f"<table{id_attribute}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    return f"<div class='scroll'>{table_html}</div>"


def _breakable(escaped: str) -> str:
    """A long check name may break after `::`, `_`, `/` and `-`, not between any two letters."""
    return re.sub(r"(::|[_/-])", r"\1<wbr>", escaped)


def _num(table: Table, column: int) -> str:
    classes = [name for name, columns in (("num", table.numeric), ("whole", table.whole)) if column in columns]
    return f" class='{' '.join(classes)}'" if classes else ""


def _html_failure(outcome: Outcome) -> str:
    e = html.escape
    where = ", ".join(part for part in (outcome.vendor, outcome.suite) if part)
    parts = [f"<article class='failure'><h3><code>{_breakable(e(outcome.item))}</code></h3>"]
    if where:
        parts.append(f"<p class='where'>{e(where)}</p>")
    parts.append("<dl>")
    for label, text in failure_parts(outcome):
        parts.append(f"<dt>{label}</dt><dd><pre class='{label.lower()}'>{e(text)}</pre></dd>")
    parts.append("</dl></article>")
    return "".join(parts)


def write_report(path: str | Path, report: Report) -> None:
    """The report as Markdown or HTML, by the file's name."""
    target = Path(path)
    render = render_html if target.suffix == ".html" else render_markdown
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(report), encoding="utf-8")


def render_setup_error(report: Report, message: str, html_page: bool) -> str:
    """The report of a run that did not start: the one line that says why."""
    if not html_page:
        return f"# Conformance report for {report.target}\n\n**Not run: set-up error.** {message}\n"
    e = html.escape
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Conformance {e(report.target)}</title><style>{_STYLE}</style></head><body><main>"
        f"<header><h1>Conformance report</h1><p class='target'>{e(report.target)}</p>"
        f"<p class='verdict fail' id='summary'><strong>Not run: set-up error.</strong> {e(message)}</p></header>"
        "</main></body></html>"
    )
