"""Live updates in the window: what other people (other Winnows on the same database) change
reaches every view within a second or two, and a server that cannot be reached is said.

The feed of :mod:`app.live` (PostgreSQL ``LISTEN``, or SQLite's ``data_version`` poller) runs
on a thread of its own; each notice comes here by a queued signal, notices close together are
joined, and the union goes out through ``ops.announce`` with this object as the initiator — so
every view refreshes as after an operation of its own (the list and the board keep their place
and selection), and Edit ▸ Undo shows what Undo would do now.

When the server is gone (the listener lost its connection, or an operation or a read failed
for want of one — a read's error reaches the exception hook, which shows no dialog for it)
the status bar says "Server unreachable — read only, retrying…", the operation runner
refuses every change with that reason (nothing is saved anywhere else: no silent local fork;
ui.read_only greys out the edits), and what is on screen stays. The listener tries again with a growing pause; when the server is
back the window reads everything again (notices sent meanwhile were missed) and may write.

The feed needs the opened ``Database``: :func:`install` starts it at once when the window has
one (``start=False``: the window reads its first screen before the database is open, and
calls :meth:`LiveUpdates.start` once it is). SQLAlchemy and the operations are imported then.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLabel

from app.changes import Changes
from app.offline import ServerUnreachable, is_connection_error, offline_message
from app.values import UndoState
from db.plain_open import url_backend
from ui.api import WindowApi
from ui.errors import ErrorReporter

if TYPE_CHECKING:
    from collections.abc import Callable

    from app.live import Feed
    from db.engine import Database

log = logging.getLogger(__name__)

OFFLINE_TEXT = "Server unreachable — read only, retrying…"


class LiveUpdates(QObject):
    """Other people's changes into the window, and the window read only while offline."""

    # from the feed's thread (queued): what changed, what Undo/Redo do now (None: unknown)
    _heard = Signal(object, object, int)
    _reachable = Signal(bool, str)
    # for the window and tests: the server became reachable (True) or not (False)
    online_changed = Signal(bool)

    JOIN_MS = 100  # notices this close together go out as one

    def __init__(self, api: WindowApi, start: bool = True) -> None:
        """``start``: the feed started at once on ``api.db`` (else by :meth:`start`)."""
        super().__init__(api.dialog_parent())
        self.api = api
        self.db: Database | None = None  # the feed's database, once started
        self.feed: Feed | None = None
        self._guarded = False  # a server's connections refused while it is gone
        self.online = True
        self._pending = Changes()
        self._pending_state: UndoState | None = None
        # how many undo states the window has shown: a state this feed read before the
        # window showed a newer one (its own operation committing meanwhile) is stale
        self._states_seen = 0
        self._pending_seen = 0
        api.ops.undo_state_changed.connect(self._state_shown)
        self._stopped = False
        self.indicator = QLabel(OFFLINE_TEXT)
        self.indicator.setObjectName("offlineIndicator")
        self.indicator.setToolTip(
            "The database server cannot be reached. What is on screen stays as it was; "
            "nothing can be changed until the server is back."
        )
        self.indicator.hide()
        api.add_status_widget(self.indicator)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.JOIN_MS)
        self._timer.timeout.connect(self._deliver)
        self._heard.connect(self._queue)
        self._reachable.connect(self.set_online)
        api.ops.connection_lost.connect(self._connection_lost)
        # a read that failed for want of the server (scrolling, a panel, a background read)
        # reaches the exception hook: no error dialog, the window goes offline instead
        app = QApplication.instance()
        reporter = app.findChild(ErrorReporter) if app is not None else None
        if reporter is not None:
            reporter.connection_failed.connect(self._connection_lost)
        if start:
            self.start(api.db)

    def start(self, database: Database, missed: Callable[[], bool] | None = None) -> None:
        """Start the feed on the opened database (PostgreSQL's listener, SQLite's poller) and,
        on a server, refuse connection attempts while it is gone. Once: a second call, or one
        after :meth:`stop`, does nothing. ``missed`` (asked once the feed has noted where the
        file stands): whether something was committed between what the window shows and
        that; if so every view reads again in place, as after another process's import."""
        if self.db is not None or self._stopped:
            return
        from sqlalchemy import event

        from app.live import start_feed

        self.db = database
        self.feed = start_feed(database, self._on_feed_changes, self._on_feed_status)
        feed = self.feed
        if feed is not None:  # a window deleted without being closed stops it too
            self.api.dialog_parent().destroyed.connect(lambda *_a: feed.stop(wait=0))
        self._guarded = url_backend(database.url) == "postgresql"
        if self._guarded:
            event.listen(database.engine, "do_connect", self._refuse_while_offline)
        if missed is not None and missed():
            from app import operations
            from app.live import EVERYTHING

            self._queue(EVERYTHING, operations.undo_state(database), self._states_seen)

    def _refuse_while_offline(self, *_args: object) -> None:
        """No connection attempt while the server is known to be gone: a read the user asks
        for (scrolling into rows not loaded yet) fails at once instead of waiting for the
        network's timeout on the GUI thread. The listener keeps trying on its own."""
        if not self.online:
            raise ServerUnreachable(offline_message())

    # --- on the feed's thread --------------------------------------------------------------
    def _on_feed_changes(self, changes: Changes) -> None:
        from app import operations

        seen = self._states_seen  # before the read: a state shown after it is newer
        assert self.db is not None  # the feed runs once started
        try:
            state: UndoState | None = operations.undo_state(self.db)
        except Exception as exc:  # the server went meanwhile: the listener will say so
            log.info("undo state not read: %s", exc)
            state = None
        if not self._stopped:
            self._heard.emit(changes, state, seen)

    def _on_feed_status(self, online: bool, why: str) -> None:
        if not self._stopped:
            self._reachable.emit(online, why)

    # --- on the GUI thread -----------------------------------------------------------------
    def _state_shown(self, _state: object) -> None:
        self._states_seen += 1

    def _queue(self, changes: Changes, state: UndoState | None, seen: int) -> None:
        self._pending = self._pending | changes
        if state is not None:
            self._pending_state, self._pending_seen = state, seen
        if not self._timer.isActive():
            self._timer.start()

    def _deliver(self) -> None:
        if not self.online or not shiboken6.isValid(self.api.ops):
            return  # coming back reads everything anyway
        changes, self._pending = self._pending, Changes()
        state, self._pending_state = self._pending_state, None
        if self._pending_seen != self._states_seen:
            state = None  # the window showed a newer state since it was read
        self.api.ops.announce(changes, self, state)

    def _connection_lost(self, why: str) -> None:
        if not self._guarded:
            return  # a file has no server to lose (and no listener to say it is back)
        self.set_online(False, why)
        if self.feed is not None:
            self.feed.check_now()  # the listener finds out whether it is gone, or says back

    def set_online(self, online: bool, why: str = "") -> None:
        """Read only while the server cannot be reached; everything read again when back."""
        if online == self.online or self._stopped:
            return
        self.online = online
        ops = self.api.ops
        db = self.db
        if not online:
            ops.refuse_operations(offline_message(why))
            if db is not None:
                db.engine.dispose()  # no dead connection is handed out again
            self.indicator.show()  # says it for as long as it lasts
            self.online_changed.emit(False)
            return
        # the pooled connections died with the server: new ones for everything that reads
        if db is None:
            db = self.api.db
        db.engine.dispose()
        ops.refuse_operations(None)
        self.indicator.hide()
        self.api.show_status("Server reachable again", 4000)
        self._pending, self._pending_state = Changes(), None
        from app import operations
        from app.live import EVERYTHING

        # gone again before the read came back: every view reading now would fail; the next
        # time it is back announces everything again
        def refreshed(state: UndoState) -> None:
            if shiboken6.isValid(ops) and self.online and not self._stopped:
                ops.announce(EVERYTHING, self, state)

        def not_read(exc: BaseException) -> None:
            log.warning("after reconnecting: %s", exc)
            if is_connection_error(exc):
                self._connection_lost(str(exc))
                return
            if shiboken6.isValid(ops) and self.online and not self._stopped:
                ops.announce(EVERYTHING, self)

        self.api.tasks.run(operations.undo_state, db, on_done=refreshed, on_error=not_read)
        self.online_changed.emit(True)

    def stop(self) -> None:
        """The window closes: no more notices."""
        self._stopped = True
        self._timer.stop()
        if self._guarded and self.db is not None:
            from sqlalchemy import event

            if event.contains(self.db.engine, "do_connect", self._refuse_while_offline):
                event.remove(self.db.engine, "do_connect", self._refuse_while_offline)
        if self.feed is not None:
            self.feed.stop()


def install(api: WindowApi, *, start: bool = True) -> LiveUpdates:
    """Live updates in the window. ``start=False``: the window has no ``Database`` yet (its
    first screen read before the database opened): it calls ``.start(database)`` once it has
    one; until then there is no feed, nothing is refused, and the indicator is hidden."""
    return LiveUpdates(api, start=start)
