"""On a database without contacts the window opens on three choices instead of an empty list:
import a file, open the demo (a separate database filled on a worker), add a contact. The
list comes back as soon as there are contacts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app import contacts
from app.contacts import ContactQuery
from db.engine import Database, open_database
from tests.ui.board_helpers import answer_next_dialog
from tests.ui.conftest import _shown_window, settle

pytestmark = pytest.mark.gui


@pytest.fixture
def empty_window(qtbot: Any, db: Database) -> Iterator[Any]:
    yield from _shown_window(qtbot, db, size=(1024, 700), persist_state=False, tasks_ms=30000)


def test_an_empty_database_opens_on_the_three_choices(empty_window: Any, qtbot: Any) -> None:
    win = empty_window
    qtbot.waitUntil(win.first_run_shown, timeout=5000)
    screen = win.first_run
    assert screen.isVisible() and not win.list_view.isVisible()
    assert [b.text() for b in (screen.import_button, screen.demo_button, screen.new_button)] == [
        "Import a file",
        "Open the demo",
        "Add a contact",
    ]
    said = [w for w in screen.findChildren(QLabel) if w.isVisible()]
    texts = " ".join(w.text() for w in said)
    assert "This database has no contacts yet" in texts
    assert len([w for w in said if w.objectName() == "firstRunAbout"]) == 3
    assert "CSV, Excel, vCard or LDIF" in texts and "Type in one person" in texts
    qtbot.mouseClick(screen.import_button, Qt.MouseButton.LeftButton)
    wizard = win.importing.wizard
    assert wizard is not None and wizard.isVisible()
    wizard.close()


def test_add_a_contact_opens_the_form_and_the_list_comes_back(
    empty_window: Any, qtbot: Any
) -> None:
    win = empty_window
    qtbot.waitUntil(win.first_run_shown, timeout=5000)

    def fill(dialog: Any) -> None:
        dialog.inputs["first_name"].setText("Jürgen")
        dialog.inputs["last_name"].setText("Weißmann")
        dialog.accept()

    answer_next_dialog(fill)
    qtbot.mouseClick(win.first_run.new_button, Qt.MouseButton.LeftButton)
    settle(qtbot, win)
    assert contacts.count(win.db, ContactQuery()) == 1
    qtbot.waitUntil(lambda: not win.first_run_shown(), timeout=5000)
    assert win.list_view.isVisible() and win.model.total == 1


def test_open_the_demo_fills_a_separate_database_off_the_gui_thread(
    empty_window: Any, qtbot: Any, tmp_path: Path
) -> None:
    win = empty_window
    qtbot.waitUntil(win.first_run_shown, timeout=5000)
    screen = win.first_run
    screen.demo_path = tmp_path / "demo" / "winnow-demo.sqlite"
    screen.demo_contacts = 60
    progress: list[tuple[int, int]] = []
    asked: list[str] = []
    win.database_switch_requested.connect(asked.append)
    qtbot.mouseClick(screen.demo_button, Qt.MouseButton.LeftButton)
    assert screen.creating and screen.progress.isVisible(), "it works in the background"
    screen.progress.valueChanged.connect(lambda v: progress.append((v, screen.progress.maximum())))
    qtbot.waitUntil(lambda: asked != [], timeout=60000)
    assert asked == [str(screen.demo_path)]
    assert contacts.count(win.db, ContactQuery()) == 0, "the user's database stays empty"
    demo = open_database(screen.demo_path)
    try:
        assert contacts.count(demo, ContactQuery()) == 60
    finally:
        demo.close()


def test_a_database_with_contacts_opens_on_the_list_and_never_builds_the_choices(
    window: Any, qtbot: Any
) -> None:
    win = window
    qtbot.waitUntil(win.counts_shown, timeout=5000)
    assert win.list_view.isVisible() and not win.first_run_shown()
    assert win.first_run_screen is None, "the choices were built at start, never to be shown"
