"""The detail panel: one contact's fields (edited with validation), stage, activities, history,
and the sections features add (go-look evidence, score, BANT, follow-up).

Selecting a contact reads it once (:func:`app.contact_view.load_contact_view`: one transaction,
three statements) and pushes that one :class:`~app.contact_view.ContactView` to every section;
no section reads the database. Writes (edits, moves, activities) run as operations on the
window's writer; the panel follows the change notices and reloads only when one names its
contact or something it shows (stages, criteria, personas, scoring, settings).

The header, the form and the sections are built when the panel first shows a contact: at
start-up (no contact selected) the window builds only the panel's bar and its empty line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import QDateTime, QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeySequence, QShortcut, QShowEvent
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
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.changes import Changes
from app.errors import WinnowError
from app.fields import EDITABLE_FIELDS, FIELD_LABELS, ValidationError, clean_fields, field_doubt
from db.errors import DatabaseError
from ui.detail_sections import (
    ActivitiesBox,
    ContactSection,
    HistoryList,
    Section,
    fit_tree,
    plain_label,
)
from ui.form_wrap import wrap_when_narrow
from ui.sidebar import color_dot

if TYPE_CHECKING:
    from app.contact_view import ContactView
    from app.contacts import ContactDetail
    from db.engine import Database
    from ui.operations import OperationRunner

__all__ = ["ContactSection", "DetailPanel", "Section", "plain_label"]

# every plain editable field; notes and dates have widgets of their own
FORM_FIELDS = [f for f, kind in EDITABLE_FIELDS.items() if kind != "datetime" and f != "notes"]


SectionT = TypeVar("SectionT", bound=ContactSection)


@dataclass
class _SectionBuild(Generic[SectionT]):
    """A feature's section: where it goes, and how it is made (with the panel's body)."""

    order: int
    title: str
    build: Callable[[], SectionT]
    section: SectionT | None = None


# weights of the built-in sections (features place theirs around them)
SECTION_DETAILS = 30
SECTION_ACTIVITIES = 60
SECTION_HISTORY = 70
WHEN = frozenset({0})  # the activity and history lists' date column


def shows_changes(changes: Changes, contact_id: int) -> bool:
    """Whether the panel showing ``contact_id`` must reload after ``changes``: its contact, or
    what every contact's sections show (stage names, criteria, personas, scoring, settings)."""
    return (
        changes.touches_contact(contact_id)
        or changes.stage_list
        or changes.criteria
        or changes.personas
        or changes.scoring
        or changes.settings
    )


def _set_field_text(edit: QLineEdit, text: str) -> None:
    """A field shows the start of its text (a long address in a narrow panel is read from its
    beginning, not cut at the front), and the whole text as its tooltip."""
    edit.setText(text)
    if not edit.hasFocus():
        edit.setCursorPosition(0)
    edit.setToolTip(text)


class _Field(QLineEdit):
    """A form field that shows the start of its text while not edited; focused from the
    keyboard (not a click, not Tab, which selects it all) typing goes at the end."""

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if event.reason() not in (
            Qt.FocusReason.MouseFocusReason,
            Qt.FocusReason.TabFocusReason,
            Qt.FocusReason.BacktabFocusReason,
        ):
            self.end(False)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        if event.reason() != Qt.FocusReason.PopupFocusReason:
            self.setCursorPosition(0)


class PanelScrollArea(QScrollArea):
    """Scrolls the panel up and down only: the body always has the viewport's width, and the
    panel asks for at least the body's minimum width (so nothing is cut off at the side)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)

    def minimumSizeHint(self) -> QSize:
        body = self.widget()
        hint = super().minimumSizeHint()
        if body is None:
            return hint
        width = body.minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width()
        return QSize(max(hint.width(), width + 2 * self.frameWidth()), hint.height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # a section grew wider: the splitter hears of it
        return super().eventFilter(watched, event)


class DetailPanel(QWidget):
    """Shows and edits the selected contact."""

    # (contact id, {field: value}) — the window runs the edit
    edit_requested = Signal(int, dict)
    # (contact ids, stage key)
    move_requested = Signal(list, str)
    # Esc with nothing to discard: the window hides the panel
    close_requested = Signal()
    # the header, form and sections were just built (see build)
    body_built = Signal()

    def __init__(self, db: Database, ops: OperationRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.ops = ops
        self.setObjectName("detailPanel")
        self.view: ContactView | None = None
        # the contact to show once the panel is shown again: a hidden panel reads nothing
        # (on the board every move selected the moved card and read it for a hidden panel)
        self._pending: tuple[int | None] | None = None
        self._sections: list[ContactSection] = []
        # sections features added, built with the body: (weight, title, build, the built one)
        self._section_builds: list[_SectionBuild[Any]] = []
        # (field, value) the user chose to save although field_doubt questioned it
        self._doubt_accepted: tuple[str, Any] | None = None
        self._loading = False
        self._dirty = False
        # the contact as the form was filled from it: what the user's edit is made on (its
        # version goes with the save, so a change someone made meanwhile is never overwritten)
        self._form_base: ContactDetail | None = None
        # the header, form and sections: built when the panel first shows a contact
        self._built = False

        self.empty = plain_label("Select a contact to see its details.", "emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        # the panel's own bar: what it is, and the button that closes it (Esc does too)
        bar = QWidget()
        bar.setObjectName("detailBar")
        bl = QHBoxLayout(bar)
        bl.setContentsMargins(16, 4, 6, 0)
        bar_title = QLabel("DETAILS")
        bar_title.setObjectName("sectionTitle")
        bl.addWidget(bar_title)
        bl.addStretch(1)
        self.hide_button = QToolButton()
        self.hide_button.setObjectName("panelClose")
        self.hide_button.setText("Hide ✕")
        self.hide_button.setToolTip("Hide the detail panel (Esc)")
        self.hide_button.setAutoRaise(True)
        self.hide_button.clicked.connect(self.close_requested)
        bl.addWidget(self.hide_button)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(bar)
        lay.addWidget(self.empty, 1)
        self._layout = lay
        save_shortcut = QShortcut(QKeySequence.StandardKey.Save, self)
        save_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save_shortcut.activated.connect(self.save)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.escape)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        ops.operation_did_execute.connect(self._on_operation)

    @property
    def built(self) -> bool:
        """Whether the header, form and sections exist (the panel has shown a contact, or
        :meth:`build` was asked for)."""
        return self._built

    def build(self) -> None:
        """Build the header, the form and every section (once): when the panel first shows a
        contact. Until then the window's start builds only the empty panel (the form and the
        features' sections took most of the window's build, and read the stages)."""
        if self._built:
            return
        self._built = True
        from ui.leads.activity_edit import ActivityEditor

        db, ops = self.db, self.ops
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
        hl.setContentsMargins(16, 4, 16, 10)
        hl.setSpacing(2)
        hl.addWidget(self.name_label)
        hl.addWidget(self.subtitle)
        row = QHBoxLayout()
        row.addWidget(QLabel("Stage"))
        row.addWidget(self.stage_combo, 1)
        hl.addSpacing(6)
        hl.addLayout(row)
        # a change typed into the form shows here (not scrolled away) until saved or reverted
        self.pending_label = plain_label(
            "● Unsaved changes — Save (Ctrl+S) or Revert (Esc)", "pendingLabel"
        )
        self.pending_label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.pending_label.hide()
        hl.addWidget(self.pending_label)

        # --- fields ---
        self.inputs: dict[str, QLineEdit] = {}
        form_widget = QWidget()
        form = QFormLayout(form_widget)
        form.setContentsMargins(0, 0, 0, 0)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form_wrap = wrap_when_narrow(form, form_widget)  # a narrow panel: labels above
        for name in FORM_FIELDS:
            edit = _Field()
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
        # the message across the form above the buttons: beside them, in a narrow panel, it
        # was a column of a word or two a line (20 lines at 1024 px)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        fields_box = QWidget()
        fl = QVBoxLayout(fields_box)
        fl.setContentsMargins(0, 0, 0, 0)
        fl.addWidget(form_widget)
        fl.addWidget(self.error_label)
        fl.addLayout(buttons)

        # --- activities and history ---
        self.activities = ActivitiesBox()
        self.activities.log_requested.connect(self.log_activity)
        self.activities.remove_requested.connect(self.remove_activity)
        self.activity_editor = ActivityEditor(db, ops, self)  # corrections (ui.leads)
        self.activities.edit_requested.connect(self.edit_activity)
        self.activity_list = self.activities.activity_list
        self.history_list = HistoryList()
        fit_tree(self.activity_list, whole=WHEN)  # the dates on one line
        fit_tree(self.history_list, whole=WHEN)

        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(6, 8, 6, 8)
        self.body_layout.setSpacing(10)
        # sections sorted by weight; features slot theirs in between (see add_section)
        self._weights: list[tuple[int, Section]] = []
        for weight, title, box in (
            (SECTION_DETAILS, "Details", fields_box),
            (SECTION_ACTIVITIES, "Activities", self.activities),
            (SECTION_HISTORY, "Stage history", self.history_list),
        ):
            self._place(weight, Section(title, box))
        for added in self._section_builds:
            self._build_section(added)
        self.body_layout.addStretch(1)
        scroll = PanelScrollArea()
        scroll.setWidget(self.body)
        self.body.installEventFilter(scroll)
        self._header = header
        self._scroll = scroll
        self._layout.insertWidget(1, header)
        self._layout.insertWidget(2, scroll, 1)
        header.hide()
        scroll.hide()
        self._set_dirty(self._dirty)
        self.updateGeometry()  # the splitter hears of the sections' minimum width
        self.body_built.emit()

    def minimumSizeHint(self) -> QSize:
        """Wide enough for every section, also while no contact is shown (so the panel does
        not jump when one is selected)."""
        hint = super().minimumSizeHint()
        body = self._scroll.minimumSizeHint().width() if self._built else 0
        return QSize(max(280, hint.width(), body), hint.height())

    # --- extension point -------------------------------------------------------------------
    def add_section(
        self, title: str, build: Callable[[], SectionT], order: int = 50
    ) -> Callable[[], SectionT]:
        """A feature's section, inserted by weight: below 30 above Details, then Details (30),
        Activities (60), Stage history (70). It is shown every contact the panel shows.

        ``build`` makes it with the panel's body (when the panel first shows a contact); the
        function returned gives the section, building the body now if it was not yet."""
        added = _SectionBuild(order, title, build)
        self._section_builds.append(added)
        if self._built:
            self._build_section(added)

        def section() -> SectionT:
            self.build()
            assert added.section is not None
            return added.section

        return section

    def _build_section(self, added: _SectionBuild[Any]) -> None:
        section = added.build()
        added.section = section
        self._place(added.order, Section(added.title, section))
        self._sections.append(section)
        for tree in section.findChildren(QTreeView):
            fit_tree(tree)  # no sideways scrolling, no empty space under a short table
        section.show_view(self.view)

    def _place(self, weight: int, section: Section) -> None:
        position = sum(1 for w, _s in self._weights if w <= weight)
        self._weights.insert(position, (weight, section))
        self.body_layout.insertWidget(position, section)

    # --- loading -----------------------------------------------------------------------------
    def reload_stages(self) -> None:
        if not self._built:
            return  # read when the body is built
        current = self.stage_combo.currentData()
        self.stage_combo.clear()
        from app.stage_visibility import shown_stages  # SQLAlchemy: not with the module

        for st in shown_stages(self.db):  # a hidden stage is not offered
            self.stage_combo.addItem(color_dot(st.color), st.name, st.key)
        if current is not None:
            self.stage_combo.setCurrentIndex(max(0, self.stage_combo.findData(current)))

    @property
    def contact(self) -> ContactDetail | None:
        return self.view.detail if self.view is not None else None

    @property
    def contact_id(self) -> int | None:
        if self._pending is not None:
            return self._pending[0]
        return self.view.id if self.view is not None else None

    def show_contact(self, contact_id: int | None) -> None:
        """Show another contact (None: none), from its top."""
        self._pending = None
        if contact_id != self.contact_id and self._built:
            self._scroll.verticalScrollBar().setValue(0)
            self._set_dirty(False)
        self._show(self._load(contact_id))

    def reveal(self, widget: QWidget | None) -> None:
        """Scroll the panel so that ``widget`` (one of its sections' parts) is in sight;
        None: to its top."""
        if not self._built:
            return
        if widget is None:
            self._scroll.verticalScrollBar().setValue(0)
        else:
            self._scroll.ensureWidgetVisible(widget, 0, 24)

    def show_contact_later(self, contact_id: int | None) -> None:
        """:meth:`show_contact`, or while the panel is hidden, once it is shown again (a card
        selected on the board after each move, with the panel closed)."""
        if self.isHidden():
            self._pending = (contact_id,)
        else:
            self.show_contact(contact_id)

    def refresh(self) -> None:
        """Read the shown contact again (after a change); edits not saved yet stay. A hidden
        panel reads it when it is shown again."""
        if self.isHidden():
            self._pending = (self.contact_id,)
            return
        self._show(self._load(self.contact_id))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._pending is not None:
            (contact_id,) = self._pending
            self._pending = None
            self.show_contact(contact_id)

    def _load(self, contact_id: int | None) -> ContactView | None:
        if contact_id is None:
            return None
        from app.contact_view import load_contact_view  # with the first contact shown

        try:
            return load_contact_view(self.db, contact_id)
        except (WinnowError, DatabaseError):
            return None  # deleted, or the database went away: show nothing

    def _show(self, view: ContactView | None) -> None:
        self.view = view
        has = view is not None
        if has:
            self.build()
        self.empty.setVisible(not has)
        if not self._built:
            return  # nothing shown yet: nothing to clear
        self._header.setVisible(has)
        self._scroll.setVisible(has)
        if view is not None:
            self._fill(view)
        self.activities.show_view(view)
        self.history_list.show_view(view)
        for section in self._sections:
            section.show_view(view)

    def _on_operation(self, changes: Changes, _initiator: object) -> None:
        if changes.stage_list:
            self.reload_stages()
        cid = self.contact_id
        if cid is not None and shows_changes(changes, cid):
            self.refresh()

    def _fill(self, view: ContactView) -> None:
        c = view.detail
        self._loading = True
        self.name_label.setText(c.name or "(no name)")
        self.subtitle.setText(" · ".join(x for x in (c.title, c.company) if x))
        self.stage_combo.setCurrentIndex(max(0, self.stage_combo.findData(c.stage_key)))
        if not self._dirty:  # a change elsewhere never takes what the user is typing
            self._fill_form(c)
        elif self._form_base is not None and _same_fields(self._form_base, c):
            self._form_base = c  # only what the form does not show changed: edit on this one
        self._loading = False

    def _fill_form(self, c: ContactDetail) -> None:
        self._form_base = c
        for name, edit in self.inputs.items():
            value = getattr(c, name)
            _set_field_text(edit, "" if value is None else str(value))
            edit.setProperty("invalid", False)
            edit.style().unpolish(edit)
            edit.style().polish(edit)
        if c.next_action_at is not None:
            self.next_action.setDateTime(_qdt(c.next_action_at))
        else:
            self.next_action.setDateTime(self.next_action.minimumDateTime())
        self.notes.setPlainText(c.notes or "")
        self.error_label.hide()
        self._doubt_accepted = None
        self._set_dirty(False)

    # --- editing -----------------------------------------------------------------------------
    def _mark_dirty(self, *_args: Any) -> None:
        if not self._loading:
            self._set_dirty(True)

    def _set_dirty(self, dirty: bool) -> None:
        self._dirty = dirty
        if not self._built:
            return
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)
        self.pending_label.setVisible(dirty)

    @property
    def has_unsaved_changes(self) -> bool:
        return self._dirty

    def escape(self) -> None:
        """Esc: discard the form's unsaved changes; with none, ask the window to close."""
        if self._dirty and self.contact is not None:
            self.revert()
        else:
            self.close_requested.emit()

    def pending_values(self) -> dict[str, Any]:
        """The form's values that differ from the stored contact, cleaned by the rule every
        way in uses (:func:`app.fields.clean_fields`). A field whose text was not touched is
        not checked again, so a value an older version stored never blocks other edits."""
        assert self.contact is not None
        base = self._form_base or self.contact  # what the form was filled from
        typed: dict[str, Any] = {}
        for name, edit in self.inputs.items():
            stored = getattr(base, name)
            if edit.text() != ("" if stored is None else str(stored)):
                typed[name] = edit.text()
        if self.notes.toPlainText() != (base.notes or ""):
            typed["notes"] = self.notes.toPlainText()
        values = {
            name: value
            for name, value in clean_fields(typed).items()
            if value != getattr(base, name)
        }
        nxt = None
        if self.next_action.dateTime() != self.next_action.minimumDateTime():
            from app.timeutil import to_utc_naive

            nxt = to_utc_naive(self.next_action.dateTime().toPython())  # type: ignore[arg-type]
        if nxt != base.next_action_at:
            values["next_action_at"] = nxt
        return values

    def form_version(self, contact_id: int) -> int | None:
        """The version of the contact the form's edit is made on (None: another contact)."""
        base = self._form_base
        return base.version if base is not None and base.id == contact_id else None

    def edit_failed(self, exc: Exception, values: dict[str, Any]) -> None:
        """An edit was not saved. Changed meanwhile by someone (:class:`StaleVersion`): say
        who changed what, show the contact as it is now and put the user's edit back on it to
        check and save again; otherwise say why, keeping what the user typed."""
        from app.versions import StaleVersion

        if not isinstance(exc, StaleVersion) or exc.contact_id != self.contact_id:
            self.show_error(str(exc))
            return
        self._set_dirty(False)
        self._show(self._load(exc.contact_id))
        if self.contact is None:
            self.show_error(str(exc))
            return
        self._loading = True
        for name, value in values.items():
            if name in self.inputs:
                _set_field_text(self.inputs[name], "" if value is None else str(value))
            elif name == "notes":
                self.notes.setPlainText(value or "")
            elif name == "next_action_at":
                when = self.next_action.minimumDateTime() if value is None else _qdt(value)
                self.next_action.setDateTime(when)
        self._loading = False
        what = "; ".join(c.describe() for c in exc.changes) or "a change"
        self.show_error(
            f"Not saved: {exc.changed_by or 'someone else'} changed this contact meanwhile "
            f"({what}). It now shows their change with yours on top: check and save again."
        )

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
        for name, value in values.items():
            doubt = field_doubt(name, value)
            if doubt and self._doubt_accepted != (name, value):
                self._doubt_accepted = (name, value)  # saving again keeps it
                self._show_error(
                    f"{FIELD_LABELS[name]}: {doubt} Save again to keep it anyway.", name
                )
                return
        # saved (or queued): the form fills from the database once the edit has committed
        self._set_dirty(False)
        self.error_label.hide()
        if values:
            self.edit_requested.emit(self.contact.id, values)

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
        """An edit was not saved: say why, and keep what the user typed to save again."""
        self._show_error(message)
        self._set_dirty(True)

    def revert(self) -> None:
        if self.contact is not None:
            self._loading = True
            self._fill_form(self.contact)
            self._loading = False

    def _stage_chosen(self, index: int) -> None:
        if self.contact is None:
            return
        key = self.stage_combo.itemData(index)
        current = self.contact.stage_key
        if key and key != current:
            # the combo shows the stored stage until the move has committed (or if cancelled)
            self.stage_combo.setCurrentIndex(max(0, self.stage_combo.findData(current)))
            self.move_requested.emit([self.contact.id], key)

    # --- activities: operations on the writer ------------------------------------------------
    def log_activity(self, kind: str | None = None, note: str | None = None) -> None:
        if self.contact is None:
            return
        box = self.activities
        kind = kind or str(box.activity_type.currentData())
        text = (box.activity_note.text() if note is None else note).strip()
        if kind == "note" and not text:
            self._show_error("Type the note first.")
            return
        db, cid = self.db, self.contact.id
        box.activity_note.clear()

        def failed(exc: Exception) -> None:
            if not box.activity_note.text():
                box.activity_note.setText(text)  # not logged: the text is there to try again
            self._show_error(f"Not logged: {exc}")

        from app import operations

        self.ops.run(
            lambda: operations.log_activity(db, cid, kind, note=text or None),
            on_failure=failed,
            initiator=self,
        )

    def edit_activity(self, activity_id: int) -> None:
        """Correct one activity's kind, time or note (undoable)."""
        shown = self.view.activities if self.view is not None else ()
        activity = next((a for a in shown if a.id == activity_id), None)
        if activity is not None:
            self.activity_editor.edit(activity)

    def remove_activity(self, activity_id: int) -> None:
        """Remove one activity (Edit ▸ Undo brings it back)."""
        db = self.db
        from app import operations

        self.ops.run(
            lambda: operations.delete_activity(db, activity_id),
            on_failure=lambda exc: self._show_error(f"Not removed: {exc}"),
            initiator=self,
        )


def _same_fields(a: ContactDetail, b: ContactDetail) -> bool:
    """Whether two readings of a contact agree on every field the form edits."""
    return a.id == b.id and all(getattr(a, f) == getattr(b, f) for f in EDITABLE_FIELDS)


def _qdt(value: Any) -> QDateTime:
    from datetime import UTC

    return QDateTime(value.replace(tzinfo=UTC).astimezone().replace(tzinfo=None))
