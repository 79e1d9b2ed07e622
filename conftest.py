"""`pytest` from the checkout: the suites' plugin (target selection, profiles, markers) and the in-process fixtures."""

from __future__ import annotations

pytest_plugins = ["resetkit.conform.plugin", "tests.fixtures.app"]
