"""`resetkit conform`: both suites against a target, a conformance table, JUnit and a report file.

Exit codes: 0 conformant, 1 violations found, 2 usage or setup error (unreachable target, spec not found).
"""

from __future__ import annotations

import argparse
import html
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mocks.conform.target import TargetError, connect
from mocks.settings import ALL_VENDORS

ROOT = Path(__file__).resolve().parents[2]
SUITES = ("tests/contract", "tests/bdd", "tests/security")
_FAILURE_LINE = re.compile(r"^\s*[|]?\s*- (?:ST\d+ )?(.+?)\s*$")


@dataclass
class Outcome:
    """One row of the table: a suite item (operation or scenario) and what each of its checks said."""

    item: str
    status: str  # pass | fail | skip
    checks: list[str] = field(default_factory=list)
    reason: str = ""


class _Collector:
    """A pytest plugin that keeps one Outcome per test item (schemathesis subtests fold into their operation)."""

    def __init__(self) -> None:
        self.outcomes: dict[str, Outcome] = {}

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.when != "call" and not (report.skipped or report.failed):
            return
        file, _, test = report.nodeid.partition("::")
        name = f"{Path(file).stem.removeprefix('test_')}::{test}"
        outcome = self.outcomes.setdefault(name, Outcome(name, "pass"))
        if report.failed:
            outcome.status = "fail"
            text = str(report.longrepr)
            found = [m.group(1) for line in text.splitlines() if (m := _FAILURE_LINE.match(line))]
            for check in found or [_crash_summary(report)]:
                if check not in outcome.checks:
                    outcome.checks.append(check)
        elif report.skipped and outcome.status != "fail":
            outcome.status = "skip"
            longrepr = report.longrepr
            outcome.reason = str(longrepr[2] if isinstance(longrepr, tuple) else longrepr)[:160]


def _crash_summary(report: Any) -> str:
    """One line on what failed: the assertion message (a BDD step's), else the traceback's last line."""
    crash = getattr(report.longrepr, "reprcrash", None)
    message = crash.message.strip() if crash is not None else ""
    text = str(report.longrepr).strip()
    line = message.splitlines()[0] if message else (text.splitlines()[-1] if text else "failed")
    return line[:240]


def add_conform_parser(sub: Any) -> None:
    conform = sub.add_parser("conform", help="check a deployment (or the mock) against the contracts")
    conform.add_argument("--target", required=True, help="base URL of the implementation under test")
    conform.add_argument("--vendor", action="append", default=[], choices=ALL_VENDORS)
    conform.add_argument("--credentials", help="YAML or JSON credentials per vendor")
    conform.add_argument("--junit", help="write a JUnit XML file")
    conform.add_argument("--report", help="write a report (.md or .html)")
    conform.add_argument("--profile", choices=("ci", "deep"), default="ci", help="how many examples to generate")
    conform.add_argument("--include-inferred", action="store_true", help="also test inferred operations")


def render_table(outcomes: list[Outcome]) -> str:
    width = max([len(o.item) for o in outcomes] + [9])
    lines = [f"{'operation / scenario':<{width}}  result  details", f"{'-' * width}  ------  -------"]
    for o in outcomes:
        details = "; ".join(o.checks) if o.status == "fail" else o.reason
        lines.append(f"{o.item:<{width}}  {o.status:<6}  {details}")
    return "\n".join(lines)


def render_markdown(target: str, outcomes: list[Outcome]) -> str:
    rows = [f"| `{o.item}` | {o.status} | {html.escape('; '.join(o.checks) or o.reason)} |" for o in outcomes]
    failed = sum(o.status == "fail" for o in outcomes)
    head = f"# Conformance report for {target}\n\n{failed} failing of {len(outcomes)}.\n\n"
    return head + "| operation / scenario | result | details |\n|---|---|---|\n" + "\n".join(rows) + "\n"


def render_html(target: str, outcomes: list[Outcome]) -> str:
    rows = "".join(
        f"<tr class='{o.status}'><td><code>{html.escape(o.item)}</code></td><td>{o.status}</td>"
        f"<td>{html.escape('; '.join(o.checks) or o.reason)}</td></tr>"
        for o in outcomes
    )
    style = "td{padding:4px 8px;border-bottom:1px solid #ddd}.fail{background:#fdd}.skip{color:#777}"
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Conformance {html.escape(target)}</title>"
        f"<style>{style}</style></head><body><h1>Conformance report for {html.escape(target)}</h1>"
        f"<table><tr><th>operation / scenario</th><th>result</th><th>details</th></tr>{rows}</table></body></html>"
    )


def run_conform(args: argparse.Namespace) -> int:
    import pytest

    suites = [ROOT / suite for suite in SUITES]
    if not all(path.is_dir() for path in suites) or not (ROOT / "specs").is_dir():
        print(f"resetkit conform: the suites or specs were not found under {ROOT}")
        return 2
    try:
        connect(args.target, tuple(args.vendor), args.credentials, args.include_inferred)
    except TargetError as exc:
        print(f"resetkit conform: {exc}")
        return 2
    # "-W default": resetkit's own warnings-are-errors policy must not fail someone's conformance run.
    pytest_args = [*map(str, suites), "-q", "-p", "no:cacheprovider", "-W", "default", "--rootdir", str(ROOT)]
    pytest_args += ["--target", args.target]
    pytest_args += [f"--vendor={v}" for v in args.vendor]
    if args.credentials:
        pytest_args += ["--credentials", args.credentials]
    if args.include_inferred:
        pytest_args.append("--include-inferred")
    if args.junit:
        pytest_args += ["--junitxml", args.junit]
    os.environ["RESETKIT_HYPOTHESIS_PROFILE"] = args.profile
    collector = _Collector()
    code = pytest.main(pytest_args, plugins=[collector])
    outcomes = list(collector.outcomes.values())
    print()
    print(render_table(outcomes))
    if args.report:
        text = (
            render_html(args.target, outcomes)
            if args.report.endswith(".html")
            else render_markdown(args.target, outcomes)
        )
        Path(args.report).write_text(text, encoding="utf-8")
    if code == 0:
        return 0
    if code == 1:
        return 1
    return 2
