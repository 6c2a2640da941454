"""One board column: the contacts of one stage under the board's filters, fetched in pages.

Dropping encoded contact ids on a column moves them to its stage through ``mover`` (the
window's ``move_contacts``: the one domain operation, with history and undo); a column without
a mover refuses drops.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from app.timeutil import utcnow
from app.values import ContactQuery, ContactRow, Deal, Key, StageInfo
from ui.contact_table import CONTACT_IDS_MIME, ContactIdRole, StageKeyRole, decode_ids, encode_ids
from ui.paging import ContactPager

if TYPE_CHECKING:
    from app.first_screen import PlainReads
    from db.engine import Database

# The domain's modules (SQLAlchemy's) are imported where first used: on a plain start the
# board is built and shows its first cards before the database is open (app.first_screen).

log = logging.getLogger(__name__)

CardRole = Qt.ItemDataRole.UserRole + 20

# Extra per-card data drawn by the delegate (e.g. "bant": the BANT marks), loaded with each
# block of rows: fn(db, ids) -> {id: value}. The board passes the loaders it draws.
MarkLoader = Callable[["Database", Sequence[int]], dict[int, Any]]

Mover = Callable[[list[int], str], bool]
_ROOT = QModelIndex()

FIRST_PAGE = 40  # ids a column reads when (re)loaded; then pages of ContactPager.PAGE
BLOCK = 20  # cards read together when one to paint is not read yet
PLAIN_MARKS = {"bant", "deal"}  # the marks read with the driver alone (a plain start)


def read_cards(
    db: Database,
    ids: Sequence[int],
    loaders: Mapping[str, MarkLoader],
    known: Mapping[int, Mapping[str, Any]] | None = None,
    rows_read: Mapping[int, ContactRow] | None = None,
) -> tuple[dict[int, ContactRow], dict[str, dict[int, Any]]]:
    """The rows of these contacts and each feature's marks for them (one read each, whatever
    columns the contacts are in). ``known``: the marks of some of them, still current (a
    card that only moved to another column: a move changes no BANT answer and no deal);
    ``rows_read``: rows just read (in the same read transaction); neither read again."""

    def rows_of(rest: list[int]) -> dict[int, ContactRow]:
        from app import contacts

        return contacts.load_rows(db, rest)

    readers = {name: bound_reader(loader, db) for name, loader in loaders.items()}
    return assemble_cards(ids, rows_of, readers, known, rows_read, guarded=True)


def bound_reader(
    loader: Callable[[Any, Sequence[int]], dict[int, Any]], source: Any
) -> Callable[[list[int]], dict[int, Any]]:
    """``loader`` reading from ``source`` (a database, or a driver connection)."""
    return lambda ids: loader(source, ids)


def assemble_cards(
    ids: Sequence[int],
    rows_of: Callable[[list[int]], dict[int, ContactRow]],
    readers: Mapping[str, Callable[[list[int]], dict[int, Any]]],
    known: Mapping[int, Mapping[str, Any]] | None,
    rows_read: Mapping[int, ContactRow] | None,
    *,
    guarded: bool,
) -> tuple[dict[int, ContactRow], dict[str, dict[int, Any]]]:
    """The cards' rows and marks from ``rows_of`` and the mark ``readers`` (the database's,
    or the driver's on a plain start), reading only what ``known`` and ``rows_read`` lack.
    ``guarded``: a reader that fails is logged and its marks left out (a feature's marks
    must never break the board); else its error reaches the caller (who reads the usual
    way instead)."""
    known = known or {}
    rows_read = rows_read or {}
    rows = {cid: rows_read[cid] for cid in ids if cid in rows_read}
    rest_rows = [cid for cid in ids if cid not in rows_read]
    if rest_rows:
        rows.update(rows_of(rest_rows))
    rest = [cid for cid in rows if cid not in known]
    marks: dict[str, dict[int, Any]] = {}
    for name, reader in readers.items():
        mine = {cid: m[name] for cid, m in known.items() if cid in rows and name in m}
        if not rest:
            marks[name] = mine
            continue
        try:
            marks[name] = {**mine, **reader(rest)}
        except Exception:
            if not guarded:
                raise
            log.exception("card marks %s failed", name)
    return rows, marks


@dataclass(frozen=True)
class Card:
    """What one card shows: the contact's small row plus marks from features."""

    row: ContactRow
    overdue: bool = False
    marks: dict[str, Any] = field(default_factory=dict)


def deal_text(deal: Deal) -> str:
    """ "Deal: 12,500 · expected to close 1 Apr 2026" (the card's tooltip)."""
    from app.followup import local_now
    from ui.money import format_money

    parts = []
    if deal.amount is not None:
        parts.append(f"Deal: {format_money(deal.amount, 2)}")
    if deal.expected_close_at is not None:
        close = local_now(deal.expected_close_at).date()
        parts.append(f"expected to close {close.day} {close:%b %Y}")
    return " · ".join(parts)


def is_overdue(row: ContactRow, now: datetime, in_pipeline: bool) -> bool:
    """Follow-up overdue: the response was due and nobody answered (pipeline stages only)."""
    return (
        in_pipeline
        and row.response_due_at is not None
        and row.first_response_at is None
        and row.response_due_at < now
    )


class KanbanColumnModel(QAbstractListModel):
    """Rows = contacts in ``stage`` matching the board's query, paged, as :class:`Card`."""

    total_changed = Signal(int)
    value_changed = Signal(object)  # the column's deal value (float, or None: no amounts)
    cards_loaded = Signal(list)  # cards just read (the column measures their names)

    def __init__(
        self,
        db: Database,
        stage: StageInfo,
        base_query: ContactQuery | None = None,
        mover: Mover | None = None,
        parent: Any = None,
        load: bool = True,
        marks: Mapping[str, MarkLoader] | None = None,
        plain: Callable[[], PlainReads | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self._stage = stage
        self.mover = mover
        self._marks = dict(marks or {})
        self._base = base_query or ContactQuery()
        # on a plain start, where cards are read with the driver alone until the database
        # is open (None from then on; the column's pages are the database's throughout)
        self._plain = plain
        self._pager: ContactPager[Card] = ContactPager(self, db, self._column_query(), self._load)
        self._pager.reading = self._reading_cards
        self._pager.CACHE_ROWS = 3000
        # a column shows about ten cards at first: the first page holds a few screens of ids,
        # and cards are read a screen or two at a time (the rest as it scrolls)
        self._pager.FIRST_PAGE = FIRST_PAGE
        self._pager.BLOCK = BLOCK
        self._value: float | None = None
        # the first page not read: the column was folded when the board loaded (it shows
        # only its count and takes drops); read when it opens (``read_unread``)
        self._unread = False
        # built without loading (``load=False``): nothing is fetched until the board loads it
        # (``set_base_query``; a view laid out or drawn before, as the board built early is,
        # would otherwise read a page through the database on the GUI thread)
        self._before_load = not load
        if load:  # the board loads its columns when first shown, all counted at once
            self._pager.reset()

    # --- what the column shows ----------------------------------------------------------------
    @property
    def stage(self) -> StageInfo:
        return self._stage

    @property
    def stage_key(self) -> str:
        return self._stage.key

    @property
    def query(self) -> ContactQuery:
        return self._pager.query

    @property
    def total(self) -> int:
        """Contacts in this column under the filters (all pages)."""
        return self._pager.total

    def _column_query(self) -> ContactQuery:
        return replace(self._base, stage_keys=(self._stage.key,), ids=None)

    def set_stage(self, stage: StageInfo) -> None:
        """The stage was renamed or recoloured (same key)."""
        self._stage = stage
        if self.rowCount():
            self.dataChanged.emit(self.index(0), self.index(self.rowCount() - 1))

    def set_base_query(
        self,
        base: ContactQuery,
        total: int | None = None,
        first: list[Key] | None = None,
        read: bool = True,
    ) -> None:
        """New filters or sort: start again from the first page (``first``, if read).
        Without ``read`` (a folded column) and with the ``total`` known, nothing is read until
        the column opens (``read_unread``)."""
        self._base = base
        self._pager.query = self._column_query()
        if not read and first is None and total is not None:
            self._before_load = False
            self._unread = True
            self._pager.unread(total)
            self.total_changed.emit(self._pager.total)
            return
        self.reload(total, first)

    def reload(self, total: int | None = None, first: list[Key] | None = None) -> None:
        """Start again from the first page (``total``: the count, when already known;
        ``first``: the first page's keys, when already read)."""
        self._unread = self._before_load = False
        self._pager.reset(total, first)
        self.total_changed.emit(self._pager.total)

    @property
    def unread(self) -> bool:
        """Whether the first page is still to be read (the column was folded)."""
        return self._unread

    def read_unread(self) -> None:
        """The column opened: its first page read now, if it was left unread."""
        if self._unread:
            self.reload(self._pager.total)

    def arrived_unread(self, count: int) -> None:
        """``count`` cards moved into this unread column from other stages (a negative
        ``count``: moved out of it): its total follows at once, as a read column's estimate
        does (counted exactly later, ``set_total``)."""
        if self._unread and count:
            self._pager.total = max(0, self._pager.total + count)
            self.total_changed.emit(self._pager.total)

    def _while_unread(self, recount: bool) -> bool:
        """Whether nothing of the column is read (folded since the board loaded): a change
        then places no card; the total is counted again here (``recount``) or by the
        board's count of every column after the notice (``set_total``)."""
        if not self._unread:
            return False
        if recount:
            from app import contacts

            self._pager.unread(contacts.count(self.db, self._pager.query))
            self.total_changed.emit(self._pager.total)
        return True

    def refresh(self, changed: Sequence[int] = (), recount: bool = True) -> None:
        """Contacts changed: ``changed`` ones are shown where the sort now puts them, or
        removed if they left the column; without ids the loaded cards are read again. Cards
        that stay keep their place and selection (and the view its scroll position).

        Without ``recount`` the total is estimated from the changed cards that came or went
        (exact for a move) and the caller counts off the GUI thread, then calls set_total."""
        if self._while_unread(recount):
            return
        if changed:
            self._pager.contacts_changed(changed, recount=recount)
        else:
            self._pager.requery(recount=recount)
        self.total_changed.emit(self._pager.total)

    def contacts_changed(self, ids: Sequence[int], recount: bool = True) -> None:
        """These contacts were edited, moved or created (see :meth:`refresh`)."""
        self.refresh(ids, recount=recount)

    def contacts_removed(self, ids: Sequence[int], recount: bool = True) -> None:
        """These contacts were deleted."""
        if self._while_unread(recount):
            return
        self._pager.contacts_removed(ids, recount=recount)
        self.total_changed.emit(self._pager.total)

    def contacts_left(self, ids: Sequence[int]) -> None:
        """These contacts are known to be in no column of this stage now (their rows, just
        read, say another stage, or they are gone): their cards go, nothing is asked of the
        database, the total follows (counted exactly later, ``set_total``)."""
        if self._while_unread(False):
            return
        self._pager.contacts_removed(ids, recount=False)
        self.total_changed.emit(self._pager.total)

    @property
    def value(self) -> float | None:
        """The sum of the deal amounts in this column under the filters (None: no amounts);
        the board sets it after its counts (``app.deals.board_values``, on a worker)."""
        return self._value

    def set_value(self, value: float | None) -> None:
        if value != self._value:
            self._value = value
            self.value_changed.emit(value)

    def set_total(self, total: int) -> None:
        """The exact count arrived (from a background count)."""
        before = self._pager.total
        self._pager.set_total(total)
        if self._pager.total != before:
            self.total_changed.emit(self._pager.total)

    # --- rows -----------------------------------------------------------------------------------
    def _plain_reads(self) -> PlainReads | None:
        return self._plain() if self._plain is not None else None

    def _reading_cards(self) -> AbstractContextManager[object]:
        return nullcontext() if self._plain_reads() is not None else self.db.reading()

    def _load(self, ids: Sequence[int]) -> dict[int, Card]:
        first = self._plain_reads()
        if first is not None and set(self._marks) <= PLAIN_MARKS:
            from app.first_screen import NotPlain
            from ui.kanban.read_ahead import read_cards_plain

            try:
                with first.reads() as con:
                    return self._cards(*read_cards_plain(con, ids, list(self._marks)))
            except (NotPlain, sqlite3.Error) as exc:
                log.info("cards read the usual way: %s", exc)
        return self._cards(*read_cards(self.db, ids, self._marks))

    @property
    def marks(self) -> Mapping[str, MarkLoader]:
        return self._marks

    def missing(self, first: int, count: int) -> list[int]:
        """The ids of cards ``first`` to ``first + count - 1`` whose rows are not read yet."""
        return self._pager.missing(first, count)

    def keep_read(
        self, rows: Mapping[int, ContactRow], marks: Mapping[str, Mapping[int, Any]]
    ) -> None:
        """Rows and marks the board read for several columns at once: this column's cards
        are made from them, as if it had read them itself."""
        mine = {cid: row for cid, row in rows.items() if cid in self._pager}
        if mine:
            self._pager.keep(self._cards(mine, marks))

    def _cards(
        self, rows: Mapping[int, ContactRow], marks: Mapping[str, Mapping[int, Any]]
    ) -> dict[int, Card]:
        now = utcnow()
        in_pipeline = self._stage.kind == "pipeline"
        cards = {
            cid: Card(
                row,
                is_overdue(row, now, in_pipeline),
                {n: m[cid] for n, m in marks.items() if cid in m},
            )
            for cid, row in rows.items()
        }
        if cards:
            self.cards_loaded.emit(list(cards.values()))
        return cards

    def contact_id(self, row: int) -> int:
        return self._pager.ids[row]

    def row_for_id(self, contact_id: int) -> int | None:
        return self._pager.row_for(contact_id)

    def contains(self, contact_id: int) -> bool:
        return contact_id in self._pager

    def card(self, row: int) -> Card | None:
        return self._pager.row(row)

    def cached_card(self, row: int) -> Card | None:
        """The card at ``row`` if it is read (never reads it: the column sizes its rows)."""
        ids = self._pager.ids
        return self._pager.cached(ids[row]) if 0 <= row < len(ids) else None

    def loaded_ids(self) -> list[int]:
        return list(self._pager.ids)

    # --- Qt model API ---------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._pager.ids)

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> bool:
        return (
            not parent.isValid()
            and not self._unread
            and not self._before_load
            and self._pager.can_fetch_more()
        )

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> None:
        if (
            parent.isValid()
            or self._unread
            or self._before_load
            or not self._pager.can_fetch_more()
        ):
            return
        before = self._pager.total
        self._pager.fetch_more()
        if self._pager.total != before:
            self.total_changed.emit(self._pager.total)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsDragEnabled
            | Qt.ItemFlag.ItemIsDropEnabled
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or index.row() >= len(self._pager.ids):
            return None
        if role == ContactIdRole:
            return self._pager.ids[index.row()]
        if role == StageKeyRole:
            return self._stage.key
        card = self._pager.row(index.row())
        if card is None:
            return None
        if role == CardRole:
            return card
        row = card.row
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return row.name or row.company or row.email or ""
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [
                row.name or "",
                " · ".join(x for x in (row.title, row.company) if x),
                row.email or "",
                row.source or "",
            ]
            if card.overdue:
                lines.append("Follow-up overdue: nobody has answered yet")
            deal = card.marks.get("deal")
            if deal is not None:
                lines.append(deal_text(deal))
            return "\n".join(line for line in lines if line)
        return None

    # --- drag and drop ----------------------------------------------------------------------------
    def mimeTypes(self) -> list[str]:
        return [CONTACT_IDS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        rows = sorted({i.row() for i in indexes if i.isValid()})
        return encode_ids([self._pager.ids[r] for r in rows])

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def canDropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        """Contact ids not all in this column already (a drop on the own column does nothing)."""
        ids = decode_ids(data) if self.mover is not None else []
        return bool(ids) and not all(i in self._pager for i in ids)

    def dropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        if action == Qt.DropAction.IgnoreAction:
            return True
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        ids = [i for i in decode_ids(data) if i not in self._pager]
        return bool(self.mover(ids, self._stage.key)) if self.mover is not None else False
