"""ZITADEL's hosted login app (login v2) against the mock: its whole reset-and-sign-in RPC sequence replayed with the
official @zitadel/client, as the app calls it (tests/npm/zitadel_login_flow.mjs), on every wire, and gRPC on the
mock's HTTP port, the one URL the app is given. Asserts what the app relies on at each step. Node and the packages
come from npm (tests/npm/packages.py); without npm the test skips with the reason."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from resetkit.runner import LiveMock, start_live_mock
from resetkit.settings import Settings
from resetkit.vendors.zitadel import ACCESS_TOKEN, DEMO_ID, ORG_ID
from tests.npm.packages import node_modules

pytestmark = pytest.mark.zitadel
SCRIPT = Path(__file__).parents[1] / "npm" / "zitadel_login_flow.mjs"
WIRES = ["grpc", "connect-binary", "connect-json", "grpc-web"]
DEMO_LOGIN = "demo@zitadel.resetkit.example"


@pytest.fixture(scope="module")
def script() -> Path:
    """The replay beside the installed packages (Node resolves ES module imports from the script's folder)."""
    folder = node_modules().parent
    target = folder / SCRIPT.name
    shutil.copyfile(SCRIPT, target)
    return target


@pytest.fixture
def mock() -> Iterator[LiveMock]:
    """A mock serving only ZITADEL at its root, gRPC on the HTTP port (no port of its own), a team's branding."""
    settings = Settings(
        port=0,
        strict=True,
        accounts=3,
        vendors=("zitadel",),
        mount_at_root=True,
        grpc_on_http_port=True,
        customizations=(("zitadel", "org_name", "Acme Travel"), ("zitadel", "primary_color", "#0a7d47")),
    )
    with start_live_mock(settings) as live:
        yield live
        assert not live.env.violations, "\n".join(live.env.violations)


def replay(script: Path, mock: LiveMock, wire: str, base_url: str | None = None) -> dict[str, Any]:
    command = ["node", str(script), wire, base_url or mock.url, f"{mock.url}/__admin", ACCESS_TOKEN, DEMO_LOGIN]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    seen: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return seen


@pytest.mark.parametrize("wire", WIRES)
def test_the_login_app_sequence_resets_the_password_and_signs_in(wire: str, script: Path, mock: LiveMock) -> None:
    assert mock.grpc_url == mock.url  # the app is given one URL
    seen = replay(script, mock, wire)
    assert seen["organization"] == {"id": ORG_ID, "name": "Acme Travel", "count": 1}
    login_settings = {"allowUsernamePassword": True, "hidePasswordReset": False, "passwordCheckLifetime": 864000}
    assert seen["loginSettings"] == login_settings
    assert seen["primaryColor"] == "#0a7d47" and seen["identityProviders"] == 0
    assert seen["listUsers"] == {"totalResult": "1", "results": 1} and seen["userId"] == DEMO_ID
    assert seen["authMethods"] == ["PASSWORD"]
    assert seen["link"]["path"] == "/ui/v2/login/password/set"
    assert seen["link"]["userId"] == DEMO_ID and seen["link"]["organization"] == ORG_ID
    assert len(seen["link"]["code"]) == 6 and seen["complexity"] == "8"
    assert seen["session"] == {
        "displayName": "Dana Demo",
        "loginName": DEMO_LOGIN,
        "organizationId": ORG_ID,
        "passwordChecked": True,
        "expires": True,
    }
    assert seen["setSession"] == {"newToken": True}
    wrong_password = {"refused": True, "code": "InvalidArgument", "id": "COMMAND-3M0fs", "failedAttempts": 1}
    assert seen["setSessionWrongPassword"] == wrong_password
    assert seen["oldTokenRefused"]["code"] == "PermissionDenied"
    assert seen["listedSessions"] == [True]
    assert seen["otherSettings"]["defaultOrg"] == ORG_ID
    assert seen["deletedSession"]["code"] == "NotFound"
    assert seen["newPasswordSession"] is True
    assert seen["reusedCode"] == {"refused": True, "code": "FailedPrecondition", "id": "COMMAND-2M9fs"}


@pytest.mark.parametrize("wire", ["grpc", "connect-binary"])
def test_the_sequence_runs_under_the_zitadel_mount_of_a_mock_serving_every_vendor(wire: str, script: Path) -> None:
    with start_live_mock(Settings(port=0, strict=True, accounts=2, grpc_on_http_port=True)) as live:
        assert live.grpc_url == f"{live.url}/zitadel"
        seen = replay(script, live, wire, f"{live.url}/zitadel")
        assert not live.env.violations, "\n".join(live.env.violations)
    assert seen["session"]["displayName"] == "Dana Demo" and seen["newPasswordSession"] is True
