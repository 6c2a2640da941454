"""Qualification in the window: BANT, score and follow-up sections in the detail panel, list
actions (promote, next action, consent), Tools ▸ Scoring rules…, the overdue count in the
status bar, and score recomputes in the background.

``install(window)`` is listed in ``ui.main_window.FEATURE_INSTALLERS``. The widgets are usable
on their own (e.g. in triage): ``BantEditor(db, parent, apply=...)``,
``ScoreBreakdownView(db, parent)``, ``FollowUpView(db, parent)``, each with
``set_contact(id | None)``; :func:`bant_applier` gives an ``apply`` that goes through the undo
stack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMenu, QMessageBox, QPushButton

from app import followup, scoring
from app.errors import WinnowError
from app.scoring import RecomputeResult
from db.engine import DatabaseError
from ui.qualification.bant_editor import Apply, BantEditor
from ui.qualification.commands import SetBantCommand, SetConsentCommand, SetNextActionCommand
from ui.qualification.followup_view import FollowUpView
from ui.qualification.rules_dialog import ScoringRulesDialog
from ui.qualification.score_view import ScoreBreakdownView
from ui.undo import UndoableCommand, push_command

__all__ = [
    "BantEditor",
    "FollowUpView",
    "ScoreBreakdownView",
    "ScoringRulesDialog",
    "bant_applier",
    "install",
]

log = logging.getLogger(__name__)
OVERDUE_STYLE = (
    "QPushButton#overdueButton { color: #C62828; font-weight: bold; border: none; "
    "background: transparent; padding: 0 8px; }"
)


def _push(window: Any, command: UndoableCommand) -> bool:
    try:
        push_command(window.undo_stack, command)
    except (WinnowError, DatabaseError) as exc:
        QMessageBox.warning(window, "Not saved", str(exc))
        window.notify_changed([])
        return False
    return True


def bant_applier(window: Any) -> Apply:
    """An ``apply`` for :class:`BantEditor` that pushes an undoable command in ``window``."""

    def apply(cid: int, answers: dict[str, str], notes: dict[str, str | None]) -> None:
        _push(
            window, SetBantCommand(window.db, cid, answers, notes, on_change=window.notify_changed)
        )

    return apply


def set_next_action(window: Any, ids: list[int], when: datetime | None) -> None:
    if ids:
        _push(window, SetNextActionCommand(window.db, ids, when, on_change=window.notify_changed))


def set_consent(window: Any, ids: list[int], state: str, how: str | None = None) -> None:
    if ids:
        _push(
            window,
            SetConsentCommand(window.db, ids, state, how or None, on_change=window.notify_changed),
        )


def promote(window: Any, ids: list[int]) -> None:
    """Move the sales-ready contacts among ``ids`` to Sales qualified (undoable)."""
    from app.contacts import ContactQuery, query_ids

    ready = query_ids(window.db, ContactQuery(ids=tuple(ids), queue="sales-ready"))
    if not ready:
        window.statusBar().showMessage("None of these contacts is sales-ready.", 4000)
        return
    threshold = scoring.scoring_settings(window.db).threshold
    window.move_contacts(
        ready,
        scoring.TARGET_STAGE,
        reason=f"Promoted: sales-ready (score ≥ {threshold} or asked for sales)",
    )


def recompute_in_background(window: Any, label: str = "Recomputing scores") -> None:
    """Full recompute on a worker, with progress and Cancel in the status bar."""

    def done(result: RecomputeResult) -> None:
        window.notify_changed([])
        moved = f"; {len(result.moved):,} moved to Sales qualified" if result.moved else ""
        if not result.cancelled:
            window.statusBar().showMessage(
                f"Scores updated for {result.contacts:,} contacts{moved}.", 5000
            )

    window.tasks.run(
        scoring.recompute_all,
        window.db,
        on_done=done,
        label=label,
        on_error=lambda exc: log.warning("recompute failed: %s", exc),
    )


def open_rules_dialog(window: Any) -> None:
    dialog = ScoringRulesDialog(scoring.scoring_settings(window.db), window)
    if dialog.exec() != ScoringRulesDialog.DialogCode.Accepted:
        return
    new = dialog.settings()
    try:
        changed = scoring.save_scoring_settings(
            window.db,
            rules=new.rules,
            threshold=new.threshold,
            automation=new.automation,
            sla_hours=new.sla_hours,
        )
    except (WinnowError, DatabaseError) as exc:
        QMessageBox.warning(window, "Scoring rules", f"The rules were not saved.\n\n{exc}")
        return
    if changed:
        recompute_in_background(window)


def _list_menu(window: Any) -> Callable[[QMenu, list[int]], None]:
    def extend(menu: QMenu, ids: list[int]) -> None:
        if menu.parent() is not window or not ids:  # the list is per window, the hook is not
            return
        menu.addSeparator()
        act = menu.addAction("Promote to Sales qualified")
        act.triggered.connect(lambda: promote(window, ids))
        nxt = menu.addMenu("Next action")
        for key, text in (
            ("today", "Today"),
            ("tomorrow", "Tomorrow"),
            ("next-week", "Next week"),
            ("next-month", "In a month"),
        ):
            a = nxt.addAction(text)
            a.triggered.connect(
                lambda _c=False, k=key: set_next_action(window, ids, followup.quick_pick(k))
            )
        clear = nxt.addAction("Clear")
        clear.triggered.connect(lambda: set_next_action(window, ids, None))
        con = menu.addMenu("Consent to marketing")
        for state, text in (
            ("granted", "Granted"),
            ("withdrawn", "Withdrawn"),
            ("unknown", "Unknown"),
        ):
            a = con.addAction(text)
            a.triggered.connect(lambda _c=False, s=state: set_consent(window, ids, s))

    return extend


class OverdueIndicator(QPushButton):
    """ "12 overdue" in red in the status bar; a click shows the Overdue queue."""

    def __init__(self, window: Any) -> None:
        super().__init__("")
        self.window_ = window
        self.setObjectName("overdueButton")
        self.setStyleSheet(OVERDUE_STYLE)
        self.setFlat(True)
        self.setToolTip("Inquiries past their response due time without an answer")
        self.clicked.connect(self._show_queue)
        self.count = 0
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(400)
        self.timer.timeout.connect(self.refresh)
        self.minute = QTimer(self)  # due times pass while the window is open
        self.minute.setInterval(60_000)
        self.minute.timeout.connect(self.refresh)
        self.minute.start()
        self.hide()

    def schedule(self, *_args: Any) -> None:
        self.timer.start()

    def refresh(self, force: bool = False) -> None:
        """Recount on a worker; timers do nothing once the window is closed."""
        if not force and not self.window_.isVisible():
            return
        self.window_.tasks.run(
            followup.overdue_count,
            self.window_.db,
            on_done=self.show_count,
            on_error=lambda exc: log.warning("overdue count: %s", exc),
        )

    def show_count(self, n: int) -> None:
        self.count = int(n)
        self.setText(f"{n:,} overdue")
        self.setVisible(n > 0)

    def _show_queue(self) -> None:
        from ui.sidebar import SidebarFilter

        self.window_.sidebar.select_filter(SidebarFilter("queue", "overdue"))
        self.window_.show_view("list")


def install(window: Any) -> None:
    """Add the qualification parts to a MainWindow."""
    from ui import main_window

    db = window.db
    main_window.QUEUE_LABELS.setdefault("sales-ready", "Sales-ready")

    follow = FollowUpView(db)
    follow.next_action_requested.connect(lambda cid, when: set_next_action(window, [cid], when))
    follow.consent_requested.connect(lambda cid, state, how: set_consent(window, [cid], state, how))
    bant = BantEditor(db, apply=bant_applier(window))
    score = ScoreBreakdownView(db)
    score.promote_requested.connect(lambda cid: promote(window, [cid]))
    window.detail.add_section("Score", score, 20)
    window.detail.add_section("Qualification (BANT)", bant, 25)
    window.detail.add_section("Follow-up and consent", follow, 40)
    window.qualification_widgets = {"followup": follow, "bant": bant, "score": score}

    window.list_menu_extensions.append(_list_menu(window))
    rules = window.menu_tools.addAction("Scoring &rules…")
    rules.triggered.connect(lambda _c=False: open_rules_dialog(window))
    rescore = window.menu_tools.addAction("Recompute &scores")
    rescore.triggered.connect(lambda _c=False: recompute_in_background(window))

    overdue = OverdueIndicator(window)
    window.statusBar().addPermanentWidget(overdue)
    window.overdue_indicator = overdue
    window.data_changed.connect(overdue.schedule)
    overdue.refresh(force=True)  # on opening, the status bar says how many are overdue
    if scoring.recompute_needed(db):  # activity points fade: bring scores up to date daily
        recompute_in_background(window, "Updating scores")
    window.refresh_counts()
