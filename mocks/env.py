"""Everything a running mock shares across vendors: store, outbox, clock, journal and strict-mode findings."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from faker import Faker

from .faults import Faults
from .openapi.spec import VendorSpec
from .outbox import Outbox
from .protocols import Clock, Store
from .settings import Settings
from .store.memory import InMemoryStore
from .vendors.base import Customizable, Vendor


class JournalEntry(NamedTuple):
    """One request a vendor received (kept as a tuple: the journal is written on every call)."""

    at: float
    method: str
    path: str
    status: int
    operation: str | None
    duration_ms: float
    # What was exchanged (issue 9): references and bounded slices taken as they are, redacted only when read.
    request_headers: Mapping[str, str] | None = None
    request_body: bytes = b""
    request_size: int = 0
    response_headers: Mapping[str, str] | None = None
    response_body: bytes | None = None
    response_size: int = 0
    fault: str | None = None  # "fault 3" or "prefer" when the answer was injected


@dataclass
class Env:
    settings: Settings
    store: Store
    outbox: Outbox
    clock: Clock
    vendors: Mapping[str, Vendor]
    specs: Mapping[str, VendorSpec]
    journal: deque[JournalEntry] = field(default_factory=lambda: deque(maxlen=500))
    violations: list[str] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)  # injected on purpose; cleared by reset()
    # Where the vendors' other transports listen, by vendor (e.g. zitadel: {grpc_url}); filled once they started.
    endpoints: dict[str, dict[str, str]] = field(default_factory=dict)
    # What a team shaped of each vendor (`Vendor.customization`): from start-up, changed by /__admin; reset() restores.
    customizations: dict[str, dict[str, Customizable]] = field(default_factory=dict)
    _seeded: object = None
    _customized_at_start: dict[str, dict[str, Customizable]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._customized_at_start = {name: dict(values) for name, values in self.customizations.items()}

    def seed(self) -> None:
        """Create the demo account and `settings.accounts` fake ones per vendor, deterministically for a seed.

        A store that opened with saved state is used as it is (nothing seeded over it); `reset()` seeds then.
        """
        if self.store.has_saved_state():
            return
        self._create_accounts(self)
        self._seeded = self.store.snapshot()

    def _create_accounts(self, env: Env) -> None:
        for vendor in self.vendors.values():
            if vendor.name == "admin":
                continue
            vendor.create_account(env, vendor.demo_account)
            faker = Faker()
            faker.seed_instance(f"{self.settings.seed}:{vendor.name}")
            for _ in range(self.settings.accounts):
                vendor.create_account(env, vendor.fake_account(faker))

    def _seeded_state(self) -> object:
        """The store's state right after seeding; made aside (in memory) when the store opened with saved state."""
        if self._seeded is None:
            scratch = replace(self, store=InMemoryStore(self.store.limits), outbox=Outbox(), journal=deque())
            self._create_accounts(scratch)
            self._seeded = scratch.store.snapshot()
        return self._seeded

    def reset(self) -> None:
        """Back to the seeded state: accounts, no pending resets or tokens, empty outbox and journal, clock unmoved,
        customizations as at start-up."""
        self.store.restore(self._seeded_state())
        self.outbox.clear()
        self.journal.clear()
        self.violations.clear()
        self.faults.clear()
        self.customizations = {name: dict(values) for name, values in self._customized_at_start.items()}
        offset = getattr(self.clock, "offset", None)
        if offset is not None:
            self.clock.offset = 0.0  # type: ignore[attr-defined]
