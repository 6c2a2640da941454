"""Issue 15, start-up: what the window's start imports, and what it costs."""

from __future__ import annotations

import importlib
import inspect
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import ui


def _pyside_answer(module: ModuleType) -> bool:
    """PySide6's own answer (shibokensupport.feature._mod_uses_pyside before ui replaced it)."""
    try:
        return "PySide6" in inspect.getsource(module)
    except (TypeError, OSError, SyntaxError):
        return False


@pytest.mark.parametrize(
    "name",
    ["ui.main_window", "ui.wheel_guard", "app.contacts", "sqlalchemy.orm.session", "json", "math"],
)
def test_pyside_import_hook_answers_as_before_from_the_files_bytes(name: str) -> None:
    feature = sys.modules["shibokensupport.feature"]
    check = feature._mod_uses_pyside
    assert getattr(check, "reads_bytes", False), "ui replaced PySide6's source reading"
    module = importlib.import_module(name)
    assert check(module) == _pyside_answer(module)
    assert check(sys.modules["ui.main_window"]) and not check(sys.modules["app.contacts"])


def test_modules_imported_after_qt_are_not_kept_in_linecache() -> None:
    import linecache

    module = importlib.import_module("email.headerregistry")
    linecache.cache.pop(str(module.__file__), None)
    assert not sys.modules["shibokensupport.feature"]._mod_uses_pyside(module)
    assert module.__file__ not in linecache.cache, "its source read and kept"


def test_installing_again_changes_nothing() -> None:
    feature = sys.modules["shibokensupport.feature"]
    before = feature._mod_uses_pyside
    ui._pyside_reads_module_bytes()
    assert feature._mod_uses_pyside is before


NOT_AT_START = (
    "ui.kanban.board",  # the board, triage and the dashboard: built when first shown
    "ui.triage.view",
    "ui.dashboard.view",
    "ui.leads.settings_dialog",  # dialogs: imported when opened
    "ui.leads.merge_dialog",
    "app.contact_view",  # the detail panel's form and sections: with its first contact
    "ui.golook.panel",
    "ui.leads.activity_edit",
    "app.golook.classify",  # the address and suffix lists: on first use
    "app.golook.checks",  # domain checks (DNS, the answers' cache): with the first check
    "app.golook.trust",
    "app.golook.dns_check",
    "email_validator",
    "app.exporting",
    "ui.leads.duplicate_warning",  # the new-contact dialog's duplicate look-up: with the dialog
    "app.duplicates",  # export and hand-off: with the first export
)


def test_the_window_starts_without_the_modules_of_what_it_does_not_show(tmp_path: Path) -> None:
    """In a process of its own (this one has imported everything): the window built on a
    database, then which modules are loaded."""
    script = (
        "import sys\n"
        "from ui.application import make_app, open_with_dialogs\n"
        "app = make_app()\n"
        f"db = open_with_dialogs({str(tmp_path / 'crm.sqlite')!r})\n"
        "from ui.main_window import MainWindow\n"
        "window = MainWindow(db, persist_state=False)\n"
        "window.show()\n"
        "app.processEvents()\n"
        f"print([m for m in {NOT_AT_START!r} if m in sys.modules])\n"
        "window.kanban.board\n"  # asked for: built, its module imported
        "print('ui.kanban.board' in sys.modules)\n"
        "window.close()\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    loaded, board = out.stdout.splitlines()[-2:]
    assert loaded == "[]"
    assert board == "True"


def test_the_start_up_module_imports_no_sqlalchemy() -> None:
    """Issue 15, the start without SQLAlchemy (not done; steps 1-2 and part of 3): the window's
    start-up module, the plain look at a file (db.plain_open) and the opening's handle
    (db.handle) import neither SQLAlchemy nor the ORM's modules. The window itself still does
    before it is usable; once its first screen reads in plain sqlite3, this asserts it up to
    usable."""
    script = (
        "import sys\n"
        "import ui.application, db.plain_open, db.handle\n"
        "print([m for m in ('sqlalchemy', 'alembic', 'db.engine', 'db.models') if m in sys.modules])\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "[]"
