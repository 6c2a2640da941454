"""A window that cannot change the database greys out its edits and says why (issue 14,
item 2): a read-only PostgreSQL role (team mode's ``--reader``) sees everything and changes
nothing; the server out of reach greys out the same edits, for as long as it lasts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QWidget

from app import contacts
from db.engine import Database, open_database
from tests.pg_roles import read_only_role
from tests.ui.board_helpers import triage_of, warnings_shown
from tests.ui.conftest import _shown_window, settle

pytestmark = pytest.mark.gui
__all__ = ["warnings_shown"]  # fixture used by the tests below


def _editing_greyed(win: Any) -> list[str]:
    """What of the window's editing is still usable (empty: everything greyed out)."""
    usable = [
        a.text()
        for a in (
            win.new_contact_action,
            win.menu_move.menuAction(),
            win.delete_action,
            win.undo_action,
            win.redo_action,
        )
        if a.isEnabled()
    ]
    usable += [
        a.text()
        for a in win.menu_file.actions() + win.menu_tools.actions()
        if a.text() in ("&Import…", "Recompute &scores", "Check all contacts' domains")
        and a.isEnabled()
    ]
    if win.new_button.isEnabled():
        usable.append("New contact button")
    if win.detail.stage_combo.isEnabled():
        usable.append("detail panel stage")
    if win.detail.save_button.parentWidget().isEnabled():
        usable.append("detail panel fields")
    usable += [
        f"drag in {type(v).__name__}"
        for v in win.findChildren(QAbstractItemView)
        if v.dragEnabled() and v.isVisibleTo(win)
    ]
    if win.acceptDrops():
        usable.append("file drop")
    return usable


@pytest.fixture
def reader_window(qtbot: Any, demo_db: Database, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A window on the same PostgreSQL database, as a role that may only read."""
    cluster = request.getfixturevalue("postgresql_cluster")
    name = f"carol{os.getpid()}"
    with read_only_role(cluster, demo_db.url, name) as url:
        db = open_database(url)
        shown = _shown_window(qtbot, db)
        win = next(shown)
        win.role = name
        yield win
        next(shown, None)  # its writer and workers drained
        win.close()
        db.close()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_read_only_role_sees_everything_and_changes_nothing(
    reader_window: Any, qtbot: Any, warnings_shown: Any
) -> None:
    win = reader_window
    indicator = win.read_only.indicator
    qtbot.waitUntil(indicator.isVisible, timeout=5000)
    assert indicator.text() == f"Read-only: your role {win.role} cannot change this database"
    qtbot.waitUntil(lambda: win.model.rowCount() > 0, timeout=5000)  # it sees the contacts
    win.list_view.selectRow(0)
    cid = win.model.contact_id(0)
    qtbot.waitUntil(lambda: win.detail.contact_id == cid, timeout=5000)
    assert win.detail.name_label.text()  # and their details
    assert _editing_greyed(win) == []
    # an Undo the window would offer after a notice stays greyed out
    win.ops.undo_state_changed.emit(win.ops.undo_state)
    assert not win.undo_action.isEnabled()
    # triage: a deciding key says why in the status bar and changes nothing
    before = contacts.get_contact(win.db, cid)
    win.show_view("triage")
    view = triage_of(win)
    qtbot.waitUntil(view.hasFocus, timeout=3000)
    shown = view.current_id()
    assert shown is not None
    stage = contacts.get_contact(win.db, shown).stage_key
    QTest.keyClick(view.focusWidget() or view, Qt.Key.Key_2)
    settle(qtbot, win)
    assert contacts.get_contact(win.db, shown).stage_key == stage
    assert win.statusBar().currentMessage().startswith("Read-only: your role")
    assert not warnings_shown and not view.legend.isEnabled()
    # a move asked for anyway is refused with the reason, and nothing is saved
    win.show_view("list")
    win.move_contacts([cid], "nurture" if before.stage_key != "nurture" else "inquiry")
    settle(qtbot, win)
    assert warnings_shown and "cannot change this database" in warnings_shown[-1][1]
    assert contacts.get_contact(win.db, cid).version == before.version


def test_the_server_out_of_reach_greys_out_the_same_edits_until_it_is_back(
    window: Any, qtbot: Any
) -> None:
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=5000)
    window.list_view.selectRow(0)
    usable = _editing_greyed(window)
    assert "&New contact…" in usable and "detail panel fields" in usable
    assert not window.read_only.indicator.isVisible()  # a file: the role may write
    window.live.set_online(False, "connection refused")
    assert _editing_greyed(window) == []
    assert window.new_contact_action.statusTip() == window.ops.refusal
    window.live.set_online(True)
    qtbot.waitUntil(lambda: not window.tasks.active, timeout=5000)
    back = _editing_greyed(window)
    assert "&New contact…" in back and "detail panel fields" in back
    assert "drag in ContactTableView" in back or any(b.startswith("drag") for b in back)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_read_only_window_leaves_the_daily_recompute_to_those_who_write(
    demo_db: Database, qtbot: Any, request: pytest.FixtureRequest, caplog: Any
) -> None:
    from app.scoring import RECOMPUTED_SETTING
    from app.settings import get_setting, set_setting

    set_setting(demo_db, RECOMPUTED_SETTING, "2020-01-01T00:00:00")  # due for days
    reader = request.getfixturevalue("reader_window")
    for _ in range(2):  # the check, then what it started
        reader.tasks.wait(20000)
        settle(qtbot, reader)
    assert not [r for r in caplog.records if "recompute failed" in r.getMessage()]
    assert get_setting(demo_db, RECOMPUTED_SETTING) == "2020-01-01T00:00:00"


def test_a_read_only_window_still_goes_and_looks(window: Any, qtbot: Any) -> None:
    """Open website and Search the web only read: usable while nothing can be changed (they
    were greyed out with the rest of the go-look section); Check again, which stores its
    answer, is greyed out, and usable again once the server is back."""
    qtbot.waitUntil(lambda: window.model.rowCount() > 0, timeout=5000)
    panel = None
    for row in range(min(window.model.rowCount(), 60)):
        window.list_view.selectRow(row)
        settle(qtbot, window)
        panel = window.detail.findChild(QWidget, "goLookPanel")
        if panel is not None and panel.evidence is not None and panel.evidence.website:
            break
    assert panel is not None and panel.evidence is not None and panel.evidence.website
    assert panel.open_button.isEnabled() and panel.check_button.isEnabled()
    window.live.set_online(False, "connection refused")
    assert _editing_greyed(window) == []
    assert panel.open_button.isEnabled() and panel.search_button.isEnabled()
    assert not panel.check_button.isEnabled()
    # another contact shown meanwhile: the same
    window.list_view.selectRow(window.list_view.currentIndex().row() + 1)
    settle(qtbot, window)
    assert panel.evidence is not None
    assert panel.search_button.isEnabled() == (panel.evidence.search_url is not None)
    assert panel.open_button.isEnabled() == (panel.evidence.website is not None)
    assert not panel.check_button.isEnabled()
    window.live.set_online(True)
    qtbot.waitUntil(lambda: not window.tasks.active, timeout=5000)
    settle(qtbot, window)
    evidence = panel.evidence
    assert panel.check_button.isEnabled() == bool(
        evidence and evidence.address.valid and evidence.address.registrable_domain
    )
