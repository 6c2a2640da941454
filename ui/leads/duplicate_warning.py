"""The new-contact form's warning about a likely duplicate (issue 12, item 6): as the user types
a name, company, e-mail or phone, the existing contacts these values match
(:func:`app.duplicates.likely_duplicates_of`, read on a worker thread, a moment after the last
key) are named with the evidence, each with a link that opens it instead of creating another."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from app.duplicates import DuplicatePair, likely_duplicates_of
from db.engine import Database
from ui.contrast import mix, readable
from ui.line_breaks import WrappedLabel
from ui.theme import current_palette, follow_palette

SHOWN = 3  # the best matches named; more are counted


# the warning's hue: a pale tint of it behind the text, a stronger one as the border
AMBER = "#E08A00"


def warning_colors(palette: QPalette) -> dict[str, QColor]:
    """The warning's fill, border, text and link colours for ``palette``: a faint amber over
    the palette's Base (pale on a light palette, deep on a dark one); text and links keep
    4.5:1 on that fill."""
    fill = mix(palette.color(QPalette.ColorRole.Base), AMBER, 0.12)
    return {
        "fill": fill,
        "border": mix(palette.color(QPalette.ColorRole.Base), AMBER, 0.5),
        "text": readable(palette.color(QPalette.ColorRole.Text), fill),
        "link": readable(palette.color(QPalette.ColorRole.Link), fill),
    }


def warning_sheet(palette: QPalette) -> str:
    c = {name: color.name() for name, color in warning_colors(palette).items()}
    return (
        f"#duplicateWarning {{ background: {c['fill']}; border: 1px solid {c['border']};"
        f" border-radius: 4px; }}\n#duplicateText {{ color: {c['text']}; }}"
    )


class _Done(QObject):
    found = Signal(int, object)  # generation, list[DuplicatePair]


class _Lookup(QRunnable):
    def __init__(self, db: Database, values: dict[str, Any], generation: int, done: _Done) -> None:
        super().__init__()
        self.db, self.values, self.generation, self.done = db, values, generation, done

    def run(self) -> None:
        try:
            found: list[DuplicatePair] = likely_duplicates_of(self.db, self.values)
        except Exception:  # a read that failed warns about nothing; creating still works
            found = []
        self.done.found.emit(self.generation, found)


class DuplicateWarning(QFrame):
    """Hidden until the values match a contact; ``open_requested(contact_id)`` when a link is
    clicked. ``watch(values)`` is called with the form's current values on every change."""

    open_requested = Signal(int)

    def __init__(self, db: Database, parent: QWidget | None = None, delay_ms: int = 350) -> None:
        super().__init__(parent)
        self.setObjectName("duplicateWarning")
        self.db = db
        self.pairs: list[DuplicatePair] = []
        self._values: dict[str, Any] = {}
        self._generation = 0
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._done = _Done(self)
        self._done.found.connect(self._found)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._look)
        self.text = WrappedLabel()  # wrapped at spaces, a hyphenated name or e-mail kept whole
        self.text.setObjectName("duplicateText")
        self.text.setTextFormat(Qt.TextFormat.RichText)  # the links; user text is escaped
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.text.linkActivated.connect(self._link)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.addWidget(self.text)
        self.hide()
        # colours from the palette in use (a fixed pale amber left the dark palette's light
        # text unreadable): made again, with the links, when the system turns dark or light
        follow_palette(self, warning_sheet, changed=lambda: self._show(self.pairs))

    def watch(self, values: Mapping[str, Any]) -> None:
        wanted = {k: v for k, v in values.items() if v not in (None, "")}
        if wanted == self._values:
            return
        self._values = wanted
        self._generation += 1  # an answer for older values is dropped
        if not any(wanted.get(k) for k in ("first_name", "last_name", "email", "phone")):
            self._show([])
            return
        self._timer.start()

    def _look(self) -> None:
        self._pool.start(_Lookup(self.db, dict(self._values), self._generation, self._done))

    def _found(self, generation: int, pairs: list[DuplicatePair]) -> None:
        if generation == self._generation:
            self._show(pairs)

    def _show(self, pairs: list[DuplicatePair]) -> None:
        self.pairs = list(pairs)
        if not pairs:
            self.hide()
            return
        link = warning_colors(current_palette())["link"].name()
        lines = []
        for p in pairs[:SHOWN]:
            cid = p.ids[0]
            name = escape(p.names[0] or f"contact {cid}")
            why = escape("; ".join(p.reasons))
            lines.append(f'<a href="contact:{cid}" style="color: {link}">{name}</a> — {why}')
        more = len(pairs) - SHOWN
        tail = f"<br>and {more:,} more" if more > 0 else ""
        self.text.setText(
            "<b>Likely already in Winnow:</b><br>" + "<br>".join(lines) + tail + "<br>Open it "
            "instead of creating another, or create anyway (Tools ▸ Find duplicates can merge "
            "them later)."
        )
        self.show()

    def _link(self, href: str) -> None:
        if href.startswith("contact:"):
            self.open_requested.emit(int(href.split(":", 1)[1]))

    def wait(self, msecs: int = 10000) -> bool:
        """For tests and closing: the lookup under way has finished."""
        return self._pool.waitForDone(msecs)


def connect_form(
    warning: DuplicateWarning, edits: Mapping[str, Any], values: Callable[[], Mapping[str, Any]]
) -> None:
    """Re-check whenever one of the form's line edits (``edits``: field → QLineEdit) changes."""
    for edit in edits.values():
        edit.textChanged.connect(lambda _t: warning.watch(values()))
