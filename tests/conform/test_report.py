"""The conformance report says what was checked: the summary line and block, only the selected vendors, Markdown
that renders (checked by parsing it with markdown-it), and an HTML report with each failure's exchange."""

from __future__ import annotations

import html
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest

from resetkit.conform import report as report_module
from resetkit.conform.junit import render_junit
from resetkit.conform.report import (
    Collector,
    Outcome,
    Report,
    Section,
    Table,
    failure_text,
    render_console,
    render_html,
    render_markdown,
    summarize,
)
from resetkit.resources import version
from resetkit.runner import LiveMock, start_live_mock
from resetkit.settings import Settings
from tests.conform.conftest import (
    ROOT,
    ConformRun,
    markdown_rows,
    markdown_section_items,
    markdown_tables,
    run_conform,
)

TARGET = "http://127.0.0.1:8080"
TRICKY = "a | pipe, `ticks`, a -> arrow, <anonymous> and *stars*\nover two lines, C:\\path"
CURL = "curl -X POST http://h/x \\\n  -H 'Content-Type: application/json' \\\n  -d '{}'"


def outcomes() -> list[Outcome]:
    return [
        Outcome("bdd::test_a[rest]", "pass", vendor="zitadel", suite="bdd"),
        Outcome(
            "bdd::test_b[connect]",
            "fail",
            ["POST /x -> 500 | oops"],
            vendor="zitadel",
            suite="bdd",
            rule="the check's rule\nsecond line",
            sent=CURL,
            received="500 Internal Server Error\n\n{}",
        ),
        Outcome(
            "security::test_sr02_x[placewise]",
            "warn",
            reason="FINDING SR-02 (severity S, a warning): 60 ms",
            vendor="placewise",
            suite="security",
        ),
        Outcome(
            "security::test_sr19_x[zitadel]",
            "n/a",
            reason="N/A for zitadel: addressed by user id",
            vendor="zitadel",
            suite="security",
        ),
        Outcome("contract::test_c", "skip", reason=TRICKY, vendor="placewise", suite="contract"),
        Outcome("contract::test_d", "skip", reason=TRICKY, vendor="placewise", suite="contract"),
    ]


def report(found: list[Outcome] | None = None, notes: tuple[str, ...] = ()) -> Report:
    return Report(TARGET, outcomes() if found is None else found, notes)


def test_the_summary_counts_every_result_per_vendor_and_per_suite() -> None:
    summary = summarize(outcomes())
    assert summary.total == {"pass": 1, "fail": 1, "warn": 1, "n/a": 1, "skip": 2}
    assert summary.by_vendor["zitadel"] == {"pass": 1, "fail": 1, "n/a": 1}
    assert summary.by_suite["contract"] == {"skip": 2}
    assert summary.skipped == {TRICKY: 2}
    assert summary.line(TARGET) == (
        f"{TARGET}: NOT CONFORMANT; 1 passed, 1 failed, 1 warnings, 2 skipped, 1 not applicable (6 checks)"
    )


def test_a_run_that_skipped_more_than_half_says_so_in_its_first_line() -> None:
    mostly = [Outcome(f"bdd::t{i}", "skip", reason="needs a mailbox") for i in range(3)]
    mostly += [Outcome("bdd::ok", "pass"), Outcome("bdd::na1", "n/a", reason="N/A"), Outcome("bdd::na2", "n/a")]
    first = render_markdown(report(mostly)).splitlines()[0]
    assert "CONFORMANT ONLY AS FAR AS CHECKED: 3 of 4 applicable checks were skipped (more than half)" in first
    assert console_total(render_console(report(mostly))).startswith("CONFORMANT ONLY AS FAR AS CHECKED")
    assert "more than half" in render_html(report(mostly)).split("</p>")[1]
    half = [Outcome("bdd::a", "skip"), Outcome("bdd::b", "pass")]
    assert "ONLY AS FAR AS CHECKED" not in summarize(half).line(TARGET)


def console_total(text: str) -> str:
    """The console's last paragraph, its total, on one line (it may wrap to fit)."""
    return " ".join(text.rstrip().split("\n\n")[-1].split())


def test_the_console_and_the_report_give_the_same_total() -> None:
    assert render_markdown(report()).splitlines()[0].endswith(console_total(render_console(report())))


def test_the_markdown_summary_block_renders_as_a_table() -> None:
    tables = markdown_tables(render_markdown(report()))
    header, *rows = tables[0]
    assert header == ["", "passed", "failed", "warnings", "skipped", "not applicable", "total"]
    by_label = {row[0]: row[1:] for row in rows}
    assert by_label["vendor zitadel"] == ["1", "1", "0", "0", "1", "3"]
    assert by_label["suite contract"] == ["0", "0", "0", "2", "0", "2"]
    assert by_label["all"] == ["1", "1", "1", "2", "1", "6"]


def test_markdown_cells_read_back_exactly_with_only_markdown_escapes() -> None:
    text = render_markdown(report())
    assert "&gt;" not in text and "&lt;" not in text and "&#" not in text and "<br" not in text
    skip_reasons = next(table for table in markdown_tables(text) if table[0] == ["checks", "reason"])
    assert skip_reasons[1] == ["2", " ".join(TRICKY.split())], "the reason does not read back as written"
    rows = markdown_rows(text)
    assert rows["bdd::test_b[connect]"]["details"] == "POST /x -> 500 | oops"
    assert rows["contract::test_c"]["details"] == " ".join(TRICKY.split())
    assert rows["security::test_sr19_x[zitadel]"] == {
        "check": "security::test_sr19_x[zitadel]",
        "vendor": "zitadel",
        "suite": "security",
        "result": "n/a",
        "details": "N/A for zitadel: addressed by user id",
    }


def test_a_check_name_with_backticks_and_pipes_stays_one_code_span() -> None:
    odd = Outcome("bdd::test_x[a`b|c]", "pass")
    assert "bdd::test_x[a`b|c]" in markdown_rows(render_markdown(report([odd])))


def test_a_failure_reads_as_rule_sent_and_received_in_every_rendering() -> None:
    failing = outcomes()[1]
    text = render_markdown(report())
    failures = text[text.index("## Failures") : text.index("## All checks")]
    assert "**Rule**\n\n```text\nthe check's rule\nsecond line\n```" in failures
    assert f"**Sent**\n\n```sh\n{CURL}\n```" in failures
    assert "**Received**\n\n```http\n500 Internal Server Error" in failures
    page = render_html(report())
    assert page.index("id='summary'") < page.index("id='counts'") < page.index("id='failures'")
    assert page.index("id='failures'") < page.index("id='checks'")
    assert f"<pre class='sent'>{html.escape(CURL)}</pre>" in page
    assert "<pre class='received'>500 Internal Server Error" in page
    assert "<pre class='rule'>the check&#x27;s rule\nsecond line</pre>" in page
    junit = ET.fromstring(render_junit(report()))
    [failure] = junit.iter("failure")
    assert failure.text == failure_text(failing)
    assert failure_text(failing) == f"Rule:\n  the check's rule\n  second line\nSent:\n{_indented(CURL)}\n" + (
        "Received:\n  500 Internal Server Error\n\n  {}"
    )


def _indented(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())


def test_a_security_failure_names_its_requirement_and_the_document() -> None:
    failing = Outcome("security_profile::test_sr13_forged[zitadel-rest-Host]", "fail", rule="the link moved")
    assert failure_text(failing).startswith("Rule:\n  SR-13 Forged Host headers do not change the link")
    assert "docs/security-checks.md#sr-13-forged-host-headers-do-not-change-the-link" in failure_text(failing)


def test_the_reports_say_what_the_run_used() -> None:
    notes = ("run 1a2b; accounts: listed in creds.yaml; mail: imap", "could not remove zitadel user 7 <404>")
    assert markdown_section_items(render_markdown(report(notes=notes)), "Run") == list(notes)
    page = render_html(report(notes=notes))
    assert f"<ul id='run'><li>{notes[0]}</li><li>{html.escape(notes[1])}</li></ul>" in page


def test_a_run_without_notes_has_no_run_section() -> None:
    assert "## Run" not in render_markdown(report())
    assert "id='run'" not in render_html(report())


def test_a_new_section_is_one_more_builder(monkeypatch: pytest.MonkeyPatch) -> None:
    def coverage(run: Report) -> Section:
        return Section("coverage", "Coverage", (Table(("operation", "calls"), (("POST /x", str(len(run.outcomes))),)),))

    monkeypatch.setattr(report_module, "SECTIONS", (*report_module.SECTIONS, coverage))
    assert ["POST /x", "6"] in markdown_tables(render_markdown(report()))[-1]
    assert "<section id='coverage'><h2>Coverage</h2>" in render_html(report())
    assert "POST /x" in render_console(report())


def test_the_console_fits_100_columns_with_long_names_and_reasons() -> None:
    long = [
        Outcome("security_profile::test_" + "x" * 150, "fail", rule="y " * 200, sent="curl " + "z" * 300),
        Outcome("bdd::test_long_skip", "skip", reason="needs a mailbox: " + "w " * 150),
        Outcome("security::test_sr18_f[a]", "warn", reason="FINDING SR-18 (severity S, a warning): " + "v " * 90),
    ]
    lines = render_console(report(long), width=200).splitlines()
    assert lines and max(len(line) for line in lines) <= 100, max(lines, key=len)


def test_skip_reasons_are_kept_in_full() -> None:
    long_reason = "needs a mailbox: " + "x" * 400
    collector = Collector()
    collector.pytest_runtest_logreport(_report("security/test_a.py::test_one[placewise]", long_reason))
    [outcome] = collector.outcomes.values()
    assert outcome.status == "skip" and outcome.reason == long_reason
    assert long_reason in render_markdown(report([outcome]))


def test_findings_and_not_applicable_are_told_apart_from_skips() -> None:
    collector = Collector()
    collector.pytest_runtest_logreport(_report("security/test_a.py::test_f", "FINDING SR-08 (severity S): x"))
    collector.pytest_runtest_logreport(_report("security/test_a.py::test_n", "N/A for zitadel: by user id"))
    assert [o.status for o in collector.outcomes.values()] == ["warn", "n/a"]


def test_a_check_whose_sub_check_failed_is_not_a_pass() -> None:
    collector = Collector()
    parent = "contract/test_stateless.py::test_zitadel_conforms"
    collector.pytest_runtest_logstart(parent, ("", 0, ""))
    collector.pytest_runtest_logreport(_Subtest(f"{parent}[GET /a]", failed=False))
    collector.pytest_runtest_logreport(_Subtest(f"{parent}[POST /b]", failed=True))
    collector.pytest_runtest_logreport(_Passed(parent))
    rows = {name: outcome.status for name, outcome in collector.outcomes.items()}
    assert rows == {
        "stateless::test_zitadel_conforms": "fail",
        "stateless::test_zitadel_conforms[GET /a]": "pass",
        "stateless::test_zitadel_conforms[POST /b]": "fail",
    }
    told = collector.outcomes["stateless::test_zitadel_conforms"].details
    assert told == "1 of 2 sub-checks failed (their rows follow)"


class _Report:
    def __init__(self, nodeid: str, reason: str) -> None:
        self.nodeid, self.when, self.skipped, self.failed = nodeid, "setup", True, False
        self.longrepr = ("file.py", 1, f"Skipped: {reason}")
        self.user_properties = [("vendor", "placewise"), ("suite", "security")]


class _Passed:
    def __init__(self, nodeid: str) -> None:
        self.nodeid, self.when, self.skipped, self.failed, self.longrepr = nodeid, "call", False, False, None
        self.user_properties = [("vendor", "zitadel"), ("suite", "contract")]


class _Subtest(_Passed):
    """A schemathesis sub-check's report, as pytest 8 sees it (schemathesis marks it)."""

    def __init__(self, nodeid: str, failed: bool) -> None:
        super().__init__(nodeid)
        self._schemathesis_subtest, self.failed = True, failed
        self.user_properties += [("rule", "- ST103 Undocumented status code")] if failed else []


def _report(nodeid: str, reason: str) -> _Report:
    return _Report(nodeid, reason)


# A real run: only the selected vendor is collected ------------------------------------------------------------------
@pytest.fixture(scope="module")
def served() -> Iterator[LiveMock]:
    settings = Settings(port=0, strict=True, accounts=5, vendors=("zitadel", "socialid"))
    with start_live_mock(settings) as mock:
        yield mock


@pytest.fixture(scope="module")
def zitadel_run(served: LiveMock, tmp_path_factory: pytest.TempPathFactory) -> ConformRun:
    """The BDD suite for ZITADEL only, against a mock that serves ZITADEL and Social ID."""
    return run_conform(served.url, tmp_path_factory.mktemp("zitadel"), "--vendor", "zitadel", "--suite", "bdd")


@pytest.mark.slow
def test_unselected_vendors_are_left_out_of_the_table_and_the_report(zitadel_run: ConformRun) -> None:
    assert zitadel_run.code == 0, zitadel_run.tail()
    items = zitadel_run.table()
    assert items and all(item.startswith("zitadel::") for item in items), sorted(items)[:5]
    report = zitadel_run.report.read_text(encoding="utf-8")
    assert "socialid" not in report and "placewise" not in report and "does not serve" not in report
    assert {row["vendor"] for row in markdown_rows(report).values()} == {"zitadel"}


@pytest.mark.slow
def test_a_real_report_opens_with_its_summary_line_and_block(zitadel_run: ConformRun, served: LiveMock) -> None:
    report = zitadel_run.report.read_text(encoding="utf-8")
    first = report.splitlines()[0]
    assert first.startswith(f"# Conformance report: {served.url}: CONFORMANT; ")
    summary = {row[0]: row for row in markdown_tables(report)[0][1:]}
    assert set(summary) == {"vendor zitadel", "suite bdd", "all"}
    assert int(summary["all"][1]) == sum(1 for result, _ in zitadel_run.table().values() if result == "pass")
    assert any(item.endswith("[connect]") for item in zitadel_run.table())


@pytest.mark.slow
def test_a_real_report_says_where_accounts_and_mail_came_from(zitadel_run: ConformRun) -> None:
    run = markdown_section_items(zitadel_run.report.read_text(encoding="utf-8"), "Run")
    assert run[0] == f"resetkit {version()}, profile ci", run
    assert run[1].startswith("run ") and "; accounts: " in run[1] and run[1].endswith("; mail: outbox"), run


def test_the_cli_help_describes_options_examples_and_exit_codes() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "resetkit", "conform", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "--suite" in done.stdout and "--select" in done.stdout
    said = " ".join(done.stdout.split())
    assert "Check an implementation of the vendors' password-reset APIs" in said
    assert "repeat for several" in said and "--verbose, --debug" in said
    assert "resetkit conform --target http://127.0.0.1:8080 --vendor leadsquared" in said
    for code in ("0 conformant", "1 violations found", "2 usage or set-up error"):
        assert code in said, code
