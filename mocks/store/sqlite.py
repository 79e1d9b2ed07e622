"""Saved state (`resetkit serve --state FILE`): the in-memory store, with each request's changes written to SQLite.

The flows change the objects the store hands out in place (`reset.used_at = now`, `account.password_hash = ...`),
so this store works as a unit of work: the maps in memory stay the truth for every read, the store remembers what
a request touched (every object it returned or was given, every entry that left it), and `commit()` writes all of
it in one transaction. The app commits at the end of each request, before the response is sent, so an answer the
client saw is on disk. WAL with `synchronous=NORMAL`: a commit survives the process being killed (SIGKILL);
only a crash of the machine itself may lose the last ones.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import sqlite3
from collections.abc import Iterator
from typing import TextIO

from ..clock import Clock
from ..errors import StateNotSaved
from ..outbox import Message, Outbox
from .memory import InMemoryStore, StoreLimits
from .models import AccessToken, Account, PendingReset

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (vendor TEXT, id TEXT, data TEXT NOT NULL, PRIMARY KEY (vendor, id));
CREATE TABLE IF NOT EXISTS resets (vendor TEXT, secret TEXT, data TEXT NOT NULL, PRIMARY KEY (vendor, secret));
CREATE TABLE IF NOT EXISTS tokens (
    vendor TEXT, value TEXT, data TEXT NOT NULL, refresh_live INTEGER NOT NULL, PRIMARY KEY (vendor, value)
);
CREATE TABLE IF NOT EXISTS rate_windows (
    vendor TEXT, key TEXT, hits TEXT NOT NULL, deadline REAL NOT NULL, PRIMARY KEY (vendor, key)
);
CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# PRAGMA user_version. Bump it when a table or a row's fields change; 0 is a file from before versions were written.
# 2: a message row has `read` (rows of format 1 load as unread). 3: a token row has `extra` (ZITADEL sessions).
STATE_FORMAT = 3
_ACCOUNT_FIELDS = Account.__slots__
_RESET_FIELDS = PendingReset.__slots__
_TOKEN_FIELDS = AccessToken.__slots__
_MESSAGE_FIELDS = Message.__slots__
TRIM_BATCH = 100  # messages between two deletions of those the outbox no longer holds
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _row(obj: object, fields: tuple[str, ...]) -> str:
    return _encode({name: getattr(obj, name) for name in fields})


class SQLiteStore(InMemoryStore):
    """Implements `mocks.protocols.Store`; `path` is created when missing and used as it is when it exists."""

    def __init__(self, path: str, limits: StoreLimits | None = None) -> None:
        super().__init__(limits)
        self.path = path
        try:
            # One connection, used from the server's loop only (a test's server runs the loop in another thread).
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            found_format = self._db.execute("PRAGMA user_version").fetchone()[0]
            if found_format <= STATE_FORMAT:  # a newer file is refused below, before anything is written to it
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.executescript(SCHEMA)
                self._db.execute(f"PRAGMA user_version = {STATE_FORMAT}")
        except sqlite3.Error as exc:  # a folder that does not exist, a file that is not SQLite
            raise OSError(f"--state {path}: {exc}") from None
        if found_format > STATE_FORMAT:
            self._db.close()
            raise OSError(
                f"--state {path}: written by a newer resetkit (state format {found_format}; this one reads "
                f"{STATE_FORMAT}); upgrade resetkit or start from a new file"
            )
        self._accounts: dict[tuple[str, str], Account] = {}
        self._account_rows: dict[tuple[str, str], str] = {}  # as last written, to skip unchanged accounts
        self._removed_accounts: set[tuple[str, str]] = set()
        self._resets: dict[tuple[str, str], PendingReset | None] = {}  # None: delete the row
        self._tokens: dict[tuple[str, str], AccessToken | None] = {}
        self._windows: set[tuple[str, str]] = set()
        self._messages: list[Message] = []  # sent or changed (read) since the last commit
        self._removed_messages: set[int] = set()
        self._messages_cleared = False
        self._rewrite = False  # the next commit replaces the whole file (after `restore`)
        self._trimmed_at = -TRIM_BATCH  # the newest message id when old messages were last deleted
        self._outbox: Outbox | None = None
        self._clock: Clock | None = None
        self._clock_offset = 0.0
        try:
            self._saved = self._load()
        except (ValueError, TypeError) as exc:  # rows this version cannot read: edited by hand, or another program's
            self._db.close()
            raise OSError(f"--state {path}: not a state file this resetkit can read ({exc})") from None

    def has_saved_state(self) -> bool:
        return self._saved

    def close(self) -> None:
        self._db.close()

    # what a request touches -----------------------------------------------------------------------------------------
    def add_account(self, account: Account) -> None:
        super().add_account(account)
        self._accounts[account.vendor, account.id] = account

    def get_account(self, vendor: str, account_id: str) -> Account | None:
        return self._touch_account(super().get_account(vendor, account_id))

    def find_account(self, vendor: str, identifier: str) -> Account | None:
        return self._touch_account(super().find_account(vendor, identifier))

    def accounts(self, vendor: str) -> Iterator[Account]:
        found = list(super().accounts(vendor))
        for account in found:
            self._accounts[account.vendor, account.id] = account
        return iter(found)

    def _account_gone(self, account: Account) -> None:
        key = (account.vendor, account.id)
        self._accounts.pop(key, None)
        self._account_rows.pop(key, None)
        self._removed_accounts.add(key)

    def _touch_account(self, account: Account | None) -> Account | None:
        if account is not None:
            self._accounts[account.vendor, account.id] = account
        return account

    def put_reset(self, reset: PendingReset, *, now: float) -> None:
        super().put_reset(reset, now=now)
        self._resets[reset.vendor, reset.secret] = reset

    def get_reset(self, vendor: str, secret: str) -> PendingReset | None:
        return self._touch_reset(super().get_reset(vendor, secret))

    def reset_for_account(self, vendor: str, account_id: str, purpose: str) -> PendingReset | None:
        return self._touch_reset(super().reset_for_account(vendor, account_id, purpose))

    def _touch_reset(self, reset: PendingReset | None) -> PendingReset | None:
        if reset is not None:
            self._resets[reset.vendor, reset.secret] = reset
        return reset

    def _reset_gone(self, reset: PendingReset) -> None:
        self._resets[reset.vendor, reset.secret] = None

    def put_token(self, token: AccessToken, *, now: float) -> None:
        super().put_token(token, now=now)
        self._tokens[token.vendor, token.value] = token

    def get_token(self, vendor: str, value: str) -> AccessToken | None:
        token = super().get_token(vendor, value)
        if token is not None:
            self._tokens[vendor, value] = token
        return token

    def tokens(self, vendor: str, kind: str) -> Iterator[AccessToken]:
        found = list(super().tokens(vendor, kind))
        for token in found:
            self._tokens[vendor, token.value] = token
        return iter(found)

    def take_refresh_token(self, vendor: str, refresh_token: str) -> AccessToken | None:
        token = super().take_refresh_token(vendor, refresh_token)
        if token is not None:
            self._tokens[vendor, token.value] = token
        return token

    def _token_gone(self, token: AccessToken) -> None:
        self._tokens[token.vendor, token.value] = None

    def hits(self, vendor: str, key: str, *, now: float, window_seconds: float) -> list[float]:
        found = super().hits(vendor, key, now=now, window_seconds=window_seconds)
        self._windows.add((vendor, key))
        return found

    def _window_gone(self, vendor: str, key: str) -> None:
        self._windows.add((vendor, key))

    # the outbox and the clock ---------------------------------------------------------------------------------------
    def keep(self, outbox: Outbox, clock: Clock) -> None:
        """Save `outbox`'s messages and the clock's offset with the rest; put back what the file holds."""
        for (data,) in self._db.execute("SELECT data FROM messages ORDER BY id"):
            outbox.load(Message(**json.loads(data)))
        self._outbox, self._clock = outbox, clock
        clock.set_offset(self._clock_offset)
        outbox.subscribe(self._messages.append)
        outbox.on_change(self._messages.append)
        outbox.on_remove(self._remove_messages)
        outbox.on_clear(self._clear_messages)

    def _remove_messages(self, message_ids: list[str]) -> None:
        self._removed_messages.update(int(message_id) for message_id in message_ids)

    def _clear_messages(self) -> None:
        self._messages.clear()
        self._removed_messages.clear()
        self._messages_cleared = True

    # the clock went back ------------------------------------------------------------------------------------------
    def _account_rewound(self, account: Account) -> None:
        self._accounts[account.vendor, account.id] = account

    def _reset_rewound(self, reset: PendingReset) -> None:
        self._resets[reset.vendor, reset.secret] = reset

    def _token_rewound(self, token: AccessToken) -> None:
        self._tokens[token.vendor, token.value] = token

    def _window_rewound(self, vendor: str, key: str) -> None:
        self._windows.add((vendor, key))

    # writing ------------------------------------------------------------------------------------------------------
    def commit(self) -> None:
        """Write everything touched since the last commit in one transaction. When that fails, memory is put back
        as the file has it for all of it (so no later commit writes any of it) and StateNotSaved names the cause."""
        offset = self._clock.offset if self._clock is not None else 0.0
        if not (
            self._accounts
            or self._removed_accounts
            or self._resets
            or self._tokens
            or self._windows
            or self._messages
            or self._removed_messages
            or self._messages_cleared
            or self._rewrite
            or offset != self._clock_offset
        ):
            return
        try:
            account_rows = self._write(offset)
        except Exception as exc:  # a full or read-only disk, an I/O error; or a row that cannot be encoded
            self._abandon()
            try:
                self._put_back()
            except sqlite3.Error as unreadable:
                raise StateNotSaved(f"--state {self.path}: {exc}; reading it back failed: {unreadable}") from exc
            raise StateNotSaved(f"--state {self.path}: {exc}") from exc
        self._account_rows.update(account_rows)
        self._clock_offset = offset
        self._forget_touched()

    def _write(self, offset: float) -> dict[tuple[str, str], str]:
        """One transaction with everything touched; the account rows it wrote (the cache is updated once it held)."""
        db = self._db
        db.execute("BEGIN")
        if self._rewrite:
            for table in ("accounts", "resets", "tokens", "rate_windows"):
                db.execute(f"DELETE FROM {table}")  # noqa: S608 (a fixed table name)
            self._account_rows.clear()
        account_rows = self._write_accounts()
        self._write_resets()
        self._write_tokens()
        self._write_windows()
        trimmed_at = self._write_messages()
        if offset != self._clock_offset:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('clock_offset', ?)", (repr(offset),))
        db.execute("COMMIT")
        self._trimmed_at = trimmed_at
        return account_rows

    def _abandon(self) -> None:
        """Roll back what the failed transaction wrote. SQLite may have rolled it back itself (a full disk does):
        then ROLLBACK has nothing to do, and its own error must not hide the first one."""
        if self._db.in_transaction:
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def _forget_touched(self) -> None:
        self._accounts.clear()
        self._removed_accounts.clear()
        self._resets.clear()
        self._tokens.clear()
        self._windows.clear()
        self._messages.clear()
        self._removed_messages.clear()
        self._messages_cleared = False
        self._rewrite = False

    def _write_accounts(self) -> dict[tuple[str, str], str]:
        """Accounts are looked up on most requests and changed on few: only those that differ are written."""
        if self._removed_accounts:
            self._db.executemany("DELETE FROM accounts WHERE vendor = ? AND id = ?", list(self._removed_accounts))
        saved, changed = self._account_rows, {}
        for key, account in self._accounts.items():
            row = _row(account, _ACCOUNT_FIELDS)
            if saved.get(key) != row:
                changed[key] = row
        if changed:
            rows = [(*key, row) for key, row in changed.items()]
            self._db.executemany("INSERT OR REPLACE INTO accounts VALUES (?, ?, ?)", rows)
        return changed

    def _write_resets(self) -> None:
        if not self._resets:
            return
        kept = [(v, s, _row(r, _RESET_FIELDS)) for (v, s), r in self._resets.items() if r is not None]
        gone = [key for key, r in self._resets.items() if r is None]
        self._db.executemany("INSERT OR REPLACE INTO resets VALUES (?, ?, ?)", kept)
        self._db.executemany("DELETE FROM resets WHERE vendor = ? AND secret = ?", gone)

    def _write_tokens(self) -> None:
        if not self._tokens:
            return
        kept = [
            (v, value, _row(t, _TOKEN_FIELDS), self._refresh_live(t))
            for (v, value), t in self._tokens.items()
            if t is not None
        ]
        gone = [key for key, t in self._tokens.items() if t is None]
        self._db.executemany("INSERT OR REPLACE INTO tokens VALUES (?, ?, ?, ?)", kept)
        self._db.executemany("DELETE FROM tokens WHERE vendor = ? AND value = ?", gone)

    def _refresh_live(self, token: AccessToken) -> bool:
        by_refresh = self._vendors[token.vendor].by_refresh
        return bool(token.refresh_token) and by_refresh.get(token.refresh_token or "") == token.value

    def _write_windows(self) -> None:
        for vendor, key in self._windows:
            windows = self._vendors[vendor].windows
            hits, deadline = windows.get(key), windows.deadline(key)
            if hits is None or deadline is None:
                self._db.execute("DELETE FROM rate_windows WHERE vendor = ? AND key = ?", (vendor, key))
            else:
                self._db.execute(
                    "INSERT OR REPLACE INTO rate_windows VALUES (?, ?, ?, ?)", (vendor, key, _encode(hits), deadline)
                )

    def _write_messages(self) -> int:
        """The newest message id when old ones were last deleted, as it is once this transaction holds."""
        if self._messages_cleared:
            self._db.execute("DELETE FROM messages")
        trimmed_at = self._trimmed_at
        if self._messages:
            rows = [(int(m.id), _row(m, _MESSAGE_FIELDS)) for m in self._messages]
            self._db.executemany("INSERT OR REPLACE INTO messages VALUES (?, ?)", rows)
            newest = max(row[0] for row in rows)
            # The outbox keeps its newest `capacity`; so does the file, give or take a batch of trimmed rows.
            if self._outbox is not None and newest - self._trimmed_at >= TRIM_BATCH:
                self._db.execute("DELETE FROM messages WHERE id <= ?", (newest - self._outbox.capacity,))
                trimmed_at = newest
        if self._removed_messages:
            self._db.executemany("DELETE FROM messages WHERE id = ?", [(i,) for i in self._removed_messages])
        return trimmed_at

    # after a failed commit: memory as the file has it -------------------------------------------------------------
    def _put_back(self) -> None:
        """Everything touched since the last commit, in memory as the file holds it; then nothing is left to write
        (the flows changed the store's objects in place, so the file is the only copy of what was committed).

        What a cap drops while entries are put back is recorded anew, for the next commit to delete."""
        accounts, removed, resets, tokens, windows = (
            self._accounts,
            self._removed_accounts,
            self._resets,
            self._tokens,
            self._windows,
        )
        messages, messages_cleared, rewrite = self._messages[:], self._messages_cleared, self._rewrite
        removed_messages = self._removed_messages
        self._accounts, self._removed_accounts, self._resets, self._tokens, self._windows = {}, set(), {}, {}, set()
        self._messages.clear()  # the outbox appends to this very list
        self._removed_messages = set()
        self._messages_cleared = self._rewrite = False
        if self._clock is not None and self._clock.offset != self._clock_offset:
            self._clock.set_offset(self._clock_offset)
        self._put_back_messages(messages, removed_messages, messages_cleared)
        if rewrite:  # a whole new state (`/__admin/reset`) was not saved: the file's, all of it
            self._vendors.clear()
            self._account_rows.clear()
            self._load()
            return
        self._put_back_accounts(accounts, removed)
        db = self._db
        for vendor, secret in resets:
            row = db.execute("SELECT data FROM resets WHERE vendor = ? AND secret = ?", (vendor, secret)).fetchone()
            self._put_reset(vendor, secret, PendingReset(**json.loads(row[0])) if row else None)
        for vendor, value in tokens:
            row = db.execute(
                "SELECT data, refresh_live FROM tokens WHERE vendor = ? AND value = ?", (vendor, value)
            ).fetchone()
            self._put_token(vendor, value, AccessToken(**json.loads(row[0])) if row else None, bool(row and row[1]))
        for vendor, key in windows:
            row = db.execute(
                "SELECT hits, deadline FROM rate_windows WHERE vendor = ? AND key = ?", (vendor, key)
            ).fetchone()
            self._put_window(vendor, key, json.loads(row[0]) if row else None, row[1] if row else 0.0)

    def _put_back_accounts(self, touched: dict[tuple[str, str], Account], removed: set[tuple[str, str]]) -> None:
        """Only accounts that differ from their saved row: a lookup touches many and changes none."""
        saved = self._account_rows
        changed = set(removed)
        changed.update(key for key, account in touched.items() if saved.get(key) != _row(account, _ACCOUNT_FIELDS))
        query = "SELECT data FROM accounts WHERE vendor = ? AND id = ?"
        for vendor, account_id in changed:
            row = self._db.execute(query, (vendor, account_id)).fetchone()
            self._put_account(vendor, account_id, Account(**json.loads(row[0])) if row else None)
            if row:
                saved[vendor, account_id] = row[0]
            else:
                saved.pop((vendor, account_id), None)
        for vendor in {vendor for vendor, _ in changed}:
            self._index_identifiers(vendor)

    def _put_back_messages(self, touched: list[Message], removed: set[int], cleared: bool) -> None:
        """Messages the unsaved requests sent are withdrawn; those they changed (read) or removed, and all of them
        after an unsaved clear, are as the file has them."""
        outbox = self._outbox
        if outbox is None:
            return
        if cleared:
            outbox.withdraw({message.id for message in touched})
            saved = self._db.execute("SELECT data FROM messages ORDER BY id").fetchall()
        else:
            ids = sorted({int(message.id) for message in touched} | removed)
            saved = [
                row
                for message_id in ids
                if (row := self._db.execute("SELECT data FROM messages WHERE id = ?", (message_id,)).fetchone())
            ]
            outbox.withdraw({str(message_id) for message_id in ids})
        outbox.put_back([Message(**json.loads(data)) for (data,) in saved])

    # the whole store ------------------------------------------------------------------------------------------------
    def restore(self, snapshot: object) -> None:
        """Back to `snapshot` in memory and in the file (the seeded state, for `/__admin/reset`)."""
        super().restore(snapshot)
        self._resets.clear()
        self._tokens.clear()
        self._windows.clear()
        for vendor, state in self._vendors.items():
            self._accounts.update(((vendor, account_id), account) for account_id, account in state.accounts.items())
            self._resets.update(((vendor, secret), reset) for secret, reset in state.resets.items())
            self._tokens.update(((vendor, value), token) for value, token in state.tokens.items())
            self._windows.update((vendor, key) for key, _ in state.windows.items())
        self._rewrite = True
        self.commit()

    def _load(self) -> bool:
        """Put the file's state into the maps (sweeping nothing: the store has no clock); whether it held accounts."""
        db, before = self._db, -math.inf
        for vendor, account_id, data in db.execute("SELECT * FROM accounts ORDER BY rowid"):
            super().add_account(Account(**json.loads(data)))
            self._account_rows[vendor, account_id] = data
        for (data,) in db.execute("SELECT data FROM resets ORDER BY rowid"):
            super().put_reset(PendingReset(**json.loads(data)), now=before)
        for data, refresh_live in db.execute("SELECT data, refresh_live FROM tokens ORDER BY rowid"):
            token = AccessToken(**json.loads(data))
            if not refresh_live:
                token.refresh_token = None  # spent: it must never work again
            super().put_token(token, now=before)
        for vendor, key, hits, deadline in db.execute("SELECT * FROM rate_windows ORDER BY rowid"):
            super().hits(vendor, key, now=before, window_seconds=math.inf).extend(json.loads(hits))
            self._vendors[vendor].windows.reschedule(key, deadline)
        for (value,) in db.execute("SELECT value FROM meta WHERE key = 'clock_offset'"):
            self._clock_offset = float(value)
        # What the caps dropped while loading is deleted by the next commit; the rest is as the file has it.
        self._resets = {key: None for key, reset in self._resets.items() if reset is None}
        self._tokens = {key: None for key, token in self._tokens.items() if token is None}
        self._windows.clear()
        return any(state.accounts for state in self._vendors.values())


def claim_state_file(path: str) -> TextIO:
    """Lock `path` for this process (a `.lock` file beside it), so that a second server refuses it; keep the result.

    Two servers on one file would each keep their own state in memory and overwrite each other's commits. The lock
    goes with the process, however it ends; the store itself does not take it, so tests may open a file twice.
    """
    try:
        lock = open(f"{path}.lock", "a+", encoding="utf-8")
    except OSError as exc:
        raise OSError(f"--state {path}: {exc.strerror or exc}") from None
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:  # held: only this means another server has the file
        lock.seek(0)
        holder = lock.read().strip() or "?"
        lock.close()
        raise OSError(f"--state {path}: in use by another resetkit serve (pid {holder})") from None
    except OSError as exc:  # a file system without locks (ENOLCK), say: not the same as "in use"
        lock.close()
        raise OSError(f"--state {path}: cannot lock {path}.lock: {exc.strerror or exc}") from None
    lock.seek(0)
    lock.truncate()
    lock.write(f"{os.getpid()}\n")
    lock.flush()
    return lock
