"""`resetkit conform`: the suites against a target, with progress, a summary, a report and JUnit.

Exit codes: 0 conformant, 1 violations found, 2 usage or set-up error (one line on stderr: a credentials file with
a missing or mistyped key, a target without a scheme, unreachable or answering something other than the API,
`--select` matching nothing, missing engines).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .. import resources
from ..clients import VENDORS
from .report import Collector, Outcome, Report, render_console, render_html, render_markdown, render_setup_error

SUITES = ("contract", "bdd", "security", "coverage")
__all__ = ["Outcome", "add_conform_parser", "render_html", "render_markdown", "run_conform"]
# The plugins the suites need; nothing else installed beside resetkit is loaded (PYTEST_DISABLE_PLUGIN_AUTOLOAD).
ENGINE_PLUGINS = ("pytest_bdd.plugin", "_hypothesis_pytestplugin", "schemathesis.pytest.plugin")

DESCRIPTION = """\
Check an implementation of the vendors' password-reset APIs (a deployment, or the mock) against resetkit's
contracts: schemathesis over every operation of the specs, the BDD scenarios of features/, a security profile
(docs/security-checks.md) and the coverage of what each spec documents. Before the suites run, a few calls per
vendor check that the target answers its API at all; afterwards a summary, and optionally a Markdown or HTML
report and a JUnit file."""

EPILOG = """\
examples:
  check the mock (no credentials needed), after `resetkit serve` in another terminal:
    resetkit conform --target http://127.0.0.1:8080 --vendor leadsquared
  check a deployment:
    resetkit conform --target https://api.example.com --vendor zitadel --credentials creds.yaml \\
      --report reports/conformance.html --junit reports/junit.xml
  only the security profile, only the SR-13 checks:
    resetkit conform --target http://127.0.0.1:8080 --suite security --select sr13

exit codes:
  0  conformant (warnings may be listed: severity-S findings do not fail a run)
  1  violations found
  2  usage or set-up error, said in one line on stderr: a credentials file with a missing or mistyped key, a
     target without a scheme, unreachable, answering HTML or 404 to every operation, refusing the credentials,
     --select matching nothing, a report path that cannot be written, missing engines
"""


def add_conform_parser(sub: Any) -> None:
    conform = sub.add_parser(
        "conform",
        help="check a deployment (or the mock) against the contracts",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    conform.add_argument("--target", required=True, metavar="URL", help="base URL of the implementation under test")
    conform.add_argument(
        "--vendor",
        action="append",
        default=[],
        choices=VENDORS,
        help="a vendor to check; repeat for several (default: every vendor the mock serves)",
    )
    conform.add_argument("--credentials", metavar="FILE", help="YAML or JSON credentials per vendor (README)")
    conform.add_argument("--junit", metavar="FILE", help="write a JUnit XML file")
    conform.add_argument("--report", metavar="FILE", help="write a report: FILE.md (Markdown) or FILE.html")
    conform.add_argument("--profile", choices=("ci", "deep"), default="ci", help="how many examples to generate")
    conform.add_argument("--include-inferred", action="store_true", help="also test inferred operations")
    conform.add_argument(
        "--suite", action="append", default=[], choices=SUITES, help="run only this suite (repeatable; default all)"
    )
    conform.add_argument("--select", metavar="EXPR", help="run only the checks whose names match (pytest -k EXPR)")
    conform.add_argument(
        "--verbose",
        "--debug",
        action="store_true",
        help="also show pytest's own output: every check, tracebacks, warnings",
    )
    _deployment_options(conform)


def _deployment_options(conform: Any) -> None:
    conform.add_argument(
        "--mailbox",
        metavar="URL",
        help="read sent mail from smtp://HOST:PORT (conform listens there) or imap[s]://USER:PASS@HOST[:PORT]/FOLDER "
        "(default: the mock's outbox; none on a deployment)",
    )
    conform.add_argument(
        "--mailbox-timeout", type=float, default=10.0, metavar="SECONDS", help="how long a message may take (10)"
    )
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
    """A usage or set-up problem: exit 2 with one line on stderr (and a report and JUnit file saying so)."""


def _fail_setup(args: argparse.Namespace, message: str) -> int:
    print(f"resetkit conform: {message}", file=sys.stderr)
    for path, write in ((args.report, _write_setup_report), (getattr(args, "junit", None), _write_setup_junit)):
        if path:
            try:
                write(path, args.target, message)
            except OSError:
                pass  # the path itself is the problem; the line above already says what went wrong
    return 2


def _write_setup_report(path: str, target: str, message: str) -> None:
    text = render_setup_error(Report(target, ()), message, html_page=path.endswith(".html"))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text, encoding="utf-8")


def _write_setup_junit(path: str, target: str, message: str) -> None:
    from .junit import render_setup_error_junit, write_junit

    write_junit(path, render_setup_error_junit(target, message))


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
    """pytest's whole configuration, explicit: its ini file, rootdir, conftest boundary, plugins and features."""
    suites = resources.suites_dir()
    paths = [suites / name for name in (getattr(args, "suite", None) or SUITES)]
    missing = [str(path) for path in paths if not path.is_dir()]
    if missing:
        raise ConformSetupError(f"this installation lacks the suites {', '.join(missing)}; reinstall resetkit")
    ini = Path(__file__).with_name("conform.ini")
    # "-W default": resetkit's own warnings-are-errors policy must not fail someone's conformance run.
    pytest_args = [*map(str, paths), "-c", str(ini), "--rootdir", str(suites), "--confcutdir", str(suites)]
    pytest_args += ["-p", f"{resources.PACKAGE}.conform.plugin", "-p", "no:cacheprovider", "-W", "default"]
    for plugin in ENGINE_PLUGINS:
        pytest_args += ["-p", plugin]
    # pytest's own terminal output only when asked for; otherwise conform's console speaks (console.py).
    pytest_args += ["-v", "-ra", "--tb=short"] if getattr(args, "verbose", False) else []
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
    return pytest_args


@contextmanager
def _only_our_plugins() -> Iterator[None]:
    """pytest loads the plugins named in `pytest_arguments` and none of the others installed beside resetkit."""
    before = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = before


def run_conform(args: argparse.Namespace) -> int:
    try:
        import pytest

        from .console import Console
        from .diagnosis import FATAL, LEAD, diagnose
        from .target import ADMIN_TOKEN_VARIABLE, RunOptions, TargetError, check_target_url, connect
    except ImportError as exc:
        return _fail_setup(args, f"needs its test engines ({exc.name} is missing): pip install 'resetkit[conform]'")
    collector = Collector()
    try:
        check_target_url(args.target)
        _check_output_paths(args)
        _check_select(args)
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
    console = Console(collector, progress=not args.verbose)
    kind = "a resetkit mock" if target.is_mock else "a deployment"
    print(f"resetkit conform {resources.version()}: {target.url} ({kind}), profile {args.profile}", flush=True)
    collector.notes.append(f"resetkit {resources.version()}, profile {args.profile}")
    collector.leads.extend(target.leads)
    for line in target.leads:
        console.say(line)
    found = diagnose(target)
    for diagnosis in found:
        if diagnosis.kind != FATAL:
            console.say(diagnosis.line)
        if diagnosis.kind == LEAD:
            collector.leads.append(diagnosis.line)
    fatal = [d.line for d in found if d.kind == FATAL]
    if fatal:
        return _fail_setup(args, "; ".join(fatal))
    os.environ["RESETKIT_HYPOTHESIS_PROFILE"] = args.profile
    with _only_our_plugins(), warnings.catch_warnings():  # pytest's -W stays inside the run
        code = pytest.main(pytest_args, plugins=[collector, console])
    outcomes = list(collector.outcomes.values())
    if code == pytest.ExitCode.NO_TESTS_COLLECTED or (code == pytest.ExitCode.OK and not outcomes):
        return _fail_setup(args, _nothing_selected(args, console.deselected, target.vendors))
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        return _fail_setup(args, _did_not_run(args, code))
    if collector.setup_errors and all(o.status == "fail" for o in outcomes):
        return _fail_setup(args, collector.setup_errors[0])  # no check could get the target: a set-up error
    report = Report(args.target, outcomes, collector.notes, collector.leads)
    print(render_console(report, footer=_footer(args, report)), flush=True)
    if args.report:
        from .report import write_report

        write_report(args.report, report)
    if args.junit:
        from .junit import render_junit, write_junit

        write_junit(args.junit, render_junit(report))
    return 0 if code == pytest.ExitCode.OK else 1


def _footer(args: argparse.Namespace, report: Report) -> list[str]:
    from .requirements import document_path

    lines = [f"{label}: {path}" for label, path in (("Report", args.report), ("JUnit", args.junit)) if path]
    where = document_path()
    if where is not None and any(o.security_id for o in report.outcomes):
        lines.append(f"What each SR-nn check asks for and why: {where}")
    return lines


def _nothing_selected(
    args: argparse.Namespace, deselected: list[tuple[str, str | None]], vendors: tuple[str, ...]
) -> str:
    """Why no check ran: `--select` matched none (naming what can be selected), or the suites hold none."""
    if not args.select:
        return "the suites hold no checks for the selected vendors; reinstall resetkit"
    names = [name for name, vendor in deselected if vendor is None or vendor in vendors]
    words = sorted({name.split("::")[-1].split("[")[0].removeprefix("test_") for name in names})
    examples = ", ".join(words[:6]) + (", ..." if len(words) > 6 else "")
    return (
        f"--select {args.select!r} matches none of the {len(names)} checks of the selected vendors and suites; "
        f"it is matched against check names such as {examples} (and the suites' names: {', '.join(SUITES)})"
    )


def _check_select(args: argparse.Namespace) -> None:
    """`--select` must be an expression pytest's -k reads; said now, not after the suites are collected."""
    if not args.select:
        return
    try:
        from _pytest.mark.expression import Expression
    except ImportError:  # pytest's parser moved: pytest itself will say what is wrong with the expression
        return
    try:
        Expression.compile(args.select)
    except Exception as exc:  # its class is private and differs by pytest version (SyntaxError, ParseError)
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConformSetupError(
            f"--select {args.select!r} is not an expression pytest -k reads ({reason}); "
            "use words of check names joined by and, or, not"
        ) from None


def _did_not_run(args: argparse.Namespace, code: int) -> str:
    if args.select and code == 4:  # pytest's usage error: here, a -k expression it cannot parse
        return f"--select {args.select!r} is not an expression pytest -k reads (words joined by and, or, not)"
    hint = "" if args.verbose else "; run again with --verbose to see pytest's own output"
    return f"the suites did not run (pytest exit {code}){hint}"
