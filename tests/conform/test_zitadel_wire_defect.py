"""The binary-wire suite can fail: against a ZITADEL whose reset codes can be used twice, the flow of
mocks/conform/suites/contract/test_zitadel_wires.py fails on every wire, gRPC included."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from resetkit.api import Call, Reply
from resetkit.conform.suites.contract.test_zitadel_wires import WIRES, run_reset_flow
from resetkit.conform.target import Target, connect
from resetkit.runner import LiveMock, start_live_mock
from resetkit.settings import Settings
from resetkit.vendors import zitadel

pytestmark = pytest.mark.zitadel


def _set_password_keeps_the_code(call: Call) -> Reply:
    reply = zitadel.users.connect_set_password(call)
    # Planted bug: the redeemed reset code is not used up.
    pending = call.store.reset_for_account(zitadel.NAME, call.body["userId"], "reset")
    if pending is not None:
        pending.used_at = None
    return reply


REUSABLE_CODE = replace(
    zitadel.VENDOR, handlers={**zitadel.VENDOR.handlers, "connectSetPassword": _set_password_keeps_the_code}
)


@pytest.fixture(scope="module")
def broken() -> Iterator[LiveMock]:
    settings = Settings(port=0, accounts=5, vendors=("zitadel",), mount_at_root=True, grpc_port=0)
    with start_live_mock(settings, overrides={"zitadel": REUSABLE_CODE}) as mock:
        yield mock


@pytest.fixture(scope="module")
def target(broken: LiveMock) -> Target:
    return connect(broken.url, ("zitadel",))


@pytest.mark.parametrize("wire", list(WIRES))
def test_a_reusable_reset_code_fails_the_flow_on_every_wire(wire: str, target: Target) -> None:
    with pytest.raises(pytest.fail.Exception, match="DID NOT RAISE"):
        run_reset_flow(WIRES[wire](target))


def test_without_a_grpc_url_the_grpc_check_skips_and_says_why(target: Target) -> None:
    credentials = {"zitadel": {"access_token": target.credentials["zitadel"]["access_token"]}}
    deployment = Target(target.url, ("zitadel",), credentials, admin=None)
    with pytest.raises(pytest.skip.Exception, match="no grpc_url in the zitadel credentials"):
        WIRES["grpc"](deployment)
