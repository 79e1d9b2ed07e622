"""How a mock server is configured: one frozen value built by the CLI or a test."""

from __future__ import annotations

from dataclasses import dataclass

ALL_VENDORS = ("placewise", "zitadel", "socialid", "leadsquared")


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    vendors: tuple[str, ...] = ALL_VENDORS
    mount_at_root: bool = False  # `--vendor X`: serve X at "/" for SDKs that only take a host
    seed: int = 0
    accounts: int = 100
    strict: bool = False
    journal_size: int = 500
    max_body_bytes: int = 1024 * 1024
    rate_limits: bool = True  # `--no-rate-limits` for load tests; the documented limits apply otherwise

    def prefix(self, vendor: str) -> str:
        return "" if self.mount_at_root else f"/{vendor}"
