"""Importing into a database this user cannot change is refused up front, with the reason the
rest of the window gives (issue 14, item 2): a read-only PostgreSQL role (team mode's
``--reader``) gets no import entry, the wizard opened anyway says why on its first page and
goes no further, an import started anyway writes nothing — on a real PostgreSQL server, not a
raw "permission denied" after the file was read. The same for a SQLite file that failed its
integrity check (nothing may be written to it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QWizard
from sqlalchemy import text

from app.access import ReadOnly, check_may_write
from db.engine import Database, open_database
from tests.pg_roles import read_only_role
from tests.ui.board_helpers import warnings_shown
from tests.ui.test_read_only import reader_window
from ui.importing.wizard import _import_and_undo_state
from ui.tasks import CancelFlag

pytestmark = pytest.mark.gui
__all__ = ["reader_window", "warnings_shown"]  # fixtures used by the tests below

ROWS = "first_name,last_name,email\nAnna,Berg,anna.berg@example.org\nBo,Lund,bo@example.org\n"


def _batches(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM import_batches")).scalar_one())


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "leads.csv"
    path.write_text(ROWS, encoding="utf-8")
    return path


def _file_page_says(wizard: Any) -> str:
    page = wizard.file_page
    return "" if page.error.isHidden() else str(page.error.text())


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_read_only_role_cannot_import_from_the_window(
    reader_window: Any, demo_db: Database, qtbot: Any, tmp_path: Path, warnings_shown: Any
) -> None:
    win = reader_window
    reason = f"Read-only: your role {win.role} cannot change this database"
    qtbot.waitUntil(win.read_only.indicator.isVisible, timeout=5000)
    # the entries are greyed out: File ▸ Import…, the file drop, the first-run choices
    entry = next(a for a in win.menu_file.actions() if a.text() == "&Import…")
    assert not entry.isEnabled() and entry.statusTip() == reason
    assert not win.acceptDrops()
    assert not win.first_run.import_button.isEnabled()
    assert not win.first_run.new_button.isEnabled()
    before = _batches(demo_db)
    # opened anyway (a drop before the window's own check answered): it says why at once
    wizard = win.importing.open_wizard(_csv(tmp_path))
    qtbot.waitUntil(lambda: wizard.preview is not None, timeout=10000)
    assert _file_page_says(wizard) == f"Nothing can be imported. {reason}."
    assert not wizard.file_page.isComplete()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    # an import started anyway writes nothing and says why
    wizard.start_import()
    qtbot.waitUntil(lambda: wizard.finished_import, timeout=10000)
    assert wizard.report is None
    assert reason in wizard.summary_page.headline.text() + wizard.summary_page.counts.text()
    assert _batches(demo_db) == before
    assert not warnings_shown
    wizard.close()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_the_wizard_asks_the_server_itself_before_the_window_knows(
    demo_db: Database, postgresql_cluster: Any, qtbot: Any, tmp_path: Path
) -> None:
    """A wizard whose window has not heard yet (its check still running) asks the server as
    it opens; the import's worker asks again before it reads the file."""
    from ui.application import make_app
    from ui.importing.wizard import ImportWizard
    from ui.operations import OperationRunner
    from ui.tasks import TaskRunner

    name = f"dora{abs(hash(str(tmp_path))) % 100000}"
    with read_only_role(postgresql_cluster, demo_db.url, name) as address:
        reader = open_database(address)
        reason = f"Read-only: your role {name} cannot change this database"
        make_app()
        runner, ops = TaskRunner(), OperationRunner()
        try:
            assert ops.refusal is None  # the window's own check has not answered
            wizard = ImportWizard(reader, runner, ops, _csv(tmp_path))
            qtbot.addWidget(wizard)
            qtbot.waitUntil(lambda: wizard.refusal == reason, timeout=10000)
            qtbot.waitUntil(lambda: wizard.preview is not None, timeout=10000)
            assert _file_page_says(wizard) == f"Nothing can be imported. {reason}."
            assert not wizard.file_page.isComplete()
            # the worker's own check: refused before the file is read (no batch, no rows)
            with pytest.raises(ReadOnly, match=reason):
                _import_and_undo_state(
                    reader, str(tmp_path / "never-read.csv"), progress=lambda *a: None,
                    cancel=CancelFlag(),
                )  # fmt: skip
            with pytest.raises(ReadOnly, match=reason):
                check_may_write(reader)
            check_may_write(demo_db)  # the owner may
            wizard.close()
        finally:
            runner.wait(10000)
            ops.wait(10000)
            reader.close()


def test_a_damaged_sqlite_file_cannot_import(
    window: Any, qtbot: Any, tmp_path: Path, warnings_shown: Any
) -> None:
    """A file that failed its integrity check is read only: the wizard says so up front."""
    damaged = "The database is damaged (SQLite cannot read part of it). Restore a backup."
    window.db.refuse_writes(damaged)
    before = _batches(window.db)
    wizard = window.importing.open_wizard(_csv(tmp_path))
    qtbot.waitUntil(lambda: wizard.refusal == damaged, timeout=10000)
    qtbot.waitUntil(lambda: wizard.preview is not None, timeout=10000)
    assert _file_page_says(wizard) == f"Nothing can be imported. {damaged}."
    assert not wizard.file_page.isComplete()
    wizard.start_import()
    qtbot.waitUntil(lambda: wizard.finished_import, timeout=10000)
    assert wizard.report is None and _batches(window.db) == before
    wizard.close()


def test_a_writable_file_imports_as_before(window: Any, qtbot: Any, tmp_path: Path) -> None:
    """The check asks nothing of a writable file: the first page goes on at once."""
    wizard = window.importing.open_wizard(_csv(tmp_path))
    qtbot.waitUntil(lambda: wizard.preview is not None, timeout=10000)
    qtbot.waitUntil(lambda: not window.tasks.active, timeout=10000)
    assert wizard.refusal is None and _file_page_says(wizard) == ""
    assert wizard.file_page.isComplete()
    wizard.close()
