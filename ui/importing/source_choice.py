"""The wizard's source label offers the sources the database already has (so a second list
from the same trade show lands under the same source, not a near-copy of its name)."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import QCompleter, QLineEdit, QStyle

from app import contacts
from db.engine import Database


def offer_existing_sources(edit: QLineEdit, db: Database) -> QCompleter:
    """Complete ``edit`` from the existing sources (any part of the name, any case), and put
    a button in it that lists them all."""
    names = [name for name, _n in contacts.distinct_sources(db)]
    completer = QCompleter(edit)
    completer.setModel(QStringListModel(names, completer))
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    edit.setCompleter(completer)
    if names:
        icon = edit.style().standardIcon(QStyle.StandardPixmap.SP_ArrowDown)
        action = edit.addAction(icon, QLineEdit.ActionPosition.TrailingPosition)
        action.setToolTip("Choose one of the sources already in Winnow")
        action.setObjectName("existingSources")

        def show_all() -> None:
            completer.setCompletionPrefix("")
            completer.complete()

        action.triggered.connect(show_all)
    return completer
