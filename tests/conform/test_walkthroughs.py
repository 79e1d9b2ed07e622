"""What the README tells a new user to type works as written against a served mock: each vendor's curl walkthrough,
block by block in one shell, the first `resetkit conform` command, and `make conform`.

The commands are read from the Markdown (fenced `sh` blocks under their headings), never copied here; only the
mock's address is changed to the served one's.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from markdown_it import MarkdownIt

from resetkit.clients import CLIENTS
from tests.conform.conftest import ROOT, serving

pytestmark = pytest.mark.slow
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
WALKTHROUGH = "A reset end to end with curl ({label})"
WRITTEN_FOR = ("localhost:8080", "127.0.0.1:8080")  # where the README's commands expect `make serve`
STEP_DONE = "--- step {number} done ---"


def sections() -> dict[str, list[str]]:
    """Every heading of the documents with the fenced `sh` blocks under it (until the next heading)."""
    found: dict[str, list[str]] = {}
    for document in DOCUMENTS:
        tokens = MarkdownIt("commonmark").parse(document.read_text(encoding="utf-8"))
        heading = None
        for at, token in enumerate(tokens):
            if token.type == "heading_open":
                heading = tokens[at + 1].content
                found.setdefault(heading, [])
            elif token.type == "fence" and token.info.strip() == "sh" and heading is not None:
                found[heading].append(token.content)
    return found


@pytest.fixture(scope="module")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("walkthroughs")) as url:
        yield url


def as_served(command: str, mock: str) -> str:
    served = mock.removeprefix("http://")
    for written in WRITTEN_FOR:
        command = command.replace(written, served)
    return command


def run_shell(script: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`bash -euo pipefail`, with this environment's resetkit first on the PATH."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize("vendor", list(CLIENTS))
def test_the_curl_walkthrough_runs_as_written(vendor: str, mock: str, tmp_path: Path) -> None:
    label = CLIENTS[vendor].label
    blocks = sections().get(WALKTHROUGH.format(label=label), [])
    assert blocks, f"README.md (or docs/) has no section '{WALKTHROUGH.format(label=label)}' with sh blocks"
    requests.post(f"{mock}/__admin/reset", timeout=10).raise_for_status()  # the demo accounts as seeded
    script = "\n".join(
        f"{as_served(block, mock)}\necho '{STEP_DONE.format(number=number)}'" for number, block in enumerate(blocks, 1)
    )
    done = run_shell(script, tmp_path)
    finished = [number for number in range(1, len(blocks) + 1) if STEP_DONE.format(number=number) in done.stdout]
    assert done.returncode == 0 and len(finished) == len(blocks), (
        f"{label}: step {len(finished) + 1} of {len(blocks)} failed (exit {done.returncode}):\n"
        f"{blocks[len(finished)] if len(finished) < len(blocks) else ''}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    )


def test_the_readme_checks_the_mock_first_and_that_command_works(mock: str, tmp_path: Path) -> None:
    conform_section = next(title for title in sections() if title == "Check the mock first")
    [first, *_] = sections()[conform_section]
    assert first.startswith("resetkit conform --target http://127.0.0.1:8080 --vendor leadsquared"), first
    done = run_shell(as_served(first, mock), tmp_path, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert done.stdout.rstrip().splitlines()[-1].startswith("CONFORMANT;"), done.stdout[-2000:]


def test_make_conform_runs_resetkit_conform_against_the_target(mock: str, tmp_path: Path) -> None:
    report, junit = tmp_path / "conformance.html", tmp_path / "junit.xml"
    variables = [f"TARGET={mock}", "VENDOR=leadsquared", f"REPORT={report}", f"JUNIT={junit}"]
    variables.append(f"BIN={Path(sys.executable).parent}")  # this environment's resetkit
    variables.append("ARGS=--suite security --select sr01")
    planned = subprocess.run(
        ["make", "--no-print-directory", "-n", "conform", *variables],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.replace("\\\n", " ")
    [command] = [line for line in planned.splitlines() if "resetkit conform" in line]
    done = run_shell(command, ROOT, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert report.read_text(encoding="utf-8").startswith("<!doctype html>") and junit.is_file()
