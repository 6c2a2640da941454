"""One pager for every lazily loaded contact view (the list, each board column).

The pager holds the ids of a *window*: every contact the query matches up to a key (the sort
position of the last row it fetched), in query order, and a bounded cache of rows loaded in
small blocks. The next page is the rows after that key (:mod:`app.paging`), never an offset,
so a contact that changes above the key cannot make a page skip or repeat a row.

When contacts change, :meth:`ContactPager.contacts_changed` asks the database where each one
now belongs: a contact that left the query or moved past the window's end is removed, one that
moved within the window is moved there (Qt keeps its selection), one that arrived is inserted
in order. Scrolling to the end therefore shows every contact exactly once, and the total stays
right. The pager drives its model's insert/remove/move signals itself, so any
``QAbstractItemModel`` over one flat list of contacts can hold one.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, Generic, TypeVar

from PySide6.QtCore import QAbstractItemModel, QModelIndex

from app.offline import is_connection_error
from app.values import ContactQuery, Key

if TYPE_CHECKING:
    from app import paging
    from db.engine import Database


log = logging.getLogger(__name__)

RowT = TypeVar("RowT")
_ROOT = QModelIndex()


class ContactPager(Generic[RowT]):
    """The window of ``query`` shown by ``model`` (``columns`` wide), plus rows from
    ``load(ids) -> {id: row}``."""

    PAGE = 200
    # the first page's length (None: PAGE); a view that shows a few rows at first asks for
    # fewer ids up front, and the rest page in as it scrolls
    FIRST_PAGE: int | None = None
    BLOCK = 60  # rows loaded together on a cache miss
    # rows read at a miss when none is read (after a reset): from the row asked, as many as
    # its view shows at once (None: a BLOCK around it, as any miss)
    FIRST_BLOCK: int | None = None
    CACHE_ROWS = 4000
    # a window this small is simply read again after a change; 0: a few changed contacts are
    # always placed by seeks. Reading the window again starts at its top, where a running
    # import's rows (invisible, stamped with its start time) sort first by date added: with
    # 50,000 of them that read took 35-240 ms on the GUI thread after every move, a seek 2-5 ms
    REREAD_MAX = 0
    SEEK_MAX = 24  # up to this many changed contacts are placed one index seek each
    MOVE_MAX = 16  # more rows changing places than this: one layout change instead of moves
    FOLLOW_MAX = 5000  # a selected contact is followed this many rows past the window's end

    def __init__(
        self,
        model: QAbstractItemModel,
        db: Database,
        query: ContactQuery,
        load: Callable[[Sequence[int]], dict[int, RowT]],
        page: int | None = None,
        columns: int = 1,
    ) -> None:
        self.model = model
        self._last_column = max(0, columns - 1)
        self.db = db
        self.query = query
        self._load = load
        if page is not None:
            self.PAGE = page
        self.ids: list[int] = []
        self._loaded: set[int] = set()  # the ids, for membership
        self._row_of: dict[int, int] | None = {}  # row per id, rebuilt when asked after changes
        self.total = 0
        # False while ``total`` is only a lower bound (a search's count still running)
        self.exact = True
        # set by a view that counts searches off the GUI thread: then a search's total is not
        # counted here (the first page never waits for it); the view calls set_total later
        self.count_later: Callable[[], None] | None = None
        self.end: Key | None = None  # the window holds every match up to here...
        self.complete = False  # ...or every match, when the last page came back short
        self.busy = False  # inside a begin/end pair: no paging (testers and views ask)
        self._cache: OrderedDict[int, RowT] = OrderedDict()
        # what a block of rows is read inside: one session (a view whose ``load`` reads its
        # first rows with the driver alone, before the database is open, sets its own)
        self.reading: Callable[[], AbstractContextManager[object]] = lambda: self.db.reading()

    # --- the window ----------------------------------------------------------------------
    def __contains__(self, cid: int) -> bool:
        return cid in self._loaded

    def row_for(self, cid: int) -> int | None:
        """The row showing this contact, if loaded."""
        if cid not in self._loaded:
            return None
        if self._row_of is None:
            self._row_of = {c: i for i, c in enumerate(self.ids)}
        return self._row_of.get(cid)

    def _rows(self, ids: Collection[int]) -> list[int]:
        """Rows of these loaded ids, ascending (a few: list searches in C; many: one scan)."""
        present = [c for c in ids if c in self._loaded]
        if len(present) <= 32:
            return sorted(self.ids.index(c) for c in present)
        wanted = set(present)
        return [row for row, c in enumerate(self.ids) if c in wanted]

    def _set_ids(self, ids: list[int]) -> None:
        self.ids = ids
        self._loaded = set(ids)
        self._row_of = None

    def _deferred(self) -> bool:
        """Whether this query's count is left to ``count_later`` (searches only)."""
        return self.count_later is not None and bool(self.query.search)

    def reset(self, total: int | None = None, keys: list[Key] | None = None) -> None:
        """Start again from the first page (``total``: the count, when already known;
        ``keys``: the first page, when already read)."""
        deferred = total is None and self._deferred()
        first = self.FIRST_PAGE or self.PAGE
        sight: dict[int, RowT] = {}
        # the count, the first page and the rows in sight in one session and one read
        # transaction (PostgreSQL: one query for running imports instead of one a read, and
        # one connection taken from the pool; SQLite: one BEGIN and one commit a keystroke)
        with self.db.reading() if total is None or keys is None else nullcontext():
            if total is None and not deferred:
                from app import contacts  # SQLAlchemy: at first use (a plain start gives both)

                total = contacts.count(self.db, self.query)
            if keys is None:
                from app import paging

                keys = paging.keys_between(self.db, self.query, limit=first) if total != 0 else []
                sight = self._rows_in_sight(keys)
        total = total or 0
        with self._changing():
            self.model.beginResetModel()
            self._cache.clear()
            self._cache.update(sight)
            self._set_ids([k.id for k in keys])
            self.end = keys[-1] if keys else None
            self.complete = len(keys) < first
            self.total = len(self.ids) if self.complete else max(total, len(self.ids))
            self.exact = self.complete or not deferred
            self.model.endResetModel()
        if deferred and not self.complete and self.count_later is not None:
            self.count_later()

    def _rows_in_sight(self, keys: Sequence[Key]) -> dict[int, RowT]:
        """The rows a view that told its rows in sight (``FIRST_BLOCK``) paints first after a
        reset, the top ones, read now in the reset's session (the keys' read transaction; they
        were read at the first paint, in a session and a transaction of their own: each
        keystroke of a search began and committed two). Nothing for a view that told none
        (its first paint reads a BLOCK around the row it asks), or where the rows cannot be
        read now (the server out of reach: read as the view asks, as before)."""
        if self.FIRST_BLOCK is None or not keys:
            return {}
        try:
            with self.reading():
                return self._load([k.id for k in keys[: self.FIRST_BLOCK]])
        except Exception as exc:
            if not is_connection_error(exc):
                raise
            log.info("rows not read: %s", exc)
            return {}

    def unread(self, total: int) -> None:
        """An empty window standing for ``total`` matches, none read yet (a view that shows
        only their count for now: a folded board column); its owner reads the first page
        when it shows them (``reset``) and fetches nothing meanwhile."""
        with self._changing():
            self.model.beginResetModel()
            self._cache.clear()
            self._set_ids([])
            self.end = None
            self.complete = False
            self.total = total
            self.exact = True
            self.model.endResetModel()

    def set_query(self, query: ContactQuery, total: int | None = None) -> None:
        self.query = query
        self.reset(total)

    def can_fetch_more(self) -> bool:
        return not self.busy and not self.complete

    def next_page(self) -> list[Key]:
        """The keys after the window (not yet shown). Short or empty at the end."""
        from app import paging  # SQLAlchemy: at first use, not at start

        return paging.keys_between(self.db, self.query, after=self.end, limit=self.PAGE)

    def fetch_more(self) -> int:
        """Append the next page to the window; returns how many rows were added."""
        if not self.can_fetch_more():
            return 0
        try:
            page = self.next_page()
        except Exception as exc:
            if not is_connection_error(exc):
                raise
            # the server is out of reach (ui.live says so, and reads again when it is back):
            # the rows on screen stay, no more for now
            log.info("next page not read: %s", exc)
            return 0
        if len(page) < self.PAGE:
            self.complete = True
        added = self._extend(page)
        self.total = len(self.ids) if self.complete else max(self.total, len(self.ids))
        return added

    def _extend(self, keys: list[Key], keep: Collection[int] = ()) -> int:
        """Append the rows of ``keys`` (all after the window's end) and move the end to the
        last. A loaded contact among them changed before we were told: it now belongs here,
        not where it was shown, so it is moved (unless in ``keep``: the caller places it) —
        a row move, so a selected contact stays selected (a page read between an edit's
        commit and its notice, as the list is scrolled on)."""
        if not keys:
            return 0
        self.end = keys[-1]
        stale = {k.id for k in keys if k.id in self._loaded and k.id not in keep}
        fresh = [k.id for k in keys if k.id not in self._loaded]
        self._append(fresh)
        if stale:
            self.forget(stale)  # it changed: read again when shown
            # the last first, each in front of the one that follows it among the keys
            appended = set(fresh)
            placed = [k.id for k in keys if k.id in stale or k.id in appended]
            for index in range(len(placed) - 1, -1, -1):
                cid = placed[index]
                if cid not in stale:
                    continue
                after = placed[index + 1] if index + 1 < len(placed) else None
                destination = len(self.ids) if after is None else self.ids.index(after)
                source = self.ids.index(cid)
                if destination not in (source, source + 1):
                    self._move(source, destination)
        return len(fresh)

    def _append(self, fresh: list[int]) -> None:
        """These ids (none loaded) as rows at the window's end."""
        if fresh:
            first = len(self.ids)
            with self._changing():
                self.model.beginInsertRows(_ROOT, first, first + len(fresh) - 1)
                self.ids.extend(fresh)
                self._loaded.update(fresh)
                if self._row_of is not None:
                    for offset, cid in enumerate(fresh):
                        self._row_of[cid] = first + offset
                self.model.endInsertRows()

    def contacts_changed(self, ids: Iterable[int], recount: bool = True) -> None:
        """These contacts were edited, moved, created or deleted: each is shown where the
        query now puts it, or not at all. Without ``recount`` the total is estimated from
        what came and went (exact for a move between stages); the caller counts later."""
        from app import paging  # SQLAlchemy: at first use, not at start

        changed = list(dict.fromkeys(ids))
        if not changed:
            return
        self.forget(changed)
        was_in = {c for c in changed if c in self._loaded}
        placed = paging.place(self.db, self.query, changed, self.end, self.complete)
        matching = {p.key.id for p in placed}
        estimate = self.total + len(matching - was_in) - len(was_in - matching)
        placed = self._follow_pinned(placed, changed)
        inside = [p for p in placed if p.in_window]
        moved = set(changed)
        if not inside:
            self._remove_ids(moved)
        elif not (
            len(self.ids) > self.REREAD_MAX
            and len(inside) <= self.SEEK_MAX
            and self._place_by_seeks(inside, moved)
        ):
            self._apply(self._reread(extra=len(changed)), moved)
        self._settle_total(estimate, recount)
        self._changed_rows(changed)

    def _follow_pinned(
        self, placed: list[paging.Placement], changed: list[int]
    ) -> list[paging.Placement]:
        """A selected (or current) contact that now sorts past the window's end would vanish
        from the view, and the view's selection with it: load the window on through it (if
        that is at most FOLLOW_MAX rows further)."""
        from app import paging  # SQLAlchemy: at first use, not at start

        if self.complete:
            return placed
        pinned = {
            self.ids[i.row()]
            for i in self.model.persistentIndexList()
            if i.isValid() and i.row() < len(self.ids)
        }
        beyond = [n for n, p in enumerate(placed) if not p.in_window and p.key.id in pinned]
        if not beyond:
            return placed
        last = beyond[-1]
        keys = paging.keys_between(
            self.db, self.query, after=self.end, through=placed[last].key, limit=self.FOLLOW_MAX
        )
        if not keys or keys[-1].id != placed[last].key.id:
            return placed  # too far: the contact leaves the view until it is scrolled to
        self._extend(keys, keep=set(changed))
        return [paging.Placement(p.key, n <= last or p.in_window) for n, p in enumerate(placed)]

    def contacts_removed(self, ids: Iterable[int], recount: bool = True) -> None:
        """These contacts no longer exist (deleted): their rows go, nothing else moves."""
        gone = set(ids)
        if not gone:
            return
        self.forget(gone)
        present = len(gone & self._loaded)
        self._remove_ids(gone)
        self._settle_total(self.total - present, recount)

    def requery(self, total: int | None = None, recount: bool = True) -> None:
        """Read the window again after changes nobody named (rows stay where they can, and
        selected rows stay selected)."""
        self.forget_all()
        self._apply(self._reread(extra=0), set())
        if total is not None:
            self.total = max(total, len(self.ids))
        self._settle_total(self.total, recount and total is None)

    def set_total(self, total: int, exact: bool = True) -> None:
        """The exact count arrived (from a background count); ``exact=False``: a lower bound
        (a capped count)."""
        self.total = len(self.ids) if self.complete else max(total, len(self.ids))
        self.exact = exact or self.complete

    # --- placing changed contacts --------------------------------------------------------
    def _place_by_seeks(self, inside: list[paging.Placement], changed: set[int]) -> bool:
        """Put each changed contact in front of the loaded contact that now follows it (one
        index seek each; a big window is not read again). False, with nothing done, when
        such a contact is not loaded: the window is out of date and must be read again."""
        from app import paging  # SQLAlchemy: at first use, not at start

        through = None if self.complete else self.end
        after = paging.successors(self.db, self.query, [p.key for p in inside], through, changed)
        if any(s is not None and s not in self._loaded for s in after):
            return False
        placed = {p.key.id for p in inside}
        self._remove_ids(changed - placed)
        for placement, successor in zip(inside, after, strict=True):
            cid = placement.key.id
            destination = len(self.ids) if successor is None else self.ids.index(successor)
            if cid not in self._loaded:
                self._insert(destination, [cid])
                continue
            source = self.ids.index(cid)
            if destination not in (source, source + 1):
                self._move(source, destination)
        return True

    def _reread(self, extra: int) -> list[int]:
        """The window read again (about as long as now); a longer one is cut, moving its end."""
        from app import paging  # SQLAlchemy: at first use, not at start

        limit = max(self.PAGE, len(self.ids) + min(extra, self.PAGE))
        through = None if self.complete else self.end
        if through is None and not self.complete:
            return []
        keys = paging.keys_between(self.db, self.query, through=through, limit=limit)
        if len(keys) == limit:
            self.end, self.complete = keys[-1], False
        return [k.id for k in keys]

    def _settle_total(self, estimate: int, recount: bool) -> None:
        from app import contacts  # SQLAlchemy: at first use, not at start

        if self.complete:
            self.total = len(self.ids)
            self.exact = True
        elif recount and self.count_later is not None:
            # shown as estimated (as exact as the count before it), confirmed by the worker:
            # a recount after changes never runs on the GUI thread (during an import every
            # chunk's notice asked for one, and a count there held the event loop)
            self.total = max(estimate, len(self.ids))
            self.count_later()
        elif recount:
            self.total = max(contacts.count(self.db, self.query), len(self.ids))
        else:
            self.total = max(estimate, len(self.ids))

    def _changed_rows(self, changed: Sequence[int]) -> None:
        rows = self._rows(changed)
        if rows:
            self.model.dataChanged.emit(
                self.model.index(rows[0], 0), self.model.index(rows[-1], self._last_column)
            )

    # --- turning a new window into row signals -------------------------------------------
    def _apply(self, new_ids: list[int], changed: set[int]) -> None:
        """Make ``new_ids`` the window: removals, then moves (or one layout change), then
        insertions, so views keep their scroll position and selection."""
        old = set(self._loaded)
        self._remove_ids(old - set(new_ids))
        target = [cid for cid in new_ids if cid in old]
        if target != self.ids:
            movers = [cid for cid in target if cid in changed]
            same_rest = [c for c in self.ids if c not in changed] == [
                c for c in target if c not in changed
            ]
            if same_rest and len(movers) <= self.MOVE_MAX:
                self._move_into_place(target, set(movers))
            else:
                self._relayout(target)
        position = 0
        while position < len(new_ids):
            if new_ids[position] in old:
                position += 1
                continue
            last = position
            while last + 1 < len(new_ids) and new_ids[last + 1] not in old:
                last += 1
            self._insert(position, new_ids[position : last + 1])
            position = last + 1

    def _insert(self, row: int, ids: list[int]) -> None:
        with self._changing():
            self.model.beginInsertRows(_ROOT, row, row + len(ids) - 1)
            self.ids[row:row] = ids
            self._loaded.update(ids)
            self._row_of = None
            self.model.endInsertRows()

    def _move(self, source: int, destination: int) -> None:
        """Move one row to stand before ``destination`` (a row number before the move)."""
        with self._changing():
            self.model.beginMoveRows(_ROOT, source, source, _ROOT, destination)
            cid = self.ids.pop(source)
            self.ids.insert(destination if destination < source else destination - 1, cid)
            self._row_of = None
            self.model.endMoveRows()

    def _remove_ids(self, gone: Collection[int]) -> None:
        rows = self._rows(gone)
        while rows:  # bottom up, in runs
            last = rows.pop()
            first = last
            while rows and rows[-1] == first - 1:
                first = rows.pop()
            with self._changing():
                self.model.beginRemoveRows(_ROOT, first, last)
                for cid in self.ids[first : last + 1]:
                    self._cache.pop(cid, None)
                    self._loaded.discard(cid)
                del self.ids[first : last + 1]
                self._row_of = None
                self.model.endRemoveRows()

    def _move_into_place(self, target: list[int], movers: set[int]) -> None:
        """Move each mover right behind the row that precedes it in ``target`` (in target
        order), which leaves every row where ``target`` has it."""
        for index, cid in enumerate(target):
            if cid not in movers:
                continue
            source = self.ids.index(cid)
            destination = self.ids.index(target[index - 1]) + 1 if index else 0
            if destination not in (source, source + 1):
                self._move(source, destination)

    def _relayout(self, target: list[int]) -> None:
        """Many rows changed places: one layout change; persistent indexes follow their ids."""
        with self._changing():
            self.model.layoutAboutToBeChanged.emit()
            new_row = {cid: i for i, cid in enumerate(target)}
            before = self.model.persistentIndexList()
            rows = [new_row[self.ids[index.row()]] for index in before]
            self._set_ids(list(target))
            after = [self.model.index(r, i.column()) for r, i in zip(rows, before, strict=True)]
            self.model.changePersistentIndexList(before, after)
            self.model.layoutChanged.emit()

    @contextmanager
    def _changing(self) -> Iterator[None]:
        """Around a begin/end pair: views and testers that ask now are told not to page."""
        self.busy = True
        try:
            yield
        finally:
            self.busy = False

    # --- rows ----------------------------------------------------------------------------
    def row(self, index: int) -> RowT | None:
        """The row at ``index``, loading a block around it on a cache miss."""
        if index < 0 or index >= len(self.ids):
            return None
        cid = self.ids[index]
        hit = self._cache.get(cid)
        if hit is not None:
            self._cache.move_to_end(cid)
            return hit
        if self._cache or self.FIRST_BLOCK is None:
            start = max(0, index - self.BLOCK // 4)
            block = [i for i in self.ids[start : start + self.BLOCK] if i not in self._cache]
        else:  # nothing read yet: a view paints its rows in sight, the first asked first
            block = self.ids[index : index + self.FIRST_BLOCK]
        try:
            with self.reading():  # the rows and their marks: one session
                self._cache.update(self._load(block))
        except Exception as exc:
            if not is_connection_error(exc):
                raise
            log.info("rows not read: %s", exc)  # shown blank until the server is back
            return None
        while len(self._cache) > self.CACHE_ROWS:
            self._cache.popitem(last=False)
        return self._cache.get(cid)

    def cached(self, cid: int) -> RowT | None:
        return self._cache.get(cid)

    def missing(self, first: int, count: int) -> list[int]:
        """The ids of rows ``first`` to ``first + count - 1`` whose rows are not loaded."""
        return [i for i in self.ids[max(0, first) : first + count] if i not in self._cache]

    def keep(self, rows: dict[int, RowT]) -> None:
        """Rows read by the view itself (several columns' in one read): kept as if loaded."""
        self._cache.update((cid, row) for cid, row in rows.items() if cid in self._loaded)
        while len(self._cache) > self.CACHE_ROWS:
            self._cache.popitem(last=False)

    def forget(self, ids: Iterable[int]) -> None:
        """Drop cached rows (they changed) so the next paint loads them again."""
        for cid in ids:
            self._cache.pop(cid, None)

    def forget_all(self) -> None:
        self._cache.clear()
