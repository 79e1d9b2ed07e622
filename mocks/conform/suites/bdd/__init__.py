"""Behaviour scenarios (pytest-bdd) for each vendor's password reset, written for product owners in features/."""

from __future__ import annotations
