"""Run `resetkit conform` as a user would (a subprocess from the repository root) and read what it printed."""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest
import requests
from markdown_it import MarkdownIt
from markdown_it.token import Token

from resetkit.runner import free_port
from tests.fixtures.processes import stop_process

ROOT = Path(__file__).resolve().parents[2]
CONFORM_TIMEOUT = 600
STARTUP_SECONDS = 30


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


def markdown_section_items(text: str, heading: str) -> list[str]:
    """The list items under a `## heading` as rendered by markdown-it: what a reader sees in each."""
    tokens = MarkdownIt("commonmark").parse(text)
    items: list[str] = []
    inside = False
    for at, token in enumerate(tokens):
        if token.type == "heading_open":
            inside = tokens[at + 1].content == heading
        elif inside and token.type == "inline" and tokens[at - 1].type == "paragraph_open" and token.level > 1:
            items.append(_inline_text(token))
    return items


def _inline_text(token: Token) -> str:
    """The text a reader sees in a cell: code spans and escapes resolved, emphasis markers gone."""
    return "".join(child.content for child in token.children or [] if child.type in ("text", "code_inline"))


def markdown_rows(text: str) -> dict[str, dict[str, str]]:
    """The report's "All checks" table (the last one): check -> {column: cell}."""
    tables = markdown_tables(text)
    assert tables, "the report has no table"
    header, *rows = tables[-1]
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows}


@contextmanager
def serving(log_folder: Path, *options: str) -> Iterator[str]:
    """`resetkit serve --port <free> [options]` (every vendor, strict off) in its own process; its root URL."""
    port = free_port()
    log = (log_folder / "serve.log").open("w", encoding="utf-8")
    command = [sys.executable, "-m", "resetkit", "serve", "--port", str(port), *options]
    server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert server.poll() is None, f"resetkit serve exited with {server.returncode}; see {log.name}"
            try:
                if requests.get(f"{url}/__admin/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, f"resetkit serve did not answer within {STARTUP_SECONDS} s"
            time.sleep(0.2)
        yield url
    finally:
        stop_process(server)
        log.close()


@pytest.fixture(scope="session")
def mock_run(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> ConformRun:
    """One all-vendor `resetkit conform` against a served mock, with an HTML report and JUnit XML: the run a
    deployment's results are compared with. It is made once per `make test`, shared by every xdist worker."""
    if worker_id == "master":
        return _conform_against_served_mock(tmp_path_factory.mktemp("mock-run"))
    shared = tmp_path_factory.getbasetemp().parent / "mock-run"
    shared.mkdir(exist_ok=True)
    with open(shared / ".lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other worker waits here for the run rather than making its own
        cached = shared / "run.json"
        if cached.exists():
            fields = json.loads(cached.read_text(encoding="utf-8"))
            return ConformRun(**{**fields, "report": Path(fields["report"]), "junit": Path(fields["junit"])})
        run = _conform_against_served_mock(shared)
        cached.write_text(json.dumps({**asdict(run), "report": str(run.report), "junit": str(run.junit)}), "utf-8")
        return run


def _conform_against_served_mock(folder: Path) -> ConformRun:
    with serving(folder) as url:
        return run_conform(url, folder, report_name="report.html")
