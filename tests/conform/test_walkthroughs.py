"""What the documents tell a new user to type works as written against a served mock: each vendor's curl walkthrough
(docs/walkthroughs/<vendor>.md), block by block in one shell, README's first `resetkit conform` command, and
`make conform`.

The commands are read from the Markdown (fenced `sh` blocks), never copied here; only the mock's address is changed
to the served one's.
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
WALKTHROUGHS = sorted((ROOT / "docs" / "walkthroughs").glob("*.md"))
WRITTEN_FOR = ("localhost:8080", "127.0.0.1:8080")  # where the README's commands expect `make serve`
STEP_DONE = "--- step {number} done ---"


def sections(document: Path) -> dict[str, list[str]]:
    """Every heading of `document` with the fenced `sh` blocks under it (until the next heading)."""
    found: dict[str, list[str]] = {}
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


def test_each_walkthrough_is_named_for_a_vendor_and_linked_from_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert WALKTHROUGHS, "docs/walkthroughs/ has no walkthrough"
    for walkthrough in WALKTHROUGHS:
        assert walkthrough.stem in CLIENTS, f"{walkthrough.name} is named for no vendor ({', '.join(CLIENTS)})"
        assert f"(docs/walkthroughs/{walkthrough.name})" in readme, f"README.md does not link {walkthrough.name}"


@pytest.mark.parametrize("walkthrough", WALKTHROUGHS, ids=[w.stem for w in WALKTHROUGHS])
def test_the_curl_walkthrough_runs_as_written(walkthrough: Path, mock: str, tmp_path: Path) -> None:
    label = walkthrough.stem
    blocks = [block for found in sections(walkthrough).values() for block in found]
    assert blocks, f"{walkthrough.name} has no sh blocks"
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
    [first, *_] = sections(ROOT / "README.md")["Check the mock first"]
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
