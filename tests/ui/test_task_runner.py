"""ui.tasks.TaskRunner: a task that ends after the view that asked for it has gone (a dialog
closed while its list was read) does not call into the deleted view."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QObject

from db.handle import DatabaseLater, DatabaseOpening
from ui.tasks import TaskRunner

pytestmark = pytest.mark.gui


class _View(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.results: list[object] = []
        self.errors: list[BaseException] = []

    def shown(self, result: object) -> None:
        self.results.append(result)

    def failed(self, exc: BaseException) -> None:
        self.errors.append(exc)


def _run_past(qtbot: Any, fn: Any, view: _View, *, delete: bool) -> TaskRunner:
    runner = TaskRunner()
    release = threading.Event()

    def work() -> object:
        release.wait(10)
        return fn()

    runner.run(work, on_done=view.shown, on_error=view.failed)
    if delete:
        shiboken6.delete(view)  # the dialog closed while its task ran
    release.set()
    qtbot.waitUntil(lambda: not runner.active, timeout=10000)
    runner.pool.waitForDone(10000)
    return runner


def _boom() -> object:
    raise ValueError("the folder went away")


@pytest.mark.parametrize("fn", [lambda: 42, _boom], ids=["done", "failed"])
def test_a_view_that_is_still_there_hears_the_end(qtbot: Any, qapp: Any, fn: Any) -> None:
    view = _View()
    _run_past(qtbot, fn, view, delete=False)
    assert view.results == [42] or [str(e) for e in view.errors] == ["the folder went away"]


@pytest.mark.parametrize("fn", [lambda: 42, _boom], ids=["done", "failed"])
def test_a_view_deleted_meanwhile_is_left_alone(qtbot: Any, qapp: Any, fn: Any) -> None:
    view = _View()
    results, errors = view.results, view.errors
    _run_past(qtbot, fn, view, delete=True)  # raised "already deleted" in the event loop before
    assert results == [] and errors == []


@pytest.mark.parametrize("fails", [False, True], ids=["committed", "refused"])
def test_an_operation_ending_after_its_view_is_gone_leaves_it_alone(
    qtbot: Any, qapp: Any, fails: bool
) -> None:
    from app.errors import WinnowError
    from app.operations import Changes, OpResult
    from ui.operations import OperationRunner

    ops, view, release = OperationRunner(), _View(), threading.Event()
    results, errors = view.results, view.errors

    def operation() -> OpResult[int]:
        release.wait(10)
        if fails:
            raise WinnowError("changed by someone else meanwhile")
        return OpResult(1, Changes(), None, "nothing")

    ops.run(operation, on_success=view.shown, on_failure=view.failed)
    shiboken6.delete(view)
    release.set()
    qtbot.waitUntil(lambda: not ops.busy, timeout=10000)
    assert results == [] and errors == []


def test_progress_stays_for_a_task_still_running_when_another_ends(qtbot: Any, qapp: Any) -> None:
    """Two labelled tasks (a daily backup and a check of every domain): the one that ends first,
    whichever it is, leaves the other's progress and Cancel on screen."""
    from PySide6.QtWidgets import QWidget

    from ui.tasks import TaskProgressWidget

    for first_to_end in ("Backing up", "Checking domains"):
        runner = TaskRunner()
        host = QWidget()
        qtbot.addWidget(host)
        progress = TaskProgressWidget(runner, host)
        host.show()
        gates = {label: threading.Event() for label in ("Backing up", "Checking domains")}
        for label, gate in gates.items():
            runner.run(lambda gate=gate: gate.wait(10), label=label)
        qtbot.waitUntil(progress.isVisible, timeout=5000)
        gates[first_to_end].set()
        qtbot.waitUntil(lambda r=runner: len(r.active) == 1, timeout=5000)
        other = next(label for label in gates if label != first_to_end)
        assert progress.isVisible() and progress.label.text() == other
        progress.cancel_button.click()
        assert runner.active[0].cancel.is_set
        gates[other].set()
        qtbot.waitUntil(lambda r=runner: not r.active, timeout=5000)
        assert not progress.isVisible()
        runner.wait()


def test_background_work_does_not_take_the_progress_of_the_user_s_task(
    qtbot: Any, qapp: Any
) -> None:
    """The day's backup starting during an export: the export's progress and Cancel stay; the
    backup's shows once the export is done, and alone it shows too."""
    from PySide6.QtWidgets import QWidget

    from ui.tasks import TaskProgressWidget

    runner = TaskRunner()
    host = QWidget()
    qtbot.addWidget(host)
    progress = TaskProgressWidget(runner, host)
    host.show()
    export, backup = threading.Event(), threading.Event()
    runner.run(lambda: export.wait(10), label="Export…")
    qtbot.waitUntil(progress.isVisible, timeout=5000)
    runner.run(lambda: backup.wait(10), label="Backing up", background=True)
    qtbot.wait(50)
    assert progress.label.text() == "Export…"
    progress.cancel_button.click()
    export_task, backup_task = runner.active
    assert export_task.cancel.is_set and not backup_task.cancel.is_set
    export.set()
    qtbot.waitUntil(lambda: len(runner.active) == 1, timeout=5000)
    assert progress.isVisible() and progress.label.text() == "Backing up"
    backup.set()
    qtbot.waitUntil(lambda: not runner.active, timeout=5000)
    assert not progress.isVisible()
    runner.wait()


class _Held:
    """Stands for what a task or an operation refers to (its database, a view's rows)."""


def test_a_finished_task_and_operation_let_go_of_what_they_hold(qtbot: Any, qapp: Any) -> None:
    """Once a task or an operation has ended and said so, nothing keeps its function, its
    arguments or its result: each one run stayed in memory for the rest of the process (a
    runnable the pool was told not to delete, and a cycle through its signals' connections
    that the garbage collector cannot see), and every database a window used with it."""
    import gc
    import weakref

    from app.errors import WinnowError
    from app.operations import Changes, OpResult
    from ui.operations import OperationRunner

    runner, ops, view = TaskRunner(), OperationRunner(), _View()
    held = [_Held() for _ in range(4)]
    refs = [weakref.ref(h) for h in held]

    def work(argument: _Held) -> _Held:
        return _Held()  # a result, also let go

    def operation(argument: _Held = held[2]) -> OpResult[_Held]:
        return OpResult(_Held(), Changes(), None, "nothing")

    def refused(argument: _Held = held[3]) -> OpResult[_Held]:
        raise WinnowError("changed by someone else meanwhile")

    # a finished task still referred to (by a caller, or from inside the Qt binding) keeps
    # nothing of its work
    kept = runner.run(work, held[0], on_done=view.shown)
    runner.run(_boom_with, held[1], on_error=view.failed)
    ops.run(operation, on_success=view.shown)
    ops.run(refused, on_failure=view.failed)
    del held, operation, refused
    qtbot.waitUntil(lambda: not runner.active and not ops.busy, timeout=10000)
    assert len(view.results) == 2 and len(view.errors) == 2
    view.results.clear()
    view.errors.clear()

    def all_gone() -> bool:
        gc.collect()
        return all(ref() is None for ref in refs)

    qtbot.waitUntil(all_gone, timeout=5000)
    assert kept.label == "" and not kept.cancel.is_set  # what a view reads of it still reads


def _boom_with(argument: _Held) -> object:
    raise ValueError("the folder went away")


def test_a_watcher_sees_each_result_before_the_task_counts_as_done(qtbot: Any, qapp: Any) -> None:
    """``task_result`` (the go-look notice's feed) comes before the task leaves ``active`` and
    before its ``on_done``: whoever waits for an idle runner finds every watcher up to date."""
    runner = TaskRunner()
    seen: list[tuple[str, object, bool]] = []
    runner.task_result.connect(lambda task, r: seen.append(("watcher", r, task in runner.active)))
    runner.run(lambda: 7, on_done=lambda r: seen.append(("on_done", r, bool(runner.active))))
    qtbot.waitUntil(lambda: runner.idle, timeout=10000)
    runner.pool.waitForDone(10000)
    assert seen == [("watcher", 7, True), ("on_done", 7, False)]


def test_progress_is_painted_with_the_window_s_next_paint_not_at_once(
    qtbot: Any, qapp: Any
) -> None:
    """A task's progress moves the bar without painting the window there and then (a
    QProgressBar paints itself, and whatever of the window waits to be painted, as its value
    changes): the bar shows the value, painted once the event loop paints."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QWidget

    from ui.tasks import TaskProgressWidget

    runner = TaskRunner()
    host = QWidget()
    qtbot.addWidget(host)
    progress = TaskProgressWidget(runner, host)
    host.show()
    gate = threading.Event()
    task = runner.run(lambda: gate.wait(10), label="Backing up")
    qtbot.waitUntil(progress.isVisible, timeout=5000)
    qtbot.waitExposed(host)

    class Paints(QObject):
        count = 0

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.count += 1
            return False

    paints = Paints()
    progress.bar.installEventFilter(paints)
    try:
        for done in (10, 50, 90):
            runner.task_progress.emit(task, done, 100, "")
            assert progress.bar.value() == done
        assert paints.count == 0, "not painted at once"
        qtbot.waitUntil(lambda: paints.count > 0, timeout=5000)
    finally:
        progress.bar.removeEventFilter(paints)
        gate.set()
        qtbot.waitUntil(lambda: not runner.active, timeout=5000)
        runner.wait()


def test_a_task_given_a_database_being_opened_begins_once_it_is_open(qtbot: Any, qapp: Any) -> None:
    """The window's database is opened on a thread of its own after usable, importing
    SQLAlchemy there; a task given it (``DatabaseLater``) begins after the opening, so that the
    two never import SQLAlchemy at once (each could be handed the other's half-made modules)."""
    release = threading.Event()
    opened = object()

    def opener(_on_step: Any) -> Any:
        release.wait(10)
        return opened

    opening = DatabaseOpening(opener).start()
    later = DatabaseLater(opening, "sqlite:///nowhere.sqlite", "nowhere")
    began: list[bool] = []
    view = _View()
    runner = TaskRunner()
    runner.run(lambda db: began.append(opening.done.is_set()), later, on_done=view.shown)
    runner.run(lambda *, db: began.append(opening.done.is_set()), db=later, on_done=view.shown)
    qtbot.wait(300)
    assert began == []  # both wait for the opening
    release.set()
    qtbot.waitUntil(lambda: len(view.results) == 2, timeout=10000)
    assert began == [True, True]


def test_a_task_given_a_database_whose_opening_failed_fails_with_its_error(
    qtbot: Any, qapp: Any
) -> None:
    def opener(_on_step: Any) -> Any:
        raise OSError("the disk went away")

    opening = DatabaseOpening(opener).start()
    later = DatabaseLater(opening, "sqlite:///nowhere.sqlite", "nowhere")
    ran: list[object] = []
    view = _View()
    TaskRunner().run(ran.append, later, on_done=view.shown, on_error=view.failed)
    qtbot.waitUntil(lambda: bool(view.errors), timeout=10000)
    assert [str(e) for e in view.errors] == ["the disk went away"]
    assert ran == []
