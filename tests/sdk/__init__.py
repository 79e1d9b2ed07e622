"""Vendor SDKs against the mock: the mock must answer what the official clients send and parse."""

from __future__ import annotations
