"""The contact list: a table model over ids fetched in pages, with a cache of small rows.

Sorting and filtering run in SQL (``app.contacts.ContactQuery``); the model never holds more
than the ids it has fetched and a bounded cache of rows (both kept by ``ui.paging``). The
domain's modules (SQLAlchemy) are imported where first used, not with the module.
"""

from __future__ import annotations

import logging
import sqlite3
import struct
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QEvent,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
)

from app.golook.badges import ADDRESS_BADGES
from app.timeutil import local_text
from app.values import ContactQuery, ContactRow, StageInfo, follow_up_state
from ui.contrast import readable_on_base
from ui.list_count import BackgroundCount, count_text
from ui.marks import BANT_WORDS, paint_bant_marks
from ui.paging import ContactPager
from ui.row_fit import VisibleRowFitter
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from app.first_screen import PlainReads
    from db.engine import Database

log = logging.getLogger(__name__)

CONTACT_IDS_MIME = "application/x-winnow-contact-ids"

# (label, colour) per domain class: the one derivation the verdict starts with too
DOMAIN_BADGES: dict[str | None, tuple[str, str]] = {
    key: (badge.label, badge.colour) for key, badge in ADDRESS_BADGES.items()
}

# (key, header, sort key or None)
COLUMNS: list[tuple[str, str, str | None]] = [
    ("name", "Name", "name"),
    ("company", "Company", "company"),
    ("title", "Job title", "title"),
    ("stage", "Stage", "stage"),
    ("score", "Score", "score"),
    ("bant", "BANT", None),
    ("domain", "Address", "domain_class"),
    ("email", "E-mail", "email"),
    ("source", "Source", "source"),
    ("created", "Created", "created"),
]


class ListSort(NamedTuple):
    """The list's order: its column and the way, and the sort key it reads (``ContactQuery``)."""

    column: int
    order: Qt.SortOrder
    key: str


# a QHeaderView.saveState's start (QDataStream, big-endian): its marker 0xff, version 0, then
# the orientation, the sort indicator's order and section, whether it is shown
_HEADER_STATE = struct.Struct(">iiiii?")


def saved_sort(state: bytes | bytearray | memoryview) -> ListSort | None:
    """The sort a list header's saved state holds (``QHeaderView.saveState``), read without
    a header: the list's first page is then read once, in that order (restoring the state on
    the header afterwards asked the model for it again: a second read, through the database).
    None for no sort, a column that does not sort, or a state not of this form."""
    if len(state) < _HEADER_STATE.size:
        return None
    marker, version, orientation, order, column, _shown = _HEADER_STATE.unpack_from(state)
    if (marker, version, orientation) != (0xFF, 0, Qt.Orientation.Horizontal.value):
        return None
    if order not in (0, 1) or not 0 <= column < len(COLUMNS):
        return None
    key = COLUMNS[column][2]
    if key is None:
        return None
    return ListSort(column, Qt.SortOrder(order), key)


ContactIdRole = Qt.ItemDataRole.UserRole + 1
StageKeyRole = Qt.ItemDataRole.UserRole + 2
RowRole = Qt.ItemDataRole.UserRole + 3
BantRole = Qt.ItemDataRole.UserRole + 4
OVERDUE_COLOR = "#C62828"
SALES_READY_COLOR = "#2E7D32"


def color_dot(color: str, size: int = 12) -> QIcon:
    """A coloured dot: how a stage shows its colour (the text stays in the text colour)."""
    return _dot(color, size)


@lru_cache(maxsize=64)
def _dot(color: str, size: int) -> QIcon:
    pix = QPixmap(size * 2, size * 2)  # drawn at twice the size: sharp on a 200 % screen
    pix.setDevicePixelRatio(2.0)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(color))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QIcon(pix)


def text_brush(color: str) -> QBrush:
    """A coloured text brush that keeps 4.5:1 contrast on the list's background."""
    from PySide6.QtGui import QGuiApplication, QPalette

    pal = QGuiApplication.palette()
    return _text_brush(
        color,
        pal.color(QPalette.ColorRole.Base).name(),
        pal.color(QPalette.ColorRole.AlternateBase).name(),
    )


@lru_cache(maxsize=256)
def _text_brush(color: str, _base: str, _alternate: str) -> QBrush:
    return QBrush(readable_on_base(color))


def encode_ids(ids: Sequence[int]) -> QMimeData:
    mime = QMimeData()
    mime.setData(CONTACT_IDS_MIME, QByteArray(",".join(str(i) for i in ids).encode()))
    return mime


def decode_ids(mime: QMimeData) -> list[int]:
    if not mime.hasFormat(CONTACT_IDS_MIME):
        return []
    raw = bytes(mime.data(CONTACT_IDS_MIME).data()).decode()
    return [int(x) for x in raw.split(",") if x.strip().isdigit()]


class ListedRow(NamedTuple):
    """What the list caches per contact: the small row and its BANT marks."""

    row: ContactRow
    marks: tuple[str, ...]


def _prepare_search(db: Database, base: ContactQuery, page: int) -> None:
    """:func:`app.paging.prepare_search` on a worker, its module (SQLAlchemy) imported there:
    on a plain start the first import of SQLAlchemy, kept off the GUI thread."""
    from app import paging

    paging.prepare_search(db, base, page)


def _query_in(sort: ListSort | None) -> ContactQuery:
    if sort is None:
        return ContactQuery()
    return ContactQuery(sort=sort.key, descending=sort.order == Qt.SortOrder.DescendingOrder)


class ContactTableModel(QAbstractTableModel):
    """Rows = contacts of the current query, fetched page by page as the view scrolls.

    Tell it what changed and it keeps every contact shown exactly once, in query order:
    :meth:`contacts_changed` (edited, moved, created), :meth:`contacts_removed` (deleted),
    :meth:`refresh` (something changed, nobody said what), :meth:`reload` (start again)."""

    PAGE = 200
    CACHE_ROWS = 4000
    # once the view has said how many rows it shows (set_rows_in_sight), a reset reads a first
    # page of ids half a screen longer than that (at least this many), and those rows alone
    MIN_FIRST_PAGE = 50

    query_changed = Signal()
    total_changed = Signal()  # a search's count arrived (see total_text)

    def __init__(
        self,
        db: Database,
        parent: Any = None,
        first: PlainReads | None = None,
        sort: ListSort | None = None,
    ) -> None:
        """``sort``: the order the first page is read in (None: by date added, newest first)."""
        super().__init__(parent)
        self.db = db
        # a start on a file read with the driver alone: the first page and its rows come
        # from there until the database is open (None: the database's own reads)
        self._first = first
        self._stages: dict[str, StageInfo] = {}
        self._criteria: list[str] = []
        # told of each block of rows read (the list's column fitter notes their widths)
        self.on_rows_loaded: Callable[[Sequence[ContactRow]], None] | None = None
        self._pager: ContactPager[ListedRow] = ContactPager(
            self, db, _query_in(sort), self._load, page=self.PAGE, columns=len(COLUMNS)
        )
        self._pager.CACHE_ROWS = self.CACHE_ROWS
        self._pager.BLOCK = 100  # a screenful and more per cache miss
        # a search is counted on a worker: its first page never waits for the count
        self.counter = BackgroundCount(db, self._counted, self)
        self._pager.count_later = lambda: self.counter.start(
            self._pager.query, capped=bool(self._pager.query.search)
        )
        # where a search's first-page statements are made ahead of typing (prepare_searches)
        self._preparer: TaskRunner | None = None
        self._prepared: ContactQuery | None = None
        self._pager.reading = self._reading_rows
        if not self._read_first_screen():
            with db.reading():  # the stages, criteria, count and first page: one session
                self.reload_stages()
                self._pager.reset()

    def _read_first_screen(self) -> bool:
        """The stages, criteria, count and first page read with the driver alone (a plain
        start, :mod:`app.first_screen`); False when there is none or it declined (an import
        started meanwhile): the database's own reads then."""
        first = self._first
        if first is None or first.ready:
            return False
        from app import first_screen

        query = self._pager.query
        limit = self.first_page
        try:
            with first.reads() as con:
                stages = first_screen.stages(con)
                criteria = first_screen.criterion_names(con)
                total = first_screen.count(con)
                keys = (
                    first_screen.first_page(con, query.sort, query.descending, limit)
                    if total
                    else []
                )
        # KeyError: a sort first_screen does not read (the database's reads then)
        except (first_screen.NotPlain, sqlite3.Error, KeyError) as exc:
            log.info("the list's first page read the usual way: %s", exc)
            self._first = None
            return False
        self._stages = {s.key: s for s in stages}
        self._criteria = criteria
        self._pager.reset(total, keys)
        return True

    def _plain_rows(self) -> PlainReads | None:
        """Where rows are read before the database is open (None: from the database)."""
        first = self._first
        if first is not None and first.ready:
            self._first = first = None
        return first

    def _reading_rows(self) -> AbstractContextManager[object]:
        return nullcontext() if self._plain_rows() is not None else self.db.reading()

    # --- query ---------------------------------------------------------------------------
    @property
    def query(self) -> ContactQuery:
        return self._pager.query

    @property
    def total(self) -> int:
        """How many contacts match the query (all pages); while a search is still being
        counted, how many are known so far (see :attr:`total_exact`)."""
        return self._pager.total

    @property
    def total_exact(self) -> bool:
        return self._pager.exact

    @property
    def total_text(self) -> str:
        """The total as shown: ``12,345``, or ``10,000+`` / ``200+`` while counting."""
        return count_text(self._pager.total, self._pager.exact)

    def _counted(self, query: ContactQuery, total: int, exact: bool) -> None:
        if query != self._pager.query:
            return
        self._pager.set_total(total, exact)
        self.total_changed.emit()

    def set_query(self, query: ContactQuery) -> None:
        if query == self._pager.query:
            return
        self._pager.set_query(query)
        self.query_changed.emit()
        self._prepare()

    @property
    def first_page(self) -> int:
        """How many ids a reset reads (then pages of PAGE as the view scrolls)."""
        return self._pager.FIRST_PAGE or self._pager.PAGE

    def set_rows_in_sight(self, rows: int) -> None:
        """The view shows about ``rows`` rows at once (its height over a row's): from the next
        reset on (a keystroke, a filter, an order) the first page is that and half a screen
        more, not a PAGE of ids, and the rows read first are those in sight, not a BLOCK. A
        search's first page costs about what it walks or sorts for its length (at 100,000 a
        keystroke's keys 6.3-7.3 ms for 200, 4.7-5.1 for 60 to 80), its rows about what is read;
        the rest comes as the view scrolls (fetchMore, the next rows), as before."""
        rows = max(1, rows)
        self._pager.FIRST_BLOCK = rows
        self._pager.FIRST_PAGE = min(self.PAGE, max(self.MIN_FIRST_PAGE, rows + rows // 2))

    def prepare_searches(self, tasks: TaskRunner) -> None:
        """From now on (the window is usable), make a search's first-page statements on
        ``tasks``'s worker ahead of typing: now, and whenever the list's filters or order
        change (:func:`app.paging.prepare_search`; SQLAlchemy compiled each the first time a
        keystroke took its plan, 1-2 ms a statement on the GUI thread)."""
        self._preparer = tasks
        self._prepare()

    def _prepare(self) -> None:
        tasks = self._preparer
        base = replace(self._pager.query, search=None)
        if tasks is None or base == self._prepared:
            return
        self._prepared = base
        db, page = self.db, self.first_page
        tasks.run(
            _prepare_search,
            db,
            base,
            page,
            on_error=lambda exc: log.info("search statements not made ahead: %s", exc),
            label="",
            background=True,
        )

    def reload(self) -> None:
        """Start again from the first page (the view scrolls to the top)."""
        self._pager.reset()

    def refresh(self) -> None:
        """Read the loaded rows again after changes nobody named; rows that stay keep their
        place and selection."""
        self._pager.requery()

    def contacts_changed(self, ids: Sequence[int], recount: bool = True) -> None:
        """These contacts were edited, moved or created: each is shown where the query now
        puts it (or no longer shown), so no contact is skipped or shown twice."""
        self._pager.contacts_changed(ids, recount=recount)

    def contacts_removed(self, ids: Sequence[int], recount: bool = True) -> None:
        """These contacts were deleted."""
        self._pager.contacts_removed(ids, recount=recount)

    def forget_rows(self, ids: Iterable[int]) -> None:
        """These contacts' rows changed: read again when next asked (their places stay)."""
        self._pager.forget(ids)

    def refresh_contacts(self, ids: Sequence[int]) -> None:
        """Same as :meth:`contacts_changed` (the name the window has used so far)."""
        self.contacts_changed(ids)

    def reload_stages(self) -> None:
        """Reload what rows refer to: stages and the BANT criteria (names, order)."""
        from app.qualification import list_criteria
        from app.stages import list_stages

        self._stages = {s.key: s for s in list_stages(self.db)}
        self._criteria = [c.name for c in list_criteria(self.db)]
        pager = getattr(self, "_pager", None)
        if pager is not None:
            pager.forget_all()  # marks follow the criteria

    # --- paging --------------------------------------------------------------------------
    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:
        return not parent.isValid() and self._pager.can_fetch_more()

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:
        if not parent.isValid():
            self._pager.fetch_more()

    def fetch_all_ids(self) -> list[int]:
        """Every id of the query (for 'select all' actions), without loading rows."""
        from app import contacts

        return contacts.query_ids(self.db, self._pager.query)

    # --- rows ----------------------------------------------------------------------------
    def contact_id(self, row: int) -> int:
        return self._pager.ids[row]

    def row_for_id(self, contact_id: int) -> int | None:
        return self._pager.row_for(contact_id)

    def loaded_ids(self) -> list[int]:
        return list(self._pager.ids)

    def contact_row(self, row: int) -> ContactRow | None:
        listed = self._pager.row(row)
        return listed.row if listed is not None else None

    def shown_version(self, contact_id: int) -> int | None:
        """The contact's version as the list last read it (None: not read, or read again
        since it changed); never reads."""
        listed = self._pager.cached(contact_id)
        return listed.row.version if listed is not None else None

    def _load(self, ids: Sequence[int]) -> dict[int, ListedRow]:
        first = self._plain_rows()
        if first is not None:
            from app import first_screen

            try:
                with first.reads() as con:
                    rows = first_screen.rows(con, ids)
                    marks = first_screen.bant_marks(con, list(rows))
            except (first_screen.NotPlain, sqlite3.Error) as exc:
                log.info("the list's rows read the usual way: %s", exc)
                self._first = None
            else:
                return self._listed(rows, marks)
        from app import contacts
        from app.qualification import bant_marks

        rows = contacts.load_rows(self.db, ids)
        return self._listed(rows, bant_marks(self.db, list(rows)))

    def _listed(
        self, rows: dict[int, ContactRow], marks: dict[int, tuple[str, ...]]
    ) -> dict[int, ListedRow]:
        unknown = ("unknown",) * len(self._criteria)
        if self.on_rows_loaded is not None:
            self.on_rows_loaded(list(rows.values()))
        return {cid: ListedRow(row, marks.get(cid, unknown)) for cid, row in rows.items()}

    def _marks(self, cid: int) -> tuple[str, ...]:
        listed = self._pager.cached(cid)
        return listed.marks if listed is not None else ()

    def is_overdue(self, row: ContactRow) -> bool:
        """Inquiry not answered in time, while the contact is still in the pipeline."""
        stage = self._stages.get(row.stage_key)
        if stage is None or stage.kind != "pipeline":
            return False
        return follow_up_state(row.response_due_at, row.first_response_at) == "overdue"

    # --- Qt model API --------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._pager.ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section][1]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsDragEnabled
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or index.row() >= len(self._pager.ids):
            return None
        if role == ContactIdRole:
            return self._pager.ids[index.row()]
        row = self.contact_row(index.row())
        if row is None:
            return None
        key = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, key)
        if role == BantRole:
            return self._marks(row.id)
        if role == Qt.ItemDataRole.ToolTipRole:
            if key == "bant":
                marks = self._marks(row.id)
                return (
                    "\n".join(
                        f"{name}: {BANT_WORDS.get(a, a)}"
                        for name, a in zip(self._criteria, marks, strict=False)
                    )
                    or None
                )
            if key == "name" and self.is_overdue(row):
                return f"{row.name} — response overdue (due {local_text(row.response_due_at)})"
            if key == "score" and row.sales_ready:
                return f"Score {row.score} — sales-ready"
            if key == "domain":
                return f"{self._display(row, key)} address" + (
                    f" ({row.email})" if row.email else ""
                )
            return self._display(row, key) or None
        if role == Qt.ItemDataRole.ForegroundRole:
            if key == "name" and self.is_overdue(row):
                return text_brush(OVERDUE_COLOR)
            if key == "score" and row.sales_ready:
                return text_brush(SALES_READY_COLOR)
            if key == "domain":
                return text_brush(DOMAIN_BADGES.get(row.domain_class, DOMAIN_BADGES[None])[1])
            return None
        if role == Qt.ItemDataRole.DecorationRole and key == "stage":
            st = self._stages.get(row.stage_key)
            return color_dot(st.color) if st else None
        if role == Qt.ItemDataRole.FontRole and key in ("name", "score"):
            font = QFont()
            font.setBold(key == "name" or row.sales_ready)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "score":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == StageKeyRole:
            return row.stage_key
        if role == RowRole:
            return row
        return None

    def _display(self, row: ContactRow, key: str) -> str:
        if key == "stage":
            st = self._stages.get(row.stage_key)
            return st.name if st else row.stage_key
        if key == "created":
            return local_text(row.created_at, with_time=False)
        if key == "score":
            if row.score is None:
                return ""
            return f"★ {row.score}" if row.sales_ready else str(row.score)
        if key == "bant":
            return ""
        if key == "domain":
            return DOMAIN_BADGES.get(row.domain_class, DOMAIN_BADGES[None])[0]
        value = getattr(row, key, None)
        return "" if value is None else str(value)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        sort_key = COLUMNS[column][2]
        if sort_key is None:
            return
        self.set_query(
            replace(
                self._pager.query, sort=sort_key, descending=order == Qt.SortOrder.DescendingOrder
            )
        )

    # --- drag ----------------------------------------------------------------------------
    def mimeTypes(self) -> list[str]:
        return [CONTACT_IDS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        ids = list(dict.fromkeys(self._pager.ids[i.row()] for i in indexes if i.isValid()))
        return encode_ids(ids)

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction


class BantMarksDelegate(QStyledItemDelegate):
    """Paints the list's BANT column as one dot per criterion."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        super().paint(painter, option, index)
        marks = index.data(BantRole) or ()
        rect = option.rect  # type: ignore[attr-defined]
        width = len(marks) * 7 + max(0, len(marks) - 1) * 3
        paint_bant_marks(painter, rect.center().x() + width / 2, rect.center().y(), marks)


# --- columns that share the width ---------------------------------------------------------------


@dataclass(frozen=True)
class ColumnFit:
    """How a list column takes part in sharing the width: ``keep`` orders which columns stay
    when not all fit (0 first); ``sample`` is the widest text it must show in full (fixed
    columns) or its comfortable width in characters (``stretch`` > 0: takes spare width)."""

    keep: int
    sample: str = ""
    chars: int = 0
    stretch: int = 0
    extra: int = 0  # icon, dots
    squeeze: float = 1.0  # how far below its comfortable width it may go to let more in
    bold: bool = False  # its text is bold (names; sales-ready scores)
    # a narrow column worth squeezing name, company and stage for (on a narrow window
    # with the detail panel open: the score beside the three)
    squeezes_in: bool = False


COLUMN_FITS: dict[str, ColumnFit] = {
    "name": ColumnFit(0, chars=20, stretch=3, squeeze=0.9, bold=True),
    # the longest stage name, measured; squeezed first (few stage names are long)
    "stage": ColumnFit(1, extra=22, squeeze=0.7),
    "company": ColumnFit(2, chars=18, stretch=3, squeeze=0.8),
    "score": ColumnFit(3, sample="★ 100", bold=True, squeezes_in=True),
    "email": ColumnFit(4, chars=26, stretch=2, squeeze=0.75),
    "bant": ColumnFit(5, sample="", extra=44),
    "domain": ColumnFit(6, sample="Disposable"),
    "title": ColumnFit(7, chars=18, stretch=1, squeeze=0.7),
    "source": ColumnFit(8, chars=20, stretch=1, squeeze=0.7),
    "created": ColumnFit(9, sample="2026-12-31"),
}
ESSENTIAL = 3  # name, stage, company: shown at every width
SEEN_VALUES = 1000  # text widths remembered per column
MIN_SEEN = 20  # values noted before a column's width follows them
REFIT_PX = 6  # a column's width change that refits the list
CELL_PADDING = 16  # the style's cell and header padding, both sides
SORT_ARROW = 14


class ColumnFitter(QObject):
    """Shares the list's width among its columns whenever the list is resized, so there is
    no sideways scrolling, no header is cut and no text ends in "…": name, stage and company
    always; then, by importance, score, e-mail, BANT, address, job title, source and created
    while each fits beside the others at the width its values take (nine in ten of the
    values seen so far shown on one line, :meth:`note_rows`). Fixed columns get their full
    text, name, company and e-mail the spare width; the rare longer value wraps onto a
    second line (:class:`ui.row_fit.VisibleRowFitter`). ``hidden()`` says which columns did
    not fit."""

    def __init__(self, view: QTableView, model: ContactTableModel) -> None:
        super().__init__(view)
        self.view = view
        self.model = model
        header = view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setTextElideMode(Qt.TextElideMode.ElideNone)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # a value wider than its column wraps (the row grows), never "…"
        self.rows = VisibleRowFitter(view, min_height=view.verticalHeader().defaultSectionSize())
        view.viewport().installEventFilter(self)
        self._hidden: list[str] = []
        # widths the user dragged a column to: kept, the other columns share the rest
        self.user_widths: dict[int, int] = {}
        self._fitting = False
        header.sectionResized.connect(self._user_resized)
        # the text widths of the values seen, per stretching column: their width follows
        # what the store holds, not one search's few rows
        self._seen: dict[int, deque[int]] = {
            col: deque(maxlen=SEEN_VALUES)
            for col, (key, _t, _s) in enumerate(COLUMNS)
            if COLUMN_FITS[key].stretch
        }
        self._wants_fitted: dict[int, int] = {}
        self._refit = QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.setInterval(0)
        self._refit.timeout.connect(self._refit_if_moved)
        model.on_rows_loaded = self.note_rows

    def note_rows(self, rows: Sequence[ContactRow]) -> None:
        """Note the text widths of rows just read for the list (as they are painted); the
        columns are fitted again, after the paint, when a width moved by more than a few
        pixels."""
        fonts = self._fonts()
        for col, seen in self._seen.items():
            key = COLUMNS[col][0]
            fm = fonts[COLUMN_FITS[key].bold]
            for row in rows:
                text = self.model._display(row, key)
                if text:
                    seen.append(fm.horizontalAdvance(text))
        self._refit.start()

    def _refit_if_moved(self) -> None:
        limits = self.limits()
        if any(abs(limits[c][1] - w) > REFIT_PX for c, w in self._wants_fitted.items()):
            self.fit()

    def _fonts(self) -> dict[bool, QFontMetrics]:
        bold_font = QFont(self.view.font())
        bold_font.setBold(True)  # names and sales-ready scores are bold
        return {False: QFontMetrics(self.view.font()), True: QFontMetrics(bold_font)}

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
            # what a reset reads first: the rows in sight, a part-shown one and the one after
            # it, which the row fitter measures too (ui.row_fit.VisibleRowFitter.visible_rows)
            row = max(1, self.view.verticalHeader().defaultSectionSize())
            self.model.set_rows_in_sight(self.view.viewport().height() // row + 2)
        return False

    def _user_resized(self, column: int, _old: int, new: int) -> None:
        if self._fitting:
            return
        self.user_widths[column] = new
        self.fit()

    def hidden(self) -> list[str]:
        """Headers of the columns left out at this width."""
        return list(self._hidden)

    def limits(self) -> list[tuple[int, int]]:
        """(minimum, comfortable) width of each column."""
        header = self.view.horizontalHeader()
        head_font = QFont(header.font())
        head_font.setBold(True)
        head = QFontMetrics(head_font)
        fonts = self._fonts()
        stage_names = [s.name for s in self.model._stages.values()] or ["Marketing qualified"]
        out = []
        for col, (key, title, _sort) in enumerate(COLUMNS):
            fit = COLUMN_FITS[key]
            cell = fonts[fit.bold]
            title_w = head.horizontalAdvance(title) + CELL_PADDING + SORT_ARROW
            seen = self._seen.get(col, ())
            if key == "stage":
                text_w = max(cell.horizontalAdvance(n) for n in stage_names)
            elif fit.stretch and len(seen) >= MIN_SEEN:
                # nine values in ten on one line; a very long one does not widen the column
                # beyond twice its usual room (it wraps)
                text_w = min(
                    sorted(seen)[int(len(seen) * 0.9)],
                    cell.averageCharWidth() * fit.chars * 2,
                )
            elif fit.stretch:
                text_w = cell.averageCharWidth() * fit.chars
            else:
                text_w = cell.horizontalAdvance(fit.sample)
            want = max(title_w, text_w + fit.extra + CELL_PADDING)
            if col in self.user_widths:  # the user's width: neither more nor less
                want = max(title_w, self.user_widths[col])
                out.append((want, want))
                continue
            # a name or company cut short reads worse than a column less
            low = max(title_w, int(want * fit.squeeze)) if fit.squeeze < 1 else want
            out.append((low, want))
        return out

    def fit(self) -> None:
        view = self.view
        available = view.viewport().width()
        if available <= 0:
            return
        header = view.horizontalHeader()
        if header.stretchLastSection():  # a saved header state from an older version
            header.setStretchLastSection(False)
        limits = self.limits()
        order = sorted(range(len(COLUMNS)), key=lambda c: COLUMN_FITS[COLUMNS[c][0]].keep)
        # name, stage and company always (squeezed if need be); another column only while
        # those three keep their comfortable width, in order of importance (never skipping)
        shown = order[:ESSENTIAL]
        used = sum(limits[c][1] for c in shown)
        least = sum(limits[c][0] for c in shown)
        for col in order[ESSENTIAL:]:
            if used + limits[col][1] <= available:  # it and every column before it roomy
                used += limits[col][1]
            elif COLUMN_FITS[COLUMNS[col][0]].squeezes_in and least + limits[col][0] <= available:
                used = available  # the three give up some width for it; nothing after it
            else:
                break
            shown.append(col)
            least += limits[col][0]
        essential = order[:ESSENTIAL]
        roomy = (
            sum(limits[c][1] for c in essential)
            + sum(limits[c][0] for c in shown if c not in essential)
            <= available
        )
        # the three at their comfortable width when they fit, the others from their least
        widths = {c: limits[c][1 if roomy and c in essential else 0] for c in shown}
        spare = available - sum(widths.values())
        if spare < 0:  # narrower than the three at their least: they share what there is
            factor = available / sum(widths.values())
            widths = {c: max(24, int(w * factor)) for c, w in widths.items()}
            spare = available - sum(widths.values())
        # first up to each column's comfortable width, then the rest to the stretching ones
        growing = [c for c in shown if limits[c][1] > widths[c]]
        want = sum(limits[c][1] - widths[c] for c in growing)
        if want > 0 and spare > 0:
            share = min(1.0, spare / want)
            for c in growing:
                add = int((limits[c][1] - widths[c]) * share)
                widths[c] += add
                spare -= add
        stretching = [
            c for c in shown if COLUMN_FITS[COLUMNS[c][0]].stretch and c not in self.user_widths
        ]
        weight = sum(COLUMN_FITS[COLUMNS[c][0]].stretch for c in stretching)
        if spare > 0 and weight:
            for c in stretching:
                add = spare * COLUMN_FITS[COLUMNS[c][0]].stretch // weight
                widths[c] += add
        total = sum(widths.values())
        if shown and total < available:  # rounding: the last shown stretching column
            last = (stretching or shown)[-1]
            widths[last] += available - total
        self._wants_fitted = {c: limits[c][1] for c in self._seen}
        self._hidden = []
        self._fitting = True
        try:
            for col, (_key, title, _sort) in enumerate(COLUMNS):
                hide = col not in widths
                if view.isColumnHidden(col) != hide:
                    view.setColumnHidden(col, hide)
                if hide:
                    self._hidden.append(title)
                elif view.columnWidth(col) != widths[col]:
                    view.setColumnWidth(col, widths[col])
        finally:
            self._fitting = False
