"""`resetkit conform`: both suites against a target, a conformance table, JUnit and a report file.

Exit codes: 0 conformant, 1 violations found, 2 usage or setup error (unreachable target, spec not found).
"""

from __future__ import annotations

import argparse
import html
import os
import sys
from pathlib import Path
from typing import Any

from .. import resources
from ..clients import VENDORS
from .report import Collector, Outcome, render_html, render_markdown, render_table

SUITES = ("contract", "bdd", "security")
__all__ = ["Outcome", "add_conform_parser", "render_html", "render_markdown", "render_table", "run_conform"]


def add_conform_parser(sub: Any) -> None:
    conform = sub.add_parser("conform", help="check a deployment (or the mock) against the contracts")
    conform.add_argument("--target", required=True, help="base URL of the implementation under test")
    conform.add_argument("--vendor", action="append", default=[], choices=VENDORS)
    conform.add_argument("--credentials", help="YAML or JSON credentials per vendor")
    conform.add_argument("--junit", help="write a JUnit XML file")
    conform.add_argument("--report", help="write a report (.md or .html)")
    conform.add_argument("--profile", choices=("ci", "deep"), default="ci", help="how many examples to generate")
    conform.add_argument("--include-inferred", action="store_true", help="also test inferred operations")
    # Which suites run (issue 10): all three unless narrowed, e.g. `--suite security` for the security profile only.
    conform.add_argument(
        "--suite", action="append", default=[], choices=SUITES, help="run only this suite (repeatable; default all)"
    )
    conform.add_argument("--select", metavar="EXPR", help="run only the checks whose names match (pytest -k EXPR)")
    _deployment_options(conform)


# Deployments (issue 10): reading what the target sends, naming the run's accounts, time, a shared mock ------------
def _deployment_options(conform: Any) -> None:
    conform.add_argument(
        "--mailbox",
        metavar="URL",
        help="read sent mail from smtp://HOST:PORT (conform listens there) or imap[s]://USER:PASS@HOST[:PORT]/FOLDER "
        "(default: the mock's outbox; none on a deployment)",
    )
    conform.add_argument("--mailbox-timeout", type=float, default=10.0, help="seconds a message may take (10)")
    conform.add_argument("--run-id", help="names the accounts this run creates (qa+<run-id>-...); default random")
    conform.add_argument(
        "--wait-expiry", action="store_true", help="on a deployment, run @clock checks by waiting in real time"
    )
    conform.add_argument(
        "--reset-mock", action="store_true", help="reset a mock's state before the run (default: leave it as it is)"
    )
    conform.add_argument(
        "--admin-token",
        metavar="TOKEN",
        help="the mock's admin token, when it runs with one (default: $RESETKIT_ADMIN_TOKEN)",
    )


def _deployment_arguments(args: argparse.Namespace) -> list[str]:
    found = []
    if getattr(args, "mailbox", None):
        found += ["--mailbox", args.mailbox]
    if getattr(args, "mailbox_timeout", None) is not None:
        found += ["--mailbox-timeout", str(args.mailbox_timeout)]
    if getattr(args, "run_id", None):
        found += ["--run-id", args.run_id]
    found += [flag for flag in ("--wait-expiry", "--reset-mock") if getattr(args, flag[2:].replace("-", "_"), False)]
    return found


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
    paths = [suites / name for name in (getattr(args, "suite", None) or SUITES)]
    missing = [str(path) for path in paths if not path.is_dir()]
    if missing:
        raise ConformSetupError(f"this installation lacks the suites {', '.join(missing)}; reinstall resetkit")
    ini = Path(__file__).with_name("conform.ini")
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
    pytest_args += _deployment_arguments(args)
    if getattr(args, "select", None):
        pytest_args += ["-k", args.select]
    if args.junit:
        pytest_args += ["--junitxml", str(Path(args.junit).resolve())]
    return pytest_args


def run_conform(args: argparse.Namespace) -> int:
    try:
        import pytest

        from .target import ADMIN_TOKEN_VARIABLE, RunOptions, TargetError, connect
    except ImportError as exc:
        return _fail_setup(args, f"needs its test engines ({exc.name} is missing): pip install 'resetkit[conform]'")
    try:
        _check_output_paths(args)
        pytest_args = pytest_arguments(args)
        if getattr(args, "admin_token", None):  # the suites' own connection reads it there too (never in argv)
            os.environ[ADMIN_TOKEN_VARIABLE] = args.admin_token
        admin_token = os.environ.get(ADMIN_TOKEN_VARIABLE) or None
        options = RunOptions(mailbox=getattr(args, "mailbox", None), admin_token=admin_token)
        target = connect(args.target, tuple(args.vendor), args.credentials, args.include_inferred, options)
    except (ConformSetupError, TargetError, resources.ResourcesMissing) as exc:
        return _fail_setup(args, str(exc))
    if not args.vendor:  # only the vendors the target serves are collected (and so appear in the report)
        pytest_args += [f"--vendor={v}" for v in target.vendors]
    os.environ["RESETKIT_HYPOTHESIS_PROFILE"] = args.profile
    collector = Collector()
    collector.notes.append(f"resetkit {resources.version()}, profile {args.profile}")
    code = pytest.main(pytest_args, plugins=[collector])
    outcomes = list(collector.outcomes.values())
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or not outcomes:
        reason = "no checks were collected" if code == pytest.ExitCode.NO_TESTS_COLLECTED else f"pytest exit {code}"
        return _fail_setup(args, f"the suites did not run ({reason}); see the output above")
    print()
    print(render_table(outcomes, args.target))
    if args.report:
        render = render_html if args.report.endswith(".html") else render_markdown
        write_report(args.report, render(args.target, outcomes, collector.notes))
    return 0 if code == pytest.ExitCode.OK else 1
