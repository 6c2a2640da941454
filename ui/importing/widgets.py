"""Pieces the import wizard pages share: choices, labels, the field drop-down."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHeaderView,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from app.errors import WinnowError
from db.engine import DatabaseError
from ui.column_share import share_by_content
from ui.importing.models import field_choices
from ui.line_breaks import WrappedLabel
from ui.row_fit import SLACK, VisibleRowFitter

log = logging.getLogger(__name__)

FILE_FILTER = (
    "Contact lists (*.csv *.tsv *.txt *.xlsx *.xlsm *.xls *.ods *.vcf *.vcard *.ldif);;"
    "CSV or text (*.csv *.tsv *.txt);;Excel or LibreOffice (*.xlsx *.xlsm *.xls *.ods);;"
    "vCard (*.vcf *.vcard);;LDIF address book (*.ldif);;All files (*)"
)
ENCODINGS = [
    ("Detected", None),
    ("UTF-8", "utf-8"),
    ("Windows-1252 (Western Europe)", "cp1252"),
    ("ISO-8859-1 (Latin-1)", "latin-1"),
    ("ISO-8859-15 (Latin-9)", "iso-8859-15"),
    ("Windows-1250 (Central Europe)", "cp1250"),
    ("Windows-1254 (Turkish)", "cp1254"),
    ("UTF-16", "utf-16"),
    ("Mac Roman", "mac-roman"),
]
DELIMITERS = [
    ("Detected", None),
    ("Comma ,", ","),
    ("Semicolon ;", ";"),
    ("Tab", "\t"),
    ("Pipe |", "|"),
]
POLICIES = [
    ("skip", "Skip them", "Contacts whose e-mail address is already in Winnow stay as they are."),
    ("fill", "Fill empty fields", "Only fields that are empty in Winnow are filled from the file."),
    ("overwrite", "Overwrite", "Values in the file replace the ones in Winnow."),
]
EXPECTED = (WinnowError, DatabaseError)


def encoding_name(encoding: str | None) -> str:
    """An encoding as the Encoding drop-down names it ("Windows-1252 (Western Europe)")."""
    if not encoding:
        return "—"
    key = encoding.lower().replace("_", "-")
    for text, value in ENCODINGS:
        if value and value.replace("_", "-") == key:
            return text
    return encoding


def path_problem(path: str) -> str | None:
    """Why a typed or pasted path cannot be read, in words (None: it is a readable file)."""
    import os

    target = Path(path).expanduser()
    name = target.name or path
    try:
        if not target.exists():
            return f"There is no file at {path}"
        if target.is_dir():
            return f"{name} is a folder. Choose a file in it (Choose file…)."
        if not target.is_file():
            return f"{name} is not a file that can be read."
        if not os.access(target, os.R_OK):
            return f"Cannot read {name}: permission denied."
    except OSError as exc:
        return f"Cannot read {name}: {exc.strerror or exc}"
    return None


def clean_path(text: str) -> str:
    """A typed or pasted path as a file path: quotes and a file:// prefix taken off."""
    from urllib.parse import unquote, urlparse

    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    if text.startswith("file://"):
        text = unquote(urlparse(text).path)
    return text


def delimiter_name(delimiter: str | None) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(
        delimiter or "", repr(delimiter) if delimiter else "—"
    )


def default_source(path: Path) -> str:
    """A source label from the file name (``app.importing.sources``: the CLI's rule too)."""
    from app.importing.sources import default_source as rule

    return rule(path)


def label(text: str = "", name: str = "") -> QLabel:
    label = WrappedLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    if name:
        label.setObjectName(name)
    return label


class ColumnSharer(QObject):
    """The table's columns share its width (the columns in ``weights`` and ``fitted``; a
    column in neither is as wide as its contents); text wraps and each row in sight is as
    tall as its text (:class:`ui.row_fit.VisibleRowFitter`), so there is no sideways
    scrolling and nothing is cut, however many rows. Where the room holds every sharing
    column's text on one line, each gets what its text needs, a ``fitted`` column no more,
    and the rest goes by weight (by weight alone a long source wrapped beside a file name
    with room to spare). Where it does not, the width goes by content
    (:func:`ui.column_share.share_by_content`: where it saves the most lines): by fixed
    shares the preview's mostly empty Problems column took a fifth (245 px at 1440) while
    the extra fields beside it wrapped in every row."""

    MEASURED = 200  # rows whose text is measured (thousands: their start)

    def __init__(
        self, view: QTableView, weights: dict[int, float], fitted: dict[int, float] | None = None
    ) -> None:
        super().__init__(view)
        self.view = view
        self.weights = weights
        self.fitted = fitted or {}
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.rows = VisibleRowFitter(view)
        # the texts' widths on one line, per column, measured once per change of the
        # table's content or font (a resize only shares them out again)
        self._measured: dict[int, tuple[list[int], int]] = {}
        self._measured_font = ""
        view.viewport().installEventFilter(self)
        model = view.model()
        for changed in (
            model.dataChanged,
            model.rowsInserted,
            model.rowsRemoved,
            model.columnsInserted,
            model.columnsRemoved,
            model.headerDataChanged,
        ):
            changed.connect(self._forget)
        model.modelReset.connect(self._content_changed)
        model.layoutChanged.connect(self._content_changed)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def _forget(self, *_args: object) -> None:
        self._measured.clear()

    def _content_changed(self, *_args: object) -> None:
        self._measured.clear()
        self.fit()

    def fit(self) -> None:
        view = self.view
        columns = view.model().columnCount()
        available = view.viewport().width()
        if available <= 0 or columns == 0:
            return
        fixed = {
            c: max(view.sizeHintForColumn(c), view.horizontalHeader().sectionSizeHint(c))
            for c in range(columns)
            if c not in self.weights and c not in self.fitted
        }
        for c, width in fixed.items():
            view.setColumnWidth(c, width)
        room = max(0, available - sum(fixed.values()))
        shared = [c for c in range(columns) if c in self.weights or c in self.fitted]
        need = {c: self.need(c) for c in shared}
        if sum(need.values()) > room:  # some wrap: the width goes where it saves most lines
            widths = share_by_content(
                [self.text_widths(c) for c in shared],
                [max(40, view.horizontalHeader().sectionSizeHint(c)) for c in shared],
                [need[c] for c in shared],
                room,
                pad=self.padding(),
            )
            for c, width in zip(shared, widths, strict=True):
                view.setColumnWidth(c, width)
            return
        # a fitted column as wide as its text; the rest by weight
        for c in self.fitted:
            if c in need:
                view.setColumnWidth(c, need[c])
        weighted = [c for c in shared if c in self.weights]
        total = sum(self.weights[c] for c in weighted) or 1.0
        spare = room - sum(need.values())
        used = 0
        for i, c in enumerate(weighted):
            part = spare - used if i == len(weighted) - 1 else int(spare * self.weights[c] / total)
            view.setColumnWidth(c, max(40, need[c] + part))
            used += part

    def padding(self) -> int:
        """A cell's room around its text (as :class:`ui.row_fit.WrapDelegate` measures)."""
        view = self.view
        style = view.style()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
        return 2 * margin + SLACK + (1 if view.showGrid() else 0)

    def text_widths(self, column: int) -> list[int]:
        """The widths of the column's texts (of its first rows) on one line."""
        return self._measure(column)[0]

    def need(self, column: int) -> int:
        """The width the column's header and text (of its first rows) take on one line."""
        return self._measure(column)[1]

    def _measure(self, column: int) -> tuple[list[int], int]:
        """(text widths row by row, need) of a column, measured when its content or the
        font changed since (:meth:`measure_column`)."""
        font = self.view.font().key()
        if font != self._measured_font:
            self._measured, self._measured_font = {}, font
        known = self._measured.get(column)
        if known is None:
            known = self._measured[column] = self.measure_column(column)
        return known

    def measure_column(self, column: int) -> tuple[list[int], int]:
        """The widths of the column's texts (of its first rows) on one line, and the width
        its header and texts take on one line."""
        view = self.view
        model, fm = view.model(), view.fontMetrics()
        widths = []
        for row in range(min(model.rowCount(), self.MEASURED)):
            text = model.index(row, column).data(Qt.ItemDataRole.DisplayRole)
            widths.append(fm.horizontalAdvance(text) if isinstance(text, str) and text else 0)
        cell = max(widths, default=0) + self.padding()
        return widths, max(view.horizontalHeader().sectionSizeHint(column), cell)


class FieldDelegate(QStyledItemDelegate):
    """A drop-down of Winnow fields in the "Imported as" column."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.choices = field_choices()

    def createEditor(
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        combo = QComboBox(parent)
        combo.setObjectName("fieldCombo")
        for key, label in self.choices:
            combo.addItem(label, key)
        combo.currentIndexChanged.connect(lambda _i, c=combo: self.commitData.emit(c))
        return combo

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, QComboBox)
        key = index.data(Qt.ItemDataRole.EditRole) or ""
        position = editor.findData(key)
        if position >= 0 and position != editor.currentIndex():
            editor.blockSignals(True)
            editor.setCurrentIndex(position)
            editor.blockSignals(False)

    def setModelData(
        self, editor: QWidget, model: Any, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)
