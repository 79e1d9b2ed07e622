"""ZITADEL's official npm packages for the tests: installed with npm into a cache folder outside the checkout
(never committed), once per version set; a test that needs them skips with the reason when npm cannot run."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

# The versions the tests pin: @zitadel/proto and @zitadel/client 1.3.x are the ones shared/fidelity.md measured.
PACKAGES = {
    "@zitadel/client": "1.3.1",
    "@zitadel/proto": "1.3.1",
    "@connectrpc/connect": "2.1.2",
    "@connectrpc/connect-node": "2.1.2",
    "@bufbuild/protobuf": "2.17.0",
}
INSTALL_TIMEOUT = 600


def cache_root() -> Path:
    base = os.environ.get("RESETKIT_NPM_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "resetkit", "npm"
    )
    return Path(base)


def node_modules() -> Path:
    """The folder holding PACKAGES (installed on first use); skips the test when npm or node is missing."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        pytest.skip("needs Node.js and npm to install ZITADEL's official npm packages (not found on PATH)")
    key = "-".join(f"{name.replace('/', '+')}@{version}" for name, version in sorted(PACKAGES.items()))
    folder = cache_root() / key
    marker = folder / ".installed"
    folder.mkdir(parents=True, exist_ok=True)
    # Parallel test workers (pytest -n) share the cache: one installs while the others wait for it.
    with open(folder / ".lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists():
            _install(npm, folder, marker)
    return folder / "node_modules"


def _install(npm: str, folder: Path, marker: Path) -> None:
    """Install PACKAGES into FOLDER with npm; skips the test when npm fails."""
    (folder / "package.json").write_text(json.dumps({"private": True, "type": "module"}), encoding="utf-8")
    specs = [f"{name}@{version}" for name, version in PACKAGES.items()]
    command = [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", *specs]
    try:
        done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        pytest.skip(f"npm install did not finish within {INSTALL_TIMEOUT} s")
    if done.returncode != 0:
        pytest.skip(f"npm install failed (no registry?): {done.stderr.strip()[-300:]}")
    marker.write_text("ok", encoding="utf-8")
