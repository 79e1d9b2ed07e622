"""The coverage table of a report: its percentages in the first lines, a row per operation with what was observed,
and every item not covered with why (Markdown checked by parsing it with markdown-it)."""

from __future__ import annotations

from resetkit.clients import coverage_items
from resetkit.clients.coverage import check_id
from resetkit.conform.coverage_report import coverage_of
from resetkit.conform.report import Outcome, Report, render_console, render_html, render_markdown
from tests.conform.conftest import markdown_tables

TARGET = "http://127.0.0.1:8080"
VENDOR = "leadsquared"


def leadsquared_run() -> list[Outcome]:
    """Every LeadSquared item passed, except: signIn's 401 failed, every 500 and 503 and the lifetimes of the auth
    keys are n/a, and the lifetime of the temporary password did not run at all."""
    found = []
    for item in coverage_items(VENDOR):
        name = f"coverage::test_{item.kind}[{check_id(item)}]"
        if item.key == "lifetime:temporary_password":
            continue
        if item.operation == "signIn" and item.key == "status:401":
            found.append(Outcome(name, "fail", ["signIn status 401: 200 | all signed in"], vendor=VENDOR))
        elif item.key in ("status:500", "status:503") or item.kind == "lifetime":
            found.append(
                Outcome(name, "n/a", reason="N/A for leadsquared: a server error is not provoked", vendor=VENDOR)
            )
        else:
            found.append(Outcome(name, "pass", vendor=VENDOR))
    return [*found, Outcome("bdd::test_other", "pass", vendor=VENDOR, suite="bdd")]


def test_the_tallies_count_covered_not_applicable_and_not_run_items() -> None:
    coverage = coverage_of(leadsquared_run())
    assert coverage is not None
    tallies = coverage.tally(VENDOR)
    statuses = tallies["status"]
    assert (statuses.listed, statuses.not_applicable, statuses.covered) == (29, 10, 18)
    assert tallies["lifetime"].covered == 0 and tallies["lifetime"].applicable == 1  # not run is not covered
    assert statuses.percent() == "95%"


def test_the_markdown_report_gives_the_percentages_right_after_its_verdict() -> None:
    report = render_markdown(Report(TARGET, leadsquared_run()))
    lines = report.splitlines()
    assert lines[0].startswith("# Conformance report:")
    assert lines[2] == "## Coverage"
    assert lines[4].startswith("Coverage of what the contracts document: alternatives 100% (9 of 9), statuses 95%")
    percentages = markdown_tables(report)[0]
    assert percentages[0] == ["vendor", "alternatives", "statuses", "lifetimes", "flags"]
    assert percentages[1] == [VENDOR, "100% (9 of 9)", "95% (18 of 19; 10 n/a)", "0% (0 of 1; 2 n/a)", "-"]


def test_the_markdown_table_lists_per_operation_what_was_observed_and_what_not_and_why() -> None:
    report = render_markdown(Report(TARGET, leadsquared_run()))
    tables = markdown_tables(report)
    operations = next(t for t in tables if t[0][0] == "operation")
    assert operations[0] == [
        "operation",
        "statuses observed",
        "alternatives exercised",
        "lifetimes checked",
        "flags read back",
        "not covered, and why",
    ]
    rows = {row[0]: row for row in operations[1:]}
    assert list(rows) == ["getPublicAuthKey", "forgotPassword", "resetPassword", "resetPasswordV2", "signIn"]
    assert rows["signIn"][1] == "200 400 429"
    assert rows["signIn"][2] == "3 of 3"
    assert "failed (status 401): signIn status 401: 200 | all signed in" in rows["signIn"][5]
    not_provoked = "n/a (status 500, status 503, private_auth_key (14400 s)): a server error is not provoked"
    assert not_provoked in rows["signIn"][5]
    assert rows["forgotPassword"][3] == "0 of 1"
    assert "not run (temporary_password (86400 s)): not run in this run" in rows["forgotPassword"][5]
    assert tables[-1][0] == ["check", "vendor", "suite", "result", "details"], "All checks is no longer last"


def test_the_html_and_the_console_give_the_percentages_first() -> None:
    page = render_html(Report(TARGET, leadsquared_run()))
    assert page.index("id='summary'") < page.index("id='coverage-summary'") < page.index("id='counts'")
    assert page.index("id='coverage'") < page.index("id='checks'")
    assert "95% (18 of 19; 10 n/a)</td>" in page
    lines = render_console(Report(TARGET, leadsquared_run()), width=100).splitlines()
    assert lines[1:3] == ["Coverage", "--------"]
    assert lines[3].startswith("Coverage of what the contracts document: alternatives 100% (9 of 9)")
    assert f"- {VENDOR}: alternatives 100% (9 of 9), statuses 95% (18 of 19; 10 n/a)" in " ".join(lines)
    assert max(len(line) for line in lines) <= 100


def test_a_run_without_the_coverage_suite_has_no_coverage_table() -> None:
    outcomes = [Outcome("bdd::test_other", "pass", vendor=VENDOR, suite="bdd")]
    assert coverage_of(outcomes) is None
    assert "Coverage" not in render_markdown(Report(TARGET, outcomes))
    assert "coverage" not in render_html(Report(TARGET, outcomes))
