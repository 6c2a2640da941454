"""Counting a search off the GUI thread, so that its first page never waits for the count.

A broad search ("gm" at a million contacts) matches hundreds of thousands of contacts: its
first page is a walk of the sort index (:mod:`app.search`), its count a pass over every match.
The list shows the first page at once; :class:`BackgroundCount` then counts on a worker, first
up to :data:`app.values.COUNT_CAP` (a few milliseconds: "10,000+"), then exactly, and hands
each figure back on the GUI thread. A newer query makes older counts stale: they are dropped,
and a count not yet started for one is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from app import values
from app.values import ContactQuery
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from db.engine import Database


def count_text(total: int, exact: bool, cap: int | None = None) -> str:
    """``12,345``, or while the count runs ``10,000+`` (more than the cap) or ``200+``."""
    cap = values.COUNT_CAP if cap is None else cap
    if exact:
        return f"{total:,}"
    return f"{cap:,}+" if total > cap else f"{total:,}+"


class BackgroundCount(QObject):
    """Counts queries one at a time on a worker; ``on_count(query, total, exact)`` is called on
    the GUI thread for the latest query only (a capped count first when it is over the cap)."""

    def __init__(
        self,
        db: Database,
        on_count: Callable[[ContactQuery, int, bool], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self._on_count = on_count
        self._tasks = TaskRunner(self, max_threads=1)  # one count at a time, in order
        self._generation = 0
        self.pending = False  # a count of the latest query has not finished

    def start(self, query: ContactQuery, capped: bool = True) -> None:
        """Count ``query`` (what was asked before is no longer wanted). ``capped=False``: no
        "10,000+" first (a recount of a total already shown goes straight to the exact one)."""
        self._generation += 1
        generation = self._generation
        self.pending = True
        db = self.db
        cap = values.COUNT_CAP

        def up_to_cap() -> int | None:
            if generation != self._generation:
                return None  # typed on: skip
            from app import contacts  # SQLAlchemy: on the worker, at the first count

            return contacts.count_capped(db, query, cap)

        def exact() -> int | None:
            if generation != self._generation:
                return None
            from app import contacts

            return contacts.count(db, query)

        def got_exact(total: int | None) -> None:
            if total is None or generation != self._generation:
                return
            self.pending = False
            self._on_count(query, total, True)

        def got_capped(total: int | None) -> None:
            if total is None or generation != self._generation:
                return
            if total <= cap:
                got_exact(total)
                return
            self._on_count(query, total, False)
            self._tasks.run(exact, on_done=got_exact, on_error=self._failed, label="count")

        if not capped:
            self._tasks.run(exact, on_done=got_exact, on_error=self._failed, label="count")
            return
        self._tasks.run(up_to_cap, on_done=got_capped, on_error=self._failed, label="count")

    def _failed(self, exc: BaseException) -> None:
        import logging

        self.pending = False
        logging.getLogger(__name__).warning("count: %s", exc)

    def wait(self, msecs: int = 10_000) -> bool:
        """Wait for queued counts to finish on the worker (tests, closing)."""
        return bool(self._tasks.pool.waitForDone(msecs))
