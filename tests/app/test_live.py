"""Live updates without Qt: the change notice as a payload, the SQLite watcher (``PRAGMA
data_version`` and the undo log) and the PostgreSQL listener (``LISTEN/NOTIFY``), each fed by
a real second process (the ``winnow`` command line) on a real database."""

from __future__ import annotations

import json
import queue
import time
from typing import Any

import pytest

from app import live, operations
from app.contacts import ContactQuery, query_ids
from app.errors import WinnowError
from app.live import PgListener, SqliteWatcher
from app.operations import Changes
from db.engine import Database, open_database, sqlite_path
from tests.cli_process import python_elsewhere, winnow_elsewhere
from tests.postgres_cluster import Cluster
from tests.relay import Relay

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


def first_in(changes: queue.Queue[Changes], timeout: float) -> Changes:
    return changes.get(timeout=timeout)


def suspects(db: Database, n: int) -> list[int]:
    return query_ids(db, ContactQuery(stage_keys=("suspect",)))[:n]


# --- the payload -------------------------------------------------------------------------------


def test_a_notice_travels_whole_and_a_big_one_says_many() -> None:
    changes = Changes.of(
        contacts=[3, 1], created=[7], deleted=[9], activities=[3], stages=["mql", "suspect"]
    ) | Changes(undo_log=True, sources=True)
    origin, back = live.decode(live.encode(changes, origin="me"))
    assert origin == "me"
    assert back == changes

    big = Changes.of(contacts=range(100_000, 103_000), stages=["sql"]) | Changes(undo_log=True)
    payload = live.encode(big)
    assert len(payload.encode()) < 8000  # PostgreSQL refuses 8000 bytes or more
    assert json.loads(payload)["many"] is True
    _origin, back = live.decode(payload)
    assert back.all_contacts and back.undo_log and back.stages == {"sql"}
    assert not back.contacts  # "many": every view refreshes wholesale


# --- SQLite: two processes on one file ---------------------------------------------------------


@pytest.mark.sqlite_only
def test_the_watcher_reports_another_process_s_move_undo_and_redo(demo_db: Database) -> None:
    got: queue.Queue[Changes] = queue.Queue()
    watcher = SqliteWatcher(demo_db, got.put)
    watcher.INTERVAL_S = 0.1
    watcher.start()
    try:
        ids = suspects(demo_db, 2)
        winnow_elsewhere(
            demo_db.url, "move", str(ids[0]), str(ids[1]), "mql", "--override", "live test"
        )
        moved = first_in(got, 2.0)  # within 2 s of the command's commit (it has exited)
        assert set(ids) <= moved.contacts
        assert moved.stages == {"suspect", "mql"}
        assert moved.undo_log

        winnow_elsewhere(demo_db.url, "undo")
        undone = first_in(got, 2.0)
        assert set(ids) <= undone.contacts and undone.stages == {"suspect", "mql"}

        winnow_elsewhere(demo_db.url, "redo")
        assert set(ids) <= first_in(got, 2.0).contacts
        assert got.empty()
    finally:
        watcher.stop()
    assert not watcher.running


@pytest.mark.sqlite_only
def test_the_watcher_names_flags_created_and_deleted_contacts(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    watcher = SqliteWatcher(demo_db, lambda _c: None)
    assert watcher.poll() is None  # the first look only notes where the log stands
    winnow_elsewhere(demo_db.url, "stages", "rename", "nurture", "Later")
    renamed = watcher.poll()
    assert renamed is not None and renamed.stage_list and renamed.undo_log
    assert not renamed.contacts
    (victim,) = suspects(demo_db, 1)
    winnow_elsewhere(demo_db.url, "edit", str(victim), "city=Bremen")
    edited = watcher.poll()
    assert edited is not None and edited.contacts == {victim} and not edited.created

    # as if another process did them (this process's own writes are skipped)
    monkeypatch.setattr(live._LOCAL, "take", lambda *_a: False)
    operations.delete_contacts(demo_db, [victim])
    assert (watcher.poll() or Changes()).deleted == {victim}
    operations.undo_operation(demo_db)  # the deleted contact comes back
    back = watcher.poll()
    assert back is not None and back.created == {victim} and not back.deleted
    new = operations.create_contact(demo_db, first_name="Grace", last_name="Hopper").value
    assert (watcher.poll() or Changes()).created == {new}
    watcher.close()


@pytest.mark.sqlite_only
def test_the_watcher_skips_what_this_process_did(demo_db: Database) -> None:
    watcher = SqliteWatcher(demo_db, lambda _c: None)
    assert watcher.poll() is None
    ids = suspects(demo_db, 3)
    operations.move_contacts(demo_db, ids, "nurture")
    operations.undo_operation(demo_db)
    operations.redo_operation(demo_db)
    assert watcher.poll() is None  # the window heard of these from its own runner
    # ...while another process's work in the same interval is reported
    operations.move_contacts(demo_db, ids[:1], "disqualified")
    winnow_elsewhere(demo_db.url, "edit", str(ids[2]), "city=Kiel")
    changes = watcher.poll()
    assert changes is not None and changes.contacts == {ids[2]}
    watcher.close()


@pytest.mark.sqlite_only
def test_a_bulk_change_from_elsewhere_asks_for_a_wholesale_refresh(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live, "MANY", 5)
    watcher = SqliteWatcher(demo_db, lambda _c: None)
    assert watcher.poll() is None
    ids = suspects(demo_db, 8)
    winnow_elsewhere(demo_db.url, "move", *map(str, ids), "nurture")
    changes = watcher.poll()
    assert changes is not None and changes.all_contacts and changes.stages >= {"nurture"}
    watcher.close()


# --- PostgreSQL: LISTEN/NOTIFY -----------------------------------------------------------------


@BOTH
def test_an_operation_notifies_only_on_postgresql_and_only_when_it_commits(
    db: Database, backend: str
) -> None:
    """The notice is sent inside the operation's transaction: a refused operation sends
    nothing (on SQLite nothing is sent at all; the watcher reads the undo log)."""
    if backend != "postgresql":
        got: list[Changes] = []
        watcher = SqliteWatcher(db, got.append)
        assert watcher.poll() is None
        created = operations.create_contact(db, first_name="Ada", last_name="Lovelace")
        assert created.value and watcher.poll() is None
        watcher.close()
        return
    import psycopg

    cargs, cparams = db.engine.dialect.create_connect_args(db.engine.url)
    with psycopg.connect(*cargs, **cparams, autocommit=True) as conn:
        conn.execute(f"LISTEN {live.CHANNEL}")
        created = operations.create_contact(db, first_name="Ada", last_name="Lovelace")
        with pytest.raises(WinnowError):
            operations.move_contacts(db, [created.value], "no-such-stage")
        payloads = [n.payload for n in conn.notifies(timeout=1.0)]
    assert len(payloads) == 1
    origin, changes = live.decode(payloads[0])
    assert origin == live.PROCESS_TOKEN
    assert changes.created == {created.value} and changes.undo_log


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_the_listener_reports_another_process_s_move_within_two_seconds(
    demo_db: Database,
) -> None:
    got: queue.Queue[Changes] = queue.Queue()
    status: queue.Queue[tuple[bool, str]] = queue.Queue()
    listener = PgListener(demo_db, got.put, lambda online, why: status.put((online, why)))
    listener.start()
    try:
        assert status.get(timeout=10) == (True, "")
        ids = suspects(demo_db, 2)
        operations.move_contacts(demo_db, ids[1:], "nurture")  # this process's: not reported
        winnow_elsewhere(demo_db.url, "move", str(ids[0]), "mql", "--override", "live test")
        moved = first_in(got, 2.0)
        assert moved.contacts == {ids[0]} and moved.stages == {"suspect", "mql"}
        winnow_elsewhere(demo_db.url, "undo")
        assert first_in(got, 2.0).contacts == {ids[0]}
        assert got.empty()
    finally:
        listener.stop()
    assert not listener.running


def test_connection_errors_are_told_from_refused_statements() -> None:
    import psycopg
    from sqlalchemy.exc import OperationalError

    refused = psycopg.OperationalError("connection failed: Connection refused")
    assert live.is_connection_error(refused)
    wrapped = OperationalError("SELECT 1", None, refused)
    try:
        raise live.ServerUnreachable("gone") from wrapped
    except live.ServerUnreachable as exc:
        assert live.is_connection_error(exc)
    assert live.is_connection_error(OperationalError("COMMIT", None, refused))
    locked = psycopg.errors.LockNotAvailable("lock timeout")
    assert not live.is_connection_error(locked)
    assert not live.is_connection_error(ValueError("bad input"))


def test_the_listener_says_when_the_server_is_gone_and_when_it_is_back(
    postgresql_cluster: Cluster,
) -> None:
    """Through a relay that is cut: offline at once, retried with backoff, online again (and
    what is sent after that is heard again)."""
    url = postgresql_cluster.new_database()
    relay = Relay(postgresql_cluster.port)
    relay.start()
    db = open_database(url.replace(f":{postgresql_cluster.port}/", f":{relay.port}/"))
    got: queue.Queue[Changes] = queue.Queue()
    status: queue.Queue[tuple[bool, str]] = queue.Queue()
    listener = PgListener(db, got.put, lambda online, why: status.put((online, why)))
    listener.RETRY_S = (0.2, 0.4)
    listener.start()
    try:
        assert status.get(timeout=10) == (True, "")
        made = operations.create_contact(db, first_name="Ada", last_name="Lovelace").value
        relay.cut()
        online, why = status.get(timeout=5)
        assert not online and why
        assert status.empty()  # said once, however many attempts fail meanwhile
        relay.start()
        assert status.get(timeout=5) == (True, "")
        winnow_elsewhere(
            url, "edit", str(made), "city=Bremen"
        )  # another process, straight to the server
        assert first_in(got, 2.0).contacts == {made}
    finally:
        listener.stop()
        relay.cut()
        db.close()
        postgresql_cluster.drop_database(url)


@BOTH
def test_writes_that_are_not_operations_reach_other_processes(demo_db: Database) -> None:
    """Go-look's check (its cache and the contacts' columns) and a rescore are not operations:
    they send a change notice of their own, which the other process's feed hears."""
    got: queue.Queue[Changes] = queue.Queue()
    status: queue.Queue[tuple[bool, str]] = queue.Queue()
    if demo_db.is_sqlite:
        feed: Any = SqliteWatcher(demo_db, got.put)
        feed.INTERVAL_S = 0.1
    else:
        feed = PgListener(demo_db, got.put, lambda online, why: status.put((online, why)))
    feed.start()
    try:
        if not demo_db.is_sqlite:
            assert status.get(timeout=10) == (True, "")
        ids = suspects(demo_db, 2)
        winnow_elsewhere(demo_db.url, "check", str(ids[0]), str(ids[1]), "--offline")
        checked = first_in(got, 2.0)
        assert set(ids) <= checked.contacts or checked.all_contacts
        winnow_elsewhere(demo_db.url, "rescore")
        assert first_in(got, 2.0).all_contacts
        live.announce_write(demo_db, Changes.of(contacts=ids))  # this process's: not heard
        time.sleep(0.5)
        assert got.empty()
    finally:
        feed.stop()


@pytest.mark.sqlite_only
def test_the_watcher_reads_every_contact_again_when_notices_were_dropped(
    demo_db: Database,
) -> None:
    watcher = SqliteWatcher(demo_db, lambda _c: None)
    assert watcher.poll() is None
    ids = suspects(demo_db, 1)
    code = (
        "import sys\n"
        "from app import live\n"
        "from app.operations import Changes\n"
        "from db.engine import open_database\n"
        "db = open_database(sys.argv[1])\n"
        f"for _ in range({live.NOTICES_KEPT + 3}):\n"
        f"    live.announce_write(db, Changes.of(contacts=[{ids[0]}]))\n"
    )
    python_elsewhere("-c", code, demo_db.url)
    changes = watcher.poll()
    assert changes is not None and changes.all_contacts  # more than the ring keeps
    assert watcher.poll() is None
    watcher.close()


@pytest.mark.sqlite_only
@pytest.mark.parametrize("payload", ["not json", "[1,", "", '{"flags": 5}'])
def test_an_operation_whose_payload_is_not_json_reads_every_contact_again(
    db: Database, monkeypatch: pytest.MonkeyPatch, payload: str
) -> None:
    """Another program wrote the undo log's payload: the watcher cannot tell what changed,
    so it says every contact did, rather than stop (SQLite's JSON functions refuse it)."""
    import sqlite3

    watcher = SqliteWatcher(db, lambda _c: None)
    assert watcher.poll() is None
    monkeypatch.setattr(live._LOCAL, "take", lambda *_a: False)  # as if done elsewhere
    new = operations.create_contact(db, first_name="Grace", last_name="Hopper").value
    con = sqlite3.connect(str(sqlite_path(db.url)))
    with con:
        con.execute("UPDATE operations SET payload = ?", (payload,))
    con.close()
    changes = watcher.poll()
    assert changes is not None and changes.all_contacts and changes.undo_log
    assert changes.created == {new}
    watcher.close()
