"""The conformance report says what was checked: the summary line and block, only the selected vendors, Markdown
that renders (checked by parsing it with markdown-it), and an HTML report with each failure's exchange."""

from __future__ import annotations

import html
import subprocess
import sys
from collections.abc import Iterator

import pytest

from resetkit.conform.report import Collector, Outcome, render_html, render_markdown, render_table, summarize
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


def outcomes() -> list[Outcome]:
    return [
        Outcome("bdd::test_a[rest]", "pass", vendor="zitadel", suite="bdd"),
        Outcome(
            "bdd::test_b[connect]",
            "fail",
            ["POST /x -> 500 | oops"],
            vendor="zitadel",
            suite="bdd",
            message="the check's message\nsecond line",
            request="POST http://h/x\n\n{}",
            response="500 Error\n\n{}",
        ),
        Outcome(
            "security::test_sr02[placewise]",
            "warn",
            reason="FINDING SR-02 (severity S, a warning): 60 ms",
            vendor="placewise",
            suite="security",
        ),
        Outcome(
            "security::test_sr19[zitadel]",
            "n/a",
            reason="N/A for zitadel: addressed by user id",
            vendor="zitadel",
            suite="security",
        ),
        Outcome("contract::test_c", "skip", reason=TRICKY, vendor="placewise", suite="contract"),
        Outcome("contract::test_d", "skip", reason=TRICKY, vendor="placewise", suite="contract"),
    ]


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
    first = render_markdown(TARGET, mostly).splitlines()[0]
    assert "CONFORMANT ONLY AS FAR AS CHECKED: 3 of 4 applicable checks were skipped (more than half)" in first
    assert render_table(mostly, TARGET).splitlines()[0].startswith(f"{TARGET}: CONFORMANT ONLY AS FAR AS CHECKED")
    assert "more than half" in render_html(TARGET, mostly).split("</p>")[0]
    half = [Outcome("bdd::a", "skip"), Outcome("bdd::b", "pass")]
    assert "ONLY AS FAR AS CHECKED" not in summarize(half).line(TARGET)


def test_the_markdown_summary_block_renders_as_a_table() -> None:
    tables = markdown_tables(render_markdown(TARGET, outcomes()))
    header, *rows = tables[0]
    assert header == ["", "passed", "failed", "warnings", "skipped", "not applicable", "total"]
    by_label = {row[0]: row[1:] for row in rows}
    assert by_label["vendor zitadel"] == ["1", "1", "0", "0", "1", "3"]
    assert by_label["suite contract"] == ["0", "0", "0", "2", "0", "2"]
    assert by_label["all"] == ["1", "1", "1", "2", "1", "6"]


def test_markdown_cells_read_back_exactly_with_only_markdown_escapes() -> None:
    text = render_markdown(TARGET, outcomes())
    assert "&gt;" not in text and "&lt;" not in text and "&#" not in text and "<br" not in text
    skip_reasons = markdown_tables(text)[1]
    assert skip_reasons[1] == ["2", " ".join(TRICKY.split())], "the reason does not read back as written"
    rows = markdown_rows(text)
    assert rows["bdd::test_b[connect]"]["details"] == "POST /x -> 500 | oops"
    assert rows["contract::test_c"]["details"] == " ".join(TRICKY.split())
    assert rows["security::test_sr19[zitadel]"] == {
        "check": "security::test_sr19[zitadel]",
        "vendor": "zitadel",
        "suite": "security",
        "result": "n/a",
        "details": "N/A for zitadel: addressed by user id",
    }


def test_a_check_name_with_backticks_and_pipes_stays_one_code_span() -> None:
    odd = Outcome("bdd::test_x[a`b|c]", "pass")
    assert "bdd::test_x[a`b|c]" in markdown_rows(render_markdown(TARGET, [odd]))


def test_a_failure_shows_its_message_request_and_response() -> None:
    text = render_markdown(TARGET, outcomes())
    failures = text[text.index("## Failures") : text.index("## All checks")]
    assert "the check's message\nsecond line" in failures
    assert "```http\nPOST http://h/x" in failures and "```http\n500 Error" in failures
    page = render_html(TARGET, outcomes())
    assert (
        page.index("id='summary'") < page.index("id='counts'") < page.index("id='failures'") < page.index("id='checks'")
    )
    assert "<pre class='request'>POST http://h/x" in page and "<pre class='response'>500 Error" in page
    assert html.escape("POST /x -> 500 | oops") in page


def test_the_reports_say_what_the_run_used() -> None:
    notes = ["run 1a2b; accounts: listed in creds.yaml; mail: imap", "could not remove zitadel user 7 <404>"]
    assert markdown_section_items(render_markdown(TARGET, outcomes(), notes), "Run") == notes
    page = render_html(TARGET, outcomes(), notes)
    assert f"<ul id='run'><li>{notes[0]}</li><li>{html.escape(notes[1])}</li></ul>" in page


def test_a_run_without_notes_has_no_run_section() -> None:
    assert "## Run" not in render_markdown(TARGET, outcomes())
    assert "id='run'" not in render_html(TARGET, outcomes())


def test_skip_reasons_are_kept_in_full() -> None:
    long_reason = "needs a mailbox: " + "x" * 400
    collector = Collector()
    collector.pytest_runtest_logreport(_report("security/test_a.py::test_one[placewise]", long_reason))
    [outcome] = collector.outcomes.values()
    assert outcome.status == "skip" and outcome.reason == long_reason
    assert long_reason in render_table([outcome], TARGET)


def test_findings_and_not_applicable_are_told_apart_from_skips() -> None:
    collector = Collector()
    collector.pytest_runtest_logreport(_report("security/test_a.py::test_f", "FINDING SR-08 (severity S): x"))
    collector.pytest_runtest_logreport(_report("security/test_a.py::test_n", "N/A for zitadel: by user id"))
    assert [o.status for o in collector.outcomes.values()] == ["warn", "n/a"]


class _Report:
    def __init__(self, nodeid: str, reason: str) -> None:
        self.nodeid, self.when, self.skipped, self.failed = nodeid, "setup", True, False
        self.longrepr = ("file.py", 1, f"Skipped: {reason}")
        self.user_properties = [("vendor", "placewise"), ("suite", "security")]


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


def test_the_cli_help_lists_the_narrowing_options() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "resetkit", "conform", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "--suite" in done.stdout and "--select" in done.stdout
