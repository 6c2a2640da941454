"""Qualification in the window: BANT, score and follow-up sections in the detail panel, list
actions (promote, next action, consent), Tools ▸ Scoring rules…, the overdue count in the
status bar, and score recomputes in the background.

:func:`install` builds it for a window (``MainWindow._build_features``) and returns the
:class:`QualificationFeature`. Every change is an operation on the window's writer
(``api.ops``): Edit ▸ Undo takes it back. The sections show what the detail panel pushes; the
editor also works on its own (triage): ``BantEditor(db, parent, apply=bant_applier(api))``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import QMenu, QPushButton

from app.changes import Changes
from ui.api import WindowApi
from ui.theme import follow_palette, theme_colors

if TYPE_CHECKING:  # the domain's modules (SQLAlchemy) are imported where first used
    from app.scoring import RecomputeResult
    from db.engine import Database
    from ui.qualification.bant_editor import Apply, BantEditor, Failed
    from ui.qualification.followup_view import FollowUpView
    from ui.qualification.rules_dialog import ScoringRulesDialog
    from ui.qualification.score_view import ScoreBreakdownView

__all__ = [
    "BantEditor",
    "FollowUpView",
    "OverdueIndicator",
    "QualificationFeature",
    "ScoreBreakdownView",
    "ScoringRulesDialog",
    "bant_applier",
    "install",
]

log = logging.getLogger(__name__)

# the sections' and the dialog's modules, imported when first built or asked for by name
# (``from ui.qualification import BantEditor``): the detail panel builds its sections when it
# first shows a contact, so the window's start need not load them (~0.015 s of CPU)
_LAZY = {
    "BantEditor": "ui.qualification.bant_editor",
    "FollowUpView": "ui.qualification.followup_view",
    "ScoringRulesDialog": "ui.qualification.rules_dialog",
    "ScoreBreakdownView": "ui.qualification.score_view",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


def overdue_style(palette: QPalette) -> str:
    """The status bar's overdue count in red, readable on the window's background."""
    return (
        f"QPushButton#overdueButton {{ color: {theme_colors(palette)['error']}; "
        "font-weight: bold; border: none; background: transparent; padding: 0 8px; }"
    )


@dataclass(frozen=True)
class QualificationFeature:
    """What the qualification feature added to a window."""

    # the detail panel's sections, built with the panel's body (at once if need be)
    get_bant: Callable[[], BantEditor]
    get_score: Callable[[], ScoreBreakdownView]
    get_followup: Callable[[], FollowUpView]
    overdue: OverdueIndicator
    rules_action: QAction
    rescore_action: QAction

    @property
    def bant(self) -> BantEditor:
        return self.get_bant()

    @property
    def score(self) -> ScoreBreakdownView:
        return self.get_score()

    @property
    def followup(self) -> FollowUpView:
        return self.get_followup()


# --- operations ----------------------------------------------------------------------------


def bant_section(api: WindowApi) -> BantEditor:
    """The detail panel's BANT section, built with the panel's body (its module only then: a
    function named after the module would be replaced by it once imported)."""
    from ui.qualification.bant_editor import BantEditor

    return BantEditor(api.db, apply=bant_applier(api))


def bant_applier(api: WindowApi) -> Apply:
    """An ``apply`` for :class:`BantEditor`: each change is one operation (undoable)."""
    from app import operations

    def apply(
        cid: int, answers: dict[str, str], notes: dict[str, str | None], failed: Failed
    ) -> None:
        db = api.db
        api.ops.run(lambda: operations.set_bant(db, cid, answers, notes), on_failure=failed)

    return apply


def set_next_action(api: WindowApi, ids: list[int], when: datetime | None) -> None:
    from app import operations

    if ids:
        db = api.db
        api.ops.run(
            lambda: operations.set_next_action(db, ids, when),
            failure_title="Next action not saved",
        )


def set_consent(api: WindowApi, ids: list[int], state: str, how: str | None = None) -> None:
    from app import operations

    if ids:
        db = api.db
        api.ops.run(
            lambda: operations.set_consent(db, ids, state, how=how or None),
            failure_title="Consent not saved",
        )


def promote(api: WindowApi, ids: list[int]) -> None:
    """Move the sales-ready contacts among ``ids`` to Sales qualified (undoable)."""
    from app import scoring
    from app.contacts import ContactQuery, query_ids

    ready = query_ids(api.db, ContactQuery(ids=tuple(ids), queue="sales-ready"))
    if not ready:
        api.show_status("None of these contacts is sales-ready.")
        return
    threshold = scoring.scoring_settings(api.db).threshold
    api.move_contacts(
        ready,
        scoring.TARGET_STAGE,
        reason=f"Promoted: sales-ready (score ≥ {threshold} or asked for sales)",
    )


def _scores_due(db: Database) -> bool:
    """Whether the daily recompute is due here: never in a window that may only read (the
    recompute, and even starting its clock, would be refused; those who write do it)."""
    from app import scoring
    from app.access import read_only_reason

    if read_only_reason(db) is not None:
        return False
    return scoring.recompute_needed(db)


def recompute_in_background(api: WindowApi, label: str = "Recomputing scores") -> None:
    """Every score again, on a worker with progress and Cancel in the status bar; the views
    hear about it when it is done."""
    from app import scoring

    def done(result: RecomputeResult) -> None:
        api.ops.announce(Changes(all_contacts=True))
        moved = f"; {len(result.moved):,} moved to Sales qualified" if result.moved else ""
        if not result.cancelled:
            api.show_status(f"Scores updated for {result.contacts:,} contacts{moved}.", 5000)

    api.tasks.run(
        scoring.recompute_all,
        api.db,
        on_done=done,
        label=label,
        on_error=lambda exc: log.warning("recompute failed: %s", exc),
    )


def open_rules_dialog(api: WindowApi) -> None:
    from app import operations, scoring
    from ui.qualification.rules_dialog import ScoringRulesDialog

    dialog = ScoringRulesDialog(scoring.scoring_settings(api.db), api.dialog_parent())
    if dialog.exec() != ScoringRulesDialog.DialogCode.Accepted:
        return
    new, db = dialog.settings(), api.db

    def saved(result: operations.OpResult[bool]) -> None:
        if result.value:  # rules, threshold or SLA changed: every score follows
            recompute_in_background(api)

    api.ops.run(
        lambda: operations.save_scoring_settings(
            db,
            rules=new.rules,
            threshold=new.threshold,
            automation=new.automation,
            sla_hours=new.sla_hours,
        ),
        on_success=saved,
        failure_title="Scoring rules not saved",
    )


def _list_menu(api: WindowApi) -> Callable[[QMenu, list[int]], None]:
    def extend(menu: QMenu, ids: list[int]) -> None:
        if not ids:
            return
        from app import followup  # SQLAlchemy: as the menu is first opened, not at start

        menu.addSeparator()
        act = menu.addAction("Promote to Sales qualified")
        act.triggered.connect(lambda: promote(api, ids))
        nxt = menu.addMenu("Next action")
        for key, text in (
            ("today", "Today"),
            ("tomorrow", "Tomorrow"),
            ("next-week", "Next week"),
            ("next-month", "In a month"),
        ):
            a = nxt.addAction(text)
            a.triggered.connect(
                lambda _c=False, k=key: set_next_action(api, ids, followup.quick_pick(k))
            )
        clear = nxt.addAction("Clear")
        clear.triggered.connect(lambda: set_next_action(api, ids, None))
        con = menu.addMenu("Consent to marketing")
        for state, text in (
            ("granted", "Granted"),
            ("withdrawn", "Withdrawn"),
            ("unknown", "Unknown"),
        ):
            a = con.addAction(text)
            a.triggered.connect(lambda _c=False, s=state: set_consent(api, ids, s))

    return extend


# --- the overdue count ---------------------------------------------------------------------


class OverdueIndicator(QPushButton):
    """ "12 overdue" in red in the status bar; a click shows the Overdue queue.

    The count is the sidebar's Overdue queue, as the window reads it (after a change to
    contacts or activities, the only things it depends on: ``add_queue_counts_listener``);
    recounted on its own every minute (due times pass while the window is open).
    """

    def __init__(self, api: WindowApi) -> None:
        super().__init__("")
        self.api = api
        self.setObjectName("overdueButton")
        follow_palette(self, overdue_style)
        self.setFlat(True)
        self.setToolTip("Inquiries past their response due time without an answer")
        self.clicked.connect(lambda _c=False: api.show_queue("overdue"))
        self.count = 0
        self.minute = QTimer(self)
        self.minute.setInterval(60_000)
        self.minute.timeout.connect(self.refresh)
        self.minute.start()
        api.add_queue_counts_listener(lambda queues: self.show_count(queues.get("overdue", 0)))
        self.hide()

    def refresh(self, force: bool = False) -> None:
        """Recount on a worker; timers do nothing once the window is closed."""
        from app import followup

        if not force and not self.window().isVisible():
            return
        self.api.tasks.run(
            followup.overdue_count,
            self.api.db,
            on_done=self.show_count,
            on_error=lambda exc: log.warning("overdue count: %s", exc),
        )

    def show_count(self, n: int) -> None:
        self.count = int(n)
        self.setText(f"{n:,} overdue")
        self.setVisible(n > 0)


# --- building it ---------------------------------------------------------------------------


def install(api: WindowApi) -> QualificationFeature:
    """Add the qualification parts to a window."""

    def follow_view() -> FollowUpView:
        from ui.qualification.followup_view import FollowUpView

        follow = FollowUpView()
        follow.next_action_requested.connect(lambda cid, when: set_next_action(api, [cid], when))
        follow.consent_requested.connect(
            lambda cid, state, how: set_consent(api, [cid], state, how)
        )
        return follow

    def score_view() -> ScoreBreakdownView:
        from ui.qualification.score_view import ScoreBreakdownView

        score = ScoreBreakdownView()
        score.promote_requested.connect(lambda cid: promote(api, [cid]))
        return score

    # built with the detail panel's body, when it first shows a contact
    score = api.detail.add_section("Score", score_view, 20)
    bant = api.detail.add_section("Qualification (BANT)", lambda: bant_section(api), 25)
    follow = api.detail.add_section("Follow-up and consent", follow_view, 40)

    api.add_list_menu_extension(_list_menu(api))
    rules = api.add_tools_action("Scoring &rules…", lambda: open_rules_dialog(api))
    rescore = api.add_tools_action("Recompute &scores", lambda: recompute_in_background(api))

    overdue = OverdueIndicator(api)  # counted with the sidebar's queues
    api.add_status_widget(overdue)

    def check_scores(needed: Any) -> None:
        if needed:  # activity points fade: bring scores up to date daily
            recompute_in_background(api, "Updating scores")

    api.after_usable(  # the window's start need not wait for it
        lambda: api.tasks.run(
            _scores_due,
            api.db,
            on_done=check_scores,
            on_error=lambda exc: log.warning("score check: %s", exc),
        )
    )
    return QualificationFeature(bant, score, follow, overdue, rules, rescore)
