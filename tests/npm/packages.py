"""npm packages for the tests (ZITADEL's official client, Mailpit's clients): installed with npm into a cache folder
outside the checkout (never committed), once per package set; a test that needs them skips with the reason when
npm cannot run."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Mapping
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
# Mailpit's clients. cypress-mailpit names Cypress as a peer dependency; its command module is driven without
# Cypress (tests/npm/cypress_mailpit.mjs), so peers are not installed.
MAILPIT_PACKAGES = {"mailpit-api": "2.1.0", "cypress-mailpit": "2.0.0"}
INSTALL_TIMEOUT = 600


def cache_root() -> Path:
    base = os.environ.get("RESETKIT_NPM_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "resetkit", "npm"
    )
    return Path(base)


def node_modules(packages: Mapping[str, str] = PACKAGES, *, peers: bool = True) -> Path:
    """The folder holding `packages` (installed on first use); skips the test when npm or node is missing."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        pytest.skip(f"needs Node.js and npm to install {', '.join(packages)} (not found on PATH)")
    key = "-".join(f"{name.replace('/', '+')}@{version}" for name, version in sorted(packages.items()))
    folder = cache_root() / key
    marker = folder / ".installed"
    folder.mkdir(parents=True, exist_ok=True)
    # Parallel test workers (pytest -n) share the cache: one installs while the others wait for it.
    with open(folder / ".lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists():
            _install(npm, folder, marker, packages, peers)
    return folder / "node_modules"


def _install(npm: str, folder: Path, marker: Path, packages: Mapping[str, str], peers: bool) -> None:
    """Install `packages` into FOLDER with npm; skips the test when npm fails."""
    (folder / "package.json").write_text(json.dumps({"private": True, "type": "module"}), encoding="utf-8")
    specs = [f"{name}@{version}" for name, version in packages.items()]
    command = [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", *specs]
    if not peers:
        command.insert(2, "--legacy-peer-deps")
    try:
        done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        pytest.skip(f"npm install did not finish within {INSTALL_TIMEOUT} s")
    if done.returncode != 0:
        pytest.skip(f"npm install failed (no registry?): {done.stderr.strip()[-300:]}")
    marker.write_text("ok", encoding="utf-8")
