"""Helpers for moves the gates stop (app.gates): make contacts pass them, or answer the window's
"Qualify first" question."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import QApplication

from app import consent, qualification
from db.engine import Database
from ui.leads.qualify_first import QualifyFirstDialog


def qualify(db: Database, contact_ids: Sequence[int]) -> None:
    """Answer every criterion yes and grant consent: the contacts pass both gates."""
    keys = [c.key for c in qualification.list_criteria(db)]
    for cid in contact_ids:
        qualification.set_bant(db, cid, dict.fromkeys(keys, "yes"))
    consent.set_consent(db, list(contact_ids), "granted")


def open_qualify_first(qtbot: Any, timeout: int = 5000) -> QualifyFirstDialog:
    """The "Qualify first" question once it is shown."""
    found: list[QualifyFirstDialog] = []

    def shown() -> bool:
        found[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QualifyFirstDialog) and w.isVisible()
        ]
        return bool(found)

    qtbot.waitUntil(shown, timeout=timeout)
    return found[-1]


def move_anyway(qtbot: Any, reason: str = "the owner asked for a call") -> list[str]:
    """Answer the shown "Qualify first" question with a reason to move anyway; the problems
    it listed, one line per contact."""
    dialog = open_qualify_first(qtbot)
    shown = [dialog.problems.item(i).text() for i in range(dialog.problems.count())]
    dialog.reason.setText(reason)
    assert dialog.move_anyway.isEnabled()
    dialog.move_anyway.click()
    return shown
