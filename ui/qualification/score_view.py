"""Score breakdown: the score, a Sales-ready badge, and every rule with its points."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.scoring import ScoreExplanation
from ui.contrast import readable_on_base
from ui.detail_sections import ContactSection
from ui.theme import follow_palette, soft_badge, theme_colors

if TYPE_CHECKING:
    from app.contact_view import ContactView


def score_style(palette: QPalette) -> str:
    """The score, its badge and the threshold in the palette's colours (text at 4.5:1 or more,
    light or dark)."""
    c = theme_colors(palette)
    fg, bg = soft_badge("#1B5E20", "#E3F4E8", palette)
    return f"""
#scoreValue {{ font-size: 20pt; font-weight: bold; color: {c["strong"]}; }}
#salesReadyBadge {{ background: {bg.name()}; color: {fg.name()}; border: 1px solid #2E9E5B;
  border-radius: 9px; padding: 1px 8px; font-weight: bold; }}
#scoreThreshold {{ color: {c["muted"]}; }}
"""


# points won and lost, as designed for a light window (made readable on the one in use)
POSITIVE = QColor("#1B5E20")
NEGATIVE = QColor("#B71C1C")


class ScoreBreakdownView(ContactSection):
    """``ScoreBreakdownView(parent)``; ``show_view(view | None)`` shows a contact's score.

    ``promote_requested(contact_id)`` asks the window to move a sales-ready contact to Sales
    qualified (the button shows only when that is possible and moves are not automatic).
    """

    promote_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.contact_id: int | None = None
        self.explanation: ScoreExplanation | None = None
        self.setObjectName("scoreView")
        self.value = QLabel("")
        self.value.setObjectName("scoreValue")
        self.badge = QLabel("Sales-ready")
        self.badge.setObjectName("salesReadyBadge")
        self.threshold = QLabel("")
        self.threshold.setObjectName("scoreThreshold")
        self.promote = QPushButton("Promote to Sales qualified")
        self.promote.setObjectName("promoteButton")
        self.promote.clicked.connect(self._promote)
        top = QHBoxLayout()
        top.addWidget(self.value)
        top.addWidget(self.badge)
        top.addWidget(self.threshold, 1)
        promote_row = QHBoxLayout()
        promote_row.addStretch(1)
        promote_row.addWidget(self.promote)
        self.lines = QTreeWidget()
        self.lines.setObjectName("scoreLines")
        self.lines.setHeaderLabels(["Rule", "Points"])
        self.lines.setRootIsDecorated(False)
        self.lines.setMinimumHeight(60)
        self.lines.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.lines.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.lines.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, header.ResizeMode.Stretch)
        header.setSectionResizeMode(1, header.ResizeMode.ResizeToContents)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.lines)
        lay.addLayout(promote_row)
        follow_palette(self, score_style, changed=self._fill)  # points: coloured per palette

    def show_view(self, view: ContactView | None) -> None:
        self.contact_id = view.id if view is not None else None
        self.explanation = view.score if view is not None else None
        self._fill()

    def _fill(self) -> None:
        self.lines.clear()
        e = self.explanation
        if e is None:
            self.value.setText("")
            self.badge.hide()
            self.promote.hide()
            self.threshold.setText("")
            return
        self.value.setText(str(e.score))
        self.badge.setVisible(e.sales_ready)
        self.threshold.setText(f"sales-ready at {e.threshold}")
        self.promote.setVisible(e.promotable)
        for item in e.items:
            row = QTreeWidgetItem([item.rule, f"{item.points:+d}"])
            row.setToolTip(0, item.rule)
            row.setForeground(1, readable_on_base(POSITIVE if item.points > 0 else NEGATIVE))
            row.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.lines.addTopLevelItem(row)
        if not e.items:
            self.lines.addTopLevelItem(QTreeWidgetItem(["No rule applies yet", "0"]))
        rows = max(1, self.lines.topLevelItemCount())
        row_height = max(18, self.lines.sizeHintForRow(0))
        self.lines.setFixedHeight(self.lines.header().sizeHint().height() + rows * row_height + 6)

    def _promote(self) -> None:
        if self.contact_id is not None:
            self.promote_requested.emit(self.contact_id)
