"""Saved state (issue 9): what a committed request changed is in the SQLite file when the store opens it again."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from resetkit import cli
from resetkit.clock import SystemClock
from resetkit.env import create_env
from resetkit.errors import CodeAlreadyUsed
from resetkit.flows import reset
from resetkit.flows.passwords import verify_password
from resetkit.flows.sessions import issue_token, revoke_token
from resetkit.outbox import Outbox
from resetkit.settings import Settings
from resetkit.store.models import Account
from resetkit.store.sqlite import STATE_FORMAT, TRIM_BATCH, SQLiteStore, claim_state_file

NOW = 1_000_000.0
Opener = Callable[[], SQLiteStore]


@pytest.fixture
def open_file(tmp_path: Path) -> Iterator[Opener]:
    """Open the same state file again, as a restarted server would."""
    opened: list[SQLiteStore] = []

    def open_again() -> SQLiteStore:
        store = SQLiteStore(str(tmp_path / "state.db"))
        opened.append(store)
        return store

    yield open_again
    for store in opened:
        store.close()


@pytest.fixture
def store(open_file: Opener) -> SQLiteStore:
    store = open_file()
    store.add_account(Account(vendor="v", id="1", email="ana@example.com", password_hash="old"))
    store.commit()
    return store


def test_a_new_file_has_no_saved_state(open_file: Opener) -> None:
    assert not open_file().has_saved_state()


def test_committed_accounts_are_saved_state(store: SQLiteStore, open_file: Opener) -> None:
    again = open_file()
    assert again.has_saved_state() and again.find_account("v", "ANA@example.com") is not None


def test_an_account_changed_in_place_after_a_lookup_is_saved(store: SQLiteStore, open_file: Opener) -> None:
    found = store.find_account("v", "ana@example.com")
    assert found is not None
    found.password_hash = "new"
    found.extra["sequence"] = 2
    store.commit()
    saved = open_file().get_account("v", "1")
    assert saved is not None and (saved.password_hash, saved.extra) == ("new", {"sequence": 2})


def test_a_removed_account_and_its_codes_are_gone_after_a_restart(store: SQLiteStore, open_file: Opener) -> None:
    account = store.get_account("v", "1")
    assert account is not None
    pending = reset.request_reset(store, account, now=NOW, ttl_seconds=60, make_secret=lambda: "c0de")
    store.commit()
    assert store.remove_account("v", "1")
    store.commit()
    again = open_file()
    assert again.get_account("v", "1") is None and again.get_reset("v", pending.secret) is None


def test_what_was_not_committed_is_not_saved(store: SQLiteStore, open_file: Opener) -> None:
    found = store.get_account("v", "1")
    assert found is not None
    found.password_hash = "uncommitted"
    saved = open_file().get_account("v", "1")
    assert saved is not None and saved.password_hash == "old"


def test_a_redeemed_code_stays_used(store: SQLiteStore, open_file: Opener) -> None:
    account = store.get_account("v", "1")
    assert account is not None
    reset.request_reset(store, account, now=NOW, ttl_seconds=60, make_secret=lambda: "CODE")
    store.commit()
    reset.redeem_code(store, "v", "CODE", now=NOW + 1)
    store.commit()
    with pytest.raises(CodeAlreadyUsed):
        reset.redeem_code(open_file(), "v", "CODE", now=NOW + 2)


def test_a_replaced_code_is_deleted_from_the_file(store: SQLiteStore, open_file: Opener) -> None:
    account = store.get_account("v", "1")
    assert account is not None
    for secret in ("FIRST", "SECOND"):
        reset.request_reset(store, account, now=NOW, ttl_seconds=60, make_secret=lambda secret=secret: secret)
    store.commit()
    again = open_file()
    assert again.get_reset("v", "FIRST") is None and again.get_reset("v", "SECOND") is not None


def test_an_unspent_refresh_token_works_after_a_restart(store: SQLiteStore, open_file: Opener) -> None:
    token = issue_token(store, "v", kind="member", account_id="1", now=NOW, ttl_seconds=60, with_refresh=True)
    store.commit()
    assert token.refresh_token is not None
    again = open_file().take_refresh_token("v", token.refresh_token)
    assert again is not None and again.value == token.value


def test_a_spent_refresh_token_stays_spent_after_a_restart(store: SQLiteStore, open_file: Opener) -> None:
    token = issue_token(store, "v", kind="member", account_id="1", now=NOW, ttl_seconds=60, with_refresh=True)
    assert token.refresh_token is not None
    store.take_refresh_token("v", token.refresh_token)
    store.commit()
    again = open_file()
    assert again.take_refresh_token("v", token.refresh_token) is None and again.get_token("v", token.value)


def test_a_revoked_token_stays_revoked_after_a_restart(store: SQLiteStore, open_file: Opener) -> None:
    token = issue_token(store, "v", kind="member", account_id="1", now=NOW, ttl_seconds=60, with_refresh=True)
    store.commit()
    assert token.refresh_token is not None
    revoke_token(store, "v", token.value)
    store.commit()
    again = open_file()
    assert again.get_token("v", token.value) is None and again.take_refresh_token("v", token.refresh_token) is None


def test_rate_windows_are_saved(store: SQLiteStore, open_file: Opener) -> None:
    store.hits("v", "key:abc", now=NOW, window_seconds=5).append(NOW)
    store.commit()
    assert open_file().hits("v", "key:abc", now=NOW + 1, window_seconds=5) == [NOW]


def test_restore_rewrites_the_file(store: SQLiteStore, open_file: Opener) -> None:
    seeded = store.snapshot()
    store.add_account(Account(vendor="v", id="2", email="bo@example.com", password_hash="x"))
    issue_token(store, "v", kind="session", account_id="1", now=NOW, ttl_seconds=None)
    store.commit()
    store.restore(seeded)
    again = open_file()
    assert [a.id for a in again.accounts("v")] == ["1"] and not list(again._vendors["v"].tokens.values())


def sent(outbox: Outbox, n: int) -> None:
    outbox.send(vendor="v", channel="email", to="ana@example.com", sender="s", subject=f"#{n}", text="", now=NOW)


def test_the_outbox_is_saved_and_numbering_goes_on(store: SQLiteStore, open_file: Opener) -> None:
    outbox = Outbox()
    store.keep(outbox, SystemClock())
    sent(outbox, 1)
    store.commit()
    restarted = Outbox()
    open_file().keep(restarted, SystemClock())
    sent(restarted, 2)
    assert [(m.id, m.subject) for m in restarted.find()] == [("2", "#2"), ("1", "#1")]


def test_clearing_the_outbox_deletes_the_saved_messages(store: SQLiteStore, open_file: Opener) -> None:
    outbox = Outbox()
    store.keep(outbox, SystemClock())
    sent(outbox, 1)
    store.commit()
    outbox.clear()
    store.commit()
    restarted = Outbox()
    open_file().keep(restarted, SystemClock())
    assert len(restarted) == 0


def test_the_file_keeps_about_the_outbox_capacity(store: SQLiteStore, open_file: Opener) -> None:
    outbox = Outbox(capacity=2)
    store.keep(outbox, SystemClock())
    for n in range(5 * TRIM_BATCH):
        sent(outbox, n)
        store.commit()
    count = store._db.execute("SELECT count(*) FROM messages").fetchone()[0]
    assert count <= 2 + TRIM_BATCH


def test_a_restart_puts_back_the_newest_messages_the_outbox_holds(store: SQLiteStore, open_file: Opener) -> None:
    outbox = Outbox(capacity=2)
    store.keep(outbox, SystemClock())
    for n in range(5):
        sent(outbox, n)
        store.commit()
    restarted = Outbox(capacity=2)
    open_file().keep(restarted, SystemClock())
    assert [m.subject for m in restarted.find()] == ["#4", "#3"]


def test_a_read_flag_is_saved(store: SQLiteStore, open_file: Opener) -> None:
    outbox = Outbox()
    store.keep(outbox, SystemClock())
    sent(outbox, 1)
    store.commit()
    outbox.mark_read(["1"])
    store.commit()
    restarted = Outbox()
    open_file().keep(restarted, SystemClock())
    assert restarted.get("1") is not None and restarted.get("1").read  # type: ignore[union-attr]


def test_a_removed_message_is_deleted_from_the_file(store: SQLiteStore, open_file: Opener) -> None:
    outbox = Outbox()
    store.keep(outbox, SystemClock())
    sent(outbox, 1)
    sent(outbox, 2)
    store.commit()
    outbox.remove(["1"])
    store.commit()
    restarted = Outbox()
    open_file().keep(restarted, SystemClock())
    assert [m.subject for m in restarted.find()] == ["#2"]


def test_a_message_sent_and_removed_before_a_commit_is_not_saved(store: SQLiteStore, open_file: Opener) -> None:
    outbox = Outbox()
    store.keep(outbox, SystemClock())
    sent(outbox, 1)
    outbox.remove(["1"])
    store.commit()
    restarted = Outbox()
    open_file().keep(restarted, SystemClock())
    assert len(restarted) == 0


def test_messages_of_the_first_state_format_load_as_unread(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    first = SQLiteStore(str(path))
    first._db.execute(
        "INSERT INTO messages VALUES (1, ?)",
        (
            '{"id": "1", "vendor": "v", "channel": "email", "to": "a@b.c", "sender": "s", "subject": "#1", "text": "", '
            '"html": "", "link": null, "token": null, "created_at": 0}',
        ),
    )
    first._db.execute("PRAGMA user_version = 1")
    first.close()
    restarted = Outbox()
    SQLiteStore(str(path)).keep(restarted, SystemClock())
    assert restarted.get("1") is not None and not restarted.get("1").read  # type: ignore[union-attr]


def test_tokens_of_the_second_state_format_load_without_extra_facts(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    first = SQLiteStore(str(path))
    token = issue_token(first, "v", kind="member", account_id="1", now=NOW, ttl_seconds=60)
    first.commit()
    row = json.loads(first._db.execute("SELECT data FROM tokens").fetchone()[0])
    del row["extra"]  # as format 2 wrote it
    first._db.execute("UPDATE tokens SET data = ?", (json.dumps(row),))
    first._db.execute("PRAGMA user_version = 2")
    first.close()
    again = SQLiteStore(str(path))
    loaded = again.get_token("v", token.value)
    assert loaded is not None and loaded.account_id == "1" and loaded.extra == {}
    assert again._db.execute("PRAGMA user_version").fetchone()[0] == STATE_FORMAT


def test_the_clock_offset_is_saved(store: SQLiteStore, open_file: Opener) -> None:
    clock = SystemClock()
    store.keep(Outbox(), clock)
    clock.advance(3600)
    store.commit()
    restarted = SystemClock()
    open_file().keep(Outbox(), restarted)
    assert restarted.offset == 3600


# The env over a state file: seeded once, used as it is after a restart, reset to the seeded state -------------
def test_a_restart_does_not_seed_over_saved_accounts(tmp_path: Path) -> None:
    settings = Settings(vendors=("leadsquared",), accounts=1, state_file=str(tmp_path / "state.db"))
    first = create_env(settings)
    demo = first.store.find_account("leadsquared", "demo@leadsquared.resetkit.example")
    assert demo is not None
    demo.password_hash = "changed"
    first.store.commit()
    again = create_env(settings).store.find_account("leadsquared", "demo@leadsquared.resetkit.example")
    assert again is not None and again.password_hash == "changed"


def test_reset_after_a_restart_goes_back_to_the_seeded_accounts(tmp_path: Path) -> None:
    settings = Settings(vendors=("leadsquared",), accounts=1, state_file=str(tmp_path / "state.db"))
    first = create_env(settings)
    first.store.add_account(Account(vendor="leadsquared", id="x", email="extra@example.com", password_hash="x"))
    first.store.commit()
    restarted = create_env(settings)
    restarted.reset()
    demo = create_env(settings).store.find_account("leadsquared", "demo@leadsquared.resetkit.example")
    assert demo is not None and verify_password("Demo-Passw0rd!", demo.password_hash)
    assert create_env(settings).store.get_account("leadsquared", "x") is None


@pytest.mark.parametrize("problem", ["no such folder", "not a database"])
def test_a_state_file_that_cannot_be_used_stops_serve_with_one_line(
    problem: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "missing" / "state.db"
    if problem == "not a database":
        path = tmp_path / "notes.txt"
        path.write_text("not SQLite, but long enough to have a header " * 10)
    assert cli.main(["serve", "--state", str(path), "--vendor", "leadsquared", "--port", "0"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("resetkit: cannot start: --state") and error.count("\n") == 1


def test_a_state_file_in_use_by_another_server_stops_serve_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(tmp_path / "state.db")
    held = claim_state_file(path)
    try:
        assert cli.main(["serve", "--state", path, "--vendor", "leadsquared", "--port", "0"]) == 2
    finally:
        held.close()
    error = capsys.readouterr().err
    assert error == f"resetkit: cannot start: --state {path}: in use by another resetkit serve (pid {os.getpid()})\n"


def test_a_state_file_is_free_again_once_its_server_is_gone(tmp_path: Path) -> None:
    path = str(tmp_path / "state.db")
    claim_state_file(path).close()
    claim_state_file(path).close()


def test_a_state_file_from_a_newer_resetkit_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {STATE_FORMAT + 1}")
    with pytest.raises(OSError, match=f"newer resetkit \\(state format {STATE_FORMAT + 1}; this one reads"):
        SQLiteStore(str(path))
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
        assert db.execute("PRAGMA user_version").fetchone()[0] == STATE_FORMAT + 1


def test_a_file_from_before_state_formats_is_read_as_the_first(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    first = SQLiteStore(str(path))
    first.add_account(Account(vendor="v", id="1", email="ana@example.com", password_hash="old"))
    first.commit()
    first._db.execute("PRAGMA user_version = 0")
    first.close()
    again = SQLiteStore(str(path))
    assert again.find_account("v", "ana@example.com") is not None
    assert again._db.execute("PRAGMA user_version").fetchone()[0] == STATE_FORMAT


def test_rows_this_version_cannot_read_are_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    SQLiteStore(str(path)).close()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO accounts VALUES ('v', '1', ?)", ('{"vendor": "v", "id": "1", "colour": "red"}',))
    with pytest.raises(OSError, match="not a state file this resetkit can read"):
        SQLiteStore(str(path))


def test_a_file_system_without_locks_is_not_reported_as_in_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_locks(*_: object) -> None:
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    monkeypatch.setattr(fcntl, "flock", no_locks)
    path = str(tmp_path / "state.db")
    with pytest.raises(OSError, match=f"^--state {path}: cannot lock {path}.lock: No locks available$"):
        claim_state_file(path)
