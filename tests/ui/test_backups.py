"""The window's safety net: the background check and daily backup on open, File ▸ Backups…
(list, back up now, restore with a confirmation), and a damaged file that is never written to."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app import backups, operations
from app.backups import BackupInfo
from app.contacts import create_contact
from db.engine import Database, DatabaseDamaged, open_database
from db.fileguard import quick_check
from tests.db.builders import damage_middle

pytestmark = pytest.mark.gui

Opener = Callable[..., Any]


@pytest.fixture
def open_window(qtbot: Any) -> Iterator[Opener]:
    """Open a window on a database; ``before_events(window)`` runs before the event loop
    does (the check starts from it)."""
    from ui.application import make_app
    from ui.main_window import MainWindow

    make_app()
    opened: list[Any] = []

    def open_(db: Database, before_events: Callable[[Any], None] | None = None) -> Any:
        win = MainWindow(db, persist_state=False)
        if before_events is not None:
            before_events(win)
        qtbot.addWidget(win)
        win.show()
        opened.append(win)
        return win

    yield open_
    for win in opened:
        win.ops.wait(10000)
        win.tasks.cancel_all()
        win.tasks.wait(10000)


def test_on_open_the_check_and_the_daily_backup_run_in_the_background(
    qtbot: Any, demo_db: Database, open_window: Opener, db_path: Path
) -> None:
    finished: list[object] = []
    win = open_window(demo_db, lambda w: w.safety.backup_finished.connect(finished.append))
    # the first page is there before the check has even started
    assert win.model.rowCount() > 0 and not finished
    qtbot.waitUntil(lambda: bool(finished), timeout=20000)
    (info,) = finished
    assert isinstance(info, BackupInfo) and info.contacts == 300
    assert [b.path for b in backups.list_backups(db_path)] == [info.path]
    assert win.safety.damaged is None

    again: list[object] = []
    second = open_window(demo_db, lambda w: w.safety.backup_finished.connect(again.append))
    qtbot.waitUntil(lambda: bool(again), timeout=20000)
    assert again == [None]  # at most once a day
    assert len(backups.list_backups(db_path)) == 1
    assert second.safety.damaged is None


def _dialog(qtbot: Any, win: Any) -> Any:
    from ui.backups import BackupsDialog

    action = next(a for a in win.menu_file.actions() if a.text() == "&Backups…")
    action.trigger()
    dialog = win.findChild(BackupsDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_file_backups_lists_backs_up_and_restores(
    qtbot: Any, qtmodeltester: Any, demo_db: Database, open_window: Opener, db_path: Path
) -> None:
    first = backups.make_backup(db_path)  # so that no daily backup is due
    win = open_window(demo_db)
    qtbot.waitUntil(lambda: not win.tasks.active, timeout=20000)
    dialog = _dialog(qtbot, win)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=10000)
    qtmodeltester.check(dialog.model)
    assert dialog.model.index(0, 2).data() == "300"
    assert not dialog.restore_button.isEnabled()  # nothing chosen yet

    create_contact(demo_db, first_name="Ada", email="ada@example.com")
    with qtbot.waitSignal(win.safety.backup_finished, timeout=20000):
        dialog.back_up_button.click()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=10000)
    assert dialog.model.index(0, 2).data() == "301"  # newest first
    # made within a second of each other, the two still read differently
    made_texts = [dialog.model.index(r, 0).data() for r in range(2)]
    assert made_texts[0] != made_texts[1] and all(t.count(":") == 2 for t in made_texts)
    qtmodeltester.check(dialog.model)

    dialog.table.selectRow(1)  # the first backup, 300 contacts
    asked: list[str] = []

    def confirm(_title: str, text: str) -> bool:
        asked.append(text)
        return False

    dialog.confirm = confirm
    dialog.restore_button.click()
    assert asked and "300 contacts" in asked[0]
    assert backups.count_contacts(db_path) == 301  # cancelled: nothing happened

    dialog.confirm = lambda _title, _text: True
    with qtbot.waitSignal(win.database_switch_requested, timeout=20000) as reopened:
        dialog.restore_button.click()
    assert reopened.args == [str(db_path)]
    assert backups.count_contacts(db_path) == 300
    assert not dialog.isVisible()
    made = backups.list_backups(db_path)
    assert made[0].path == first.path and made[-1].contacts == 301  # the file before restoring
    db = open_database(db_path)  # what the application does next
    db.close()


def test_a_damaged_file_is_read_but_never_written_and_the_newest_backup_offered(
    qtbot: Any, db_path: Path, open_window: Opener
) -> None:
    from app.demo import generate_demo

    db = open_database(db_path)
    generate_demo(db, 2000, seed=5)
    db.close()
    good = backups.make_backup(db_path)
    damage_middle(db_path, table="contacts_fts_data")  # not read before a search
    damaged_bytes = db_path.read_bytes()
    db = open_database(db_path)
    offered: list[tuple[str, BackupInfo | None]] = []

    def prepare(win: Any) -> None:
        def ask_restore(message: str, newest: BackupInfo | None) -> bool:
            offered.append((message, newest))
            return False

        win.safety.ask_restore = ask_restore

    try:
        win = open_window(db, prepare)
        with qtbot.waitSignal(win.safety.check_finished, timeout=20000) as checked:
            pass
        assert "is damaged" in checked.args[0]
        assert offered and offered[0][1] is not None and offered[0][1].path == good.path
        assert "Damaged file: read only" in win.count_label.text()
        with pytest.raises(DatabaseDamaged):
            operations.move_contacts(db, [1], "nurture")
        qtbot.wait(200)
        assert len(backups.list_backups(db_path)) == 1  # no daily backup of a damaged file
        win.close()
    finally:
        db.close()
    assert db_path.read_bytes() == damaged_bytes


def test_accepting_the_offer_restores_the_newest_backup(
    qtbot: Any, db_path: Path, open_window: Opener
) -> None:
    from app.demo import generate_demo

    db = open_database(db_path)
    generate_demo(db, 2000, seed=5)
    db.close()
    backups.make_backup(db_path)
    damage_middle(db_path, table="contacts_fts_data")  # not read before a search
    db = open_database(db_path)
    try:

        def prepare(win: Any) -> None:
            win.safety.ask_restore = lambda _message, _newest: True

        win = open_window(db, prepare)
        with qtbot.waitSignal(win.database_switch_requested, timeout=30000):
            pass
    finally:
        db.close()
    assert quick_check(db_path) == []
    assert backups.count_contacts(db_path) == 2000
    kept = list((db_path.parent / "backups").glob("*.damaged"))
    assert len(kept) == 1 and quick_check(kept[0])


def test_a_file_left_as_checked_is_not_read_whole_again_until_it_changes(
    qtbot: Any, db_path: Path, open_window: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check reads every page (5-8 s at a million contacts): once the file passed it and
    this Winnow closed it cleanly, the next start trusts it until something else changes it."""
    from app import integrity
    from app.demo import generate_demo

    db = open_database(db_path)
    generate_demo(db, 200, seed=3)
    db.close()
    checks: list[Path] = []
    real = integrity.quick_check

    def counted_check(path: Path, *a: Any) -> list[str]:
        checks.append(path)
        return real(path, *a)

    monkeypatch.setattr(integrity, "quick_check", counted_check)

    def session() -> Any:
        db = open_database(db_path)
        win = open_window(db)
        with qtbot.waitSignal(win.safety.check_finished, timeout=20000) as checked:
            pass
        assert checked.args[0] is None
        operations.move_contacts(db, [1], "nurture")  # writes go on at once either way
        win.ops.wait(10000)
        win.tasks.wait(10000)
        win.close()
        db.close()
        win.safety.database_closed()
        return win

    session()
    assert len(checks) == 1
    session()  # as this Winnow left it: not read whole again
    assert len(checks) == 1
    other = sqlite3.connect(db_path)  # another program changed the file
    with other:
        other.execute("UPDATE contacts SET notes = 'changed elsewhere' WHERE id = 2")
    other.close()
    session()
    assert len(checks) == 2


def test_the_daily_backup_never_replaces_what_the_user_was_just_told(
    qtbot: Any, demo_db: Database, open_window: Opener
) -> None:
    finished: list[object] = []

    def prepare(win: Any) -> None:
        win.safety.backup_finished.connect(finished.append)
        win.show_status("Moved 1 to Inquiry", 60000)  # the user's own action, just now

    win = open_window(demo_db, prepare)
    qtbot.waitUntil(lambda: bool(finished), timeout=20000)
    assert isinstance(finished[0], BackupInfo)  # it was made, and said nothing over that
    assert win.statusBar().currentMessage() == "Moved 1 to Inquiry"
    win.statusBar().clearMessage()
    win.safety.back_up_now()  # asked for: always says so
    qtbot.waitUntil(lambda: len(finished) == 2, timeout=20000)
    assert win.statusBar().currentMessage().startswith("Backed up to ")
