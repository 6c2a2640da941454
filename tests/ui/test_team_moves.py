"""No lost update on every move (issue 14, item 4): a move from the list's menus and a triage
decision are made on the version the view showed — refused, saying who changed what, when
someone changed the contact meanwhile (the views then read it again) — while the window's
own changes since (an answer, an assignment a key earlier) are no conflict."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMenu

from app import contacts, operations
from tests.ui.board_helpers import triage_of, warnings_shown
from tests.ui.conftest import settle

pytestmark = pytest.mark.gui
__all__ = ["warnings_shown"]  # fixture used by the tests below

FREE = ("nurture", "inquiry", "mql", "suspect")  # stages no gate stands before


@pytest.fixture(autouse=True)
def _anna(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "anna")  # this window's user (SQLite: the OS user)


def _as_bob(monkeypatch: pytest.MonkeyPatch, change: Any) -> None:
    """Another Winnow on the same database changes something meanwhile."""
    monkeypatch.setenv("LOGNAME", "bob")
    change()
    monkeypatch.setenv("LOGNAME", "anna")


def _pick(menu: QMenu, *path: str) -> Any:
    current: Any = menu
    for name in path[:-1]:
        current = next(a.menu() for a in current.actions() if a.text() == name)
    return next(a for a in current.actions() if a.text() == path[-1])


def _open_list_menu(window: Any, row: int, monkeypatch: pytest.MonkeyPatch, then: Any) -> None:
    """Right-click row ``row`` of the list; ``then(menu)`` runs while the menu is open."""

    class OpenMenu(QMenu):
        def exec(self, *_a: Any) -> None:  # type: ignore[override]
            then(self)

    monkeypatch.setattr("ui.main_window.QMenu", OpenMenu)
    index = window.model.index(row, 0)
    window._list_menu(window.list_view.visualRect(index).center())


def _first_row_and_a_free_target(window: Any) -> tuple[int, str, str, str]:
    """The list's first contact: its id, its stage and a stage no gate stands before (key, name)."""
    from app.stages import list_stages

    names = {s.key: s.name for s in list_stages(window.db)}
    cid = window.model.contact_id(0)
    before = contacts.get_contact(window.db, cid).stage_key
    target = next(k for k in FREE if k != before)
    return cid, before, target, names[target]


def test_a_move_from_the_list_menu_on_a_contact_changed_meanwhile_is_refused(
    window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch, warnings_shown: Any
) -> None:
    cid, before, target, target_name = _first_row_and_a_free_target(window)

    def bob_edits_then_anna_moves(menu: QMenu) -> None:
        # the menu was opened on the version the row shows; bob changes the contact
        _as_bob(monkeypatch, lambda: operations.edit_contact(window.db, cid, {"city": "Lyon"}))
        _pick(menu, "Move to stage", target_name).trigger()

    _open_list_menu(window, 0, monkeypatch, bob_edits_then_anna_moves)
    settle(qtbot, window)
    assert contacts.get_contact(window.db, cid).stage_key == before  # nothing saved
    assert warnings_shown, "the user is told"
    title, text = warnings_shown[-1]
    assert title == "Move failed" and "changed by bob" in text and "City" in text
    # the list read the contact again: a move now is made on what it shows, and goes
    now = contacts.get_contact(window.db, cid).version
    qtbot.waitUntil(
        lambda: window.model.contact_row(window.model.row_for_id(cid)).version == now,
        timeout=5000,
    )
    row = window.model.row_for_id(cid)
    _open_list_menu(
        window, row, monkeypatch, lambda m: _pick(m, "Move to stage", target_name).trigger()
    )
    settle(qtbot, window)
    assert contacts.get_contact(window.db, cid).stage_key == target
    assert len(warnings_shown) == 1


def test_contact_menu_move_of_a_stale_list_row_is_refused(
    window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch, warnings_shown: Any
) -> None:
    window.list_view.selectRow(0)
    cid, _before, _target, target_name = _first_row_and_a_free_target(window)
    _as_bob(monkeypatch, lambda: operations.move_contacts(window.db, [cid], "customer"))
    _pick(window.menu_contact, "&Move to stage", target_name).trigger()  # Contact ▸ Move
    settle(qtbot, window)
    assert contacts.get_contact(window.db, cid).stage_key == "customer"  # bob's move stands
    assert warnings_shown and "changed by bob" in warnings_shown[-1][1]


def test_the_windows_own_change_a_moment_before_is_no_conflict(
    window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch, warnings_shown: Any
) -> None:
    cid, _before, target, target_name = _first_row_and_a_free_target(window)

    def log_then_move(menu: QMenu) -> None:
        db = window.db  # this window's own operation, queued just before the move
        window.ops.run(lambda: operations.log_activity(db, cid, "call", note="called"))
        _pick(menu, "Move to stage", target_name).trigger()

    _open_list_menu(window, 0, monkeypatch, log_then_move)
    settle(qtbot, window)
    assert not warnings_shown
    assert contacts.get_contact(window.db, cid).stage_key == target


def _decision_digit(view: Any, current: str) -> tuple[int, str]:
    return next(
        (d, k) for d, k in sorted(view.stage_keys_by_digit.items()) if k in FREE and k != current
    )


def _triage_on_its_current_contact(window: Any, qtbot: Any) -> tuple[Any, int]:
    """Triage shown and focused; the view and the contact its card shows."""
    window.show_view("triage")
    view = triage_of(window)
    qtbot.waitUntil(view.hasFocus, timeout=3000)
    cid = view.current_id()
    assert cid is not None
    return view, cid


def test_a_triage_decision_on_a_contact_changed_meanwhile_is_refused(
    window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch, warnings_shown: Any
) -> None:
    view, cid = _triage_on_its_current_contact(window, qtbot)
    before = contacts.get_contact(window.db, cid).stage_key
    digit, target = _decision_digit(view, before)
    _as_bob(monkeypatch, lambda: operations.edit_contact(window.db, cid, {"title": "Buyer"}))
    QTest.keyClick(view.focusWidget() or view, Qt.Key(Qt.Key.Key_0 + digit))
    settle(qtbot, window)
    stored = contacts.get_contact(window.db, cid)
    assert (stored.stage_key, stored.triaged_at) == (before, None)  # nothing saved
    assert warnings_shown and warnings_shown[-1][0] == "Decision not saved"
    assert "changed by bob" in warnings_shown[-1][1] and "Job title" in warnings_shown[-1][1]
    # the card shows the contact as bob left it; the decision made on that goes through
    assert view.current_id() == cid and view.card.subtitle.text().startswith("Buyer")
    QTest.keyClick(view.focusWidget() or view, Qt.Key(Qt.Key.Key_0 + digit))
    settle(qtbot, window)
    assert contacts.get_contact(window.db, cid).stage_key == target
    assert len(warnings_shown) == 1


def test_a_decision_right_after_the_users_own_assignment_goes_through(
    window: Any, qtbot: Any, warnings_shown: Any
) -> None:
    view, cid = _triage_on_its_current_contact(window, qtbot)
    digit, target = _decision_digit(view, contacts.get_contact(window.db, cid).stage_key)
    QTest.keyClick(view.focusWidget() or view, Qt.Key.Key_A)  # assign to me: a new version
    QTest.keyClick(view.focusWidget() or view, Qt.Key(Qt.Key.Key_0 + digit))  # at once
    settle(qtbot, window)
    stored = contacts.get_contact(window.db, cid)
    assert (stored.owner, stored.stage_key) == ("anna", target)
    assert not warnings_shown
