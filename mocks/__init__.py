"""resetkit: a spec-driven, stateful mock of four vendors' password-reset APIs."""

from __future__ import annotations

from .app import create_app
from .env import create_env
from .settings import Settings

__all__ = ["Settings", "create_app", "create_env"]
