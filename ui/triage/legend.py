"""The key legend under the triage card: key caps with their meaning, wrapping to the width."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayout, QLayoutItem, QVBoxLayout, QWidget


class FlowLayout(QLayout):
    """Items left to right, wrapping onto the next line when the width runs out."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._gap = spacing

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _arrange(self, rect: QRect, move: bool) -> int:
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        x, y, line = area.x(), area.y(), 0
        for item in self._items:
            hint = item.sizeHint()
            if x + hint.width() > area.right() + 1 and line > 0:
                x, y, line = area.x(), y + line + self._gap, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._gap
            line = max(line, hint.height())
        return y + line - rect.y() + m.bottom()


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
