"""The large triage card: everything known about one contact, laid out to be read at a glance.
All user text is shown as plain text."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPaintEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.stages import StageInfo
from app.timeutil import local_text
from app.triage import TriageCard
from ui.contact_table import DOMAIN_BADGES
from ui.leads.activity_edit import ActivityEditor
from ui.leads.tasks_box import TasksBox
from ui.line_breaks import WrappedLabel
from ui.qualification import BantEditor
from ui.theme import soft_badge, text_on, tint

SCORE_BADGE = ("#334E68", "#EDF1F6")  # (text, fill) as designed for a light window

CARD_STYLE = """
#triageCard { background: palette(base); border: 1px solid palette(mid); border-radius: 12px; }
#triageName { font-size: 19pt; font-weight: bold; color: palette(text); }
#triageSubtitle { font-size: 11.5pt; color: palette(text); }
#triageVerdict { font-size: 10.5pt; color: palette(text); background: palette(midlight);
                 border-radius: 6px;
                 padding: 7px 10px; }
#factLabel { color: palette(placeholder-text); }
#factValue { color: palette(text); }
#blockTitle { color: palette(placeholder-text); font-size: 8pt; font-weight: bold;
              letter-spacing: 1px; }
#blockText { color: palette(text); }
#blockEmpty { color: palette(placeholder-text); font-style: italic; }
#blockHint { color: palette(placeholder-text); font-size: 8.5pt; }
#blockHint[answering="true"] { color: palette(link); font-weight: bold; }
"""


def _label(text: str = "", name: str | None = None, wrap: bool = True) -> QLabel:
    label = WrappedLabel(text) if wrap else QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
    return label


class Chip(QWidget):
    """A small rounded badge (stage, address class, score); the text is drawn as plain text.
    ``colors()`` gives its (text, fill) in the palette in use: asked at each paint, so a chip
    follows the system turning dark."""

    def __init__(self, text: str, colors: Callable[[], tuple[QColor, QColor]]) -> None:
        super().__init__()
        self.text = text
        self.colors = colors
        self.chip_font = QFont(self.font())
        self.chip_font.setBold(True)
        self.chip_font.setPointSizeF(self.chip_font.pointSizeF() * 0.9)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        fm = QFontMetrics(self.chip_font)
        return QSize(fm.horizontalAdvance(self.text) + 18, fm.height() + 6)

    def paintEvent(self, _event: QPaintEvent) -> None:
        fg, bg = self.colors()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect())
        path = QPainterPath()
        path.addRoundedRect(r, r.height() / 2, r.height() / 2)
        p.fillPath(path, bg)
        p.setFont(self.chip_font)
        p.setPen(fg)
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, self.text)
        p.end()


def stage_chip(text: str, color: str) -> Chip:
    """The stage's own colour, its name in white or dark text, whichever reads."""
    return Chip(text, lambda: (text_on(color), QColor(color)))


def address_chip(text: str, color: str) -> Chip:
    """A faint fill of the address class's colour, the text in that colour made readable."""
    return Chip(text, lambda: tint(color, 34 / 255))


def soft_chip(text: str, fg: str, bg: str) -> Chip:
    """A quiet badge designed as ``fg`` on a pale ``bg`` (deep-tinted on a dark palette)."""
    return Chip(text, lambda: soft_badge(fg, bg))


def _clear(layout: QVBoxLayout | QHBoxLayout | QGridLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item is None:
            break
        widget = item.widget()
        if widget is not None:
            widget.deleteLater()
        elif item.layout() is not None:
            _clear(item.layout())  # type: ignore[arg-type]


class Block(QWidget):
    """A titled block of lines (notes, activities, BANT, history)."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lay = QVBoxLayout(self)
        self.lay.setContentsMargins(0, 0, 0, 0)
        self.lay.setSpacing(4)
        self.title = _label(title.upper(), "blockTitle")
        self.body = QVBoxLayout()
        self.body.setSpacing(3)
        self.lay.addWidget(self.title)
        self.lay.addLayout(self.body)

    def set_lines(self, lines: Sequence[QWidget], empty: str) -> None:
        _clear(self.body)
        if not lines:
            self.body.addWidget(_label(empty, "blockEmpty"))
        for line in lines:
            self.body.addWidget(line)


class TriageCardWidget(QFrame):
    """Shows one :class:`TriageCard`; its BANT answers in ``bant_editor`` (editable: B)."""

    def __init__(
        self,
        bant_editor: BantEditor,
        parent: QWidget | None = None,
        *,
        tasks: TasksBox | None = None,
        activity_editor: ActivityEditor | None = None,
    ) -> None:
        super().__init__(parent)
        self.tasks_box, self.activity_editor = tasks, activity_editor  # ui.leads
        self.setObjectName("triageCard")
        self.setStyleSheet(CARD_STYLE)
        self.name = _label("", "triageName")
        self.subtitle = _label("", "triageSubtitle")
        self.chips = QHBoxLayout()
        self.chips.setSpacing(6)
        self.verdict = _label("", "triageVerdict")
        self.facts = QGridLayout()
        self.facts.setHorizontalSpacing(14)
        self.facts.setVerticalSpacing(5)
        self.facts.setColumnStretch(1, 1)
        self.facts.setColumnStretch(3, 1)
        self.notes = Block("Notes")
        self.activities = Block("Activities")
        self.bant = Block("Qualification (BANT)")
        self.bant_hint = _label("", "blockHint")
        self.bant_editor = bant_editor
        self.bant.body.addWidget(self.bant_hint)
        self.bant.body.addWidget(bant_editor)
        self.show_answering(False)
        self.history = Block("Stage history")

        top = QVBoxLayout()
        top.setSpacing(4)
        top.addLayout(self.chips)
        top.addWidget(self.name)
        top.addWidget(self.subtitle)
        left = QVBoxLayout()
        left.setSpacing(16)
        left.addWidget(self.notes)
        left.addWidget(self.activities)
        if tasks is not None:
            tasks.leave_keys_alone()  # the card's keys decide; the mouse works the tasks
            self.tasks = Block("Tasks")
            self.tasks.body.addWidget(tasks)
            left.addWidget(self.tasks)
        left.addStretch(1)
        right = QVBoxLayout()
        right.setSpacing(16)
        right.addWidget(self.bant)
        right.addWidget(self.history)
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.setSpacing(28)
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setStyleSheet("color: palette(midlight);")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(28, 22, 28, 24)
        lay.setSpacing(12)
        lay.addLayout(top)
        lay.addWidget(self.verdict)
        lay.addLayout(self.facts)
        lay.addWidget(line)
        lay.addLayout(columns)

    def show_card(self, card: TriageCard, stages: dict[str, StageInfo]) -> None:
        c = card.contact
        stage = stages.get(c.stage_key)
        self.name.setText(c.name or c.company or c.email or "(no name)")
        self.subtitle.setText(
            " · ".join(x for x in (c.title, c.company) if x) or "No job title or company given"
        )
        _clear(self.chips)
        if stage is not None:
            self.chips.addWidget(stage_chip(stage.name, stage.color))
        if c.domain_class is not None:
            label, color = DOMAIN_BADGES.get(c.domain_class, DOMAIN_BADGES[None])
            self.chips.addWidget(address_chip(label, color))
        if c.score is not None:
            fg, bg = ("#1B5E20", "#E3F4E8") if c.sales_ready else SCORE_BADGE
            text = f"Score {c.score}" + (" · sales-ready" if c.sales_ready else "")
            self.chips.addWidget(soft_chip(text, fg, bg))
        if c.response_due_at is not None and c.first_response_at is None:
            due = f"Answer due {local_text(c.response_due_at)}"
            self.chips.addWidget(soft_chip(due, "#8A1C1C", "#FDECEA"))
        self.chips.addStretch(1)
        self.verdict.setText(card.verdict or self._fallback_verdict(card))

        _clear(self.facts)
        facts = [
            ("E-mail", c.email),
            ("Phone", c.phone),
            ("Website", c.website),
            ("Location", ", ".join(x for x in (c.city, c.country) if x) or None),
            ("Industry", c.industry),
            ("Company size", f"{c.company_size:,} people" if c.company_size else None),
            ("Source", c.source),
            ("Received", local_text(c.received_at or c.created_at)),
        ]
        shown = [(k, v) for k, v in facts if v]
        for i, (key, value) in enumerate(shown):
            row, col = divmod(i, 2)
            self.facts.addWidget(
                _label(key, "factLabel", wrap=False), row, col * 2, Qt.AlignmentFlag.AlignTop
            )
            self.facts.addWidget(_label(str(value), "factValue"), row, col * 2 + 1)

        self.notes.set_lines([_label(c.notes, "blockText")] if c.notes else [], "No notes")
        acts = [
            _label(
                f"{local_text(a.at)}   {a.label}" + (f" — {a.note}" if a.note else ""), "blockText"
            )
            for a in reversed(card.activities[-8:])
        ]
        self.activities.set_lines(acts, "No activities yet")
        if self.activity_editor is not None:
            for line, activity in zip(acts, reversed(card.activities[-8:]), strict=True):
                self.activity_editor.attach(line, activity)
        if self.tasks_box is not None:
            self.tasks_box.set_contact(c.id)
        self.bant_editor.set_contact(c.id)

        def name(key: str | None) -> str:
            st = stages.get(key or "")
            return st.name if st else str(key)

        history: list[QWidget] = []
        for h in reversed(card.history[-6:]):
            text = f"{local_text(h.at, with_time=False)}   " + (
                f"{name(h.from_key)} → {name(h.to_key)}"
                if h.from_key
                else f"Created in {name(h.to_key)}"
            )
            if h.reason:
                text += f" — {h.reason}"
            line = _label(text, "blockText")
            if h.undone_at is not None:
                font = line.font()
                font.setStrikeOut(True)
                line.setFont(font)
            history.append(line)
        self.history.set_lines(history, "No history")

    def show_answering(self, answering: bool) -> None:
        """Say whether the keys answer BANT now (B) or decide the contact."""
        self.bant_hint.setText(
            "Answering with the keys — Esc to go back"
            if answering
            else "Press B to answer from the keyboard"
        )
        self.bant_hint.setProperty("answering", "true" if answering else "false")
        self.bant_hint.style().unpolish(self.bant_hint)
        self.bant_hint.style().polish(self.bant_hint)

    @staticmethod
    def _fallback_verdict(card: TriageCard) -> str:
        """Without the go-look feature: the address class and persona fit from the row."""
        c = card.contact
        label = DOMAIN_BADGES.get(c.domain_class, DOMAIN_BADGES[None])[0]
        parts = [f"{label} ({c.domain})" if c.domain else label]
        if c.persona_name:
            fit = f" {round(c.persona_fit * 100)}%" if c.persona_fit is not None else ""
            parts.append(f"fits '{c.persona_name}'{fit}")
        else:
            parts.append("no persona fit yet")
        return " · ".join(parts)
