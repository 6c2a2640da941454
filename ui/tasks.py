"""Running work off the GUI thread (after Anki's QueryOp/CollectionOp and taskman).

``TaskRunner.run(fn, ...)`` runs ``fn`` on a worker thread and calls ``on_done(result)`` or
``on_error(exc)`` back on the GUI thread. A task that takes a ``progress`` keyword gets a callable
``progress(done, total, text="")``; one that takes ``cancel`` gets a ``CancelFlag``. Workers never
touch widgets: results and progress come back by queued signals.
"""

from __future__ import annotations

import inspect
import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from db.handle import DatabaseLater

log = logging.getLogger(__name__)


class CancelFlag:
    """Set from the GUI thread, read by the worker (``if cancel: stop``)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def __bool__(self) -> bool:
        return self._event.is_set()

    @property
    def is_set(self) -> bool:
        return self._event.is_set()


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object, str)
    progress = Signal(int, int, str)


class Task(QRunnable):
    """One unit of background work; keep a reference via TaskRunner.active."""

    def __init__(
        self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], label: str
    ) -> None:
        super().__init__()
        # left to the pool to delete once run() returns (autoDelete, Qt's default): QThreadPool.start
        # takes the runnable over from Python, and one the pool did not delete was never freed,
        # with everything it refers to. Its Python attributes stay readable after.
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.label = label
        self.background = False  # see TaskRunner.run
        self.cancel = CancelFlag()
        self.signals = _Signals()
        params = inspect.signature(fn).parameters
        if "progress" in params:
            self.kwargs["progress"] = self._progress
        if "cancel" in params:
            self.kwargs["cancel"] = self.cancel

    def let_go(self) -> None:
        """Once its end is delivered, keep nothing of the work: the function, its arguments
        (a window's database) and the signal carrier (see :func:`release_signals`). A few
        finished tasks stay referenced from inside the Qt binding after their runnable is
        deleted (seen in the UI tests: one in two or three windows, with no Python referrer);
        holding their work they kept a whole database each."""
        self.fn, self.args, self.kwargs = _nothing, (), {}
        release_signals(self.signals)

    def _progress(self, done: int, total: int, text: str = "") -> None:
        self.signals.progress.emit(int(done), int(total), text)

    def run(self) -> None:
        try:
            _wait_for_openings(self.args, self.kwargs)
            result = self.fn(*self.args, **self.kwargs)
        except BaseException as exc:  # reported on the GUI thread
            self.signals.failed.emit(exc, traceback.format_exc())
        else:
            self.signals.done.emit(result)


def _wait_for_openings(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """A task given a database that is still being opened (``db.handle.DatabaseLater``: the
    window's after usable) begins once it is open; an opening that failed fails the task.

    Such a task imports SQLAlchemy's side (``app.paging``, ``app.scoring``) as it begins, and the
    opening imports SQLAlchemy on its own thread: two threads importing one package with circular
    imports at once can each be handed the other's half-made modules (Python breaks the deadlock
    that way). The search's preparation and the day's score check did so beside the opening and
    one of the three failed ("module 'sqlalchemy.util' has no attribute …"), leaving SQLAlchemy
    half imported for the rest of the process. Begun after the opening, they find it imported."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, DatabaseLater):
            value.opening.database()  # waits if need be; raises what the opening raised


def _nothing(*_args: Any, **_kwargs: Any) -> None:
    """What a finished task's function becomes (:meth:`Task.let_go`)."""


def release_signals(signals: QObject) -> None:
    """Let a finished runnable's signal carrier go (deleted once the events already queued
    for it are delivered). Its connections hold the callbacks strongly from the C++ side,
    where Python's garbage collector cannot see them; a callback that holds the runnable
    (``TaskRunner.run``'s ``finished``, ``OperationRunner.run``'s ``done``) closes a cycle
    through them that is never collected: every task and operation run kept its function,
    arguments (the database), callbacks and result alive for the rest of the process."""
    if shiboken6.isValid(signals):
        signals.deleteLater()


def receiver_alive(callback: Callable[..., Any]) -> bool:
    """False when ``callback`` is a method of a Qt object that is gone (a dialog closed while
    its task ran: its model or widgets would raise "already deleted")."""
    owner = getattr(callback, "__self__", None)
    return not isinstance(owner, QObject) or shiboken6.isValid(owner)


class TaskRunner(QObject):
    """Runs tasks on a thread pool and reports on the GUI thread.

    ``busy_changed(active_count)`` lets the window show a progress line.
    """

    busy_changed = Signal(int)
    task_progress = Signal(object, int, int, str)  # task, done, total, text
    task_started = Signal(object)
    task_finished = Signal(object)
    # task, result: every finished task's result, before the task leaves ``active`` (so a
    # watcher has seen it by the time the runner is idle) and before its ``on_done``
    task_result = Signal(object, object)

    def __init__(self, parent: QObject | None = None, max_threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self.active: list[Task] = []
        # single-shot timers whose timeout starts a task (``defer``)
        self._deferred: list[QTimer] = []

    def defer(self, timer: QTimer) -> QTimer:
        """Count ``timer`` as work about to start: a single-shot timer whose timeout starts
        a task (a read held back until a burst of notices is over, as the board's deal sums
        250 ms after its cards). While it is active the runner is not :attr:`idle`."""
        self._deferred.append(timer)
        return timer

    @property
    def idle(self) -> bool:
        """Nothing pending: no task running or still to deliver its result (a task leaves
        ``active`` as its ``on_done`` runs, so work that starts counts at once), and no
        deferred start waiting on its timer (a timer gone with its view is dropped). What
        ``winnow screenshot`` waits for before each picture."""
        self._deferred = [t for t in self._deferred if shiboken6.isValid(t)]
        return not self.active and not any(t.isActive() for t in self._deferred)

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
        label: str = "",
        background: bool = False,
        **kwargs: Any,
    ) -> Task:
        """``background``: housekeeping nobody asked for just now (the file's check, the day's
        backup): its progress shows only while no task the user started runs."""
        task = Task(fn, args, kwargs, label)
        task.background = background
        if not shiboken6.isValid(self):
            # asked by a signal of a view that outlived its window (a line edit's
            # editingFinished as a closed wizard lost the focus): nothing to run it on
            log.info("task %r not started: its window is gone", label or fn)
            return task

        def finished(result: Any) -> None:
            if shiboken6.isValid(self):
                self.task_result.emit(task, result)
            self._forget(task)
            if not shiboken6.isValid(self):
                return
            if on_done is not None and receiver_alive(on_done):
                on_done(result)

        def failed(exc: BaseException, tb: str) -> None:
            self._forget(task)
            if not shiboken6.isValid(self):
                log.warning("background task %s failed after its window closed: %s", label, exc)
                return
            if on_error is not None:
                if receiver_alive(on_error):
                    on_error(exc)
                else:
                    log.warning("background task %s failed after its view closed: %s", label, exc)
            else:  # nobody handles it: the exception hook logs it and tells the user
                raise exc

        task.signals.done.connect(finished)
        task.signals.failed.connect(failed)
        task.signals.progress.connect(lambda d, t, txt: self.task_progress.emit(task, d, t, txt))
        if on_progress is not None:
            task.signals.progress.connect(on_progress)
        self.active.append(task)
        self.task_started.emit(task)
        self.busy_changed.emit(len(self.active))
        self.pool.start(task)
        return task

    def _forget(self, task: Task) -> None:
        if task in self.active:
            self.active.remove(task)
        task.let_go()
        if not shiboken6.isValid(self):  # the window closed while the task ran
            return
        self.task_finished.emit(task)
        self.busy_changed.emit(len(self.active))

    def cancel_all(self) -> None:
        for task in list(self.active):
            task.cancel.set()

    def wait(self, msecs: int = 30000) -> bool:
        """Block until every task has finished (used on quit and in tests)."""
        if not shiboken6.isValid(self.pool):  # its window is gone, and its threads with it
            return True
        return bool(self.pool.waitForDone(msecs))


class TaskProgressWidget(QWidget):
    """Status-bar progress for labelled tasks: shown after 600 ms, with Cancel."""

    SHOW_AFTER_MS = 600

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setFixedWidth(180)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("statusCancel")
        self.cancel_button.clicked.connect(self._cancel)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        lay.addWidget(self.cancel_button)
        self._task: Task | None = None  # the one shown (_show_task)
        self._running: list[Task] = []  # every labelled task running, in the order started
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._reveal)
        runner.task_started.connect(self._started)
        runner.task_progress.connect(self._progress)
        runner.task_finished.connect(self._finished)
        self.hide()

    @Slot(object)
    def _started(self, task: Task) -> None:
        if not task.label:
            return
        self._running.append(task)
        self._show_task()

    def _show_task(self) -> None:
        """Show the latest labelled task the user started, else the latest background one
        (the day's backup starting during an export does not take the export's Cancel)."""
        chosen = next((t for t in reversed(self._running) if not t.background), None) or (
            self._running[-1] if self._running else None
        )
        if chosen is None:
            self._task = None
            self._timer.stop()
            self.hide()
            return
        if chosen is self._task:
            return
        self._task = chosen
        self.label.setText(chosen.label)
        self.bar.setRange(0, 0)
        if not self.isVisible() and not self._timer.isActive():
            self._timer.start(self.SHOW_AFTER_MS)

    @Slot(object, int, int, str)
    def _progress(self, task: Task, done: int, total: int, text: str) -> None:
        if task is not self._task:
            return
        if total > 0:
            # painted with the window's next paint, not at once: QProgressBar.setValue paints
            # itself there and then when its bar moves, and with it everything of the window
            # waiting to be painted (a board being shown was painted five times over in one
            # click as the day's backup reported its pages)
            self.bar.setUpdatesEnabled(False)
            try:
                self.bar.setRange(0, total)
                self.bar.setValue(done)
            finally:
                self.bar.setUpdatesEnabled(True)  # an update() queued for the next paint
        self.label.setText(
            f"{task.label} {text}".strip()
            if text
            else f"{task.label} {done:,} of {total:,}"
            if total
            else task.label
        )

    @Slot(object)
    def _finished(self, task: Task) -> None:
        if task in self._running:
            self._running.remove(task)
        if task is self._task:
            self._task = None
            self._show_task()  # another labelled task still runs: its progress, not nothing

    def _reveal(self) -> None:
        if self._task is not None:
            self.show()

    def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel.set()
            self.label.setText(f"{self._task.label} — cancelling…")
