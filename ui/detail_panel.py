"""The detail panel: one contact's fields (edited with validation), stage, history, activities.

Features add their own sections (go-look evidence, BANT, score) with ``add_section``; each
section widget may have ``set_contact(contact_id | None)``, called whenever the contact changes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import activities as acts
from app import contacts, moves
from app.contacts import EDITABLE_FIELDS, FIELD_LABELS, ContactDetail, ValidationError
from app.errors import WinnowError
from app.stages import list_stages
from app.timeutil import local_text
from db.engine import Database
from ui.sidebar import color_dot

# every plain editable field; notes and dates have widgets of their own
FORM_FIELDS = [f for f, kind in EDITABLE_FIELDS.items() if kind != "datetime" and f != "notes"]


# weights of the built-in sections (features place theirs around them)
SECTION_DETAILS = 30
SECTION_ACTIVITIES = 60
SECTION_HISTORY = 70


def plain_label(text: str = "", object_name: str | None = None) -> QLabel:
    """A label that never interprets user text as HTML."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    if object_name:
        label.setObjectName(object_name)
    return label


class Section(QFrame):
    """A titled card in the panel."""

    def __init__(self, title: str, body: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("section")
        self.body = body
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 10, 14, 12)
        lay.setSpacing(6)
        heading = QLabel(title.upper())
        heading.setObjectName("sectionTitle")
        lay.addWidget(heading)
        lay.addWidget(body)


class DetailPanel(QWidget):
    """Shows and edits the selected contact."""

    # (contact id, {field: value}) — the window pushes an undoable edit
    edit_requested = Signal(int, dict)
    # (contact ids, stage key)
    move_requested = Signal(list, str)
    # (contact id) after an activity was logged here
    activity_logged = Signal(int)

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.setObjectName("detailPanel")
        self.contact: ContactDetail | None = None
        self._extra_sections: list[QWidget] = []
        self._loading = False

        self.name_label = plain_label("", "detailName")
        self.subtitle = plain_label("", "detailSubtitle")
        self.stage_combo = QComboBox()
        self.stage_combo.setObjectName("stageCombo")
        self.stage_combo.setToolTip("Move this contact to another stage")
        self.stage_combo.activated.connect(self._stage_chosen)
        self.reload_stages()

        header = QWidget()
        header.setObjectName("detailHeader")
        hl = QVBoxLayout(header)
        hl.setContentsMargins(16, 14, 16, 10)
        hl.setSpacing(2)
        hl.addWidget(self.name_label)
        hl.addWidget(self.subtitle)
        row = QHBoxLayout()
        row.addWidget(QLabel("Stage"))
        row.addWidget(self.stage_combo, 1)
        hl.addSpacing(6)
        hl.addLayout(row)

        # --- fields ---
        self.inputs: dict[str, QLineEdit] = {}
        form_widget = QWidget()
        form = QFormLayout(form_widget)
        form.setContentsMargins(0, 0, 0, 0)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name in FORM_FIELDS:
            edit = QLineEdit()
            edit.setObjectName(f"field_{name}")
            edit.textEdited.connect(self._mark_dirty)
            edit.returnPressed.connect(self.save)
            self.inputs[name] = edit
            form.addRow(FIELD_LABELS[name], edit)
        self.next_action = QDateTimeEdit()
        self.next_action.setCalendarPopup(True)
        self.next_action.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.next_action.setSpecialValueText("—")
        self.next_action.setMinimumDateTime(QDateTime.fromSecsSinceEpoch(0))
        self.next_action.dateTimeChanged.connect(self._mark_dirty)
        form.addRow(FIELD_LABELS["next_action_at"], self.next_action)
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("field_notes")
        self.notes.setPlaceholderText("Notes about this contact…")
        self.notes.setFixedHeight(80)
        self.notes.textChanged.connect(self._mark_dirty)
        form.addRow(FIELD_LABELS["notes"], self.notes)
        self.error_label = plain_label("", "errorLabel")
        self.error_label.hide()
        self.save_button = QPushButton("Save changes")
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("Revert")
        self.revert_button.clicked.connect(self.revert)
        buttons = QHBoxLayout()
        buttons.addWidget(self.error_label, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        fields_box = QWidget()
        fl = QVBoxLayout(fields_box)
        fl.setContentsMargins(0, 0, 0, 0)
        fl.addWidget(form_widget)
        fl.addLayout(buttons)

        # --- activities ---
        self.activity_list = QTreeWidget()
        self.activity_list.setObjectName("activityList")
        self.activity_list.setHeaderLabels(["When", "Activity", "Note"])
        self.activity_list.setRootIsDecorated(False)
        self.activity_list.setMinimumHeight(110)
        self.activity_type = QComboBox()
        for key, label in acts.ACTIVITY_TYPES.items():
            self.activity_type.addItem(label, key)
        self.activity_type.setCurrentIndex(list(acts.ACTIVITY_TYPES).index("note"))
        self.activity_note = QLineEdit()
        self.activity_note.setPlaceholderText("Add a note or log a call, e-mail, meeting…")
        self.activity_note.returnPressed.connect(self.log_activity)
        log_button = QPushButton("Log")
        log_button.clicked.connect(self.log_activity)
        add_row = QHBoxLayout()
        add_row.addWidget(self.activity_type)
        add_row.addWidget(self.activity_note, 1)
        add_row.addWidget(log_button)
        act_box = QWidget()
        al = QVBoxLayout(act_box)
        al.setContentsMargins(0, 0, 0, 0)
        al.addLayout(add_row)
        al.addWidget(self.activity_list)

        # --- history ---
        self.history_list = QTreeWidget()
        self.history_list.setObjectName("historyList")
        self.history_list.setHeaderLabels(["When", "Change", "Why"])
        self.history_list.setRootIsDecorated(False)
        self.history_list.setMinimumHeight(100)

        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(10, 10, 10, 10)
        self.body_layout.setSpacing(10)
        # sections sorted by weight; features slot theirs in between (see add_section)
        self._weights: list[tuple[int, Section]] = []
        for weight, title, box in (
            (SECTION_DETAILS, "Details", fields_box),
            (SECTION_ACTIVITIES, "Activities", act_box),
            (SECTION_HISTORY, "Stage history", self.history_list),
        ):
            self._place(weight, Section(title, box))
        self.body_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.body)

        self.empty = plain_label("Select a contact to see its details.", "emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(header)
        lay.addWidget(scroll, 1)
        lay.addWidget(self.empty, 1)
        self._header = header
        self._scroll = scroll
        save_shortcut = QShortcut(QKeySequence.StandardKey.Save, self)
        save_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save_shortcut.activated.connect(self.save)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.show_contact(None)

    # --- extension point -------------------------------------------------------------------
    def add_section(self, title: str, widget: QWidget, order: int = 50) -> Section:
        """Insert a feature's section by weight: below 30 above Details, then Details (30),
        Activities (60), Stage history (70)."""
        section = Section(title, widget)
        self._place(order, section)
        self._extra_sections.append(widget)
        if self.contact is not None and hasattr(widget, "set_contact"):
            widget.set_contact(self.contact.id)
        return section

    def _place(self, weight: int, section: Section) -> None:
        position = sum(1 for w, _s in self._weights if w <= weight)
        self._weights.insert(position, (weight, section))
        self.body_layout.insertWidget(position, section)

    # --- loading -----------------------------------------------------------------------------
    def reload_stages(self) -> None:
        current = self.stage_combo.currentData()
        self.stage_combo.clear()
        for st in list_stages(self.db):
            self.stage_combo.addItem(color_dot(st.color), st.name, st.key)
        if current is not None:
            self.stage_combo.setCurrentIndex(max(0, self.stage_combo.findData(current)))

    @property
    def contact_id(self) -> int | None:
        return self.contact.id if self.contact else None

    def show_contact(self, contact_id: int | None) -> None:
        self.contact = None
        if contact_id is not None:
            try:
                self.contact = contacts.get_contact(self.db, contact_id)
            except WinnowError:
                self.contact = None
        has = self.contact is not None
        self._header.setVisible(has)
        self._scroll.setVisible(has)
        self.empty.setVisible(not has)
        for widget in self._extra_sections:
            if hasattr(widget, "set_contact"):
                widget.set_contact(self.contact.id if self.contact else None)
        if self.contact is None:
            return
        self._fill(self.contact)

    def refresh(self) -> None:
        """Reload the shown contact (after a change elsewhere); keeps unsaved edits out."""
        self.show_contact(self.contact_id)

    def _fill(self, c: ContactDetail) -> None:
        self._loading = True
        self.name_label.setText(c.name or "(no name)")
        self.subtitle.setText(" · ".join(x for x in (c.title, c.company) if x))
        self.stage_combo.setCurrentIndex(max(0, self.stage_combo.findData(c.stage_key)))
        for name, edit in self.inputs.items():
            value = getattr(c, name)
            edit.setText("" if value is None else str(value))
            edit.setProperty("invalid", False)
            edit.style().unpolish(edit)
            edit.style().polish(edit)
        if c.next_action_at is not None:
            self.next_action.setDateTime(_qdt(c.next_action_at))
        else:
            self.next_action.setDateTime(self.next_action.minimumDateTime())
        self.notes.setPlainText(c.notes or "")
        self.error_label.hide()
        self._set_dirty(False)
        self._fill_history(c.id)
        self._fill_activities(c.id)
        self._loading = False

    def _fill_history(self, contact_id: int) -> None:
        names = {st.key: st.name for st in list_stages(self.db)}
        self.history_list.clear()
        for h in reversed(moves.history(self.db, contact_id)):
            change = (
                f"{names.get(h.from_key, h.from_key)} → {names.get(h.to_key, h.to_key)}"
                if h.from_key
                else f"Created in {names.get(h.to_key, h.to_key)}"
            )
            why = h.reason or ""
            if h.automatic:
                why = f"Automatic: {why}" if why else "Automatic"
            if h.undone_at is not None:
                why = f"{why} (undone {local_text(h.undone_at)})".strip()
            item = QTreeWidgetItem([local_text(h.at), change, why])
            item.setToolTip(2, why)
            if h.undone_at is not None:
                font = item.font(1)
                font.setStrikeOut(True)
                item.setFont(1, font)
            self.history_list.addTopLevelItem(item)
        self.history_list.resizeColumnToContents(0)
        self.history_list.resizeColumnToContents(1)

    def _fill_activities(self, contact_id: int) -> None:
        self.activity_list.clear()
        for a in reversed(acts.list_activities(self.db, contact_id)):
            item = QTreeWidgetItem([local_text(a.at), a.label, a.note or ""])
            item.setToolTip(2, a.note or "")
            self.activity_list.addTopLevelItem(item)
        self.activity_list.resizeColumnToContents(0)
        self.activity_list.resizeColumnToContents(1)

    # --- editing -----------------------------------------------------------------------------
    def _mark_dirty(self, *_args: Any) -> None:
        if not self._loading:
            self._set_dirty(True)

    def _set_dirty(self, dirty: bool) -> None:
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)

    def pending_values(self) -> dict[str, Any]:
        """The form's values that differ from the stored contact (validated)."""
        assert self.contact is not None
        values: dict[str, Any] = {}
        for name, edit in self.inputs.items():
            new = contacts.clean_value(name, edit.text())
            if new != getattr(self.contact, name):
                values[name] = new
        notes = self.notes.toPlainText().strip() or None
        if notes != (self.contact.notes or None):
            values["notes"] = notes
        nxt = None
        if self.next_action.dateTime() != self.next_action.minimumDateTime():
            from app.timeutil import to_utc_naive

            nxt = to_utc_naive(self.next_action.dateTime().toPython())  # type: ignore[arg-type]
        if nxt != self.contact.next_action_at:
            values["next_action_at"] = nxt
        return values

    def save(self) -> None:
        if self.contact is None or not self.save_button.isEnabled():
            return
        for edit in self.inputs.values():
            edit.setProperty("invalid", False)
        try:
            values = self.pending_values()
        except ValidationError as exc:
            self._show_error(str(exc), exc.field)
            return
        if values:
            self.edit_requested.emit(self.contact.id, values)
        else:
            self._set_dirty(False)

    def _show_error(self, message: str, field: str | None = None) -> None:
        self.error_label.setText(message)
        self.error_label.show()
        if field in self.inputs:
            edit = self.inputs[field]
            edit.setProperty("invalid", True)
            edit.style().unpolish(edit)
            edit.style().polish(edit)
            edit.setFocus()

    def show_error(self, message: str) -> None:
        self._show_error(message)

    def revert(self) -> None:
        if self.contact is not None:
            self._fill(self.contact)

    def _stage_chosen(self, index: int) -> None:
        if self.contact is None:
            return
        key = self.stage_combo.itemData(index)
        if key and key != self.contact.stage_key:
            self.move_requested.emit([self.contact.id], key)

    def log_activity(self) -> None:
        if self.contact is None:
            return
        kind = self.activity_type.currentData()
        note = self.activity_note.text().strip()
        if kind == "note" and not note:
            self._show_error("Type the note first.")
            return
        acts.log_activity(self.db, self.contact.id, kind, note=note or None)
        self.activity_note.clear()
        self._fill_activities(self.contact.id)
        self.activity_logged.emit(self.contact.id)


def _qdt(value: Any) -> QDateTime:
    from datetime import UTC

    return QDateTime(value.replace(tzinfo=UTC).astimezone().replace(tzinfo=None))
