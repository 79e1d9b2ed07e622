"""Everything a running mock shares across vendors: settings, store, outbox, clock, journal, faults and strict-mode
findings. `Env` is what the app and the admin API see; a vendor's handlers see only its `VendorContext` part."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from faker import Faker

from .api import bind_operations
from .clock import Clock, SystemClock
from .faults import Faults
from .fleet.link import Fleet, is_redis_url
from .journal import Journal
from .openapi.spec import VendorSpec, load_spec
from .outbox import Outbox
from .protocols import Customizable, Store, VendorContext
from .settings import Settings
from .store.memory import InMemoryStore, StoreLimits
from .store.sqlite import SQLiteStore
from .vendors import load_vendor
from .vendors.base import Vendor

if TYPE_CHECKING:
    from .smtp_relay import SmtpRelay


@dataclass
class Env:
    """The running mock's state; implements `protocols.VendorContext` for the vendors' handlers."""

    settings: Settings
    store: Store
    outbox: Outbox
    clock: Clock
    vendors: Mapping[str, Vendor]
    specs: Mapping[str, VendorSpec]
    journal: Journal = field(default_factory=Journal)
    violations: list[str] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)  # injected on purpose; cleared by reset()
    # Where the vendors' other transports listen, by vendor (e.g. zitadel: {grpc_url}); filled once they started.
    endpoints: dict[str, dict[str, str]] = field(default_factory=dict)
    # What a team shaped of each vendor (`Vendor.customization`): from start-up, changed by /__admin; reset() restores.
    customizations: MutableMapping[str, dict[str, Customizable]] = field(default_factory=dict)
    relay: SmtpRelay | None = None  # `--smtp`: the mail relay, while the server runs
    fleet: Fleet | None = None  # `--state redis://...`: the state is the fleet's, shared through Redis
    _seeded: object = None
    _customized_at_start: dict[str, dict[str, Customizable]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self._customized_at_start:  # a fleet's process passes its own (the fleet's may have changed already)
            self._customized_at_start = {name: dict(values) for name, values in self.customizations.items()}

    def link_base(self, vendor: str) -> str:
        return self.settings.link_base(vendor)

    def customized(self, vendor: str) -> Mapping[str, Customizable]:
        return self.customizations.get(vendor, {})

    def seed(self) -> None:
        """Create the demo account and `settings.accounts` fake ones per vendor, deterministically for a seed.

        A store that opened with saved state is used as it is (nothing seeded over it); `reset()` seeds then.
        """
        if self.store.has_saved_state():
            return
        seed_accounts(self, self.vendors.values(), self.settings)
        self._seeded = self.store.snapshot()

    def _seeded_state(self) -> object:
        """The store's state right after seeding; made aside (in memory) when the store opened with saved state."""
        if self._seeded is None:
            scratch = Scratch(InMemoryStore(self.store.limits), Outbox(), self.clock, self.settings)
            seed_accounts(scratch, self.vendors.values(), self.settings)
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
        for name, values in self._customized_at_start.items():  # in place: a fleet's are cells, shared
            self.customizations[name] = dict(values)
        self.clock.set_offset(0.0)
        self.store.rewind(self.clock.now())  # the seeded accounts may have been made while the clock was ahead


@dataclass
class Scratch:
    """A context of its own for seeding aside: the vendors create accounts in it as in the real one."""

    store: Store
    outbox: Outbox
    clock: Clock
    settings: Settings

    def link_base(self, vendor: str) -> str:
        return self.settings.link_base(vendor)

    def customized(self, vendor: str) -> Mapping[str, Customizable]:
        return {}  # seeding shapes nothing


def seed_accounts(ctx: VendorContext, vendors: Iterable[Vendor], settings: Settings) -> None:
    """Each vendor's demo account, then `settings.accounts` fake ones drawn from a Faker seeded per vendor."""
    for vendor in vendors:
        vendor.create_account(ctx, vendor.demo_account)
        faker = Faker()
        faker.seed_instance(f"{settings.seed}:{vendor.name}")
        for _ in range(settings.accounts):
            vendor.create_account(ctx, vendor.fake_account(faker))


def create_env(
    settings: Settings,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
    overrides: Mapping[str, Vendor] | None = None,
) -> Env:
    """Load and bind the served vendors' specs, then seed the store. No sockets: a test can use this without a server.

    `overrides` swaps in vendor records by name (tests use it to plant a defect in one vendor).
    """
    overrides = overrides or {}
    vendors = {name: overrides.get(name) or load_vendor(name) for name in settings.vendors}
    specs = {name: load_spec(vendor.spec_file.removesuffix(".yaml")) for name, vendor in vendors.items()}
    for name, vendor in vendors.items():
        bind_operations(vendor, specs[name])
    if store is None and is_redis_url(settings.state_file):
        return _fleet_env(settings, vendors, specs)
    env = Env(
        settings=settings,
        store=store or open_store(settings),
        outbox=Outbox(settings.outbox_size),
        clock=clock or SystemClock(),
        vendors=vendors,
        specs=specs,
        journal=Journal(settings.journal_size, settings.journal_body_bytes),
        faults=Faults(settings.seed),
        customizations=start_customizations(settings, vendors),
    )
    if isinstance(env.store, SQLiteStore):
        env.store.keep(env.outbox, env.clock)
    env.seed()
    env.store.commit()
    return env


def start_customizations(settings: Settings, vendors: Mapping[str, Vendor]) -> dict[str, dict[str, Customizable]]:
    """Each customizable vendor's defaults with the settings' changes; ValueError names a change it refuses."""
    found: dict[str, dict[str, Customizable]] = {}
    for name, vendor in vendors.items():
        if vendor.customization is None:
            continue
        changes = {key: value for owner, key, value in settings.customizations if owner == name}
        try:
            found[name] = vendor.customization.apply(vendor.customization.defaults, changes)
        except ValueError as exc:
            raise ValueError(f"--customize {name}: {exc}") from None
    return found


def _fleet_env(settings: Settings, vendors: Mapping[str, Vendor], specs: Mapping[str, VendorSpec]) -> Env:
    """A process of a fleet on Redis: its state is the fleet's; the first process to start seeds it."""
    assert settings.state_file is not None
    fleet = Fleet(
        settings.state_file,
        store_limits(settings),
        outbox_size=settings.outbox_size,
        journal_size=settings.journal_size,
        journal_body_bytes=settings.journal_body_bytes,
        seed=settings.seed,
    )
    fleet.open()
    customized = start_customizations(settings, vendors)
    env = Env(
        settings=settings,
        store=fleet.store,
        outbox=fleet.outbox,
        clock=fleet.clock,
        vendors=vendors,
        specs=specs,
        journal=fleet.journal,
        faults=fleet.faults,
        fleet=fleet,
        customizations=fleet.customizations(customized),
        _customized_at_start=customized,
    )
    if not fleet.seeded():
        env.seed()
        fleet.seal()
    fleet.commit_now()
    return env


def open_store(settings: Settings) -> Store:
    """In memory, or saved in `--state FILE` (a fleet's store, on Redis, comes with its `Fleet`)."""
    limits = store_limits(settings)
    return SQLiteStore(settings.state_file, limits) if settings.state_file else InMemoryStore(limits)


def store_limits(settings: Settings) -> StoreLimits:
    """The caps of the state that requests create, from `resetkit serve`'s options."""
    return StoreLimits(
        max_resets=settings.max_resets,
        max_tokens=settings.max_tokens,
        max_rate_windows=settings.max_rate_windows,
        reset_grace_seconds=settings.reset_grace_seconds,
    )
