"""A database being opened on a thread of its own: what a caller holds until it exists.

The window's start (issue 15) opens its database on a worker: today while the GUI thread waits
(``ui.opening``, with a progress window if it takes a while), and, once the first screen reads
without SQLAlchemy (``db.plain_open``), while the window is already shown. Whatever needs the
:class:`~db.engine.Database` before it exists waits for it on one ``Event``
(:meth:`DatabaseOpening.database`); an opening that failed raises its error there, on the
caller's thread.

No SQLAlchemy and no Qt here: the opener is given (``app.store.open_store`` in the window).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from db.engine import Database

# opener(on_step) -> the open database; on_step(text) hears what a long opening does
Opener = Callable[[Callable[[str], None]], "Database"]


class DatabaseOpening:
    """``opener`` run once on a thread of its own, from :meth:`start`."""

    def __init__(self, opener: Opener, *, name: str = "winnow-open") -> None:
        self.steps: queue.SimpleQueue[str] = queue.SimpleQueue()  # what it is doing, in order
        self.done = threading.Event()  # set when it is open or failed
        self._opener = opener
        self._database: Database | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> DatabaseOpening:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._database = self._opener(self.steps.put)
        except BaseException as exc:  # raised again on the thread that asks for the database
            self._error = exc
        finally:
            self.done.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Whether it is open (or failed) within ``timeout`` seconds (None: however long)."""
        return self.done.wait(timeout)

    def database(self) -> Database:
        """The open database, once it is (waits for it); raises what the opening raised."""
        self.done.wait()
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._database is not None
        return self._database
