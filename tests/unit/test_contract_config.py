"""The contract suite's schemathesis configuration: what it leaves out of the coverage phase, and why it may."""

from __future__ import annotations

from typing import Any

import pytest

from resetkit.clients import CLIENTS, VENDORS
from resetkit.conform.profiles import config_dict

CREDENTIALS = {"access_token": "t"}


def coverage_phase_off(config: dict[str, Any]) -> set[str]:
    return {
        entry["include-operation-id"]
        for entry in config["operations"]
        if entry.get("phases", {}).get("coverage", {}).get("enabled") is False
    }


def test_the_contract_suite_leaves_zitadel_list_users_out_of_the_coverage_phase() -> None:
    config = config_dict("zitadel", CREDENTIALS, "http://mock/zitadel", max_examples=1)
    assert coverage_phase_off(config) == {"listUsers", "connectListUsers"}


def test_the_fuzz_gate_keeps_the_coverage_phase_for_every_operation() -> None:
    config = config_dict("zitadel", CREDENTIALS, "http://mock/zitadel", max_examples=1, every_phase=True)
    assert coverage_phase_off(config) == set()


@pytest.mark.parametrize("vendor", VENDORS)
def test_every_operation_left_out_of_the_coverage_phase_is_in_its_spec(vendor: str) -> None:
    client = CLIENTS[vendor]
    assert set(client.schemathesis.slow_coverage) <= set(client.spec.operations)
