"""The pages of the import wizard (they lay out; the wizard does the work)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, QSize, Qt
from PySide6.QtGui import QResizeEvent, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.importing.preview import FilePreview
from app.importing.report import ImportReport
from app.stage_visibility import shown_stages
from ui.column_share import set_widths, share_room
from ui.form_options import options_label
from ui.importing.history import rows_height
from ui.importing.models import RawSampleText
from ui.importing.outcome import BatchOutcomeView
from ui.importing.source_choice import offer_existing_sources
from ui.importing.widgets import (
    DELIMITERS,
    ENCODINGS,
    POLICIES,
    ColumnSharer,
    FieldDelegate,
    default_source,
    delimiter_name,
    encoding_name,
    label,
)
from ui.leads.import_duplicates import BatchDuplicates
from ui.whole_rows import WholeRows

if TYPE_CHECKING:
    from ui.importing.models import IssueModel
    from ui.importing.wizard import ImportWizard

log = logging.getLogger(__name__)

# the preview's columns (row, stored as, kept as extra fields, problems): where every text
# fits on one line, the fields and the extra fields share the spare width by weight and the
# problems are as wide as they are; where texts wrap, all three share it by their text
PREVIEW_WEIGHTS = {1: 0.5, 2: 0.3}
PREVIEW_FITTED = {3: 0.2}


def scrolling_page(page: QWidget, body: QWidget, name: str) -> QScrollArea:
    """``body`` filling ``page`` in a scroll area that scrolls up and down only, frameless, on
    the page's own background (a wizard page taller than the room it is given)."""
    area = QScrollArea()
    area.setObjectName(name)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(body)
    area.viewport().setAutoFillBackground(False)
    body.setAutoFillBackground(False)
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(area)
    return area


# --- page 1: the file ------------------------------------------------------------------------


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Choose a file")
        self.setSubTitle(
            "CSV or text, Excel or LibreOffice, vCard or LDIF. Type, paste or choose its "
            "path. Nothing is written until the last step."
        )
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("importPath")
        self.path_edit.setPlaceholderText(
            "A contact list from a badge scanner, Outlook, Google, LinkedIn…"
        )
        self.path_edit.editingFinished.connect(lambda: self.wiz.load(self.path_edit.text()))
        self.path_edit.textEdited.connect(self.wiz.path_typed)  # typed or pasted: read it
        browse = QPushButton("Choose file…")
        browse.setObjectName("chooseFile")
        browse.clicked.connect(self.choose)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)

        self.format_label = label(name="detectedFormat")
        self.encoding = QComboBox()
        self.encoding.setObjectName("encodingChoice")
        for text, value in ENCODINGS:
            self.encoding.addItem(text, value)
        self.delimiter = QComboBox()
        self.delimiter.setObjectName("delimiterChoice")
        for text, value in DELIMITERS:
            self.delimiter.addItem(text, value)
        self.sheet = QComboBox()
        self.sheet.setObjectName("sheetChoice")
        for combo in (self.encoding, self.delimiter, self.sheet):
            combo.activated.connect(lambda _i: self.wiz.reload())
        self.status = label(name="fileStatus")
        self.error = label(name="errorLabel")
        self.error.hide()
        # what reading found: a guessed encoding with the ones worth trying, reader warnings
        self.notes = label(name="readerNotes")
        self.sample = QTableView()
        self.sample.setObjectName("rawSample")
        # each row as "column: value" text that wraps (a file of 18 columns scrolled sideways)
        self.sample_text = RawSampleText(wizard.raw_model, self)
        self.sample.setModel(self.sample_text)
        self.sample.verticalHeader().hide()
        self.sample.setAlternatingRowColors(True)
        self.sample.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sample.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.sample_columns = ColumnSharer(self.sample, {1: 1.0})

        form = QFormLayout()
        form.addRow("File", row)
        form.addRow("Read as", self.format_label)
        form.addRow("Encoding", self.encoding)
        form.addRow("Delimiter", self.delimiter)
        form.addRow("Sheet", self.sheet)
        self.form = form
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.status)
        lay.addWidget(self.notes)
        lay.addWidget(self.error)
        lay.addWidget(self.sample, 1)
        self.show_preview(None)

    def set_error(self, text: str) -> None:
        """Say why the file cannot be imported ("" for nothing; the line goes away)."""
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def choose(self) -> None:
        start = self.path_edit.text() or str(Path.home())
        path = self.wiz.ask_open_path(start)
        if path:
            self.path_edit.setText(path)
            self.wiz.load(path)

    def show_preview(self, preview: FilePreview | None) -> None:
        is_xlsx = preview is not None and preview.format == "xlsx"
        is_text = preview is not None and preview.format in ("csv", "tsv", "vcf")
        self.form.setRowVisible(self.sheet, is_xlsx)
        self.form.setRowVisible(self.encoding, is_text)
        self.form.setRowVisible(
            self.delimiter, preview is not None and preview.format != "vcf" and not is_xlsx
        )
        if preview is None:
            self.format_label.setText("—")
            self.notes.setText("")
            self.notes.hide()
            return
        parts = [preview.format.upper()]
        if preview.encoding:
            parts.append(f"encoding {encoding_name(preview.encoding)}")
        if preview.delimiter:
            parts.append(f"delimiter {delimiter_name(preview.delimiter)}")
        if preview.sheet:
            parts.append(f"sheet {preview.sheet!r}")
        if preview.header_row > 1:
            parts.append(f"headers on row {preview.header_row}")
        self.format_label.setText(" · ".join(parts))
        self.encoding.setItemText(
            0, f"Detected ({encoding_name(preview.encoding)})" if preview.encoding else "Detected"
        )
        for alternative in preview.encoding_alternatives:  # offer what the guess weighed up
            if self.encoding.findData(alternative) < 0:
                self.encoding.addItem(encoding_name(alternative), alternative)
        notes = self.reader_notes(preview)
        self.notes.setText("\n".join(notes))
        self.notes.setVisible(bool(notes))
        self.delimiter.setItemText(
            0,
            f"Detected ({delimiter_name(preview.delimiter)})" if preview.delimiter else "Detected",
        )
        if is_xlsx and [self.sheet.itemText(i) for i in range(self.sheet.count())] != list(
            preview.sheets
        ):
            self.sheet.blockSignals(True)
            self.sheet.clear()
            self.sheet.addItems(list(preview.sheets))
            self.sheet.blockSignals(False)
        if preview.sheet:
            self.sheet.setCurrentText(preview.sheet)
        n = len(preview.sample)
        more = "" if n < 20 else " (the first 20 are shown next)"
        self.status.setText(
            f"{len(preview.headers)} columns; {n} rows read{more}."
            if n
            else f"{len(preview.headers)} columns, but no rows below them."
        )

    @staticmethod
    def reader_notes(preview: FilePreview) -> list[str]:
        """What the reader found: an encoding that is a guess (and what else to try), and
        its warnings by row (row 0: the whole file)."""
        notes: list[str] = []
        if preview.encoding and preview.encoding_confidence != "certain":
            guess = "a weak guess" if preview.encoding_confidence == "weak" else "a guess"
            text = f"The encoding {encoding_name(preview.encoding)} is {guess}."
            others = [encoding_name(a) for a in preview.encoding_alternatives]
            if others:
                text += (
                    " If names look wrong below (é, ß, ł…), pick another under Encoding: "
                    + ", ".join(others)
                    + "."
                )
            notes.append(text)
        for row, warning in preview.warnings:
            notes.append(("The file: " if row <= 0 else f"Row {row}: ") + warning)
        return notes

    def isComplete(self) -> bool:
        return (
            self.wiz.preview is not None
            and bool(self.wiz.preview.sample)
            and not self.wiz.loading
            and self.wiz.refusal is None  # read only: nothing can be imported
        )


# --- page 2: the mapping -----------------------------------------------------------------------


class MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Match the columns")
        self.setSubTitle(
            "Pick the Winnow field for each column. Columns kept as extra fields "
            "are shown on the contact. Below: the first rows as Winnow will store "
            "them."
        )
        self.table = QTableView()
        self.table.setObjectName("mappingTable")
        self.table.setModel(wizard.mapping_model)
        self.table.setItemDelegateForColumn(2, FieldDelegate(self.table))
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        # each column as wide as what it holds and an even share of the rest (the first
        # values stretched over all of it: ~730 px for "Herr" at 2560 px)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setStretchLastSection(False)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.viewport().installEventFilter(self)
        self.table.verticalHeader().setDefaultSectionSize(32)
        wizard.mapping_model.modelReset.connect(self.open_editors)
        wizard.mapping_model.modelReset.connect(self.fit_columns)

        save = QPushButton("Save mapping…")
        save.setObjectName("saveMapping")
        save.clicked.connect(self.wiz.save_mapping_file)
        load = QPushButton("Load mapping…")
        load.setObjectName("loadMapping")
        load.clicked.connect(self.wiz.load_mapping_file)
        self.message = label(name="mappingMessage")
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(load)
        buttons.addWidget(save)

        self.preview = QTableView()
        self.preview.setObjectName("previewTable")
        self.preview.setModel(wizard.preview_model)
        self.preview.verticalHeader().hide()
        self.preview.setAlternatingRowColors(True)
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # the row number as wide as it is; the fields, extra fields and problems share the
        # rest by their text and wrap (no sideways scrolling)
        self.preview_columns = ColumnSharer(self.preview, PREVIEW_WEIGHTS, PREVIEW_FITTED)
        self.preview_title = label("Preview", "sectionTitle")

        lower = QWidget()
        lower_lay = QVBoxLayout(lower)
        lower_lay.setContentsMargins(0, 4, 0, 0)
        lower_lay.addLayout(buttons)
        lower_lay.addWidget(self.preview_title)
        lower_lay.addWidget(self.preview, 1)
        # the two tables share the page's height; the user can move the line between them
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("mappingSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(lower)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        lay = QVBoxLayout(self)
        lay.addWidget(self.splitter, 1)

    FIELD_WIDTH = 300  # the drop-down: its longest choice ("Department (kept as extra field)")
    VALUE_LEAST = 120  # the first values give way (elided) down to this

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self.fit_columns()
        return super().eventFilter(watched, event)

    def fit_columns(self) -> None:
        table, header = self.table, self.table.horizontalHeader()
        needs = [max(header.sectionSizeHint(c), table.sizeHintForColumn(c)) for c in (0, 1)]
        needs.append(max(header.sectionSizeHint(2), self.FIELD_WIDTH))
        room = table.viewport().width()
        set_widths(table, share_room(needs, room, gives_way=1, least=self.VALUE_LEAST))

    def open_editors(self) -> None:
        model = self.wiz.mapping_model
        for row in range(model.rowCount()):
            self.table.openPersistentEditor(model.index(row, 2))

    def combo(self, header: str) -> QComboBox:
        """The drop-down of one column (for keyboard use and tests)."""
        row = self.wiz.mapping_model.headers.index(header)
        widget = self.table.indexWidget(self.wiz.mapping_model.index(row, 2))
        assert isinstance(widget, QComboBox)
        return widget

    def initializePage(self) -> None:
        self.open_editors()
        if self.wiz.mapping_model.rowCount():
            self.table.setFocus()


# --- page 3: options ---------------------------------------------------------------------------


class OptionsPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("How to import")
        self.setSubTitle("Every import is a batch you can undo later (File ▸ Import history).")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Import")
        self.policy = QButtonGroup(self)
        policy_box = QVBoxLayout()
        for key, text, help_text in POLICIES:
            radio = QRadioButton(text)
            radio.setObjectName(f"policy_{key}")
            radio.setProperty("policy", key)
            radio.setToolTip(help_text)
            self.policy.addButton(radio)
            policy_box.addWidget(radio)
            hint = label(help_text, "hint")
            hint.setIndent(24)
            policy_box.addWidget(hint)
        self.policy.buttons()[0].setChecked(True)
        self.source = QLineEdit()
        self.source.setObjectName("sourceLabel")
        self.source.setPlaceholderText('e.g. "Trade show: Hannover Messe 2026"')
        self.source_completer = offer_existing_sources(self.source, wizard.db)
        self.stage = QComboBox()
        self.stage.setObjectName("stageChoice")
        for st in shown_stages(wizard.db):  # a hidden stage is not offered
            self.stage.addItem(st.name, st.key)
        self.stage.setCurrentIndex(max(0, self.stage.findData("suspect")))
        # team mode: who works the new contacts (empty: nobody; "me": the user)
        self.owner = QLineEdit()
        self.owner.setObjectName("ownerChoice")
        self.owner.setPlaceholderText("Nobody — or a name, or me")
        form = QFormLayout()
        known = options_label("Contacts whose e-mail is already known", self.policy.buttons()[0])
        form.addRow(known, policy_box)
        form.addRow("Source label", self.source)
        form.addRow("Stage of new contacts", self.stage)
        form.addRow("Owner of new contacts", self.owner)
        # what goes in, to check before the import starts: the file as read, where each
        # column goes, what the first rows showed — and, where the page has room, those rows
        # as Winnow will store them (the mapping page's preview) down to the buttons
        self.review = QFrame()
        self.review.setObjectName("section")  # a card, as the detail panel's sections
        card = QVBoxLayout(self.review)
        card.setContentsMargins(14, 12, 14, 12)
        review = QFormLayout()
        review.setContentsMargins(0, 0, 0, 0)
        review.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        card.addLayout(review)
        self.rows_table = ContentTable()
        self.rows_table.setObjectName("reviewRowsTable")
        self.rows_table.setModel(wizard.preview_model)
        self.rows_table.verticalHeader().hide()
        self.rows_table.setAlternatingRowColors(True)
        self.rows_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rows_columns = ColumnSharer(self.rows_table, PREVIEW_WEIGHTS, PREVIEW_FITTED)
        card.addWidget(self.rows_table)
        review.addRow(label("WHAT WILL BE IMPORTED", "sectionTitle"))
        self.review_file = label(name="reviewFile")
        self.review_fields = label(name="reviewFields")
        self.review_extra = label(name="reviewExtra")
        self.review_left_out = label(name="reviewLeftOut")
        self.review_rows = label(name="reviewRows")
        for text, widget in (
            ("File", self.review_file),
            ("Into Winnow's fields", self.review_fields),
            ("Kept as extra fields", self.review_extra),
            ("Not imported", self.review_left_out),
            ("The first rows", self.review_rows),
        ):
            review.addRow(text, widget)
        # the page scrolls as a whole: the rows (wrapped to ~66 px each) are shown whole,
        # as many as the preview read, with no scroll bar of their own. Filling the page's
        # spare height instead cut the last row in sight (1440x900), and whole rows only
        # would have left a band of up to a row's height under the card
        body = QWidget()
        body.setObjectName("optionsBody")
        self.form = form
        lay = QVBoxLayout(body)  # the page's own margins, inside the scrolling part
        lay.addLayout(form)
        lay.addSpacing(12)
        lay.addWidget(self.review)
        lay.addStretch(1)  # under the card while it has no rows to show
        self.scroll_area = scrolling_page(self, body, "optionsScroll")

    def initializePage(self) -> None:
        if not self.source.text() and self.wiz.preview is not None:
            self.source.setText(default_source(Path(self.wiz.preview.path)))
        self.show_review()
        self.rows_table.setVisible(self.wiz.preview_model.rowCount() > 0)
        self.scroll_area.verticalScrollBar().setValue(0)

    def show_review(self) -> None:
        """What the earlier pages settled, in a few lines."""
        preview = self.wiz.preview
        name = Path(preview.path).name if preview is not None else "—"
        self.review_file.setText(f"{name} ({self.wiz.file_page.format_label.text()})")
        labels = self.wiz.mapping_model.labels
        fields: list[str] = []
        extra: list[str] = []
        left_out: list[str] = []
        for header, target in self.wiz.mapping().items():
            if target == "skip":
                left_out.append(header)
            elif not target:
                extra.append(header)
            else:
                fields.append(f"{header} → {labels.get(target, target)}")
        for widget, items in (
            (self.review_fields, fields),
            (self.review_extra, extra),
            (self.review_left_out, left_out),
        ):
            widget.setText(columns_text(items))
        self.review_rows.setText(self.wiz.mapping_page.preview_title.text() or "—")

    def chosen_policy(self) -> str:
        button = self.policy.checkedButton()
        return str(button.property("policy")) if button is not None else "skip"


def columns_text(items: list[str]) -> str:
    """``3 columns: a · b · c`` (or "none")."""
    if not items:
        return "none"
    what = "column" if len(items) == 1 else "columns"
    return f"{len(items)} {what}: " + " · ".join(items)


class ContentTable(QTableView):
    """A table as tall as its header and every row (each as tall as its wrapped text, as
    :class:`ui.row_fit.VisibleRowFitter` fits them): it never scrolls up and down itself,
    the page around it does (a wheel over it scrolls the page)."""

    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # (the columns' widths, the rows) -> the height they take: the layouts ask often
        self._height: tuple[tuple[int, ...], int, int] | None = None
        # a row grown or shrunk to its wrapped text, or the columns' widths changed
        self.verticalHeader().sectionResized.connect(lambda *_: self.updateGeometry())
        self.horizontalHeader().sectionResized.connect(lambda *_: self.updateGeometry())

    def setModel(self, model: QAbstractItemModel | None) -> None:  # type: ignore[override]
        super().setModel(model)
        if model is not None:
            for signal in (
                model.modelReset,
                model.rowsInserted,
                model.rowsRemoved,
                model.dataChanged,
                model.layoutChanged,
            ):
                signal.connect(self._content_changed)

    def _content_changed(self, *_args: object) -> None:
        self._height = None
        self.updateGeometry()

    def rows_height(self) -> int:
        """The frame, the header and every row as tall as its text wraps at the columns'
        widths now: the height it takes at once, not row by row as the rows are fitted."""
        header = self.horizontalHeader()
        widths = tuple(header.sectionSize(c) for c in range(header.count()))
        model = self.model()
        rows = model.rowCount() if model is not None else 0
        if self._height is not None and self._height[:2] == (widths, rows):
            return self._height[2]
        height = 2 * self.frameWidth() + (0 if header.isHidden() else header.sizeHint().height())
        height += sum(max(self.rowHeight(r), self.sizeHintForRow(r)) for r in range(rows))
        self._height = (widths, rows, height)
        return height

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.rows_height())

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self.rows_height())

    def wheelEvent(self, event: QWheelEvent) -> None:
        event.ignore()  # nothing to scroll here: the page scrolls


# --- page 4: running ---------------------------------------------------------------------------


class RunPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Importing")
        self.setSubTitle("The whole file goes in as one batch: if you cancel, nothing is kept.")
        self.bar = QProgressBar()
        self.bar.setObjectName("importProgress")
        self.bar.setRange(0, 0)
        self.status = label(name="importStatus")
        self.cancel = QPushButton("Cancel import")
        self.cancel.setObjectName("cancelImport")
        self.cancel.clicked.connect(self.wiz.cancel_import)
        row = QHBoxLayout()
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.status)
        lay.addStretch(1)

    def initializePage(self) -> None:
        self.bar.setRange(0, 0)
        self.cancel.setEnabled(True)
        self.status.setText("Starting…")
        self.wiz.start_import()

    def isComplete(self) -> bool:
        return self.wiz.finished_import


# --- page 5: summary ---------------------------------------------------------------------------


class RowsTable(QTableView):
    """A table as tall as its header and rows (each as tall as its wrapped text): where the
    page has less room, it gets what there is and scrolls."""

    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.setMinimumHeight(0)
        # a row grown or shrunk to its wrapped text: another height
        self.verticalHeader().sectionResized.connect(lambda *_: self.updateGeometry())

    def setModel(self, model: QAbstractItemModel | None) -> None:  # type: ignore[override]
        super().setModel(model)
        if model is not None:
            for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
                signal.connect(self.updateGeometry)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self.model() is None:
            return hint
        # counted no further than the window is tall (a long list would be measured row by row)
        return QSize(hint.width(), rows_height(self, max(self.window().height(), 200)))

    # a short list keeps this much of its height (its rows whole) when the page is short of
    # room: the list of new contacts under it gives up its rows first
    KEPT = 160

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        kept = max(hint.height(), self._whole_rows_within(self.KEPT)) if self.model() else 0
        return QSize(hint.width(), min(kept, self.sizeHint().height()))

    def _whole_rows_within(self, limit: int) -> int:
        """The height of the header and the first rows that fit whole in ``limit`` px (at
        least one): ``limit`` itself left an empty band under the last whole row where the
        page scrolls."""
        header = self.horizontalHeader()
        height = 2 * self.frameWidth() + (0 if header.isHidden() else header.sizeHint().height())
        for row in range(self.model().rowCount()):
            step = max(self.rowHeight(row), self.sizeHintForRow(row))
            if row > 0 and height + step > limit:
                break
            height += step
        return height

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # the reasons wrap anew: other row heights


class SummaryBody(QWidget):
    """The summary's parts, in the page's scroll area: as tall as the page where they fit
    at their least heights (the new contacts then take the height left), taller where they
    do not (warnings and likely duplicates at 1024×700: the card of counts was cut and one
    new contact shown), and then the page scrolls. A scroll area asks its widget's height
    for its width: by default the preferred one, every new contact's row, so the page
    would scroll whenever the list is long."""

    def heightForWidth(self, width: int) -> int:
        lay = self.layout()
        return (
            super().heightForWidth(width) if lay is None else lay.totalMinimumHeightForWidth(width)
        )


class SummaryPage(QWizardPage):
    """What the import did: the counts in one line with "Undo this import" beside them,
    where the new contacts are now (by stage, kind of address and source, a line each),
    then every row it did not simply import — rejected, skipped as a duplicate, with a
    warning, a likely duplicate — in a table as tall as its rows (a long list takes the
    page's height and scrolls), and the new contacts in the height left."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Import finished")
        self.setSubTitle(" ")
        self.headline = label(name="summaryHeadline")
        font = self.headline.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.headline.setFont(font)
        self.counts = label(name="summaryCounts")
        # where the new contacts are now: by stage, kind of address, source
        self.outcome = BatchOutcomeView(
            wizard.db, wizard.runner, wizard.open_contact, wizard.show_batch
        )
        self.issues_title = label("ROWS NOT SIMPLY IMPORTED", "sectionTitle")
        self.issues = RowsTable()
        self.issues.setObjectName("issueTable")
        self.issues.setModel(wizard.issue_model)
        self.issues.verticalHeader().hide()
        self.issues.setAlternatingRowColors(True)
        self.issues.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.issues.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # row and kind as wide as they are, the reason the rest, wrapped (it ended in "…")
        self.issue_columns = ColumnSharer(self.issues, {2: 1.0})
        self.all_clear = label(
            "Every row was imported: none rejected or skipped, no warnings.", "allClear"
        )
        # likely the same person as another contact, however spelled (ui.leads)
        self.duplicates = BatchDuplicates(wizard.db, wizard.runner)
        # beside the headline and the counts (it undoes what they say), not on a row of its
        # own: at 1024×700 that row cost the new contacts a row and a half
        self.undo_button = QPushButton("Undo this import")
        self.undo_button.setObjectName("undoImport")
        self.undo_button.clicked.connect(self.wiz.undo_this_import)
        self.undo_status = label(name="undoStatus")
        self.undo_status.hide()  # only while there is something to say
        top = QGridLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.setHorizontalSpacing(16)
        top.setVerticalSpacing(8)
        top.addWidget(self.headline, 0, 0)
        top.addWidget(self.counts, 1, 0)
        top.addWidget(self.undo_button, 0, 1, 2, 1, Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.undo_status, 2, 0, 1, 2)
        top.setColumnStretch(0, 1)
        body = SummaryBody()
        body.setObjectName("summaryBody")
        lay = QVBoxLayout(body)
        # the style's side margins inside a window, as the other pages (this page has no
        # parent yet: it would get a window's); little above and none below, where the
        # wizard's header and its row of buttons keep the page apart
        side = self.style().pixelMetric(QStyle.PixelMetric.PM_LayoutLeftMargin)
        lay.setContentsMargins(side, 4, side, 0)
        lay.setSpacing(8)
        lay.addLayout(top)
        lay.addWidget(self.outcome)
        lay.addSpacing(2)
        lay.addWidget(self.issues_title)
        # as tall as its rows (a long list takes the page's height and scrolls): two rows
        # no longer sit atop 450 px of empty white table
        lay.addWidget(WholeRows(self.issues))  # cut at a row's end where the room is short
        lay.addWidget(self.all_clear)
        lay.addWidget(self.duplicates)
        lay.addSpacing(2)
        # the new contacts take the room the page has left (as tall as their rows at most)
        lay.addWidget(self.outcome.new_contacts)
        lay.addStretch(1)
        # the page scrolls only where the parts at their least do not fit (see SummaryBody)
        self.scroll_area = scrolling_page(self, body, "summaryScroll")

    def set_undo_status(self, text: str) -> None:
        """Say how the undo goes (checking, done, failed) under the counts; "" for nothing
        (the line goes away)."""
        self.undo_status.setText(text)
        self.undo_status.setVisible(bool(text))

    def show_result(self, report: ImportReport | None, error: str | None) -> None:
        model = self.wiz.issue_model
        model.set_report(report)
        self.set_undo_status("")
        self.scroll_area.verticalScrollBar().setValue(0)
        self.duplicates.show_batch(report.batch_id if report is not None else None)
        self.outcome.show_batch(report.batch_id if report is not None else None)
        if report is None:
            self.setTitle("Nothing was imported")
            self.setSubTitle("The database is as it was before.")
            self.headline.setText(error or "")
            self.counts.setText("")
            self._show_table(False, clear=False)
            self.undo_button.setVisible(False)
            return
        self.setTitle("Import finished")
        self.setSubTitle(
            f"Import batch {report.batch_id}: undo it here, with Edit ▸ Undo, or "
            "later from File ▸ Import history."
        )
        self._show_table(bool(model.rowCount()), clear=True)
        self.undo_button.setVisible(True)
        self.undo_button.setEnabled(report.created_or_updated > 0)
        name = Path(self.wiz.preview.path).name if self.wiz.preview else "the file"
        new = "new contact" if report.imported == 1 else "new contacts"
        headline = f"{report.imported:,} {new} from {name}"
        if report.updated:
            headline += f", {report.updated:,} updated"
        self.headline.setText(headline + ".")
        self.counts.setText(summary_counts(report, model))

    def _show_table(self, table: bool, clear: bool) -> None:
        self.issues_title.setVisible(table)
        self.issues.setVisible(table)
        self.all_clear.setVisible(clear and not table)


def summary_counts(report: ImportReport, model: IssueModel) -> str:
    """The counts line, in the units the preview uses (rows), from the same rows the table
    lists."""
    rows = "row" if report.read == 1 else "rows"
    warned = model.rows_with("Warning")
    parts = [
        f"{report.imported:,} new",
        f"{report.updated:,} updated",
        f"{report.skipped:,} skipped as duplicates",
        f"{len(report.rejected):,} rejected",
        f"{warned:,} {'row' if warned == 1 else 'rows'} with warnings",
    ]
    if report.likely_duplicates:
        parts.append(f"{len(report.likely_duplicates):,} likely duplicates to look at")
    file_notes = sum(1 for r, k, _t in model.items if k == "Warning" and r <= 0)
    if file_notes:
        parts.append(f"{file_notes:,} about the whole file")
    return f"Read {report.read:,} {rows}: " + " · ".join(parts)
