"""Live updates: what other Winnows on the same database changed, within a second or two.

Every operation announces its change notice (:class:`~app.operations.changes.Changes`) as it
commits (:func:`publish`, called by ``app.operations.core``):

- **PostgreSQL**: ``NOTIFY winnow_changes, '<json>'`` inside the operation's transaction (the
  server delivers it at commit, never for a rollback). A :class:`PgListener` (a thread with its
  own connection doing ``LISTEN``) hands the notices of other processes to its callback. A
  notice too big for PostgreSQL's 8000-byte payload says "many": views refresh wholesale.
- **SQLite** (two windows on one file): a :class:`SqliteWatcher` polls ``PRAGMA
  data_version`` on a read connection of its own every half second; when another connection
  committed, it reads what the undo log (``operations``) did since — new operations, and
  operations undone or redone — and builds the notice from their rows and moves. What this
  process wrote itself is skipped (:func:`publish` remembers it).

Writes that are not operations (go-look's cache and the contacts' go-look columns, a
background rescore) have no entry in the undo log; once committed they announce themselves
with :func:`announce_write`: a NOTIFY on PostgreSQL, on SQLite a notice in a short ring kept
in the settings table (``live.notices``) that the watcher reads when ``data_version`` moved.

The listener is also how the window knows the server is gone: when its connection is lost it
reports offline (``on_status(False, reason)``), tries again with a growing pause, and reports
online when it is back (the window then reads everything again: notices sent meanwhile were
missed). No Qt in here: the window wires the callbacks (ui.live).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from app.offline import ServerUnreachable as ServerUnreachable
from app.offline import is_connection_error
from app.offline import offline_message as offline_message
from app.operations.changes import Changes
from db.engine import Database, sqlite_path

log = logging.getLogger(__name__)

CHANNEL = "winnow_changes"
# PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; below this a notice goes whole
PAYLOAD_LIMIT = 7900
# this process, as its notices name it (its own are not delivered back to it)
PROCESS_TOKEN = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

_FLAGS = tuple(f.name for f in fields(Changes) if f.type in ("bool", bool))
# what to refresh when nobody can say what changed (a listener that was offline missed notices)
EVERYTHING = Changes.flags(_FLAGS)


# --- the notice as a payload -----------------------------------------------------------------


def encode(changes: Changes, origin: str = PROCESS_TOKEN) -> str:
    """The notice as compact JSON below :data:`PAYLOAD_LIMIT` (too big: flags, the stages
    touched if they fit, and ``many``: every contact may have changed)."""
    body: dict[str, Any] = {"o": origin, "f": [n for n in _FLAGS if getattr(changes, n)]}
    for key, ids in (
        ("c", changes.contacts),
        ("n", changes.created),
        ("d", changes.deleted),
        ("a", changes.activities),
    ):
        if ids:
            body[key] = sorted(ids)
    if changes.stages:
        body["s"] = sorted(changes.stages)
    payload = json.dumps(body, separators=(",", ":"))
    if len(payload.encode()) < PAYLOAD_LIMIT:
        return payload
    small: dict[str, Any] = {"o": origin, "f": body["f"], "many": True}
    if "s" in body and len(json.dumps(body["s"]).encode()) < PAYLOAD_LIMIT // 2:
        small["s"] = body["s"]
    return json.dumps(small, separators=(",", ":"))


def decode(payload: str) -> tuple[str, Changes]:
    """``(origin, changes)`` of a payload :func:`encode` made."""
    body = json.loads(payload)
    flags = list(body.get("f", ()))
    if body.get("many"):
        flags.append("all_contacts")
    changes = Changes.of(
        contacts=body.get("c"),
        created=body.get("n"),
        deleted=body.get("d"),
        activities=body.get("a"),
        stages=body.get("s"),
    ) | Changes.flags(flags)
    return str(body.get("o", "")), changes


# --- publishing, from the operations ---------------------------------------------------------


def publish(s: Session, changes: Changes, operation_id: int | None, state: str | None) -> None:
    """Announce what an operation changed, inside its transaction (before it commits).

    PostgreSQL: a NOTIFY, delivered to every listener when the transaction commits. SQLite:
    remember that this process put operation ``operation_id`` into ``state`` (``done`` for a
    new or redone one, ``undone``/``dropped``), so this process's watcher skips it."""
    if not changes and not changes.undo_log:
        return
    conn = s.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {
                "channel": CHANNEL,
                "payload": encode(changes),
            },
        )
    elif conn.dialect.name == "sqlite" and operation_id is not None:
        key = _database_key(str(conn.engine.url))
        if key is not None and _LOCAL.watched(key):  # nobody to tell otherwise (the CLI)
            _LOCAL.remember(s, key, operation_id, state or "done")


def _database_key(url: str) -> str | None:
    path = sqlite_path(url)
    return os.path.realpath(path) if path is not None else None


@dataclass
class _Written:
    key: str
    operation_id: int
    state: str
    at: float
    committed: bool = False


class _LocalWrites:
    """What this process did to the undo log of each SQLite file, until its watcher saw it."""

    KEEP_S = 60.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[_Written] = []
        self._watched: dict[str, int] = {}  # files a watcher of this process looks at

    def watch(self, key: str, on: bool) -> None:
        with self._lock:
            n = self._watched.get(key, 0) + (1 if on else -1)
            if n > 0:
                self._watched[key] = n
            else:
                self._watched.pop(key, None)
                self._entries = [e for e in self._entries if e.key != key]

    def watched(self, key: str) -> bool:
        with self._lock:
            return key in self._watched

    def remember(self, s: Session, key: str, operation_id: int, state: str) -> None:
        entry = _Written(key, int(operation_id), state, time.monotonic())
        with self._lock:
            self._entries = [e for e in self._entries if entry.at - e.at < self.KEEP_S]
            self._entries.append(entry)

        def committed(_s: Session) -> None:
            entry.committed = True

        def rolled_back(_s: Session) -> None:
            if not entry.committed:
                self._drop(entry)

        # remembered before the commit, so the watcher never sees it first; forgotten if it
        # does not commit after all (the same id may then be another process's)
        event.listen(s, "after_commit", committed, once=True)
        event.listen(s, "after_rollback", rolled_back, once=True)

    def _drop(self, entry: _Written) -> None:
        with self._lock:
            if entry in self._entries:
                self._entries.remove(entry)

    def take(self, key: str, operation_id: int, state: str) -> bool:
        """Whether this process made this change of the log (each one is taken once)."""
        now = time.monotonic()
        with self._lock:
            self._entries = [e for e in self._entries if now - e.at < self.KEEP_S]
            for entry in self._entries:
                if (entry.key, entry.operation_id, entry.state) == (key, operation_id, state):
                    self._entries.remove(entry)
                    return True
        return False


_LOCAL = _LocalWrites()


# --- listening -------------------------------------------------------------------------------

ChangesCallback = Callable[[Changes], None]
StatusCallback = Callable[[bool, str], None]  # online?, why not


class Feed:
    """A background thread that reports what other processes changed (``on_changes``) and,
    for a server, whether it can be reached (``on_status``). Callbacks run on its thread."""

    name = "winnow-live"

    def __init__(self, on_changes: ChangesCallback, on_status: StatusCallback | None = None):
        self.on_changes = on_changes
        self.on_status = on_status
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Feed:
        self._thread = threading.Thread(target=self._run_safely, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self, wait: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(wait)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def check_now(self) -> None:
        """Something (an operation that could not reach the server) suggests looking now."""
        self._wake.set()

    def _sleep(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    def _run_safely(self) -> None:
        try:
            self.run()
        except Exception:  # a bug: logged, the window goes on without live updates
            log.exception("live updates stopped")

    def run(self) -> None:
        raise NotImplementedError

    def _deliver(self, changes: Changes) -> None:
        if (changes or changes.undo_log) and not self._stop.is_set():
            self.on_changes(changes)

    def _status(self, online: bool, reason: str = "") -> None:
        if self.on_status is not None and not self._stop.is_set():
            self.on_status(online, reason)


class PgListener(Feed):
    """``LISTEN winnow_changes`` on a connection of its own; reconnects with backoff."""

    name = "winnow-listen"
    RETRY_S: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0)  # pauses while the server is gone
    PING_S = 5.0  # an idle connection is checked this often (a server gone without a word)
    WAIT_S = 0.5  # how long one wait for notices lasts (how soon stop() is noticed)

    def __init__(
        self, db: Database, on_changes: ChangesCallback, on_status: StatusCallback | None = None
    ) -> None:
        super().__init__(on_changes, on_status)
        cargs, cparams = db.engine.dialect.create_connect_args(db.engine.url)
        self._cargs = list(cargs)
        self._cparams = dict(cparams)
        for key, value in (
            ("connect_timeout", 5),
            ("keepalives", 1),
            ("keepalives_idle", 10),
            ("keepalives_interval", 3),
            ("keepalives_count", 3),
        ):
            self._cparams.setdefault(key, value)
        self.online: bool | None = None  # None: not known yet

    def _connect(self) -> Any:
        import psycopg

        conn = psycopg.connect(*self._cargs, **self._cparams, autocommit=True)
        try:
            conn.execute(f"LISTEN {CHANNEL}")
        except BaseException:
            conn.close()  # the server went between connecting and listening, or stop
            raise
        return conn

    def run(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            conn = None
            try:
                conn = self._connect()
                attempt = 0
                if self.online is not True:
                    was = self.online
                    self.online = True
                    if was is False:
                        log.info("the database server is back")
                    self._status(True)
                self._listen(conn)
            except Exception as exc:
                if self._stop.is_set():
                    break
                if not is_connection_error(exc):
                    raise
                if self.online is not False:
                    log.warning("the database server cannot be reached: %s", exc)
                    self.online = False
                    self._status(False, str(exc))
                self._sleep(self.RETRY_S[min(attempt, len(self.RETRY_S) - 1)])
                attempt += 1
            finally:
                if conn is not None:
                    with contextlib.suppress(Exception):  # already broken
                        conn.close()

    def _listen(self, conn: Any) -> None:
        last_ping = time.monotonic()
        while not self._stop.is_set():
            for notice in conn.notifies(timeout=self.WAIT_S):
                self._received(notice.payload)
                if self._stop.is_set():
                    return
            woken = self._wake.is_set()
            if woken or time.monotonic() - last_ping >= self.PING_S:
                self._wake.clear()
                conn.execute("SELECT 1")  # raises when the server is gone
                last_ping = time.monotonic()
                if woken:
                    self._status(True)  # still there: whoever asked may write again

    def _received(self, payload: str) -> None:
        try:
            origin, changes = decode(payload)
        except (ValueError, TypeError, AttributeError):
            log.warning("a change notice that is not Winnow's: %.200s", payload)
            changes, origin = EVERYTHING, ""
        if origin == PROCESS_TOKEN:
            return
        self._deliver(changes | Changes(undo_log=True))


# --- writes that are not operations ----------------------------------------------------------

NOTICES_KEY = "live.notices"  # SQLite: {"seq": n, "items": [[seq, payload], …]}, newest last
NOTICES_KEPT = 32


def announce_write(db: Database, changes: Changes) -> None:
    """Tell the other Winnows on ``db`` what a write that is not an operation changed (call it
    after that write committed). A notice that cannot be sent is only logged: the write it is
    about stands."""
    if not changes:
        return
    try:
        with db.write_session() as s:
            conn = s.connection()
            payload = encode(changes)
            if conn.dialect.name == "postgresql":
                conn.execute(
                    text("SELECT pg_notify(:channel, :payload)"),
                    {"channel": CHANNEL, "payload": payload},
                )
            elif conn.dialect.name == "sqlite":
                raw = conn.execute(
                    text("SELECT value FROM settings WHERE key = :k"), {"k": NOTICES_KEY}
                ).scalar()
                ring = _ring(raw)
                seq = int(ring["seq"]) + 1
                items = [*ring["items"], [seq, payload]][-NOTICES_KEPT:]
                value = json.dumps({"seq": seq, "items": items}, separators=(",", ":"))
                conn.execute(
                    text(
                        "INSERT INTO settings (key, value) VALUES (:k, :v) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                    ),
                    {"k": NOTICES_KEY, "v": value},
                )
    except Exception as exc:
        log.warning("change notice not sent: %s", exc)


def _ring(raw: str | None) -> dict[str, Any]:
    try:
        ring = json.loads(raw) if raw else None
    except ValueError:
        ring = None
    if not isinstance(ring, dict) or not isinstance(ring.get("items"), list):
        return {"seq": 0, "items": []}
    return ring


# --- SQLite: PRAGMA data_version and the undo log ----------------------------------------------

# more contacts than this in one poll: every view refreshes wholesale
MANY = 5000
_REVERSED = ("undone", "dropped")


class SqliteWatcher(Feed):
    """Polls ``PRAGMA data_version`` on a read connection of its own; what other processes
    changed is read from the undo log (:meth:`poll`)."""

    name = "winnow-watch"
    INTERVAL_S = 0.5

    def __init__(self, db: Database, on_changes: ChangesCallback) -> None:
        super().__init__(on_changes)
        path = sqlite_path(db.url)
        if path is None:
            raise ValueError("a SQLite watcher needs a database file")
        self.path = path
        self.key = os.path.realpath(path)
        self._conn: sqlite3.Connection | None = None
        self._version: int | None = None
        self._log: dict[int, tuple[str, str | None]] = {}
        self._notice_seq = 0  # the newest notice of announce_write read so far

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self.path, timeout=5.0, check_same_thread=False)
            conn.isolation_level = None
            conn.execute("PRAGMA query_only=ON")
            self._conn = conn
            _LOCAL.watch(self.key, True)  # from now on this process says what it did
            self._version = self._data_version()
            self._log = self._read_log()
            self._notice_seq = int(_ring(self._read_notices())["seq"])
        return self._conn

    def start(self) -> Feed:
        """Start watching; where the log stands is noted now, so nothing committed after
        this returns is missed."""
        try:
            self._connection()
        except sqlite3.Error as exc:  # the thread tries again
            log.warning("live updates: %s", exc)
            self.close()
        return super().start()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
            _LOCAL.watch(self.key, False)

    def _data_version(self) -> int:
        assert self._conn is not None
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def _read_notices(self) -> str | None:
        assert self._conn is not None
        try:
            row = self._conn.execute(
                "SELECT value FROM settings WHERE key = ?", (NOTICES_KEY,)
            ).fetchone()
        except sqlite3.OperationalError:  # a database not migrated yet
            return None
        return None if row is None else str(row[0])

    def _notices(self) -> Changes:
        """What other processes' writes that are not operations changed since the last poll
        (every contact, when more came than the ring keeps)."""
        ring = _ring(self._read_notices())
        seen, self._notice_seq = self._notice_seq, int(ring["seq"])
        if self._notice_seq <= seen:
            return Changes()
        items = [(int(n), str(body)) for n, body in ring["items"] if int(n) > seen]
        out = Changes()
        if not items or items[0][0] > seen + 1:  # some were dropped from the ring meanwhile
            out = Changes(all_contacts=True)
        for _n, body in items:
            try:
                origin, changes = decode(body)
            except (ValueError, TypeError, AttributeError):
                origin, changes = "", Changes(all_contacts=True)
            if origin != PROCESS_TOKEN:
                out = out | changes
        return out

    def _read_log(self) -> dict[int, tuple[str, str | None]]:
        assert self._conn is not None
        rows = self._conn.execute("SELECT id, state, undone_at FROM operations")
        return {int(i): (str(st), None if at is None else str(at)) for i, st, at in rows}

    def poll(self) -> Changes | None:
        """What other processes changed since the last poll (None: nothing, or only what this
        process did). The first call (unless :meth:`start` made it) only takes note of where
        the log stands."""
        first = self._conn is None
        conn = self._connection()
        if first:
            return None
        version = self._data_version()
        if version == self._version:
            return None
        self._version = version
        conn.execute("BEGIN")  # one snapshot for everything read below
        try:
            before, after = self._log, self._read_log()
            self._log = after
            transitions = []
            for op_id, (state, undone_at) in sorted(after.items()):
                was = before.get(op_id)
                if was == (state, undone_at):
                    continue
                if was is not None and was[0] == "undone" and state == "dropped":
                    continue  # a later operation ended what could be redone: no data changed
                if _LOCAL.take(self.key, op_id, state):
                    continue
                transitions.append((op_id, was[0] if was else None, state))
            noticed = self._notices()
            if not transitions:
                return noticed if noticed else None
            return self._changes_of(conn, transitions) | noticed
        finally:
            conn.execute("COMMIT")

    def _changes_of(
        self, conn: sqlite3.Connection, transitions: Sequence[tuple[int, str | None, str]]
    ) -> Changes:
        ids = [t[0] for t in transitions]
        marks = ",".join("?" * len(ids))
        flags: set[str] = set()
        count = 0
        # a payload that is not JSON (another program wrote the file) would stop json_extract,
        # and the poll with it: it says as little as flags that cannot be read (every contact)
        for unreadable, payload_flags, contact_count in conn.execute(
            "SELECT payload IS NOT NULL AND NOT json_valid(payload),"
            " CASE WHEN json_valid(payload) THEN json_extract(payload, '$.flags') END,"
            f" contact_count FROM operations WHERE id IN ({marks})",
            ids,
        ):
            count += int(contact_count or 0)
            if unreadable:
                flags.add("all_contacts")
                continue
            try:
                flags.update(json.loads(payload_flags) if payload_flags else ())
            except (ValueError, TypeError):
                flags.add("all_contacts")
        flags.add("undo_log")
        if count > MANY:
            return Changes.flags(flags | {"all_contacts"}) | Changes.of(
                stages=self._stages_moved(conn, ids, marks)
            )
        reversed_now = {op for op, was, state in transitions if state in _REVERSED and was}
        contacts: set[int] = set()
        created: set[int] = set()
        deleted: set[int] = set()
        activities: set[int] = set()
        for op_id, table, contact_id, no_before, no_after in conn.execute(
            f"SELECT operation_id, table_name, contact_id, before IS NULL, after IS NULL "
            f"FROM operation_rows WHERE operation_id IN ({marks}) AND contact_id IS NOT NULL",
            ids,
        ):
            cid = int(contact_id)
            contacts.add(cid)
            if table == "activities":
                activities.add(cid)
            if table == "contacts" and (no_before or no_after):
                made = bool(no_before) != (op_id in reversed_now)  # an undo turns them round
                (created if made else deleted).add(cid)
        contacts.update(
            int(c)
            for (c,) in conn.execute(
                f"SELECT DISTINCT contact_id FROM stage_changes WHERE operation_id IN ({marks})",
                ids,
            )
        )
        if len(contacts) > MANY:
            flags.add("all_contacts")
            contacts, created, deleted, activities = set(), set(), set(), set()
        return Changes.of(
            contacts=contacts - created - deleted,
            created=created,
            deleted=deleted,
            activities=activities - deleted,
            stages=self._stages_moved(conn, ids, marks),
        ) | Changes.flags(flags)

    @staticmethod
    def _stages_moved(conn: sqlite3.Connection, ids: Iterable[int], marks: str) -> set[str]:
        rows = conn.execute(
            "SELECT DISTINCT s.key FROM stage_changes c JOIN stages s "
            "ON s.id = c.to_stage_id OR s.id = c.from_stage_id "
            f"WHERE c.operation_id IN ({marks})",
            list(ids),
        )
        return {str(k) for (k,) in rows}

    def run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    changes = self.poll()
                except sqlite3.Error as exc:  # busy, or the file went away: try again later
                    log.warning("live updates: %s", exc)
                    self.close()
                    changes = None
                if changes is not None:
                    self._deliver(changes)
                self._sleep(self.INTERVAL_S)
        finally:
            self.close()


def start_feed(
    db: Database, on_changes: ChangesCallback, on_status: StatusCallback | None = None
) -> Feed | None:
    """The feed that suits ``db`` (None: nothing else can change it, e.g. in memory)."""
    from db.plain_open import url_backend

    dialect = url_backend(db.url)  # (a database still being opened is not waited for)
    if dialect == "postgresql":
        return PgListener(db, on_changes, on_status).start()
    if dialect == "sqlite" and sqlite_path(db.url) is not None:
        return SqliteWatcher(db, on_changes).start()
    return None
