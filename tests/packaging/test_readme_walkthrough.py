"""README's Placewise curl walkthrough, run as printed against `make serve`'s command, prints what its comments say."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

from .conftest import ROOT, Served, serve, stop

SECTION = "### A Placewise member end to end with curl"
PRINTED_PORT = "localhost:8080"
# A command's expected output: its trailing comment, after the command; a status in parentheses only annotates it.
EXPECTED = re.compile(r"\S\s{2,}# (?P<output>.+?)(?: \(\d{3}\))?$")


def walkthrough() -> str:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split(SECTION, 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, f"README's {SECTION!r} has no sh block"
    return block.group(1)


def commands(script: str) -> list[str]:
    """The block's lines with continuations joined: one shell command each."""
    return script.replace("\\\n", " ").splitlines()


def expected_outputs(script: str) -> list[str]:
    return [m.group("output") for line in commands(script) if (m := EXPECTED.search(line))]


@pytest.fixture(scope="module")
def make_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The mock as `make serve` starts it (every vendor, loopback), on a free port."""
    folder = tmp_path_factory.mktemp("make-serve")
    served = serve([sys.executable, "-m", "resetkit", "serve", "--host", "127.0.0.1"], folder, folder / "log")
    yield served
    stop(served)


def run(script: str, served: Served) -> subprocess.CompletedProcess[str]:
    port = served.url.rsplit(":", 1)[1]
    return subprocess.run(
        ["bash", "-c", "set -eo pipefail\n" + script.replace(PRINTED_PORT, f"localhost:{port}")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_command_that_prints_says_what_it_prints() -> None:
    printing = [line for line in commands(walkthrough()) if line.startswith("curl ")]
    assert printing, "the walkthrough has no curl command"
    assert [line for line in printing if not EXPECTED.search(line)] == []


@pytest.mark.skipif(shutil.which("curl") is None, reason="the walkthrough needs curl")
def test_the_placewise_walkthrough_prints_what_its_comments_say(make_serve: Served) -> None:
    done = run(walkthrough(), make_serve)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.replace("\n", "") == "".join(expected_outputs(walkthrough()))


@pytest.mark.skipif(shutil.which("curl") is None, reason="the walkthrough needs curl")
def test_the_placewise_walkthrough_runs_again_on_the_same_mock(make_serve: Served) -> None:
    """It ends with the demo member's own password back, so a reader can paste it twice."""
    first, second = run(walkthrough(), make_serve), run(walkthrough(), make_serve)
    assert (first.returncode, second.returncode) == (0, 0), second.stderr[-2000:]
    assert second.stdout == first.stdout
