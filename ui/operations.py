"""The window's one writer: every operation runs on one worker thread, in order.

After Anki's ``CollectionOp`` and ``taskman``: the GUI thread never writes and never waits on
a database lock. ``OperationRunner.run(fn, …)`` queues ``fn`` (a call of an
``app.operations`` function returning an ``OpResult``); when it has committed, back on the GUI
thread, ``on_success(result)`` runs and ``operation_did_execute(changes, initiator)`` reaches
every view, which refreshes what the flags say it shows. An expected failure (bad input, a
locked or full database, an undo that would overwrite later work) goes to ``on_failure`` or is
shown in a message box; anything else is a bug and goes to the error dialog (ui.errors).
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from app.changes import Changes
from app.errors import WinnowError
from app.offline import ServerUnreachable, is_connection_error, offline_message
from app.values import UndoState
from db.errors import DatabaseError
from ui import message_box
from ui.tasks import receiver_alive, release_signals

if TYPE_CHECKING:  # the operations (SQLAlchemy) are imported by the jobs that run them
    from app.operations import OpResult

log = logging.getLogger(__name__)

T = TypeVar("T")

EXPECTED = (WinnowError, DatabaseError)
OWN_KEPT = 200  # own undo-log entries remembered (a view is read again long before)


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object, str)


class _Job(QRunnable, Generic[T]):
    def __init__(self, fn: Callable[[], OpResult[T]], committed: Callable[[int], None]) -> None:
        super().__init__()
        # left to the pool to delete once run() returns (autoDelete, Qt's default): QThreadPool.start
        # takes the runnable over from Python, and one the pool did not delete was never freed,
        # with everything it refers to. Its Python attributes stay readable after.
        self.fn = fn
        self.committed = committed
        self.signals = _Signals()

    def let_go(self) -> None:
        """Once its end is delivered, keep nothing of the work (as :meth:`ui.tasks.Task.let_go`:
        a finished runnable can stay referenced from inside the Qt binding after the pool
        deleted it, and its function holds what the operation was given — a database)."""
        self.fn = _finished
        self.committed = _no_commit
        release_signals(self.signals)

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:  # reported on the GUI thread
            self.signals.failed.emit(exc, traceback.format_exc())
        else:
            from app.operations.core import OpResult  # on the worker, not at the window's start

            if isinstance(result, OpResult) and result.operation_id is not None:
                self.committed(result.operation_id)  # before the next job starts
            self.signals.done.emit(result)


def _finished() -> Any:
    """What a finished job's function becomes (:meth:`_Job.let_go`)."""
    raise RuntimeError("this operation has already run")


def _no_commit(_operation_id: int) -> None:
    """What a finished job's commit callback becomes."""


class OperationRunner(QObject):
    """Runs operations one after another off the GUI thread and announces what changed."""

    # what changed, and who asked (a view passes itself, so it can skip its own echo)
    operation_did_execute = Signal(object, object)
    undo_state_changed = Signal(object)  # UndoState
    busy_changed = Signal(bool)
    # an operation could not reach the database server (why): the window goes read only
    connection_lost = Signal(str)
    # why nothing can be changed now (str), or None when changes work again
    read_only_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)  # one writer: operations commit in the order asked
        self._pending: list[_Job[Any]] = []
        self.parent_widget = parent
        self.undo_state = UndoState()
        # why no operation may run now, by cause ("offline": the server cannot be reached;
        # "role": the user's database role may not write)
        self._refusals: dict[str, str] = {}
        # the undo-log entries this window's operations wrote (newest last; written on the
        # worker thread as each commits, so the next job sees them)
        self._own: deque[int] = deque(maxlen=OWN_KEPT)
        self._own_lock = threading.Lock()

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def _committed(self, operation_id: int) -> None:
        with self._own_lock:
            self._own.append(int(operation_id))

    def own_operations(self) -> frozenset[int]:
        """The undo-log entries this window's latest operations wrote (any thread): a change
        made on the version a view shows may have been overtaken only by these — see
        :func:`app.versions.expected_after_own`."""
        with self._own_lock:
            return frozenset(self._own)

    @property
    def refusal(self) -> str | None:
        """Why no operation may run now (the window is read only), or None. A role that may
        not write comes first: it lasts."""
        for cause in ("role", *sorted(self._refusals)):
            if cause in self._refusals:
                return self._refusals[cause]
        return None

    def refuse_operations(self, reason: str | None, cause: str = "offline") -> None:
        """From now on (until called with None for the same ``cause``) every operation asked
        for is refused with ``reason`` instead of run: the window is read only (ui.live: the
        server is gone; ui.read_only: the role may not write). Views grey out their edits
        while :attr:`refusal` is set (``read_only_changed``)."""
        before = self.refusal
        if reason is None:
            self._refusals.pop(cause, None)
        else:
            self._refusals[cause] = reason
        if self.refusal != before:
            self.read_only_changed.emit(self.refusal)

    def run(
        self,
        fn: Callable[[], OpResult[T]],
        *,
        initiator: object = None,
        on_success: Callable[[OpResult[T]], None] | None = None,
        on_failure: Callable[[Exception], object] | None = None,
        failure_title: str = "Not saved",
    ) -> None:
        """Queue ``fn``; callbacks run on the GUI thread after it committed (or failed)."""
        job: _Job[T] = _Job(fn, self._committed)

        def done(result: OpResult[T]) -> None:
            self._forget(job)
            if not shiboken6.isValid(self):
                return
            self.undo_state = result.undo_state
            if on_success is not None and receiver_alive(on_success):
                on_success(result)
            self.announce(result.changes, initiator)
            self.undo_state_changed.emit(result.undo_state)

        def failed(exc: BaseException, tb: str) -> None:
            self._forget(job)
            if not shiboken6.isValid(self):
                log.warning("operation failed after its window closed: %s", exc)
                return
            if not isinstance(exc, ServerUnreachable) and is_connection_error(exc):
                self.connection_lost.emit(str(exc))
                exc = ServerUnreachable(offline_message())
            if isinstance(exc, EXPECTED):
                if on_failure is not None and receiver_alive(on_failure):
                    on_failure(exc)
                elif on_failure is not None:
                    log.warning("operation failed after its view closed: %s", exc)
                else:
                    message_box.warning(self.parent_widget, failure_title, str(exc))
                return
            log.error("operation failed:\n%s", tb)
            hook = sys.excepthook
            hook(type(exc), exc, exc.__traceback__)

        if self.refusal is not None:  # read only: failed as any refused operation, later
            refused = ServerUnreachable(self.refusal)
            QTimer.singleShot(0, self, lambda: failed(refused, ""))
            return
        job.signals.done.connect(done)
        job.signals.failed.connect(failed)
        self._pending.append(job)
        if len(self._pending) == 1:
            self.busy_changed.emit(True)
        self.pool.start(job)

    def announce(
        self, changes: Changes, initiator: object = None, undo_state: UndoState | None = None
    ) -> None:
        """Tell every view what changed (also for work done outside the runner, e.g. an
        import's background task; ``undo_state``: what Undo/Redo do now, when that work
        wrote an entry of the undo log)."""
        if undo_state is not None:
            self.undo_state = undo_state
        if changes or changes.undo_log:
            self.operation_did_execute.emit(changes, initiator)
        if undo_state is not None:
            self.undo_state_changed.emit(undo_state)

    def _forget(self, job: _Job[Any]) -> None:
        if job in self._pending:
            self._pending.remove(job)
        job.let_go()
        if not self._pending and shiboken6.isValid(self):
            self.busy_changed.emit(False)

    def wait(self, msecs: int = 30000) -> bool:
        """Block until every queued operation has committed (on quit and in tests)."""
        if not shiboken6.isValid(self.pool):  # its window is gone, and its threads with it
            return True
        return bool(self.pool.waitForDone(msecs))


class BusyIndicator(QLabel):
    """ "Saving…" in the status bar while operations are queued (after 300 ms, so quick ones
    don't flicker)."""

    SHOW_AFTER_MS = 300

    def __init__(self, runner: OperationRunner, parent: QWidget | None = None) -> None:
        super().__init__("Saving…", parent)
        self.setObjectName("busyIndicator")
        self.runner = runner
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._reveal)
        runner.busy_changed.connect(self._busy)
        self.hide()

    def _busy(self, busy: bool) -> None:
        if busy:
            self._timer.start(self.SHOW_AFTER_MS)
        else:
            self._timer.stop()
            self.hide()

    def _reveal(self) -> None:
        if self.runner.busy:
            self.show()
