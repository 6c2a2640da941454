"""Ids of a query fetched in pages, with a bounded cache of rows loaded in small blocks.

The loaded ids are always a prefix of the query's order, so the next page is simply the next
offset; after a change, :meth:`ContactPager.requery` re-reads the same prefix and the model
turns the difference into row inserts and removals (the view keeps its scroll position).
Qt-free on purpose: any paged model can hold one (the list's model does the same by hand).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from app import contacts
from app.contacts import ContactQuery
from db.engine import Database

RowT = TypeVar("RowT")


class ContactPager(Generic[RowT]):
    """Paged ids of ``query`` plus a row cache filled by ``load(ids) -> {id: row}``."""

    PAGE = 200
    BLOCK = 60
    CACHE_ROWS = 3000

    def __init__(
        self, db: Database, query: ContactQuery, load: Callable[[Sequence[int]], dict[int, RowT]]
    ) -> None:
        self.db = db
        self.query = query
        self._load = load
        self.ids: list[int] = []
        self.row_of: dict[int, int] = {}
        self.total = 0
        self._cache: OrderedDict[int, RowT] = OrderedDict()

    # --- ids -----------------------------------------------------------------------------
    def first_page(self, total: int | None = None, keep: int = 0) -> tuple[list[int], int]:
        """The first ``max(PAGE, keep)`` ids and the total (``total`` when already counted)."""
        if total is None:
            total = contacts.count(self.db, self.query)
        ids = contacts.query_ids(self.db, self.query, 0, max(self.PAGE, keep)) if total else []
        return ids, total

    def set_ids(self, ids: list[int], total: int) -> None:
        self.ids = list(ids)
        self.row_of = {cid: i for i, cid in enumerate(self.ids)}
        self.total = max(total, len(self.ids))

    def reset(self, total: int | None = None) -> None:
        self._cache.clear()
        self.set_ids(*self.first_page(total))

    def can_fetch_more(self) -> bool:
        return len(self.ids) < self.total

    def next_page(self) -> list[int]:
        """The ids after the loaded prefix (not yet appended). Empty at the end."""
        more = contacts.query_ids(self.db, self.query, len(self.ids), self.PAGE)
        more = [i for i in more if i not in self.row_of]
        if not more:  # rows went away since the count
            self.total = len(self.ids)
        return more

    def append(self, more: Sequence[int]) -> None:
        first = len(self.ids)
        for offset, cid in enumerate(more):
            self.row_of[cid] = first + offset
        self.ids.extend(more)
        self.total = max(self.total, len(self.ids))

    def requery(self, count: bool = True) -> tuple[list[int], int | None]:
        """The same prefix as now loaded (at least a page), read again, and the new total
        (None without ``count``: the caller estimates it and counts later, off the GUI thread)."""
        ids = contacts.query_ids(self.db, self.query, 0, max(self.PAGE, len(self.ids)))
        return ids, contacts.count(self.db, self.query) if count else None

    def insert(self, position: int, cid: int) -> None:
        self.ids.insert(position, cid)
        self._renumber(position)

    def remove(self, first: int, last: int) -> None:
        for cid in self.ids[first : last + 1]:
            self.row_of.pop(cid, None)
            self._cache.pop(cid, None)
        del self.ids[first : last + 1]
        self._renumber(first)

    def _renumber(self, start: int) -> None:
        for i in range(start, len(self.ids)):
            self.row_of[self.ids[i]] = i

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
        start = max(0, index - self.BLOCK // 4)
        block = [i for i in self.ids[start : start + self.BLOCK] if i not in self._cache]
        self._cache.update(self._load(block))
        while len(self._cache) > self.CACHE_ROWS:
            self._cache.popitem(last=False)
        return self._cache.get(cid)

    def cached(self, cid: int) -> RowT | None:
        return self._cache.get(cid)

    def forget(self, ids: Sequence[int]) -> None:
        """Drop cached rows (they changed) so the next paint loads them again."""
        for cid in ids:
            self._cache.pop(cid, None)

    def forget_all(self) -> None:
        self._cache.clear()
