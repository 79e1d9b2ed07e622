"""`resetkit conform`: both suites against a target, a conformance table, JUnit and a report file.

Exit codes: 0 conformant, 1 violations found, 2 usage or setup error (unreachable target, spec not found).
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import resources
from ..settings import ALL_VENDORS

SUITES = ("contract", "bdd", "security")
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


class ConformSetupError(Exception):
    """A usage or set-up problem: exit 2 with one line on stderr (and a report saying so, when one was asked for)."""


def _fail_setup(args: argparse.Namespace, message: str) -> int:
    print(f"resetkit conform: {message}", file=sys.stderr)
    if args.report:
        try:
            write_report(args.report, render_setup_error(args.report, args.target, message))
        except OSError:
            pass  # the report path itself is the problem; the line above already says what went wrong
    return 2


def write_report(path: str, text: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def render_setup_error(path: str, target: str, message: str) -> str:
    if path.endswith(".html"):
        return (
            f"<!doctype html><html><head><meta charset='utf-8'><title>Conformance {html.escape(target)}</title></head>"
            f"<body><h1>Conformance report for {html.escape(target)}</h1>"
            f"<p><strong>Not run: set-up error.</strong> {html.escape(message)}</p></body></html>"
        )
    return f"# Conformance report for {target}\n\n**Not run: set-up error.** {message}\n"


def _check_output_paths(args: argparse.Namespace) -> None:
    """Create the report and JUnit folders now, so a bad path fails in a second, not after the whole run."""
    if args.report and not args.report.endswith((".md", ".html")):
        raise ConformSetupError(f"--report {args.report}: the name must end in .md or .html")
    for path in (args.report, args.junit):
        if not path:
            continue
        folder = Path(path).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConformSetupError(f"cannot create the folder {folder}: {exc.strerror or exc}") from None
        if not os.access(folder, os.W_OK):
            raise ConformSetupError(f"cannot write to the folder {folder}")


def pytest_arguments(args: argparse.Namespace) -> list[str]:
    """pytest's whole configuration, explicit: its ini file, rootdir, conftest boundary, plugin and features."""
    suites = resources.suites_dir()
    paths = [suites / name for name in SUITES]
    missing = [str(path) for path in paths if not path.is_dir()]
    if missing:
        raise ConformSetupError(f"this installation lacks the suites {', '.join(missing)}; reinstall resetkit")
    ini = Path(__file__).with_name("pytest.ini")
    # "-W default": resetkit's own warnings-are-errors policy must not fail someone's conformance run.
    pytest_args = [*map(str, paths), "-c", str(ini), "--rootdir", str(suites), "--confcutdir", str(suites)]
    pytest_args += ["-p", f"{resources.PACKAGE}.conform.plugin", "-p", "no:cacheprovider", "-q", "-W", "default"]
    pytest_args += ["-o", f"bdd_features_base_dir={resources.features_dir()}"]
    pytest_args += ["--target", args.target]
    pytest_args += [f"--vendor={v}" for v in args.vendor]
    if args.credentials:
        pytest_args += ["--credentials", str(Path(args.credentials).resolve())]
    if args.include_inferred:
        pytest_args.append("--include-inferred")
    if args.junit:
        pytest_args += ["--junitxml", str(Path(args.junit).resolve())]
    return pytest_args


def run_conform(args: argparse.Namespace) -> int:
    try:
        import pytest

        from .target import TargetError, connect
    except ImportError as exc:
        return _fail_setup(args, f"needs its test engines ({exc.name} is missing): pip install 'resetkit[conform]'")
    try:
        _check_output_paths(args)
        pytest_args = pytest_arguments(args)
        connect(args.target, tuple(args.vendor), args.credentials, args.include_inferred)
    except (ConformSetupError, TargetError, resources.ResourcesMissing) as exc:
        return _fail_setup(args, str(exc))
    os.environ["RESETKIT_HYPOTHESIS_PROFILE"] = args.profile
    collector = _Collector()
    code = pytest.main(pytest_args, plugins=[collector])
    outcomes = list(collector.outcomes.values())
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or not outcomes:
        reason = "no checks were collected" if code == pytest.ExitCode.NO_TESTS_COLLECTED else f"pytest exit {code}"
        return _fail_setup(args, f"the suites did not run ({reason}); see the output above")
    print()
    print(render_table(outcomes))
    if args.report:
        render = render_html if args.report.endswith(".html") else render_markdown
        write_report(args.report, render(args.target, outcomes))
    return 0 if code == pytest.ExitCode.OK else 1
