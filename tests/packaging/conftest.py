"""Build the wheel once per session, install it into fresh virtual environments, and serve a mock to check."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
import venv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from resetkit.runner import free_port
from tests.fixtures.processes import stop_process

ROOT = Path(__file__).resolve().parents[2]
INSTALL_TIMEOUT = 900
STARTUP_SECONDS = 30


@dataclass(frozen=True)
class Built:
    wheel: Path
    sdist: Path


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """`python -m build`: the sdist, then the wheel built from that sdist (so the sdist must carry everything)."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = out.glob("resetkit-*.whl")
    (sdist,) = out.glob("resetkit-*.tar.gz")
    return Built(wheel, sdist)


def dockerfile_install_command(wheel_dir: Path) -> str:
    """The Dockerfile's install line, pointed at `wheel_dir` instead of the image's /wheels."""
    lines = (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
    marker = next(i for i, line in enumerate(lines) if line.startswith("# install:"))
    command = lines[marker + 1].removeprefix("RUN ").split(" && ")[0]
    return command.replace("/wheels", shlex.quote(str(wheel_dir)))


def fresh_venv(folder: Path) -> Path:
    """A new virtual environment (with pip) in `folder`; its bin directory."""
    venv.create(folder, with_pip=True, clear=True)
    return folder / "bin"


def env_with(bin_dir: Path, **extra: str) -> dict[str, str]:
    """The environment a shell in that venv would have: its bin first on PATH, no PYTHONPATH leaking in."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(bin_dir.parent)
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def installed(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed as the Dockerfile installs it; its bin directory."""
    bin_dir = fresh_venv(tmp_path_factory.mktemp("venv") / "venv")
    done = subprocess.run(
        ["sh", "-c", dockerfile_install_command(built.wheel.parent)],
        env=env_with(bin_dir),
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return bin_dir


@dataclass
class Served:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def serve(command: list[str], cwd: Path, log: Path, env: dict[str, str] | None = None) -> Served:
    """Start `command` (`... resetkit serve`) on a free port in `cwd` and wait until /__admin/health answers."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--port", str(port)], cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        assert process.poll() is None, f"{command} exited with {process.returncode}:\n{log.read_text()}"
        try:
            if requests.get(f"{url}/__admin/health", timeout=1).status_code == 200:
                return Served(url, process, log)
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, f"{command} did not answer within {STARTUP_SECONDS} s"
        time.sleep(0.2)


def stop(served: Served) -> None:
    stop_process(served.process)


@pytest.fixture(scope="session")
def served_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A mock of every vendor from this checkout, in its own process, for the installed tools to check."""
    folder = tmp_path_factory.mktemp("served")
    served = serve([sys.executable, "-m", "resetkit", "serve"], folder, folder / "log")
    yield served
    stop(served)


ADMIN_TOKEN = "packaging-admin-token"


@pytest.fixture(scope="session")
def served_guarded_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The same mock with an admin token (`RESETKIT_ADMIN_TOKEN`), as the Docker image runs: CI templates must
    pass it on."""
    folder = tmp_path_factory.mktemp("served-guarded")
    env = {**os.environ, "RESETKIT_ADMIN_TOKEN": ADMIN_TOKEN}
    served = serve([sys.executable, "-m", "resetkit", "serve"], folder, folder / "log", env)
    yield served
    stop(served)


def single_line(text: str) -> bool:
    return len(text.strip().splitlines()) == 1 and "Traceback" not in text
