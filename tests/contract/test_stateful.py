"""Stateful sequences along the specs' links: initiate, complete with what came back, sign in."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis.stateful import run_state_machine_as_test

pytestmark = pytest.mark.contract


def run_links(schema: Any) -> None:
    machine = schema.as_state_machine()
    profile = hypothesis_settings()
    run_state_machine_as_test(
        machine,
        settings=hypothesis_settings(profile, max_examples=max(5, profile.max_examples // 3), stateful_step_count=6),
    )


def test_placewise_flows_follow_links(placewise_schema: Any) -> None:
    run_links(placewise_schema)


def test_zitadel_flows_follow_links(zitadel_schema: Any) -> None:
    run_links(zitadel_schema)


def test_socialid_flows_follow_links(socialid_schema: Any) -> None:
    run_links(socialid_schema)


def test_leadsquared_flows_follow_links(leadsquared_schema: Any) -> None:
    run_links(leadsquared_schema)
