"""Opening a database off the GUI thread (ui.opening): an upgrade of an existing file (a
backup, then each migration; minutes at a million contacts) shows what it is doing in a window
that cannot be closed half-way; the usual opening shows nothing; errors come through."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from db import backup, migrate
from db.engine import DatabaseError, open_database
from db.migrate import current_revision, head_revision
from tests.db.builders import make_winnow_file
from ui import opening
from ui.application import make_app

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]


def _dialogs() -> list[opening.OpeningDialog]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, opening.OpeningDialog) and w.isVisible()
    ]


def test_an_upgrade_shows_each_step_until_the_database_is_open(
    tmp_path: Path, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_app()
    path = tmp_path / "old.sqlite"
    make_winnow_file(path, 40, revision="0015")
    real_teller = migrate._step_teller

    def slow_teller(*args: Any) -> Callable[[object], None]:
        tell = real_teller(*args)

        def slowly(applied: object) -> None:
            tell(applied)
            time.sleep(0.25)  # each step long enough for the window to show it

        return slowly

    monkeypatch.setattr(migrate, "_step_teller", slow_teller)
    real_backup = backup.backup_before_upgrade

    def slow_backup(*args: Any) -> Path:
        made = real_backup(*args)
        time.sleep(0.6)  # a big file's copy: the window is up and says so
        return made

    monkeypatch.setattr(backup, "backup_before_upgrade", slow_backup)
    script = ScriptDirectory.from_config(migrate.alembic_config())
    n = len(list(script.iterate_revisions("head", "0015")))
    seen: list[str] = []
    kept_open: list[bool] = []

    def look() -> None:
        for dialog in _dialogs():
            text = dialog.step.text()
            if not seen or seen[-1] != text:
                seen.append(text)
            if not kept_open:  # Esc and the title bar's close do not stop the opening
                dialog.reject()
                dialog.close()
                kept_open.append(dialog.isVisible())

    timer = QTimer()
    timer.timeout.connect(look)
    timer.start(10)
    db = opening.open_with_progress(path)
    timer.stop()
    try:
        assert current_revision(db.engine) == head_revision()
        assert any(t.startswith(f"Backing up {path}") for t in seen), seen
        steps = [t for t in seen if "step " in t]
        assert steps and f"step 1 of {n}" in steps[0], seen
        assert any(f"step {n} of {n}" in t for t in steps), seen
        assert kept_open == [True]
        assert list((tmp_path / "backups").iterdir())  # the backup it said it made
        qtbot.waitUntil(lambda: not _dialogs(), timeout=2000)  # gone once open
    finally:
        db.close()


def test_the_usual_opening_shows_nothing(
    tmp_path: Path, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_app()
    path = tmp_path / "current.sqlite"
    open_database(path).close()  # created and at this Winnow's schema
    made: list[object] = []
    real_init = opening.OpeningDialog.__init__

    def init(self: opening.OpeningDialog, *args: Any) -> None:
        made.append(self)
        real_init(self, *args)

    monkeypatch.setattr(opening.OpeningDialog, "__init__", init)
    db = opening.open_with_progress(path)
    db.close()
    assert made == []


def test_an_opening_that_fails_says_why(tmp_path: Path, qtbot: Any) -> None:
    make_app()
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"Name,E-mail\nAda,ada@example.com\n")
    with pytest.raises(DatabaseError, match="not an SQLite database"):
        opening.open_with_progress(path)
    assert path.read_bytes() == b"Name,E-mail\nAda,ada@example.com\n"


LISTENERS_PROBE = """
import sys
from ui.opening import opening_of
database = opening_of(sys.argv[1]).start().database()
print(*sorted(m for m in ("app.reference", "app.stages") if m in sys.modules), flush=True)
database.close()
"""


def test_the_opening_adds_the_listeners_of_every_session_before_anyone_has_the_database(
    tmp_path: Path,
) -> None:
    """The modules that add listeners to every Session are imported by the opening, in a
    process that has imported nothing else of the domain: a worker importing one later, while
    another worker's session runs a statement, changes the listeners under it (the window's
    day's first due-task check failed so: "deque mutated during iteration")."""
    path = tmp_path / "crm.sqlite"
    open_database(path).close()
    out = subprocess.run(
        [sys.executable, "-c", LISTENERS_PROBE, str(path)],
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["app.reference", "app.stages"]
