"""docs/security-checks.md documents every SR id the security profile checks, and reports and the README point to
it (the wheel carries it as `resetkit.docs`; tests/packaging checks that)."""

from __future__ import annotations

import re
from pathlib import Path

from resetkit.conform.requirements import document_path, parse, requirements
from resetkit.resources import suites_dir

ROOT = Path(__file__).resolve().parents[2]


def checked_ids() -> set[str]:
    """Every SR id the suites name: in a check's name (`test_sr13_...`) or in a finding (`finding("SR-03", ...)`)."""
    found: set[str] = set()
    for module in suites_dir().rglob("*.py"):
        text = module.read_text(encoding="utf-8")
        found |= {f"SR-{number}" for number in re.findall(r"\bdef test_sr(\d\d)_", text)}
        found |= set(re.findall(r'finding\(\s*"(SR-\d\d)"', text))
    return found


def test_every_checked_id_is_documented_with_what_why_severity_and_sources() -> None:
    documented = requirements()
    assert checked_ids() and checked_ids() <= set(documented), sorted(checked_ids() - set(documented))
    for requirement in documented.values():
        assert requirement.checks and requirement.why and requirement.sources, requirement.id
        assert requirement.severity.startswith(("M", "S")), (requirement.id, requirement.severity)


def test_each_documented_check_names_the_tests_that_run_it() -> None:
    names = {
        name
        for module in suites_dir().rglob("test_*.py")
        for name in re.findall(r"def (test_sr\d\d_\w+)", module.read_text(encoding="utf-8"))
    }
    for requirement in requirements().values():
        for test in re.findall(r"`(test_sr\d\d_\w+)`", requirement.tests):
            assert test in names, f"{requirement.id} names {test}, which no suite defines"


def test_the_installed_document_is_the_repository_s() -> None:
    assert document_path() is not None
    assert document_path().read_text(encoding="utf-8") == (ROOT / "docs" / "security-checks.md").read_text(
        encoding="utf-8"
    )


def test_anchors_are_the_headings_as_markdown_renders_them() -> None:
    [requirement] = parse("### SR-13: Forged Host headers do not change the link\n\n- **Checks:** x\n").values()
    assert requirement.anchor == "sr-13-forged-host-headers-do-not-change-the-link"


def test_the_readme_links_to_the_document_not_to_the_project_s_sources() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/security-checks.md)" in readme
    assert "shared/security.md" not in readme
