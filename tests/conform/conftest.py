"""Run `resetkit conform` as a user would (a subprocess from the repository root) and read what it printed."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

ROOT = Path(__file__).resolve().parents[2]
CONFORM_TIMEOUT = 600


@dataclass
class ConformRun:
    """One finished `resetkit conform`: its exit code, its output and the files it was asked to write."""

    code: int
    stdout: str
    stderr: str
    report: Path
    junit: Path

    def table(self) -> dict[str, tuple[str, str]]:
        """The conformance table printed last: item -> (result, details)."""
        lines = self.stdout.splitlines()
        starts = [i for i, line in enumerate(lines) if line.startswith("operation / scenario")]
        assert starts, f"no conformance table in the output:\n{self.tail()}"
        width = len(lines[starts[-1] + 1].split("  ")[0])
        rows = {}
        for line in lines[starts[-1] + 2 :]:
            if not line.strip():
                break
            rows[line[:width].rstrip()] = (line[width + 2 : width + 8].strip(), line[width + 10 :])
        return rows

    def failing(self) -> dict[str, str]:
        """The failing rows of the table: item -> details."""
        return {item: details for item, (result, details) in self.table().items() if result == "fail"}

    def tail(self, lines: int = 60) -> str:
        return "\n".join((self.stdout + self.stderr).splitlines()[-lines:])


def run_conform(target: str, tmp_path: Path, *options: str, report_name: str = "report.md") -> ConformRun:
    """`python -m resetkit conform --target URL --report ... --junit ... [options]` from the repository root."""
    report, junit = tmp_path / report_name, tmp_path / "junit.xml"
    command = [sys.executable, "-m", "resetkit", "conform", "--target", target, "--report", str(report)]
    command += ["--junit", str(junit), *options]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=CONFORM_TIMEOUT, check=False)
    return ConformRun(done.returncode, done.stdout, done.stderr, report, junit)


def markdown_tables(text: str) -> list[list[list[str]]]:
    """Every table of a Markdown document as rendered by markdown-it (GFM tables): rows of cell texts."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    tables: list[list[list[str]]] = []
    row: list[str] | None = None
    for token in tokens:
        if token.type == "table_open":
            tables.append([])
        elif token.type == "tr_open":
            row = []
        elif token.type == "inline" and row is not None:
            row.append(_inline_text(token))
        elif token.type == "tr_close" and row is not None:
            tables[-1].append(row)
            row = None
    return tables


def _inline_text(token: Token) -> str:
    """The text a reader sees in a cell: code spans and escapes resolved, emphasis markers gone."""
    return "".join(child.content for child in token.children or [] if child.type in ("text", "code_inline"))


def markdown_rows(text: str) -> dict[str, dict[str, str]]:
    """The report's "All checks" table (the last one): check -> {column: cell}."""
    tables = markdown_tables(text)
    assert tables, "the report has no table"
    header, *rows = tables[-1]
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows}
