"""Tools ▸ Personas…: define the buyer personas contacts are matched against; JSON import/export.

Each save, deletion, new order or import is one operation on the window's writer (Edit ▸ Undo
takes it back); the list follows when it has committed. When the dialog closes after a change,
every contact's best fit is recomputed in the background.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QIntValidator, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app import operations
from app.errors import WinnowError
from app.golook.persona_store import (
    SEEDED_SETTING,
    PersonaImport,
    delete_persona,
    ensure_default_personas,
    export_personas,
    import_personas,
    list_personas,
    reorder_personas,
    save_persona,
)
from app.golook.personas import Persona, PersonaCriteria
from app.golook.titles import SENIORITY_LEVELS
from app.operations import OpResult
from app.settings import get_setting
from ui import message_box
from ui.api import WindowApi
from ui.fields import fit_number
from ui.form_options import options_label
from ui.line_breaks import KeepHyphensDelegate, WrappedLabel
from ui.window_room import dialog_room

MOST_EMPLOYEES = 10_000_000  # the largest company size a persona takes


def _words(text: str) -> list[str]:
    return [w.strip() for w in text.replace(";", ",").replace("\n", ",").split(",") if w.strip()]


class WordsEdit(QPlainTextEdit):
    """A list of words ("buyer, purchasing, Einkauf, …") that wraps and is as tall as its
    lines (up to ``MAX_LINES``, then it scrolls): a long list reads in full where a one-line
    field showed its start and hid the rest. Tab moves on; a line break separates words as a
    comma does. ``text``/``setText`` as a line edit's."""

    MAX_LINES = 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.document().setDocumentMargin(2)  # one line as tall as a line edit
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().documentLayout().documentSizeChanged.connect(lambda _s: self._fit())
        self._fit()

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:
        self.setPlainText(text)
        self._fit()

    def setCursorPosition(self, position: int) -> None:
        cursor = self.textCursor()
        cursor.setPosition(position)
        self.setTextCursor(cursor)

    def lines(self) -> int:
        """The lines the text takes at the field's width (a wrapped line counts each part)."""
        return max(1, round(self.document().documentLayout().documentSize().height()))

    def _fit(self) -> None:
        lines = self.lines()
        self.setVerticalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAsNeeded
            if lines > self.MAX_LINES
            else Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        )
        margins = self.contentsMargins()
        height = (
            min(lines, self.MAX_LINES) * self.fontMetrics().lineSpacing()
            + 2 * round(self.document().documentMargin())
            + margins.top()
            + margins.bottom()  # the frame (with the style sheet's border and padding)
            + 2  # the last line's descent, in every style
        )
        if self.minimumHeight() != height or self.maximumHeight() != height:
            self.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()  # narrower: more lines


class PersonaDialog(QDialog):
    """A list of personas on the left, the selected one's criteria on the right."""

    def __init__(self, api: WindowApi) -> None:
        super().__init__(api.dialog_parent())
        self.api = api
        self.db = api.db
        self.setWindowTitle("Personas")
        self.setObjectName("personaDialog")
        self.changed = False  # something was saved (or is being saved)
        self.current: Persona | None = None

        self.persona_list = QListWidget()
        self.persona_list.setObjectName("personaList")
        self.persona_list.setProperty("framed", True)  # style.qss: a frame as a field's
        self.persona_list.currentItemChanged.connect(self._chosen)
        # a long name wraps onto a second line, never cut to "…"
        self.persona_list.setWordWrap(True)
        # wrapped at spaces: "Owner-manager" kept whole (ui.line_breaks)
        self.persona_list.setItemDelegate(KeepHyphensDelegate(self.persona_list))
        self.persona_list.setTextElideMode(Qt.TextElideMode.ElideNone)
        # as wide as its buttons (``_fit_size`` widens it for a long name), as tall as the form
        self.persona_list.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        self.persona_list.setMinimumHeight(5 * self.persona_list.fontMetrics().lineSpacing())
        new_button = QPushButton("New")
        new_button.clicked.connect(self.new_persona)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(lambda: self.delete_current(confirm=True))
        self.up_button = QPushButton("Up")
        self.up_button.setToolTip("Try this persona earlier (the earlier one wins a tie)")
        self.up_button.clicked.connect(lambda: self.move_current(-1))
        self.down_button = QPushButton("Down")
        self.down_button.setToolTip("Try this persona later")
        self.down_button.clicked.connect(lambda: self.move_current(1))
        # the list fills the dialog's height beside the form, its buttons under it as wide
        # as it together (a short list over a band of empty dialog looked unfinished)
        row = QHBoxLayout()
        for button in (new_button, self.delete_button, self.up_button, self.down_button):
            row.addWidget(button)
        left = QVBoxLayout()
        left.addWidget(self.persona_list, 1)
        left.addLayout(row)
        self.list_buttons = row

        self.name = QLineEdit()
        self.name.setObjectName("personaName")
        self.title_include = WordsEdit()
        self.title_include.setObjectName("titleInclude")
        self.title_include.setPlaceholderText("e.g. buyer, purchasing, Einkauf (any of them)")
        self.title_exclude = WordsEdit()
        self.title_exclude.setObjectName("titleExclude")
        self.title_exclude.setPlaceholderText("e.g. assistant, student (none of them)")
        self.seniority: dict[str, QCheckBox] = {}
        levels = QWidget()
        grid = QGridLayout(levels)
        grid.setContentsMargins(0, 0, 0, 0)
        # two compact columns at the left, not spread over the field's whole width
        grid.setHorizontalSpacing(3 * levels.fontMetrics().averageCharWidth())
        grid.setColumnStretch(2, 1)
        for i, (key, label) in enumerate(SENIORITY_LEVELS.items()):
            box = QCheckBox(label)
            self.seniority[key] = box
            grid.addWidget(box, i // 2, i % 2)
        self.seniority_grid = grid
        self.industries = WordsEdit()
        self.industries.setPlaceholderText("e.g. Machinery, Food & beverage")
        self.size_min = QLineEdit()
        self.size_max = QLineEdit()
        for edit in (self.size_min, self.size_max):
            edit.setPlaceholderText("any")
            edit.setValidator(QIntValidator(0, MOST_EMPLOYEES, self))
            fit_number(edit, MOST_EMPLOYEES)  # as wide as the number, not across the form
        sizes = QHBoxLayout()
        sizes.addWidget(self.size_min)
        sizes.addWidget(QLabel("to"))
        sizes.addWidget(self.size_max)
        sizes.addWidget(QLabel("employees"))
        sizes.addStretch(1)
        self.countries = WordsEdit()
        self.countries.setPlaceholderText("e.g. DE, Austria, Schweiz")
        self.branded = QCheckBox("Company (branded) e-mail address required")
        form = QFormLayout()
        # labels and fields side by side, each label in full (the dialog is never narrower
        # than that), the fields taking the width that is left
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form = form
        form.addRow("Name", self.name)
        form.addRow("Job title has", self.title_include)
        form.addRow("Job title has none of", self.title_exclude)
        first_level = next(iter(self.seniority.values()))
        form.addRow(options_label("Seniority", first_level), levels)
        form.addRow("Industries", self.industries)
        form.addRow("Company size", sizes)
        form.addRow("Countries", self.countries)
        form.addRow("", self.branded)
        hint = WrappedLabel(
            "Fit = criteria passed ÷ criteria set. Missing contact data counts as "
            "not passed, so it lowers the fit."
        )
        hint.setTextFormat(Qt.TextFormat.PlainText)
        hint.setWordWrap(True)
        self.hint = hint
        self.error_label = WrappedLabel()
        self.error_label.setObjectName("errorLabel")
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.hide()  # no empty line under the hint: shown with a message
        self.save_button = QPushButton("Save persona")
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.save_current)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addWidget(hint)
        right.addWidget(self.error_label)
        right.addStretch(1)

        body = QHBoxLayout()
        body.addLayout(left, 0)  # as wide as its buttons (the names are short)
        body.addLayout(right, 1)  # the criteria take the rest
        self.left, self.right, self.body = left, right, body
        # one row of buttons at the bottom: the files at the left, Save (the default: Enter
        # in the name saves) and Close at the right
        import_button = QPushButton("Import…")
        export_button = QPushButton("Export…")
        close_button = QPushButton("Close")
        import_button.clicked.connect(self._ask_import)
        export_button.clicked.connect(self._ask_export)
        close_button.clicked.connect(self.reject)
        self.save_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(import_button)
        buttons.addWidget(export_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close_button)
        self.file_buttons = (import_button, export_button)
        self.close_button = close_button
        lay = QVBoxLayout(self)
        lay.addLayout(body, 1)
        lay.addSpacing(body.spacing())  # the dialog's buttons apart from the list's
        lay.addLayout(buttons)
        self.buttons = buttons
        self._fitted = False
        self.reload()
        if not get_setting(self.db, SEEDED_SETTING):  # the first time: the default personas
            self._change("the default personas", ensure_default_personas)

    # --- size ----------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        if not self._fitted:  # once, as it opens: the user's own size stays
            self._fitted = True
            self._fit_size()
        super().showEvent(event)

    def _fit_size(self) -> None:
        """As wide as the longest list of words needs on one line beside the labels and the
        personas, and as tall as the form, up to most of the window (a fixed 760×520 wrapped
        "Job title has" onto three lines over an empty strip at every window size)."""
        room_w, room_h = dialog_room(self)
        lay = self.layout()
        assert lay is not None
        margins = lay.contentsMargins()
        outside = margins.left() + margins.right()
        listed = self.persona_list
        names = max(
            [listed.fontMetrics().horizontalAdvance(n) for n in self.names()] + [0]
        )  # the longest name on one line, where it takes no more than a quarter of the room
        names += 2 * listed.frameWidth() + listed.verticalScrollBar().sizeHint().width() + 12
        listed.setMinimumWidth(max(self.list_buttons.sizeHint().width(), min(names, room_w // 4)))
        words = [
            ", ".join(words)
            for i in range(self.persona_list.count())
            if isinstance(p := self.persona_list.item(i).data(Qt.ItemDataRole.UserRole), Persona)
            for words in (
                p.criteria.title_include,
                p.criteria.title_exclude,
                p.criteria.industries,
                p.criteria.countries,
            )
        ]
        edit = self.title_include
        frame = edit.contentsMargins().left() + edit.contentsMargins().right()
        frame += 2 * round(edit.document().documentMargin()) + 8  # the cursor's room
        longest = max([edit.fontMetrics().horizontalAdvance(w) for w in words] + [0]) + frame
        labels = max(
            (
                label.sizeHint().width()
                for row in range(self.form.rowCount())
                if (item := self.form.itemAt(row, QFormLayout.ItemRole.LabelRole)) is not None
                and (label := item.widget()) is not None
            ),
            default=0,
        )
        fields = max(longest, self.form.sizeHint().width() - labels - self.form.horizontalSpacing())
        right = labels + self.form.horizontalSpacing() + fields
        width = self.left.sizeHint().width() + self.body.spacing() + right + outside
        width = max(self.minimumSizeHint().width(), min(width, room_w))
        self.resize(width, self.height())
        lay.activate()  # the fields at that width: the words wrap where they must
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        lay.activate()
        # as tall as the form at this width (the hint's lines as wrapped here, not at a
        # guessed width); the list beside it takes that height
        if lay.hasHeightForWidth():
            height = lay.totalHeightForWidth(width)
        else:
            height = lay.sizeHint().height()
        self.resize(width, max(self.minimumSizeHint().height(), min(height, room_h)))

    def _say(self, text: str) -> None:
        """A message (an error, what an import or export did) under the hint; none: no line."""
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    # --- writing: one operation per change -----------------------------------------------
    def _change(
        self,
        label: str,
        fn: Callable[..., Any],
        *args: Any,
        done: Callable[[OpResult[Any]], None] | None = None,
        failed: Callable[[Exception], None] | None = None,
    ) -> None:
        db = self.db
        self.changed = True

        def committed(result: OpResult[Any]) -> None:
            if done is not None:
                done(result)
            else:
                self.reload(select=self.current.name if self.current else None)

        self.api.ops.run(
            lambda: operations.change_personas(db, label, fn, *args),
            on_success=committed,
            on_failure=failed or (lambda exc: self._say(str(exc))),
        )

    # --- list ----------------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        self.persona_list.blockSignals(True)
        self.persona_list.clear()
        for p in list_personas(self.db):
            item = QListWidgetItem(p.name)
            item.setData(Qt.ItemDataRole.UserRole, p)
            self.persona_list.addItem(item)
        self.persona_list.blockSignals(False)
        names = self.names()
        if names:
            self.select_persona(select if select in names else names[0])
        else:
            self.new_persona()

    def names(self) -> list[str]:
        return [self.persona_list.item(i).text() for i in range(self.persona_list.count())]

    def select_persona(self, name: str) -> None:
        for i in range(self.persona_list.count()):
            if self.persona_list.item(i).text() == name:
                self.persona_list.setCurrentRow(i)
                self._chosen(self.persona_list.item(i))
                return

    def _chosen(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        if item is None:
            return
        persona = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(persona, Persona):
            self._load(persona)

    def _load(self, persona: Persona) -> None:
        self.current = persona
        c = persona.criteria
        self.name.setText(persona.name)
        self.title_include.setText(", ".join(c.title_include))
        self.title_exclude.setText(", ".join(c.title_exclude))
        for key, box in self.seniority.items():
            box.setChecked(key in c.seniority)
        self.industries.setText(", ".join(c.industries))
        self.size_min.setText("" if c.company_size_min is None else str(c.company_size_min))
        self.size_max.setText("" if c.company_size_max is None else str(c.company_size_max))
        self.countries.setText(", ".join(c.countries))
        self.branded.setChecked(c.branded_required)
        for edit in (self.title_include, self.title_exclude, self.industries, self.countries):
            edit.setCursorPosition(0)  # show the start of a long list
        self._say("")
        for button in (self.delete_button, self.up_button, self.down_button):
            button.setEnabled(persona.id is not None)

    # --- editing -------------------------------------------------------------------------
    def new_persona(self) -> None:
        self.persona_list.clearSelection()
        self._load(Persona(None, "", PersonaCriteria()))
        self.name.setFocus()

    def criteria_from_form(self) -> PersonaCriteria:
        return PersonaCriteria.from_json(
            {
                "title_include": _words(self.title_include.text()),
                "title_exclude": _words(self.title_exclude.text()),
                "seniority": [k for k, box in self.seniority.items() if box.isChecked()],
                "industries": _words(self.industries.text()),
                "company_size_min": int(self.size_min.text()) if self.size_min.text() else None,
                "company_size_max": int(self.size_max.text()) if self.size_max.text() else None,
                "countries": _words(self.countries.text()),
                "branded_required": self.branded.isChecked(),
            }
        )

    def save_current(self) -> bool:
        """Queue the persona's save; False when the form is not valid. A name taken by another
        persona is refused by the operation (the error shows below the form)."""
        try:
            criteria = self.criteria_from_form()
        except (WinnowError, ValueError) as exc:
            self._say(str(exc))
            return False
        name = self.name.text().strip()
        if not name:
            self._say("A persona needs a name.")
            return False
        pid = self.current.id if self.current else None
        self._say("")
        self._change(
            f"new persona {name}" if pid is None else f"change of persona {name}",
            save_persona,
            Persona(pid, name, criteria),
            done=lambda result: self.reload(select=result.value.name),
        )
        return True

    def delete_current(self, confirm: bool = True) -> None:
        if self.current is None or self.current.id is None:
            return
        if (
            confirm
            and message_box.question(
                self, "Delete persona", f"Delete the persona “{self.current.name}”?"
            )
            != QMessageBox.StandardButton.Yes
        ):
            return
        name = self.current.name
        self._change(
            f"deletion of persona {name}",
            delete_persona,
            self.current.id,
            done=lambda _r: self.reload(),
        )

    def move_current(self, step: int) -> None:
        """Try the selected persona one place earlier (-1) or later (+1)."""
        if self.current is None or self.current.id is None:
            return
        ids = [
            p.id
            for i in range(self.persona_list.count())
            if isinstance(p := self.persona_list.item(i).data(Qt.ItemDataRole.UserRole), Persona)
            and p.id is not None
        ]
        at = ids.index(self.current.id) if self.current.id in ids else -1
        to = at + step
        if at < 0 or not 0 <= to < len(ids):
            return
        ids[at], ids[to] = ids[to], ids[at]
        self._change("new order of the personas", reorder_personas, ids)

    # --- files ---------------------------------------------------------------------------
    def import_file(self, path: Path) -> None:
        """Queue the import; the result (or why nothing was imported) shows below the form."""

        def done(result: OpResult[PersonaImport]) -> None:
            self.reload()
            added, updated = len(result.value.added), len(result.value.updated)
            self._say(f"Imported {added} new and {updated} updated persona(s).")

        def failed(exc: Exception) -> None:
            self._say(f"Nothing imported: {exc}")

        self._change(
            f"import of personas from {path.name}",
            import_personas,
            path,
            done=done,
            failed=failed,
        )

    def export_file(self, path: Path) -> str:
        try:
            n = export_personas(self.db, path)
        except WinnowError as exc:
            self._say(str(exc))
            return str(exc)
        message = f"Exported {n} persona(s) to {path.name}."
        self._say(message)
        return message

    def _ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import personas", str(Path.home()), "Personas (*.json);;All files (*)"
        )
        if path:
            self.import_file(Path(path))

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export personas", str(Path.home() / "personas.json"), "Personas (*.json)"
        )
        if path:
            self.export_file(Path(path))
