"""Issue 15, the start without SQLAlchemy: the window's ui modules take the domain's modules
(SQLAlchemy's statements, the models, the engine) where first used, not at their top; and the
live feed, which needs the opened database, starts when the window has it."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from sqlalchemy import event

import ui.live

# every ui module the window imports before it is usable, besides the window itself
# (ui.main_window, ui.application), and the board's (built on a click before the database
# is open, ui.kanban.read_ahead): each imports without SQLAlchemy
WITHOUT_SQLALCHEMY = (
    "ui.api",
    "ui.backups",
    "ui.contact_table",
    "ui.dashboard",
    "ui.detail_panel",
    "ui.detail_sections",
    "ui.dialogs",
    "ui.golook",
    "ui.golook.notice",
    "ui.importing",
    "ui.kanban",
    "ui.kanban.board",
    "ui.kanban.card_delegate",
    "ui.kanban.card_list",
    "ui.kanban.column",
    "ui.kanban.column_model",
    "ui.kanban.header",
    "ui.kanban.read_ahead",
    "ui.kanban.style",
    "ui.leads",
    "ui.leads.qualify_first",
    "ui.leads.reminders",
    "ui.leads.tasks_box",
    "ui.list_count",
    "ui.live",
    "ui.operations",
    "ui.paging",
    "ui.points",
    "ui.qualification",
    "ui.read_only",
    "ui.sidebar",
    "ui.team",
    "ui.triage",
)
DOMAIN = ("sqlalchemy", "alembic", "db.engine", "db.models", "db.visibility", "app.contacts")


def test_the_window_s_ui_modules_import_without_sqlalchemy() -> None:
    """In a process of its own (this one has imported everything): each module imported in
    turn, and after each which of the domain's modules are loaded — the first to load one is
    the module that imports it at its top."""
    script = (
        "import importlib, sys\n"
        f"for name in {WITHOUT_SQLALCHEMY!r}:\n"
        "    importlib.import_module(name)\n"
        f"    loaded = [m for m in {DOMAIN!r} if m in sys.modules]\n"
        "    if loaded:\n"
        "        print(name, 'loaded', loaded)\n"
        "        break\n"
        "else:\n"
        "    print('none')\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "none"


def test_the_live_feed_starts_when_the_window_has_its_database(empty_window: Any) -> None:
    """``install(api, start=False)``: no feed, nothing listened to, until ``start(database)``;
    then as ``install(api)`` starts it (the window's own), once."""
    window = empty_window
    db = window.db
    live = ui.live.install(window, start=False)
    try:
        assert live.feed is None and live.db is None
        assert not event.contains(db.engine, "do_connect", live._refuse_while_offline)
        live.start(db)
        feed = live.feed
        assert feed is not None and live.db is db
        assert type(feed) is type(window.live.feed)
        guarded = db.engine.dialect.name == "postgresql"
        assert live._guarded is guarded
        assert event.contains(db.engine, "do_connect", live._refuse_while_offline) is guarded
        live.start(db)  # once
        assert live.feed is feed
    finally:
        live.stop()
    assert not event.contains(db.engine, "do_connect", live._refuse_while_offline)
    stopped = ui.live.install(window, start=False)
    stopped.stop()
    stopped.start(db)  # a stopped one starts nothing
    assert stopped.feed is None
