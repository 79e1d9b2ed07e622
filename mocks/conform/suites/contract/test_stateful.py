"""Stateful sequences along the specs' links: initiate, complete with what came back, sign in; one
`test_<vendor>_flows_follow_links` per vendor of the client registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis.stateful import run_state_machine_as_test

from ....clients import VENDORS
from ...target import Target

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


def follows_links(vendor: str) -> Callable[[pytest.FixtureRequest, Target], None]:
    def test(request: pytest.FixtureRequest, target: Target) -> None:
        run_links(request.getfixturevalue(f"{vendor}_schema"), target)

    test.__name__ = test.__qualname__ = f"test_{vendor}_flows_follow_links"
    return test


for _vendor in VENDORS:
    globals()[f"test_{_vendor}_flows_follow_links"] = follows_links(_vendor)
