"""Issue 15, the window's start without SQLAlchemy: on a file ``db.plain_open.plain_start``
finds at the head revision, the window shows its first screen read with the driver alone
(``app.first_screen``) and opens its database once it is usable; what needs the database
before waits for it on the worker that runs it. The same screen as the usual start."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from db.plain_open import plain_start
from tests.cli_process import python_in_project
from tests.ui.conftest import settle
from tests.ui.start_helpers import window_as_run_gui_makes_it

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def crm(tmp_path: Path) -> Path:
    """A real SQLite file: the 300 demo contacts, one move done, one done and undone."""
    from app import operations
    from app.contacts import ContactQuery, query_ids
    from app.demo import generate_demo
    from db.engine import open_database

    path = tmp_path / "crm.sqlite"
    db = open_database(path)
    try:
        generate_demo(db, 300, seed=7)
        ids = query_ids(db, ContactQuery())[:3]
        operations.move_contacts(db, ids[:2], "mql")
        operations.move_contacts(db, ids[2:], "customer")
        operations.undo_operation(db)
    finally:
        db.close()
    return path


def _window(
    qtbot: Any,
    path: Path,
    *,
    plain: bool,
    open_when_usable: bool = True,
    prebuild_views: bool = False,
) -> Any:
    """A window as ``run_gui`` makes it (``open_when_usable=False``: the database opened only
    when something asks for it; ``prebuild_views``: the board built beforehand)."""
    win = window_as_run_gui_makes_it(
        path, plain=plain, persist_state=False, prebuild_views=prebuild_views
    )
    first = win.first
    if first is not None:
        if open_when_usable:
            win.after_usable(first.opening.start)  # as run_gui does
        else:
            # what waits for the window to be usable held back until the test lets it go
            # (_let_jobs_go): the live feed's start and the day's score check ask for the
            # database on a worker, and under load that began the opening before the test's
            # first look at a window "not opened yet"
            held: Any = win
            held._held_jobs, held._after_usable = win._after_usable, []
    qtbot.addWidget(win)
    win.resize(1400, 860)
    win.show()
    qtbot.waitExposed(win)
    return win


def _let_jobs_go(win: Any) -> None:
    """The jobs after usable that ``_window(open_when_usable=False)`` held back run now, as
    the window runs them once usable; then the opening begins, as run_gui begins it."""
    from PySide6.QtCore import QTimer

    held, win._held_jobs = win._held_jobs, []
    for fn in held:
        QTimer.singleShot(0, win, fn)
    win.first.opening.start()


def _drain(win: Any) -> None:
    win.ops.wait(10000)
    win.tasks.cancel_all()
    win.tasks.wait(10000)
    win.close_database()


@pytest.fixture
def plain_window(qtbot: Any, crm: Path) -> Iterator[Any]:
    win = _window(qtbot, crm, plain=True, open_when_usable=False)
    yield win
    _drain(win)


def _screen(win: Any) -> dict[str, object]:
    """What the user sees of the first screen."""
    model = win.model
    rows = [
        [model.data(model.index(r, c)) for c in range(model.columnCount())]
        for r in range(min(model.rowCount(), 60))
    ]
    sidebar = win.sidebar
    entries = {}
    for name in ("Stages", "Follow-up", "Sources"):
        section = sidebar.section(name)
        entries[name] = [
            (section.child(i).text(0), section.child(i).text(1))
            for i in range(section.childCount())
        ]
    return {
        "rows": rows,
        "ids": model.loaded_ids(),
        "total": model.total_text,
        "all": sidebar.all_item.text(1),
        "entries": entries,
        "undo": (win.undo_action.text(), win.undo_action.isEnabled()),
        "redo": (win.redo_action.text(), win.redo_action.isEnabled()),
        "move menu": [a.text() for a in win.menu_move.actions()],
        "status": win.count_label.text(),
        "title": win.windowTitle(),
    }


def test_a_plain_start_shows_what_the_usual_start_shows(qtbot: Any, crm: Path) -> None:
    plain = _window(qtbot, crm, plain=True)
    try:
        qtbot.waitUntil(plain.counts_shown, timeout=10000)
        seen = _screen(plain)
        qtbot.waitUntil(lambda: plain.first.opening.done.is_set(), timeout=20000)
    finally:
        _drain(plain)
    usual = _window(qtbot, crm, plain=False)
    try:
        qtbot.waitUntil(usual.counts_shown, timeout=10000)
        expected = _screen(usual)
    finally:
        _drain(usual)
    assert seen["all"] == "300"
    undo, redo = seen["undo"], seen["redo"]
    assert isinstance(undo, tuple) and isinstance(redo, tuple)
    assert undo[1] and str(undo[0]).startswith("&Undo move of")  # as left in the log
    assert redo[1] and str(redo[0]).endswith("to Customer")
    assert seen == expected


def test_the_board_on_a_plain_start_shows_the_usual_columns(qtbot: Any, crm: Path) -> None:
    def columns(win: Any) -> list[tuple[str, str]]:
        from tests.ui.board_helpers import board_of

        qtbot.waitUntil(win.counts_shown, timeout=10000)
        win.show_view("kanban")
        board = board_of(win)
        qtbot.waitUntil(lambda: board.columns and board.columns[0].model.rowCount() > 0)
        return [(c.model.stage.name, c.count_text) for c in board.columns]

    plain = _window(qtbot, crm, plain=True)
    try:
        seen = columns(plain)
    finally:
        _drain(plain)
    usual = _window(qtbot, crm, plain=False)
    try:
        expected = columns(usual)
    finally:
        _drain(usual)
    assert seen == expected and len(seen) >= 8


def _usual_board_seen(qtbot: Any, crm: Path) -> list[tuple[object, ...]]:
    """:func:`_board_seen` of a window that opened its database the usual way."""
    usual = _window(qtbot, crm, plain=False)
    try:
        qtbot.waitUntil(usual.counts_shown, timeout=10000)
        usual.show_view("kanban")
        return _board_seen(usual)
    finally:
        _drain(usual)


def _board_seen(win: Any) -> list[tuple[object, ...]]:
    """Each column's stage, count and fold; an open column's first page and first cards."""
    from tests.ui.board_helpers import board_of

    out: list[tuple[object, ...]] = []
    for column in board_of(win).columns:
        model = column.model
        if column.collapsed:
            out.append((column.stage_key, column.count_text, True))
            continue
        cards = [model.card(r) for r in range(min(model.rowCount(), 12))]
        out.append((column.stage_key, column.count_text, False, model.loaded_ids(), cards))
    return out


def test_the_board_clicked_before_the_database_is_open_waits_for_no_opening(
    qtbot: Any, crm: Path
) -> None:
    """Board clicked on a plain start before the database is open: its columns, counts, first
    pages and cards are read with the driver alone (the opening not even begun), the same as
    the usual start's board; once the database is open the same columns go on (the card
    selected stays so, the next page reads through the database)."""
    from tests.ui.board_helpers import board_of

    plain = _window(qtbot, crm, plain=True, open_when_usable=False)
    try:
        qtbot.waitUntil(plain.counts_shown, timeout=10000)
        assert plain.plain_reads() is plain.first
        plain.show_view("kanban")
        board = board_of(plain)
        seen = _board_seen(plain)
        assert not plain.first.opening.started, "nothing waited for the opening"
        column = next(c for c in board.columns if not c.collapsed and c.model.rowCount() > 12)
        model = column.model
        cid = model.contact_id(1)
        assert column.view.select_ids([cid])
        plain.first.opening.start()
        qtbot.waitUntil(plain.first.opening.done.is_set, timeout=20000)
        assert plain.plain_reads() is None
        rows = model.rowCount()
        while model.rowCount() == rows and model.canFetchMore():
            model.fetchMore()  # the next page, through the database now
        settle(qtbot, plain)
        assert column.model is model and model.rowCount() > rows
        assert column.view.selected_ids() == [cid]
        assert model.card(model.rowCount() - 1) is not None
    finally:
        _drain(plain)
    assert seen == _usual_board_seen(qtbot, crm)
    opened = [s for s in seen if not s[2]]
    assert len(opened) >= 4 and all(s[4] for s in opened)
    marks = [c.marks for s in opened for c in s[4]]  # type: ignore[attr-defined]
    assert any("bant" in m for m in marks) and any("deal" in m for m in marks)


@pytest.fixture
def read_ahead_held(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The board's read ahead (its first cards, on a worker) held until the event is set; the
    prebuild a second after usable held off."""
    import ui.kanban
    import ui.kanban.read_ahead as read_ahead

    release = threading.Event()

    def holding(real: Any) -> Any:
        def held(*args: Any) -> Any:
            release.wait(20)
            return real(*args)

        return held

    # after usable, and as the window is built (the application's window on a plain start)
    for name in ("read_ahead_plain", "read_first_cards_at_start"):
        monkeypatch.setattr(read_ahead, name, holding(getattr(read_ahead, name)))
    monkeypatch.setattr(ui.kanban, "PREBUILD_AFTER_MS", 600_000)
    yield release
    release.set()


def _board_stages(path: Path) -> list[Any]:
    """The board's columns' stages, read with the driver."""
    from app import first_screen
    from ui.kanban.read_ahead import board_order

    con = sqlite3.connect(path)
    try:
        return board_order(first_screen.shown_stages(con, first_screen.stages(con)))
    finally:
        con.close()


def _columns_built_early(win: Any) -> bool:
    from ui.kanban.board import KanbanBoard

    board = win.findChild(KanbanBoard)
    return (
        board is not None
        and board.columns_begun
        and not board._unbuilt
        and any(c.has_view for c in board.columns)
    )


def test_on_a_plain_start_the_board_s_columns_are_built_while_its_first_cards_are_read(
    qtbot: Any, crm: Path, read_ahead_held: threading.Event
) -> None:
    """The application's window on a plain start: while the worker reads the board's first
    cards ahead, the board and its columns (headers, the open columns' card views) are built
    hidden, their stages read with the driver, nothing of the cards read and the opening not
    waited for; once the cards are in, the board is loaded and drawn with them (the prebuild),
    the same board as the usual start's."""
    from tests.ui.board_helpers import board_of

    plain = _window(qtbot, crm, plain=True, open_when_usable=False, prebuild_views=True)
    try:
        qtbot.waitUntil(plain.counts_shown, timeout=10000)
        _let_jobs_go(plain)  # the read ahead (held) and the opening begin
        qtbot.waitUntil(lambda: _columns_built_early(plain), timeout=20000)
        board = board_of(plain)
        assert plain.kanban.first_cards is None, "built before the first cards were in"
        assert not board.isVisible() and not board.prebuilt
        assert all(c.model.rowCount() == 0 for c in board.columns), "nothing read"
        columns = list(board.columns)
        read_ahead_held.set()
        qtbot.waitUntil(lambda: board.prebuilt, timeout=20000)
        assert board.columns == columns, "the columns built early are the board's"
        plain.show_view("kanban")
        seen = _board_seen(plain)
    finally:
        _drain(plain)
    assert seen == _usual_board_seen(qtbot, crm)


def test_the_application_s_window_is_usable_with_its_board_built(
    qtbot: Any, crm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15's "usable: list, counts, board": on a plain start the application's window
    reads the board's first cards beside the sidebar's counts and builds the board hidden
    after its first paint; it becomes usable (what waits for that begins) once the board is
    built, loaded and drawn — with the driver alone, the opening not begun — so a click then
    only shows it; the same board as the usual start's."""
    import ui.main_window
    from tests.ui.board_helpers import board_of

    # not a second after the counts at the latest, as in use: a loaded machine took longer
    monkeypatch.setattr(ui.main_window, "USABLE_HOLD_MAX_MS", 60_000)
    plain = _window(qtbot, crm, plain=True, open_when_usable=False, prebuild_views=True)
    try:
        at_usable: list[tuple[bool, bool]] = []
        plain.became_usable.connect(
            lambda: at_usable.append((board_of(plain).prebuilt, plain.first.opening.started))
        )
        qtbot.waitUntil(plain.is_usable, timeout=10000)
        # prebuilt, and the opening not begun: nothing of it waited for the database
        assert at_usable == [(True, False)]
        # begun once usable, beside the window in use: the window's thread has the
        # interpreter back quickly meanwhile
        from ui.opening import BESIDE_THE_WINDOW_SWITCH_S

        assert plain.first.opening.switch_interval_s == BESIDE_THE_WINDOW_SWITCH_S
        board = board_of(plain)
        assert not board.isVisible()
        plain.show_view("kanban")
        seen = _board_seen(plain)
    finally:
        _drain(plain)
    assert seen == _usual_board_seen(qtbot, crm)


def test_a_view_switched_to_while_the_database_opens_is_painted_with_the_opening_aside(
    qtbot: Any, crm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The board clicked while the database opens beside the window: it is shown and painted
    while the opening waits at its next import (``db.step_aside``: the two no longer take
    turns at the interpreter, which made the board's paint twice as long at 1440x900)."""
    from PySide6.QtCore import QEvent, QObject

    import ui.opening
    from tests.ui.board_helpers import board_of

    # the window's opening, whoever begins it (the board's deal sums ask for the database on
    # a worker once usable), under way until the test lets it go
    go = threading.Event()
    opening_of = ui.opening.opening_of

    def held_opening(*args: Any, **kwargs: Any) -> Any:
        opening = opening_of(*args, **kwargs)
        real = opening._opener

        def held(step: Any) -> Any:
            assert go.wait(60)
            return real(step)

        opening._opener = held
        return opening

    monkeypatch.setattr(ui.opening, "opening_of", held_opening)
    plain = _window(qtbot, crm, plain=True, open_when_usable=False, prebuild_views=True)
    try:
        opening = plain.first.opening
        qtbot.waitUntil(lambda: plain.is_usable() and board_of(plain).prebuilt, timeout=20000)
        opening.start()
        aside: list[bool] = []

        class Paints(QObject):
            def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
                if event.type() == QEvent.Type.Paint:
                    aside.append(not opening.step_aside._free.is_set())
                return False

        paints = Paints()
        plain._views["kanban"].installEventFilter(paints)
        plain.show_view("kanban")
        assert aside and all(aside)  # painted at once, the opening standing aside meanwhile
        assert opening.step_aside._free.is_set()  # and going on after
        go.set()
        qtbot.waitUntil(lambda: plain.first.ready, timeout=20000)
        assert opening.step_aside.paused_s < opening.step_aside.budget_s
    finally:
        go.set()
        _drain(plain)


def test_a_board_read_that_does_not_come_holds_usable_a_second_at_most(
    qtbot: Any, crm: Path, read_ahead_held: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The board's first cards not read (held here; a slow disk, a failing read): the window
    becomes usable :data:`ui.main_window.USABLE_HOLD_MAX_MS` after its counts all the same,
    the board not yet built beforehand; once read, it is."""
    import time

    import ui.main_window
    from tests.ui.board_helpers import board_of

    monkeypatch.setattr(ui.main_window, "USABLE_HOLD_MAX_MS", 300)
    plain = _window(qtbot, crm, plain=True, open_when_usable=False, prebuild_views=True)
    try:
        qtbot.waitUntil(plain.counts_shown, timeout=10000)
        counted = time.monotonic()
        qtbot.waitUntil(plain.is_usable, timeout=5000)
        assert time.monotonic() - counted < 3
        assert plain.kanban.first_cards is None
        read_ahead_held.set()
        qtbot.waitUntil(lambda: board_of(plain).prebuilt, timeout=20000)
    finally:
        read_ahead_held.set()
        _drain(plain)


def test_stages_changed_after_the_board_s_columns_were_built_early_are_the_board_s(
    qtbot: Any, crm: Path, read_ahead_held: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The columns built early for stages that the read ahead then finds otherwise (another
    Winnow changed them in between: here the early read missed one): the board takes the
    stages read with its first cards, a column each."""
    from app import first_screen
    from tests.ui.board_helpers import board_of

    real = first_screen.shown_stages
    monkeypatch.setattr(first_screen, "shown_stages", lambda con, all_: real(con, all_)[:-1])
    plain = _window(qtbot, crm, plain=True, open_when_usable=False, prebuild_views=True)
    try:
        qtbot.waitUntil(plain.counts_shown, timeout=10000)
        _let_jobs_go(plain)
        qtbot.waitUntil(lambda: _columns_built_early(plain), timeout=20000)
        board = board_of(plain)
        early = [c.stage_key for c in board.columns]
        monkeypatch.setattr(first_screen, "shown_stages", real)
        read_ahead_held.set()
        qtbot.waitUntil(lambda: board.prebuilt, timeout=20000)
        ahead = [s.key for s in _board_stages(crm)]
        assert early == ahead[:-1]
        assert [c.stage_key for c in board.columns] == ahead
    finally:
        _drain(plain)


def test_the_board_s_first_load_after_the_opening_reads_with_the_driver_too(
    qtbot: Any, crm: Path
) -> None:
    """Board first clicked once the database is open: its first load still reads with the
    driver (no statement of the database on the GUI thread), the same columns and cards;
    the load after it (another sort) reads through the database."""
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import event

    from tests.ui.board_helpers import board_of

    plain = _window(qtbot, crm, plain=True)
    try:
        qtbot.waitUntil(plain.counts_shown, timeout=10000)
        qtbot.waitUntil(plain.first.opening.done.is_set, timeout=20000)
        assert plain.plain_reads() is None and plain.plain_start_reads() is plain.first
        on_gui: list[str] = []

        def caught(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
            if threading.current_thread() is threading.main_thread():
                on_gui.append(statement)

        engine = plain.db.engine
        event.listen(engine, "before_cursor_execute", caught)
        try:
            plain.show_view("kanban")
            QApplication.processEvents()  # shown and painted
            assert on_gui == [], "the first load read with the driver"
            seen = _board_seen(plain)
            board = board_of(plain)
            on_gui.clear()
            board.sort_combo.setCurrentIndex(board.sort_combo.findData("name"))
            assert any(s.startswith("SELECT contacts.id") for s in on_gui), "then the database"
            board.sort_combo.setCurrentIndex(board.sort_combo.findData("newest"))  # as it was
        finally:
            event.remove(engine, "before_cursor_execute", caught)
    finally:
        _drain(plain)
    usual = _window(qtbot, crm, plain=False)
    try:
        qtbot.waitUntil(usual.counts_shown, timeout=10000)
        usual.show_view("kanban")
        assert _board_seen(usual) == seen
    finally:
        _drain(usual)


def test_a_move_and_an_edit_right_after_a_plain_start_wait_for_the_database(
    qtbot: Any, plain_window: Any, crm: Path
) -> None:
    win = plain_window
    assert not win.first.opening.started  # nothing opened yet: the move waits for it
    cid = win.model.contact_id(0)
    assert win.move_contacts([cid], "nurture")
    win.edit_contact(cid, {"company": "Plainly Opened Ltd"})
    settle(qtbot, win)
    assert win.first.opening.done.is_set()
    con = sqlite3.connect(crm)
    try:
        stage, company = con.execute(
            "SELECT stages.key, contacts.company FROM contacts JOIN stages"
            " ON stages.id = contacts.stage_id WHERE contacts.id = ?",
            (cid,),
        ).fetchone()
    finally:
        con.close()
    assert (stage, company) == ("nurture", "Plainly Opened Ltd")
    qtbot.waitUntil(lambda: win.undo_action.text().startswith("&Undo edit"), timeout=5000)
    row = win.model.contact_row(win.model.row_for_id(cid))
    assert row is not None and (row.stage_key, row.company) == ("nurture", "Plainly Opened Ltd")


def test_an_import_started_after_the_look_takes_the_usual_path(qtbot: Any, crm: Path) -> None:
    """plain_start said yes, then an import began (its contacts are hidden from every view):
    the first screen's reads decline (NotPlain) and the window reads through the database."""
    from app.first_screen import PlainReads
    from ui.application import first_db, make_app
    from ui.main_window import MainWindow
    from ui.opening import opening_of

    start = plain_start(crm)
    assert start is not None
    con = sqlite3.connect(crm)
    try:
        con.execute(
            "INSERT INTO import_batches (source, created_at, read_count, imported_count,"
            " updated_count, skipped_count, rejected_count, state)"
            " VALUES ('fair', 0, 0, 0, 0, 0, 0, 'running')"
        )
        con.commit()
    finally:
        con.close()
    make_app()
    first = PlainReads(start, opening_of(start.url))
    win = MainWindow(first_db(first), persist_state=False, first=first)
    qtbot.addWidget(win)
    try:
        assert win._plain is None  # declined: the usual reads (the database opened for them)
        assert first.opening.started
        qtbot.waitUntil(win.counts_shown, timeout=10000)
        assert win.model.total == 300
        assert win.sidebar.all_item.text(1) == "300"
    finally:
        _drain(win)


START_PROBE = """
import sys
import db.handle
import ui.main_window
events = []
begin = db.handle.DatabaseOpening.start
def start(self):
    if not self.started:
        events.append("opening")
    return begin(self)
db.handle.DatabaseOpening.start = start
usable = ui.main_window.MainWindow._now_usable
def now_usable(self):  # called as the counts come in, and again as nothing holds usable
    waiting = self._after_usable is not None
    usable(self)
    if waiting and self._after_usable is None:  # usable now (what waited is posted, not run)
        events.append("usable")
        events.append("plain" if self.first is not None else "usual")
        events.append("sqlalchemy" if "sqlalchemy" in sys.modules else "light")
ui.main_window.MainWindow._now_usable = now_usable
import ui.application
report = ui.application._report_shown
ui.application._report_shown = lambda app, window: report(app, window)
from app.cli import main
code = main(["--db", sys.argv[1]])
print(*events, flush=True)
sys.exit(code)
"""


def _start_up_to_usable(
    probe: str, path: Path | str, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    """``probe`` run as ``winnow --db PATH`` is, in a process of its own that ends once the
    window is usable (``WINNOW_EXIT_WHEN_SHOWN``, as the benchmarks start it); it succeeded."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "WINNOW_EXIT_WHEN_SHOWN": "1",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    out = python_in_project("-c", probe, str(path), env=env)
    assert out.returncode == 0, out.stderr
    return out


@pytest.mark.parametrize("given", ["file", "address", "new"])
def test_the_real_start_opens_the_database_after_usable_on_a_plain_file(
    tmp_path: Path, crm: Path, given: str
) -> None:
    """``winnow --db FILE`` up to usable (the benchmarks' way): on a plain file, named by its
    path or by a ``sqlite:///`` address, the database is opened only once the window is
    usable, SQLAlchemy not imported by then; on a new file (no plain start) before, as
    always."""
    plain = given != "new"
    forms: dict[str, Path | str] = {
        "file": crm,
        "address": f"sqlite:///{crm}",
        "new": tmp_path / "new.sqlite",
    }
    path = forms[given]
    out = _start_up_to_usable(START_PROBE, path, tmp_path)
    assert "winnow-usable" in out.stdout
    events = out.stdout.splitlines()[-1].split()
    if plain:  # SQLAlchemy first imported after usable, on a worker
        assert events == ["usable", "plain", "light", "opening"]
    else:
        assert events == ["opening", "usable", "usual", "sqlalchemy"]


FREEZE_PROBE = """
import gc
import sys
import ui.application
report = ui.application._report_shown
def report_once_open(app, window):
    try:  # whatever happens, the window is reported (the process ends: no hang)
        opening = window.db.opening
        opening.start()  # begun once usable, or here if usable has not come yet
        if not opening.wait(60):
            print("not open", flush=True)
            return
        import db.models
        tracked = gc.get_objects()  # what collections walk (frozen objects are not in it)
        mapper = db.models.Contact.__mapper__
        print("walked" if any(o is mapper for o in tracked) else "frozen", flush=True)
    finally:
        report(app, window)
ui.application._report_shown = report_once_open
from app.cli import main
sys.exit(main(["--db", sys.argv[1]]))
"""


LOG_PROBE = """
import logging
import os
import sys
from pathlib import Path
import ui.main_window
seen = []
build = ui.main_window.MainWindow.__init__
def init(self, *args, **kwargs):
    build(self, *args, **kwargs)
    logging.getLogger("probe").info("the window built")
ui.main_window.MainWindow.__init__ = init
usable = ui.main_window.MainWindow._now_usable
log_file = Path(os.environ["XDG_DATA_HOME"]) / "Winnow" / "logs" / "winnow.log"
def now_usable(self):  # called as the counts come in, and again as nothing holds usable
    waiting = self._after_usable is not None
    usable(self)
    if waiting and self._after_usable is None:  # usable now (what waited is posted, not run)
        seen.extend(m for m in ("logging.handlers", "platformdirs") if m in sys.modules)
        seen.append("written" if log_file.exists() else "held")
ui.main_window.MainWindow._now_usable = now_usable
from app.cli import main
code = main(["--db", sys.argv[1]])
print(*seen, flush=True)
sys.exit(code)
"""


def test_the_start_s_log_lines_are_held_until_usable_then_reach_the_log_file(
    tmp_path: Path, crm: Path
) -> None:
    """Issue 15: the rotating log file (``logging.handlers`` with ``socket``, ``pickle``,
    ``queue``) and the data folder's look-up (``platformdirs``) come after usable; the lines
    logged before (here one the window's construction logs) are held and written to the file
    with their own times."""
    out = _start_up_to_usable(LOG_PROBE, crm, tmp_path)
    assert out.stdout.splitlines()[-1] == "held"  # neither module imported, nothing written
    log_file = Path(os.environ["XDG_DATA_HOME"]) / "Winnow" / "logs" / "winnow.log"
    text = log_file.read_text(encoding="utf-8")
    assert " INFO probe [MainThread] the window built\n" in text


def test_what_the_opening_after_usable_builds_is_left_out_of_collections(
    tmp_path: Path, crm: Path
) -> None:
    """The models and their mappers, built as the database opens after usable, live as long as
    the process: frozen (``gc.freeze``) as start-up's objects are, each later full collection
    does not walk them again."""
    out = _start_up_to_usable(FREEZE_PROBE, crm, tmp_path)
    assert out.stdout.splitlines()[0] == "frozen"


BOARD_AT_USABLE_PROBE = """
import sys
import threading
import time
import types
import db.handle
events = []
let_go = threading.Event()  # the opening held until the board is shown: a slow opening
run = db.handle.DatabaseOpening._run
def held_run(self):
    if not let_go.wait(30):
        events.append("opening-held-30s")
    run(self)
db.handle.DatabaseOpening._run = held_run
ask = db.handle.DatabaseOpening.database
def database(self):  # between usable and the board shown (the window's close waits, rightly)
    gui = threading.current_thread() is threading.main_thread()
    if gui and watching and not self.done.is_set():
        events.append("gui-waits-for-the-opening")
    return ask(self)
db.handle.DatabaseOpening.database = database
on_gui = []  # what the GUI thread imports between usable and the board shown
watching = []
def audit(event, args):
    if event == "import" and watching and threading.current_thread() is threading.main_thread():
        on_gui.append(args[0])
sys.addaudithook(audit)
def of_sqlalchemy(name):
    if name.partition(".")[0] in ("sqlalchemy", "alembic"):
        return True
    for value in list(vars(sys.modules.get(name) or types.ModuleType(name)).values()):
        of = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", None)
        if isinstance(of, str) and of.partition(".")[0] == "sqlalchemy":
            return True
    return False
def look_then_let_go():  # a second more of the opening held: nobody imports SQLAlchemy
    time.sleep(1.0)
    events.append("sqlalchemy-imported" if "sqlalchemy" in sys.modules else "light")
    let_go.set()
out = sys.stdout
class Marks:
    def write(self, text):
        if text.startswith("winnow-usable"):
            watching.append(True)
        elif text.startswith("winnow-board"):
            watching.clear()
            events.append("board")
            events.extend("gui-imports-" + name for name in on_gui if of_sqlalchemy(name))
            threading.Thread(target=look_then_let_go).start()
        return out.write(text)
    def flush(self):
        out.flush()
sys.stdout = Marks()
from app.cli import main
code = main(["--db", sys.argv[1]])
sys.stdout = out
print(*events, flush=True)
sys.exit(code)
"""


def test_the_board_clicked_at_usable_is_shown_before_the_database_is_open(
    tmp_path: Path, crm: Path
) -> None:
    """``winnow --db FILE`` with the Board clicked the moment the window is usable (``spine``'s
    way: the click, then what waits for usable), its database's opening held until the board
    is shown and a second more: the board is shown (built, first cards, painted), and on the
    GUI thread nothing waits for the opening nor imports SQLAlchemy's side meanwhile (the due
    tasks' check once did, waiting for the opening's import of it: ~0.4 s on the click at
    100,000 contacts); nor does any other thread before the opening (the day's backup did)."""
    out = _start_up_to_usable(BOARD_AT_USABLE_PROBE, crm, tmp_path)
    assert "winnow-board" in out.stdout
    assert out.stdout.splitlines()[-1].split() == ["board", "light"]


def _live_started(win: Any) -> bool:
    return win.live.feed is not None


def test_a_change_elsewhere_before_the_live_feed_starts_reaches_the_window(
    qtbot: Any, plain_window: Any, crm: Path
) -> None:
    """Another process's move committed after the first screen was read and before the
    window's live feed started (it starts once the database is open, after usable): the feed
    only sees what comes after it, so the window reads everything again in place."""
    from tests.cli_process import winnow_elsewhere

    win = plain_window
    cid = win.model.contact_id(3)
    row = win.model.contact_row(3)
    assert row is not None and row.stage_key != "nurture"
    winnow_elsewhere(str(crm), "move", str(cid), "nurture")
    assert win.first.changed_since_first_read()
    _let_jobs_go(win)  # as the window and run_gui do once usable
    qtbot.waitUntil(lambda: _live_started(win), timeout=10000)
    qtbot.waitUntil(
        lambda: (
            (r := win.model.row_for_id(cid)) is not None
            and (c := win.model.contact_row(r)) is not None
            and c.stage_key == "nurture"
        ),
        timeout=5000,
    )


def test_the_opening_itself_changes_nothing_the_window_would_read_again(
    qtbot: Any, plain_window: Any
) -> None:
    """Nothing changed elsewhere: the database's opening and the jobs after usable leave the
    undo log and the live notices alone (the day's score recompute writes a setting), so a
    plain start does not read every view a second time."""
    from app.first_screen import LOG_MARK
    from app.live import NOTICES_KEY

    assert f"'{NOTICES_KEY}'" in LOG_MARK  # the notices the SQLite feed reads
    win = plain_window
    assert not win.first.changed_since_first_read()
    _let_jobs_go(win)
    qtbot.waitUntil(lambda: _live_started(win), timeout=10000)
    settle(qtbot, win)
    assert not win.first.changed_since_first_read()
    assert not win.live._pending and not win.live._timer.isActive()
