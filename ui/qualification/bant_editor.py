"""BANT editor: each criterion yes / no / unknown with a note, and whether the contact qualifies.

Keyboard (for the detail panel and triage): ↑/↓ choose a criterion, Y / N / U (or ?) answer it,
the criterion's first letter jumps to it (B, A, N… when not an answer key), Enter edits its note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app import qualification
from app.errors import WinnowError
from app.qualification import BantItem, BantStatus
from db.engine import Database, DatabaseError
from ui.detail_sections import ContactSection
from ui.line_breaks import WrappedLabel
from ui.theme import follow_palette, soft_badge, theme_colors

if TYPE_CHECKING:
    from app.contact_view import ContactView

# fn(exception): the change was not saved
Failed = Callable[[Exception], None]
# (contact id, {criterion key: answer}, {criterion key: note}, failed) -> None: queue the change
Apply = Callable[[int, dict[str, str], dict[str, str | None], Failed], None]

ANSWER_TEXT = {"yes": "Yes", "no": "No", "unknown": "?"}
ANSWER_TIPS = {"yes": "Yes (Y)", "no": "No (N)", "unknown": "Unknown (U)"}
MARK = {"yes": "✓", "no": "✗", "unknown": "·"}
NOTE_CHARS = 10  # a note field narrower than this many characters goes under its buttons


def bant_style(palette: QPalette) -> str:
    """The answer buttons and the summary in the palette's colours (light or dark): a chosen
    answer is a soft green, red or grey badge whose text reads at 4.5:1 or more."""
    c = theme_colors(palette)
    yes_fg, yes_bg = soft_badge("#1B5E20", "#E3F4E8", palette)
    no_fg, no_bg = soft_badge("#B71C1C", "#FDECEA", palette)
    unknown_fg, unknown_bg = soft_badge("#52606D", "#EEF1F5", palette)
    return f"""
#bantEditor QToolButton {{ border: 1px solid {c["border_strong"]}; background: {c["base"]};
  color: {c["text"]}; padding: 2px 8px; min-width: 26px; }}
#bantEditor QToolButton:checked[answer="yes"] {{ background: {yes_bg.name()};
  color: {yes_fg.name()}; border-color: #2E9E5B; font-weight: bold; }}
#bantEditor QToolButton:checked[answer="no"] {{ background: {no_bg.name()};
  color: {no_fg.name()}; border-color: #C62828; font-weight: bold; }}
#bantEditor QToolButton:checked[answer="unknown"] {{ background: {unknown_bg.name()};
  color: {unknown_fg.name()}; }}
#bantEditor QLabel[current="true"] {{ color: {c["current"]}; font-weight: bold; }}
#bantStatus[qualified="true"] {{ color: {c["success"]}; font-weight: bold; }}
#bantStatus[qualified="false"] {{ color: {c["caution"]}; }}
"""


class BantEditor(ContactSection):
    """``BantEditor(db, parent, apply=None)``: the detail panel pushes each contact
    (``show_view``); on its own, ``set_contact(id | None)`` reads one.

    A change shows at once and goes through ``apply(contact_id, answers, notes, failed)``
    (:func:`ui.qualification.bant_applier` queues the operation on the window's writer); if it
    is not saved, ``failed`` puts the answers back. Without ``apply`` the editor only shows.
    ``edited(contact_id)`` follows each change.
    """

    edited = Signal(int)

    def __init__(
        self, db: Database, parent: QWidget | None = None, apply: Apply | None = None
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.apply = apply
        self.contact_id: int | None = None
        self.status: BantStatus | None = None
        self.current = 0
        self.setObjectName("bantEditor")
        follow_palette(self, bant_style)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.summary = WrappedLabel()
        self.summary.setObjectName("bantStatus")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(6)
        self.grid.setVerticalSpacing(4)
        self.grid.setColumnStretch(4, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.summary)
        lay.addLayout(self.grid)
        self._rows: list[tuple[BantItem, QLabel, dict[str, QToolButton], QLineEdit]] = []
        self._groups: list[QButtonGroup] = []
        # each note beside its criterion's buttons, or (a narrow panel) on a line under them
        self.notes_beside = True

    # --- showing ---------------------------------------------------------------------------
    def show_view(self, view: ContactView | None) -> None:
        self.show_status(view.bant if view is not None else None)

    def show_status(self, status: BantStatus | None) -> None:
        """Show these answers (None: no contact); unchanged answers keep the rows as they are
        (and a note being typed)."""
        same = (
            status is not None
            and self.status is not None
            and status.contact_id == self.contact_id
            and _shown(status) == _shown(self.status)
        )
        self.contact_id = status.contact_id if status is not None else None
        self.status = status
        if not same:
            self._build()

    def set_contact(self, contact_id: int | None) -> None:
        self.contact_id = contact_id
        self.refresh()

    def refresh(self) -> None:
        """Read the shown contact's answers (for an editor used on its own)."""
        status = None
        if self.contact_id is not None:
            try:
                status = qualification.get_bant(self.db, self.contact_id)
            except (WinnowError, DatabaseError):
                status = None
        if status is not None:
            self.show_status(status)
        else:
            self.status = None
            self._build()

    def _build(self) -> None:
        while self.grid.count():
            taken = self.grid.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
        self._rows.clear()
        self._groups.clear()
        status = self.status
        if status is None:
            self.summary.setText("")
            return
        for row, item in enumerate(status.items):
            label = QLabel(item.name + ("" if item.required else " (optional)"))
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setToolTip("Required to qualify" if item.required else "Not required")
            group = QButtonGroup(self)
            group.setExclusive(True)
            buttons: dict[str, QToolButton] = {}
            for answer in ("yes", "no", "unknown"):
                button = QToolButton()
                button.setObjectName(f"bant_{item.key}_{answer}")
                button.setText(ANSWER_TEXT[answer])
                button.setToolTip(ANSWER_TIPS[answer])
                button.setCheckable(True)
                button.setProperty("answer", answer)
                button.setChecked(item.answer == answer)
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                button.clicked.connect(
                    lambda _c=False, k=item.key, a=answer, r=row: self._clicked(r, k, a)
                )
                group.addButton(button)
                buttons[answer] = button
            note = QLineEdit(item.note or "")
            note.setObjectName(f"bant_note_{item.key}")
            note.setPlaceholderText("Note")
            note.setToolTip(f"A note on {item.name}")
            note.editingFinished.connect(lambda k=item.key, e=note: self._note_done(k, e))
            self._groups.append(group)
            self._rows.append((item, label, buttons, note))
        self.notes_beside = self._room_beside(self.width())
        self._place()
        self.current = min(self.current, max(0, len(self._rows) - 1))
        self._mark_current()
        self._show_summary(status)

    # --- placing: the notes beside the buttons, or under them in a narrow panel ---------------
    def _room_beside(self, width: int) -> bool:
        """Whether a note beside its buttons gets room for NOTE_CHARS characters (at 1024 px
        the panel left it 40 px: its "Note" showed as "…")."""
        if not self._rows:
            return True
        spacing = self.grid.horizontalSpacing()
        labels = max(label.sizeHint().width() for _i, label, _b, _n in self._rows)
        buttons = max(
            sum(b.sizeHint().width() for b in bs.values()) for _i, _l, bs, _n in self._rows
        )
        note = self._rows[0][3]
        least = note.fontMetrics().averageCharWidth() * NOTE_CHARS + 12
        return labels + buttons + least + 4 * spacing <= width

    def _place(self) -> None:
        """Each criterion's row: label, Yes / No / ?, and its note beside them or (when
        ``notes_beside`` is false) on a line of its own under the buttons, as wide as the
        panel allows."""
        grid = self.grid
        for i, (_item, label, buttons, note) in enumerate(self._rows):
            for widget in (label, *buttons.values(), note):
                grid.removeWidget(widget)
            row = i if self.notes_beside else 2 * i
            grid.addWidget(label, row, 0)
            for col, button in enumerate(buttons.values(), start=1):
                grid.addWidget(button, row, col)
            if self.notes_beside:
                grid.addWidget(note, row, 4)
            else:
                grid.addWidget(note, row + 1, 1, 1, 4)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        beside = self._room_beside(event.size().width())
        if beside != self.notes_beside:
            self.notes_beside = beside
            self._place()

    def _show_summary(self, status: BantStatus) -> None:
        if not status.items:
            text = "No qualification criteria defined."
        elif status.qualified:
            text = "Qualified: every required criterion is answered yes."
        else:
            text = "Not qualified yet — missing: " + ", ".join(status.missing)
        self.summary.setText(text)
        self.summary.setProperty("qualified", "true" if status.qualified else "false")
        self.summary.style().unpolish(self.summary)
        self.summary.style().polish(self.summary)

    def _mark_current(self) -> None:
        for i, (_item, label, _b, _n) in enumerate(self._rows):
            label.setProperty(
                "current", "true" if i == self.current and self.hasFocus() else "false"
            )
            label.style().unpolish(label)
            label.style().polish(label)

    # --- editing ---------------------------------------------------------------------------
    def _clicked(self, row: int, key: str, answer: str) -> None:
        self.current = row
        self.set_answer(key, answer)

    def set_answer(self, key: str, answer: str) -> None:
        """Answer one criterion for the shown contact."""
        self._send({key: answer}, {})

    def _note_done(self, key: str, edit: QLineEdit) -> None:
        if self.status is None:
            return
        old = next((i.note for i in self.status.items if i.key == key), None)
        new = edit.text().strip() or None
        if new != old:
            self._send({}, {key: new})

    def _send(self, answers: dict[str, str], notes: dict[str, str | None]) -> None:
        if self.contact_id is None or self.status is None or self.apply is None:
            return
        cid, before = self.contact_id, self.status

        def failed(exc: Exception) -> None:
            if self.contact_id == cid and self.status is not before:
                self.status = before
                self._build()
                self.summary.setText(f"Not saved: {exc}")

        self.apply(cid, answers, notes, failed)
        # shown at once; the saved answers follow when the operation has committed
        self.status = BantStatus(
            cid,
            tuple(
                replace(
                    item,
                    answer=answers.get(item.key, item.answer),
                    note=notes.get(item.key, item.note),
                )
                for item in before.items
            ),
        )
        self._build()
        self.edited.emit(cid)

    # --- keyboard --------------------------------------------------------------------------
    def handle_key(self, event: QKeyEvent) -> bool:
        """Apply a key (also from triage); True when it was used."""
        if not self._rows:
            return False
        key = event.key()
        text = event.text().lower()
        if key == Qt.Key.Key_Down:
            self.current = (self.current + 1) % len(self._rows)
        elif key == Qt.Key.Key_Up:
            self.current = (self.current - 1) % len(self._rows)
        elif text in ("y", "n", "u", "?"):
            answer = {"y": "yes", "n": "no"}.get(text, "unknown")
            self.set_answer(self._rows[self.current][0].key, answer)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._rows[self.current][3].setFocus()
        else:
            starts = [
                i
                for i, (item, *_r) in enumerate(self._rows)
                if text and item.name.lower().startswith(text)
            ]
            if not starts:
                return False
            self.current = starts[0]
        self._mark_current()
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.handle_key(event):
            super().keyPressEvent(event)

    def focusInEvent(self, event: object) -> None:  # type: ignore[override]
        super().focusInEvent(event)  # type: ignore[arg-type]
        self._mark_current()

    def focusOutEvent(self, event: object) -> None:  # type: ignore[override]
        super().focusOutEvent(event)  # type: ignore[arg-type]
        self._mark_current()

    # --- for tests and triage --------------------------------------------------------------
    def answers(self) -> dict[str, str]:
        return {
            item.key: next(a for a, b in buttons.items() if b.isChecked())
            for item, _l, buttons, _n in self._rows
        }


def _shown(status: BantStatus) -> list[tuple[str, str, bool, str, str | None]]:
    return [(i.key, i.name, i.required, i.answer, i.note) for i in status.items]
