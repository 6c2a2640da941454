"""A main window made as ``run_gui`` makes it, on a plain start or the usual one (the plain
start tests, the saved list order's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from db.plain_open import plain_start


def window_as_run_gui_makes_it(
    path: Path, *, plain: bool, persist_state: bool, prebuild_views: bool = False
) -> Any:
    """A window on the SQLite file ``path``, built and not shown yet. ``plain``: from the
    first screen's reads with the driver, the database opened only when something asks for it
    (asserted: nothing has yet, the constructor read its first page and restored the saved
    state); else on the database opened as usual. ``prebuild_views``: the board built beforehand
    once usable, as in the application (``run_gui``)."""
    from ui.application import _plain_reads, first_db, make_app, open_with_dialogs
    from ui.main_window import MainWindow

    make_app()
    first = None
    db: Any
    if plain:
        start = plain_start(path)
        assert start is not None
        first = _plain_reads(start)
        db = first_db(first)
    else:
        db = open_with_dialogs(str(path))
    win = MainWindow(db, persist_state=persist_state, first=first, prebuild_views=prebuild_views)
    if first is not None:
        assert win._plain is not None, "the first screen was read with the driver"
        assert not first.opening.started, "nothing opened the database for the window's start"
    return win
