"""Stateful sequences along the specs' links: initiate, complete with what came back, sign in."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis.stateful import run_state_machine_as_test

from resetkit.conform.target import Target

pytestmark = pytest.mark.contract


def run_links(schema: Any, target: Target) -> None:
    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            # Each scenario starts from the seeded state (on the mock), so that the same steps meet the same
            # answers: Hypothesis replays prefixes of earlier scenarios and fails as flaky when they diverge.
            if target.admin is not None:
                target.admin.reset()

    profile = hypothesis_settings()
    run_state_machine_as_test(
        Workflow,
        settings=hypothesis_settings(profile, max_examples=max(5, profile.max_examples // 3), stateful_step_count=6),
    )


def test_placewise_flows_follow_links(placewise_schema: Any, target: Target) -> None:
    run_links(placewise_schema, target)


def test_zitadel_flows_follow_links(zitadel_schema: Any, target: Target) -> None:
    run_links(zitadel_schema, target)


def test_socialid_flows_follow_links(socialid_schema: Any, target: Target) -> None:
    run_links(socialid_schema, target)


def test_leadsquared_flows_follow_links(leadsquared_schema: Any, target: Target) -> None:
    run_links(leadsquared_schema, target)
