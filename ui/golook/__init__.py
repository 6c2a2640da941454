"""Go look, go see in the window: :func:`install` builds it (``MainWindow._build_features``)
and returns the :class:`GoLookFeature`.

- a "Go look, go see" section in the detail panel (:class:`ui.golook.panel.GoLookPanel`);
- Tools ▸ Check all contacts' domains (progress and Cancel in the status bar);
- Tools ▸ Personas… (editor with JSON import/export) and Tools ▸ Work offline;
- :func:`check_contacts_in_background` for the import wizard: new contacts are checked without
  the window waiting;
- the status bar's :class:`ui.golook.notice.DnsNotice`: said once when DNS cannot be believed.

Settings and personas change through operations (``api.ops``, undoable); the long work (DNS
for every domain, every contact's persona fit) runs on ``api.tasks`` and announces what it
changed when done.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction

from app.changes import Changes
from app.golook.terms import SETTING_OFFLINE, UNTRUSTED_DETAIL
from ui.api import WindowApi
from ui.golook.notice import DnsNotice

if TYPE_CHECKING:
    from app.golook.checks import ContactsCheck
    from db.engine import Database
    from ui.golook.panel import GoLookPanel
    from ui.tasks import Task

__all__ = [
    "DnsNotice",
    "GoLookFeature",
    "check_all",
    "check_contacts_in_background",
    "install",
]

# a check of more contacts than this announces "every contact" rather than each id
MANY = 500


@dataclass(frozen=True)
class GoLookFeature:
    """What go look added to a window: its detail section and its Tools entries."""

    # the detail panel's section, built with the panel's body (at once if need be)
    get_panel: Callable[[], GoLookPanel]
    check_all: QAction
    personas: QAction
    offline: QAction
    notice: DnsNotice

    @property
    def panel(self) -> GoLookPanel:
        return self.get_panel()


# how long the status line explains the notice
NOTICE_MS = 15000


def install(api: WindowApi) -> GoLookFeature:
    notice = DnsNotice()
    api.add_status_widget(notice)
    # every domain check's result passes by it, before the runner counts the task done
    api.tasks.task_result.connect(lambda _task, result: notice.take_result(result))
    notice.announced.connect(lambda text: api.show_status(text, NOTICE_MS))

    def golook_panel() -> GoLookPanel:
        from ui.golook.panel import GoLookPanel  # with the detail panel's body

        return GoLookPanel(api)

    panel = api.detail.add_section("Go look, go see", golook_panel, 10)
    check = api.add_tools_action("Check all contacts' domains", lambda: check_all(api))
    personas = api.add_tools_action("Personas…", lambda: open_personas(api))
    offline = api.add_tools_action("Work offline (no DNS lookups)", None)
    offline.setCheckable(True)
    offline.setChecked(bool(api.stored_setting(SETTING_OFFLINE, False)))
    offline.toggled.connect(lambda on: set_offline(api, offline, bool(on)))
    api.ops.operation_did_execute.connect(follow_offline_setting(api, offline))
    return GoLookFeature(panel, check, personas, offline, notice)


def working_offline(db: Database) -> bool:
    """Whether the user works offline (no DNS lookups): the stored setting."""
    from app.settings import get_setting  # SQLAlchemy: at first use, not with the module

    return bool(get_setting(db, SETTING_OFFLINE, False))


def set_offline(api: WindowApi, action: QAction, on: bool) -> None:
    """Work offline or not (an operation: Edit ▸ Undo switches it back)."""
    db = api.db

    def failed(exc: Exception) -> None:
        action.blockSignals(True)
        action.setChecked(not on)
        action.blockSignals(False)
        api.show_status(f"Not changed: {exc}", 6000)

    from app import operations

    api.ops.run(
        lambda: operations.set_setting(
            db, SETTING_OFFLINE, on, label="working offline" if on else "working online"
        ),
        on_failure=failed,
    )


def follow_offline_setting(api: WindowApi, action: QAction) -> Callable[[Changes, object], None]:
    """Keep the menu's check mark on the stored setting (after Undo, for one)."""

    def follow(changes: Changes, _initiator: object) -> None:
        if changes.settings:
            stored = working_offline(api.db)
            if stored != action.isChecked():
                action.blockSignals(True)
                action.setChecked(stored)
                action.blockSignals(False)

    return follow


def _run_check(
    api: WindowApi, ids: Sequence[int] | None, label: str, refresh: bool = False
) -> Task:
    db = api.db
    id_list = list(ids) if ids is not None else None

    def job(progress: Callable[..., None], cancel: Any) -> ContactsCheck:
        # the checks' modules (DNS, the cache's tables) with the first check, not at start
        from app.golook.checks import check_contacts
        from app.golook.dns_check import load_dns_config

        config = load_dns_config(db)
        return check_contacts(
            db, id_list, config, refresh=refresh, progress=progress, cancelled=lambda: bool(cancel)
        )

    def done(result: ContactsCheck) -> None:
        b = result.domains
        if b.queried == 0 and b.answers and b.from_cache == len(b.answers):
            parts = [
                f"Nothing to ask: all {b.from_cache:,} domain(s) were checked recently "
                "(Check again on a contact asks anew)"
            ]
        else:
            parts = [f"Checked {b.queried:,} domain(s)"]
        if b.from_cache and b.queried:
            parts.append(f"{b.from_cache:,} known already")
        if b.failed:
            parts.append(f"{b.failed:,} without an answer (mail host unknown)")
        if b.distrusted:
            parts.append(f"{b.distrusted:,} not believed ({UNTRUSTED_DETAIL}: mail host unknown)")
        if b.cancelled:
            parts.append("cancelled")
        if b.gave_up:
            parts.append("DNS does not answer: stopped (check the network or Work offline)")
        api.show_status(", ".join(parts), 8000)
        # the DNS answers, and with them domain classes, persona fits and scores, may differ
        if id_list is None or len(id_list) > MANY:
            api.ops.announce(Changes(all_contacts=True))
        else:
            api.ops.announce(Changes.of(contacts=id_list))

    def failed(exc: BaseException) -> None:
        api.show_status(f"Checking domains failed: {exc}", 8000)

    return api.tasks.run(job, on_done=done, on_error=failed, label=label)


def check_all(api: WindowApi, refresh: bool = False) -> Task:
    """Check every contact's domain (each domain once; cached answers are reused)."""
    return _run_check(api, None, "Checking domains", refresh)


def check_contacts_in_background(api: WindowApi, ids: Sequence[int]) -> Task | None:
    """For the import wizard: check these (new) contacts' domains without blocking the window.
    Does nothing for an empty list or when the user works offline."""
    if not ids or working_offline(api.db):
        return None
    return _run_check(api, ids, "Checking new contacts' domains")


def recompute_persona_fit(api: WindowApi) -> Task:
    """After personas changed: every contact's best persona, in the background."""
    db = api.db

    def job(progress: Callable[..., None], cancel: Any) -> int:
        from app.golook.derived import refresh_golook_columns  # (the address lists with it)

        return refresh_golook_columns(db, None, progress=progress, cancelled=lambda: bool(cancel))

    return api.tasks.run(
        job,
        on_done=lambda _n: api.ops.announce(Changes(all_contacts=True)),
        label="Updating persona fit",
    )


def after_writes(api: WindowApi, fn: Callable[[], Any]) -> None:
    """Call ``fn`` once every queued operation has committed."""
    if not api.ops.busy:
        fn()
        return

    def idle(busy: bool) -> None:
        if not busy:
            api.ops.busy_changed.disconnect(idle)
            fn()

    api.ops.busy_changed.connect(idle)


def open_personas(api: WindowApi) -> None:
    from ui.golook.personas_dialog import PersonaDialog

    dialog = PersonaDialog(api)
    dialog.exec()
    if dialog.changed:  # once its changes have committed: every contact's fit follows
        after_writes(api, lambda: recompute_persona_fit(api))
