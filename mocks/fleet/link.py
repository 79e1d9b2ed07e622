"""The fleet's link to Redis: loading the mirror, following the change log, saving units of work (grouped into one
round trip when several requests wait), catching up after a conflict, and what health says when Redis is away."""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, TypeVar
from urllib.parse import urlsplit

from ..errors import StateNotSaved
from ..protocols import Customizable
from ..store.memory import StoreLimits
from .cells import CLOCK, SEEDED, Cell, Mirror, decode, encode, parse_stored, split
from .parts import FleetClock, FleetCustomizations, FleetFaults, FleetJournal, FleetOutbox, decode_entry, message_from
from .store import FleetStore
from .work import Conflict, Work, Write

try:
    import redis
    import redis.asyncio as aioredis
    from redis.exceptions import NoScriptError, RedisError
except ImportError:  # pragma: no cover - without the extra
    redis = None  # type: ignore[assignment]

log = logging.getLogger("resetkit.fleet")
T = TypeVar("T")

PREFIX = "resetkit:"
LOG_LENGTH = 100_000  # change-log entries kept; a process further behind than this loads the whole state again
CONNECT_SECONDS = 2.0
COMMAND_SECONDS = 5.0
ATTEMPTS = 50  # runs of one request whose reads keep changing under it; then 503
BACKOFF_SECONDS = (0.0005, 0.02)  # after the n-th conflict, a random pause up to min(first * 2**n, cap)
RETRY_SECONDS = 0.5  # how often a process whose Redis is away tries again
_LUA = resources.files(__package__).joinpath("commit.lua").read_text(encoding="utf-8")


def is_redis_url(state: str | None) -> bool:
    return bool(state) and urlsplit(state or "").scheme in ("redis", "rediss", "unix")


def shown_url(url: str) -> str:
    """The URL without its password, for messages and health."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return parts._replace(netloc=netloc).geturl()


def _stream_id(raw: Any) -> tuple[int, int]:
    text = raw.decode() if isinstance(raw, bytes) else str(raw)
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


@dataclass
class Health:
    reachable: bool = True
    error: str | None = None
    since: float = field(default_factory=time.time)


class Fleet:
    """One process's part of a fleet on `url`: the mirror, the unit of work of the request running now, and Redis."""

    def __init__(
        self,
        url: str,
        limits: StoreLimits,
        *,
        outbox_size: int,
        journal_size: int,
        journal_body_bytes: int,
        seed: int,
    ) -> None:
        if redis is None:
            raise OSError("--state redis://... needs the redis extra: pip install 'resetkit[redis]'")
        self.url = url
        self.origin = secrets.token_hex(6)  # this process, in the change log
        self.mirror = Mirror()
        self.limits = limits
        self.outbox_size = outbox_size
        self.journal_size = journal_size
        self._work: Work | None = None
        self.store = FleetStore(limits, self.current)
        self.outbox = FleetOutbox(outbox_size, self.current)
        self.faults = FleetFaults(seed, self.current)
        self.clock = FleetClock(self.current, self.read)
        self.journal = FleetJournal(journal_size, journal_body_bytes, self.active, self._journal_later)
        self.health = Health()
        self._log_id: tuple[int, int] = (0, 0)
        self._tombstones: dict[str, int] = {}  # cells this process deleted, until the log has passed that version
        self._sync = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_SECONDS, socket_timeout=COMMAND_SECONDS)
        self._async: Any = None
        self._feed_client: Any = None
        self._sha = ""
        self._queue: list[tuple[list[Any], asyncio.Future[Any]]] = []
        self._flushing = False
        # Cells this process's requests are saving or queued to save: the newest request's ticket and the future that
        # completes once its save is over (the mirror has it). Tickets grow, and a request waits only for older ones.
        self._saving: dict[str, tuple[int, asyncio.Future[None]]] = {}
        self._tickets = 0
        self._lock: asyncio.Lock | None = None
        self._feed: asyncio.Task[None] | None = None
        self._stopping = False

    def customizations(self, start: Mapping[str, dict[str, Customizable]]) -> FleetCustomizations:
        """The vendors' customizations, shared by the fleet; `start`: this process's `--customize` values."""
        return FleetCustomizations(start, self.current, self.read)

    # the unit of work of the request running now ------------------------------------------------------------------
    def begin(self) -> Work:
        self._work = Work(self.mirror)
        return self._work

    def end(self) -> Work:
        work = self.current()
        self._work = None
        return work

    def current(self) -> Work:
        """The running request's work; outside a request (start-up, seeding) one is made, saved by `commit_now`."""
        if self._work is None:
            self._work = Work(self.mirror)
        return self._work

    def active(self) -> Work | None:
        return self._work

    def read(self, cell_key: str) -> Any:
        """A cell's value as the running request sees it (the read recorded, so that its save checks it). Outside a
        request (a journal entry's time, say), this process's copy, not to be changed: opening a unit of work there
        would leave one open that nothing saves, and the journal entries put in it would be lost."""
        if self._work is not None:
            return self._work.get(cell_key)
        cell = self.mirror.get(cell_key)
        return cell.value if cell is not None else None

    # start-up: synchronous, before the loop serves ------------------------------------------------------------------
    def open(self) -> None:
        """Reach Redis and load the whole state; OSError naming the URL when Redis cannot be reached."""
        try:
            self._sync.ping()
            self.load()
        except RedisError as exc:
            raise OSError(f"--state {shown_url(self.url)}: cannot reach Redis: {exc}") from None

    def load(self) -> None:
        """The whole state from Redis into a new mirror (the change log's position first: what changes meanwhile is
        applied again from the log, by version)."""
        client: Any = self._sync
        newest = client.xrevrange(PREFIX + "log", count=1)
        log_id = _stream_id(newest[0][0]) if newest else (0, 0)
        mirror = Mirror()
        mirror.applied = int(client.get(PREFIX + "seq") or 0)
        batch: list[bytes] = []
        for raw_key in client.scan_iter(match=PREFIX + "c:*", count=1000):
            batch.append(raw_key)
            if len(batch) == 1000:
                self._load_cells(mirror, batch)
                batch = []
        self._load_cells(mirror, batch)
        outbox = FleetOutbox(self.outbox_size, self.current)
        read = {k.decode() for k in client.hkeys(PREFIX + "read")}
        for entry_id, fields in client.xrange(PREFIX + "outbox"):
            message_id = _stream_id(entry_id)[0]
            outbox.load(message_from(message_id, fields[b"m"], str(message_id) in read))
        outbox._last_id = max(outbox._last_id, int(client.get(PREFIX + "mid") or 0))
        self.mirror = mirror
        self.outbox._messages = outbox._messages
        self.outbox._last_id = outbox._last_id
        self._log_id = log_id
        self._tombstones.clear()

    def _load_cells(self, mirror: Mirror, raw_keys: list[bytes]) -> None:
        if not raw_keys:
            return
        values: Any = self._sync.mget(raw_keys)
        for raw_key, raw in zip(raw_keys, values, strict=True):
            if raw is None:
                continue
            version, deadline, data = parse_stored(raw.decode())
            mirror.put(raw_key.decode()[len(PREFIX) + 2 :], Cell(version, deadline, data, decode(data)))

    def seal(self) -> None:
        """The state made in this work (seeding) is the fleet's first; saved only if no other process sealed one."""
        work = self.current()
        work.get(SEEDED)
        work.set(SEEDED, True)

    def commit_now(self) -> None:
        """Save the work made outside a request (seeding at start-up), synchronously; a conflict (another process
        seeded first) loads the state again."""
        work = self.end()
        args = self._args(work)
        if args is None:
            return
        try:
            self._sync.eval(_LUA, 0, *args)
        except RedisError as exc:
            raise StateNotSaved(f"--state {shown_url(self.url)}: {exc}") from exc
        self.load()  # after a conflict too: another process seeded first, and its state is the fleet's

    # serving: on the loop --------------------------------------------------------------------------------------------
    async def start(self) -> None:
        """Connect the loop's clients and follow the change log."""
        self._async = aioredis.Redis.from_url(
            self.url, socket_connect_timeout=CONNECT_SECONDS, socket_timeout=COMMAND_SECONDS
        )
        self._feed_client = aioredis.Redis.from_url(self.url, socket_connect_timeout=CONNECT_SECONDS)
        self._sha = self._sync.script_load(_LUA)
        self._lock = asyncio.Lock()
        self._feed = asyncio.create_task(self._follow())

    async def stop(self) -> None:
        self._stopping = True  # redis-py may turn the cancellation of a blocked read into a ConnectionError
        if self._feed is not None:
            self._feed.cancel()
            await asyncio.gather(self._feed, return_exceptions=True)
        for client in (self._async, self._feed_client):
            if client is not None:
                await client.aclose()

    async def saved(self, run: Callable[[], T]) -> T:
        """`run()` in a unit of work of its own, saved; run again (after catching up) while another process changed
        what it read first. StateNotSaved when Redis cannot be reached, or the entries never settle.

        A request that read a cell this process is still saving would only conflict: it waits for that save and runs
        again instead, so that one process's concurrent requests on one entry take turns (no lost tries, no 503)."""
        self._tickets += 1
        ticket = self._tickets
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        claimed: set[str] = set()
        conflicts = 0
        try:
            while True:
                self.begin()
                try:
                    result = run()
                finally:
                    work = self.end()
                ahead = self._ahead(work.reads, ticket)
                if ahead:  # in line behind them: a later request on these cells waits for this one, not for all
                    self._claim(work.reads, ticket, done, claimed)
                    await asyncio.wait(ahead)
                    continue
                args = self._args(work)
                self._claim([write.key for write in work.saved], ticket, done, claimed)
                applied = self.mirror.applied
                try:
                    await self._send(work, args)
                except Conflict as conflict:
                    try:
                        await self.reconcile(conflict, applied)
                    except (RedisError, OSError) as exc:
                        self._unreachable(exc)
                        raise StateNotSaved(f"--state {shown_url(self.url)}: {exc}") from exc
                    conflicts += 1
                    if conflicts >= ATTEMPTS:
                        raise StateNotSaved(
                            f"--state {shown_url(self.url)}: what this request read kept changing ({ATTEMPTS} tries)"
                        ) from None
                    await asyncio.sleep(_backoff(conflicts))
                    continue
                return result
        finally:
            for key in claimed:
                if self._saving.get(key, (0, None))[1] is done:
                    del self._saving[key]
            done.set_result(None)

    def _ahead(self, keys: Iterable[str], ticket: int) -> set[asyncio.Future[None]]:
        """The saves of older requests of this process on these cells that are not over yet."""
        found = set()
        for key in keys:
            held = self._saving.get(key)
            if held is not None and held[0] < ticket and not held[1].done():
                found.add(held[1])
        return found

    def _claim(self, keys: Iterable[str], ticket: int, done: asyncio.Future[None], claimed: set[str]) -> None:
        for key in keys:
            held = self._saving.get(key)
            if held is None or held[0] < ticket:
                self._saving[key] = (ticket, done)
                claimed.add(key)

    async def commit(self, work: Work) -> None:
        """Save `work`: Conflict when what it read changed meanwhile, StateNotSaved when Redis cannot be reached."""
        await self._send(work, self._args(work))

    async def _send(self, work: Work, args: list[Any] | None) -> None:
        if args is None:
            return
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((args, future))
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().create_task(self._flush())
        answer = await future
        if answer[0] == 0:
            current = {}
            for index in range(2, len(answer), 2):
                raw = answer[index + 1]
                current[_text(answer[index])] = _text(raw) if raw else None
            raise Conflict(int(answer[1]), current)
        seq = int(answer[1])
        if seq and not work.wipe:
            self._apply_own(work, seq)
        elif work.wipe:
            try:
                await self.catch_up()
            except (RedisError, OSError):
                pass  # saved all the same; the change log brings the new state once Redis answers again

    async def _flush(self) -> None:
        """Every commit waiting goes in one pipeline (one round trip); each is still its own atomic script."""
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                try:
                    answers = await self._run_scripts([args for args, _ in batch])
                except (RedisError, OSError) as exc:
                    self._unreachable(exc)
                    failure = StateNotSaved(f"--state {shown_url(self.url)}: {exc}")
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(failure)
                    continue
                self._reachable()
                for (_, future), answer in zip(batch, answers, strict=True):
                    if future.done():
                        continue
                    if isinstance(answer, Exception):
                        future.set_exception(StateNotSaved(f"--state {shown_url(self.url)}: {answer}"))
                    else:
                        future.set_result(answer)
        finally:
            self._flushing = False

    async def _run_scripts(self, batch: list[list[Any]]) -> list[Any]:
        pipe = self._async.pipeline(transaction=False)
        for args in batch:
            pipe.evalsha(self._sha, 0, *args)
        answers: list[Any] = await pipe.execute(raise_on_error=False)
        if any(isinstance(answer, NoScriptError) for answer in answers):  # Redis restarted: its script cache is empty
            self._sha = await self._async.script_load(_LUA)
            return await self._run_scripts(batch)
        return answers

    def _journal_later(self, encoded: str) -> None:
        """An entry recorded outside a request's work (aiohttp's own 404): saved on its own, in the background."""
        work = Work(self.mirror)
        work.journal.append(encoded)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(self.commit(work))
        task.add_done_callback(lambda done: done.exception())  # a lost journal entry is no error of the request's

    async def barrier(self) -> None:
        """Everything saved before now is in this process's copy, the journal too (before an admin request)."""
        try:
            await self.catch_up()
            entries = await self._async.xrange(PREFIX + "journal")
        except (RedisError, OSError) as exc:
            self._unreachable(exc)
            raise StateNotSaved(f"--state {shown_url(self.url)}: {exc}") from exc
        self.journal.replace_all([decode_entry(fields[b"e"]) for _, fields in entries])

    async def reconcile(self, conflict: Conflict, applied: int) -> None:
        """After a conflict: the entries it named, as they were (what expired in Redis never reaches the log), straight
        into the mirror; the rest of the log comes by the follower. Not waiting for the log keeps the next try as quick
        as the winner's next one, so that processes writing one entry take turns instead of one losing every race.
        `applied`: this process's newest change when the script was sent (the log may have brought newer ones since,
        which is no sign of a lost state)."""
        if conflict.seen < applied:  # Redis went back in time: it lost the fleet's state (no persistence)
            log.warning("Redis at %s lost the fleet's state; loading what it holds", shown_url(self.url))
            await asyncio.to_thread(self.load)
            return
        for cell_key, raw in conflict.current.items():
            cell = self.mirror.get(cell_key)
            if cell is not None and cell.version > conflict.seen:
                continue
            if raw is None:  # gone at `seen`: an older write the log still brings must not bring it back
                self._tombstones[cell_key] = max(self._tombstones.get(cell_key, 0), conflict.seen)
                if cell is not None:
                    self.mirror.put(cell_key, None)
                continue
            version, deadline, data = parse_stored(raw)
            if cell is None or cell.version < version:
                self.mirror.put(cell_key, Cell(version, deadline, data, decode(data)))

    async def catch_up(self) -> None:
        assert self._lock is not None
        async with self._lock:
            start = f"({self._log_id[0]}-{self._log_id[1]}"
            while True:
                entries = await self._async.xrange(PREFIX + "log", min=start, count=1000)
                if not entries:
                    break
                await self._apply_log(entries)
                start = f"({self._log_id[0]}-{self._log_id[1]}"

    async def _follow(self) -> None:
        """Apply the change log as it grows; when Redis is away, try again every RETRY_SECONDS."""
        assert self._lock is not None
        while not self._stopping:
            try:
                start = f"{self._log_id[0]}-{self._log_id[1]}"
                found = await self._feed_client.xread({PREFIX + "log": start}, count=1000, block=1000)
                if found:
                    async with self._lock:
                        await self._apply_log(found[0][1])
                self._reachable()
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                if self._stopping:
                    return
                self._unreachable(exc)
                await asyncio.sleep(RETRY_SECONDS)
                try:
                    await self._reload_if_lost()
                except (RedisError, OSError):
                    pass

    async def _reload_if_lost(self) -> None:
        """Redis came back without the fleet's state (no persistence): load what it has (the next start seeds)."""
        seq = int(await self._async.get(PREFIX + "seq") or 0)
        if seq < self.mirror.applied:
            log.warning("Redis at %s lost the fleet's state; loading what it holds", shown_url(self.url))
            await asyncio.to_thread(self.load)

    async def _apply_log(self, entries: list[tuple[Any, dict[bytes, bytes]]]) -> None:
        mirror = self.mirror
        for entry_id, fields in entries:
            position = _stream_id(entry_id)
            if position <= self._log_id:
                continue
            items = list(fields.items())
            version = int(items[0][1])
            sent_here = items[1][1].decode() == self.origin
            if version > mirror.applied + 1 and mirror.applied:
                # entries were trimmed before this process read them: start again from the whole state
                await asyncio.to_thread(self.load)
                return
            self._log_id = position
            mirror.applied = max(mirror.applied, version)
            first_message = 0
            messages: list[bytes] = []
            for raw_name, raw_value in items[2:]:
                name = raw_name.decode()
                if not name.startswith("!") and name != "W":
                    self._apply_cell(name, raw_value.decode(), version)
                elif name == "W":
                    await asyncio.to_thread(self.load)
                    return
                elif name == "!M":
                    messages.append(raw_value)
                elif name == "!I":
                    first_message = int(raw_value)
                elif name == "!C":
                    self.outbox.apply_clear()
                elif name in ("!R", "!U"):
                    self.outbox.apply_marks(raw_value.decode().split(","), name == "!R")
                elif name == "!X":
                    self.outbox.apply_removals(raw_value.decode().split(","))
            for index, body in enumerate(messages):
                self.outbox.deliver(message_from(first_message + index, body), sent_here=sent_here)
        applied = mirror.applied
        self._tombstones = {k: v for k, v in self._tombstones.items() if v > applied}

    def _apply_cell(self, cell_key: str, suffix: str, version: int) -> None:
        cell = self.mirror.get(cell_key)
        if cell is not None and cell.version >= version:
            return
        if self._tombstones.get(cell_key, 0) >= version:
            return
        if not suffix:
            self.mirror.put(cell_key, None)
            return
        deadline, _, data = suffix.partition("|")
        self.mirror.put(cell_key, Cell(version, float(deadline) if deadline else None, data, decode(data)))

    def _apply_own(self, work: Work, seq: int) -> None:
        """What this process just saved is in its mirror at once (the log brings it again, and it is skipped)."""
        for write in work.saved:
            if write.data is None:
                self.mirror.put(write.key, None)
                self._tombstones[write.key] = seq
            else:
                self.mirror.put(write.key, Cell(seq, write.deadline, write.data, decode(write.data)))

    # the script's arguments -----------------------------------------------------------------------------------------
    def _args(self, work: Work) -> list[Any] | None:
        if not work.saves_anything:
            return None
        writes = work.writes()
        work.saved = writes
        checks = [item for pair in work.reads.items() for item in pair]
        if not writes and not checks and not work.messages and not work.journal and not _outbox_changes(work):
            if not (work.wipe or work.journal_cleared):
                return None
        offset = self._offset(work)
        args: list[Any] = [
            PREFIX,
            "1" if work.wipe else "0",
            self.origin,
            LOG_LENGTH,
            self.outbox_size,
            self.journal_size,
            len(work.reads),
            *checks,
            len(writes),
        ]
        for write in writes:
            args += _write_args(write, offset)
        args.append(len(work.messages))
        args += [encode(message) for message in work.messages]
        read_ids = [i for ids, read in work.marks if read for i in ids]
        unread_ids = [i for ids, read in work.marks if not read for i in ids]
        args += [",".join(read_ids), ",".join(unread_ids), ",".join(work.removed)]
        args += ["1" if work.outbox_cleared else "0", "1" if work.journal_cleared else "0", len(work.journal)]
        args += work.journal
        return args

    def _offset(self, work: Work) -> float:
        found = work.view.get(CLOCK) if CLOCK in work.view else None
        if found is None and CLOCK not in work.view:
            cell = self.mirror.get(CLOCK)
            found = cell.value if cell is not None else None
        return float(found) if found is not None else 0.0

    # health -------------------------------------------------------------------------------------------------------
    def _unreachable(self, exc: BaseException) -> None:
        if self.health.reachable:
            log.error(
                "Redis at %s is unreachable: %s (vendor calls answer 503 until it is back)", shown_url(self.url), exc
            )
            self.health = Health(False, str(exc) or type(exc).__name__)

    def _reachable(self) -> None:
        if not self.health.reachable:
            log.warning("Redis at %s is reachable again", shown_url(self.url))
            self.health = Health(True, None)

    def status(self) -> dict[str, Any]:
        return {
            "kind": "redis",
            "url": shown_url(self.url),
            "reachable": self.health.reachable,
            "error": self.health.error,
            "since": self.health.since,
            "applied_version": self.mirror.applied,
        }

    def seeded(self) -> bool:
        return self.mirror.get(SEEDED) is not None


def _backoff(conflicts: int) -> float:
    """A random pause before the next try: processes that keep writing one entry stop meeting in lockstep."""
    first, cap = BACKOFF_SECONDS
    return random.uniform(0, min(first * 2**conflicts, cap))  # noqa: S311 - spreading retries, not a secret


def _outbox_changes(work: Work) -> bool:
    return bool(work.marks or work.removed or work.outbox_cleared)


def _write_args(write: Write, offset: float) -> list[Any]:
    if write.data is None:
        return [write.key, 0, ""]
    pxat = int((write.deadline - offset) * 1000) if write.deadline is not None else 0
    return [
        write.key,
        max(pxat, 1) if write.deadline is not None else 0,
        f"{'' if write.deadline is None else repr(write.deadline)}|{write.data}",
    ]


def _text(raw: Any) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)


__all__ = ["Conflict", "Fleet", "is_redis_url", "shown_url", "split"]
