"""The key legend under the triage card: key caps with their meaning, wrapping to the width."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ui.flow_layout import FlowLayout


def legend_entry(key: str, text: str) -> QWidget:
    """One key cap and what it does (``text`` is shown as plain text: stage names are data)."""
    entry = QWidget()
    lay = QHBoxLayout(entry)
    lay.setContentsMargins(0, 0, 8, 0)
    lay.setSpacing(5)
    cap = QLabel(key)
    cap.setObjectName("legendKey")
    cap.setTextFormat(Qt.TextFormat.PlainText)
    meaning = QLabel(text)
    meaning.setObjectName("legendText")
    meaning.setTextFormat(Qt.TextFormat.PlainText)
    lay.addWidget(cap)
    lay.addWidget(meaning)
    return entry


class TriageLegend(QWidget):
    """The bar of keys under the card: the decision keys, or — while BANT is being answered from
    the keyboard — the BANT keys, or — while the reason bar is open — the reason keys."""

    def __init__(
        self,
        bant_keys: list[tuple[str, str]],
        parent: QWidget | None = None,
        reason_keys: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("legend")
        self.answering = False
        self.picking_reason = False
        self.decisions = QWidget()
        self._decision_layout = FlowLayout(self.decisions, spacing=6)
        self._decision_layout.setContentsMargins(24, 8, 24, 10)
        self.bant = QWidget()
        bant_layout = FlowLayout(self.bant, spacing=6)
        bant_layout.setContentsMargins(24, 8, 24, 10)
        for key, text in bant_keys:
            bant_layout.addWidget(legend_entry(key, text))
        self.bant.hide()
        self.reasons = QWidget()
        reason_layout = FlowLayout(self.reasons, spacing=6)
        reason_layout.setContentsMargins(24, 8, 24, 10)
        for key, text in reason_keys or []:
            reason_layout.addWidget(legend_entry(key, text))
        self.reasons.hide()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.decisions)
        lay.addWidget(self.bant)
        lay.addWidget(self.reasons)

    def set_decision_keys(self, entries: list[tuple[str, str]]) -> None:
        layout = self._decision_layout
        while layout.count():
            item = layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for key, text in entries:
            layout.addWidget(legend_entry(key, text))

    def show_answering(self, answering: bool) -> None:
        self.answering = answering
        self._show()

    def show_reasons(self, picking: bool) -> None:
        self.picking_reason = picking
        self._show()

    def _part(self) -> QWidget:
        if self.answering:
            return self.bant
        return self.reasons if self.picking_reason else self.decisions

    def _show(self) -> None:
        shown = self._part()
        for part in (self.decisions, self.bant, self.reasons):
            part.setVisible(part is shown)

    def shown_keys(self) -> list[str]:
        """The key caps the user sees now (for tests and the screenshot)."""
        return [w.text() for w in self._part().findChildren(QLabel, "legendKey")]
