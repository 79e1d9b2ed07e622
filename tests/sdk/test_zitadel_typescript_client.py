"""ZITADEL's official TypeScript client (npm @zitadel/client with @connectrpc/connect-node) against the mock on
every wire it speaks: gRPC (its Node default, HTTP/2), Connect binary, Connect JSON and gRPC-web. The flow: create
a user, request a reset code, set the new password with it, sign in with it, see the used code refused, read the
user. Node and the packages come from npm (tests/npm/packages.py); without npm the test skips with the reason."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from resetkit.runner import LiveMock, start_live_mock
from resetkit.settings import Settings
from resetkit.vendors.zitadel import ACCESS_TOKEN
from tests.npm.packages import node_modules

pytestmark = pytest.mark.zitadel
SCRIPT = Path(__file__).parents[1] / "npm" / "zitadel_flow.mjs"
WIRES = ["grpc", "connect-binary", "connect-json", "grpc-web"]


@pytest.fixture(scope="module")
def script() -> Path:
    """The flow script beside the installed packages (Node resolves ES module imports from the script's folder)."""
    folder = node_modules().parent
    target = folder / SCRIPT.name
    shutil.copyfile(SCRIPT, target)
    return target


@pytest.fixture(scope="module")
def mock() -> Iterator[LiveMock]:
    settings = Settings(port=0, strict=True, vendors=("zitadel",), grpc_port=0)
    with start_live_mock(settings) as live:
        yield live
        assert not live.env.violations, "\n".join(live.env.violations)


@pytest.mark.parametrize("wire", WIRES)
def test_the_official_client_runs_the_reset_flow(wire: str, script: Path, mock: LiveMock) -> None:
    assert mock.grpc_url is not None
    command = ["node", str(script), wire, f"{mock.url}/zitadel", mock.grpc_url, ACCESS_TOKEN]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(seen["code"]) == 6 and seen["sessionToken"] is True
    assert seen["reusedCode"] == {"refused": True, "code": "FailedPrecondition", "id": "COMMAND-2M9fs"}
    assert seen["oldPassword"] == {"refused": True, "code": "InvalidArgument"}
    assert seen["user"] == {"userId": seen["userId"], "type": "human", "email": seen["expectedEmail"]}
