"""Go look, go see in the window: install with ``"ui.golook:install"`` in FEATURE_INSTALLERS.

- a "Go look, go see" section in the detail panel (:class:`ui.golook.panel.GoLookPanel`);
- Tools ▸ Check all contacts' domains (progress and Cancel in the status bar);
- Tools ▸ Personas… (editor with JSON import/export) and Tools ▸ Work offline;
- :func:`check_contacts_in_background` for the import wizard: new contacts are checked without
  the window waiting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from app.golook.checks import ContactsCheck, check_contacts
from app.golook.derived import refresh_golook_columns
from app.golook.dns_check import SETTING_OFFLINE, load_dns_config
from app.settings import get_setting, set_setting

if TYPE_CHECKING:
    from ui.main_window import MainWindow
    from ui.tasks import Task


def install(window: MainWindow) -> None:
    from ui.golook.panel import GoLookPanel

    panel = GoLookPanel(window)
    window.detail.add_section("Go look, go see", panel, 10)
    menu = window.menu_tools
    check = menu.addAction("Check all contacts' domains")
    check.triggered.connect(lambda _c=False: check_all(window))
    personas = menu.addAction("Personas…")
    personas.triggered.connect(lambda _c=False: open_personas(window))
    menu.addSeparator()
    offline = menu.addAction("Work offline (no DNS lookups)")
    offline.setCheckable(True)
    offline.setChecked(bool(get_setting(window.db, SETTING_OFFLINE, False)))
    offline.toggled.connect(lambda on: set_setting(window.db, SETTING_OFFLINE, bool(on)))
    # for tests and other features: the panel and the menu entries
    window.golook_panel = panel  # type: ignore[attr-defined]
    window.golook_actions = {"check_all": check, "personas": personas, "offline": offline}  # type: ignore[attr-defined]


def _run_check(
    window: MainWindow, ids: Sequence[int] | None, label: str, refresh: bool = False
) -> Task:
    db = window.db
    id_list = list(ids) if ids is not None else None

    def job(progress: Callable[..., None], cancel: Any) -> ContactsCheck:
        config = load_dns_config(db)
        return check_contacts(
            db, id_list, config, refresh=refresh, progress=progress, cancelled=lambda: bool(cancel)
        )

    def done(result: ContactsCheck) -> None:
        b = result.domains
        parts = [f"Checked {b.queried:,} domain(s)"]
        if b.from_cache:
            parts.append(f"{b.from_cache:,} known already")
        if b.failed:
            parts.append(f"{b.failed:,} without an answer (mail host unknown)")
        if b.cancelled:
            parts.append("cancelled")
        if b.gave_up:
            parts.append("DNS does not answer: stopped (check the network or Work offline)")
        window.statusBar().showMessage(", ".join(parts), 8000)
        window.notify_changed([] if id_list is None or len(id_list) > 500 else id_list)

    def failed(exc: BaseException) -> None:
        window.statusBar().showMessage(f"Checking domains failed: {exc}", 8000)

    return window.tasks.run(job, on_done=done, on_error=failed, label=label)


def check_all(window: MainWindow, refresh: bool = False) -> Task:
    """Check every contact's domain (each domain once; cached answers are reused)."""
    return _run_check(window, None, "Checking domains", refresh)


def check_contacts_in_background(window: MainWindow, ids: Sequence[int]) -> Task | None:
    """For the import wizard: check these (new) contacts' domains without blocking the window.
    Does nothing for an empty list or when the user works offline."""
    if not ids or get_setting(window.db, SETTING_OFFLINE, False):
        return None
    return _run_check(window, ids, "Checking new contacts' domains")


def recompute_persona_fit(window: MainWindow) -> Task:
    """After personas changed: every contact's best persona, in the background."""
    db = window.db

    def job(progress: Callable[..., None], cancel: Any) -> int:
        return refresh_golook_columns(db, None, progress=progress, cancelled=lambda: bool(cancel))

    return window.tasks.run(
        job, on_done=lambda _n: window.notify_changed([]), label="Updating persona fit"
    )


def open_personas(window: MainWindow) -> None:
    from ui.golook.personas_dialog import PersonaDialog

    dialog = PersonaDialog(window)
    dialog.exec()
    if dialog.changed:
        recompute_persona_fit(window)
