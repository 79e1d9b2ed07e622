"""The conformance suites `resetkit conform` runs: contract (schemathesis), bdd (the features) and security."""

from __future__ import annotations
