"""A database's opening steps aside while the window is busy (issue 15's plain start).

On a plain start the database opens on a thread of its own while the window is already in use
(:class:`db.handle.DatabaseOpening`), and what that opening does is import SQLAlchemy: pure
Python, sharing one interpreter with the window's thread. A view the user switches to then
(the board, ~30 ms of painting at 1440x900) took twice as long, the two threads taking turns.

While the window says it is busy (:meth:`StepAside.busy`, around a view switch), the opening's
thread waits before each module it would import next (:meth:`StepAside.pause`, called by
``db.import_guard`` where Python loads a module not yet imported, before the module's lock is
taken), so the window has the interpreter to itself but for the module being imported at that
moment. The wait is bounded (:data:`PAUSE_MAX_S` each time, :data:`BUDGET_S`
in all, then the opening no longer steps aside), and it ends at once when the busy thread
itself waits for the opening (:meth:`StepAside.waited_on`), so that the two never wait for
each other.

No Qt here: the window says when it is busy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

# the longest the opening waits at one import for the window to be done
PAUSE_MAX_S = 0.25
# the longest it waits in all: after that it goes on as if there were no window
BUDGET_S = 1.0

_lock = threading.Lock()


class StepAside:
    """What the window says (busy or not) and the opening heeds (:meth:`pause`)."""

    def __init__(self, pause_max_s: float | None = None, budget_s: float | None = None) -> None:
        self.pause_max_s = PAUSE_MAX_S if pause_max_s is None else pause_max_s
        self.budget_s = BUDGET_S if budget_s is None else budget_s
        self._free = threading.Event()  # set: the window is not busy
        self._free.set()
        self._holder: int | None = None  # the busy thread
        self._depth = 0
        self.paused_s = 0.0  # how long the opening waited in all
        self.pauses = 0

    @contextmanager
    def busy(self) -> Iterator[None]:
        """While in it, the opening waits at its next import (nested: the outermost counts)."""
        me = threading.get_ident()
        with _lock:
            if self._holder not in (None, me):  # another thread is busy: this one not counted
                held = False
            else:
                held = True
                self._holder = me
                self._depth += 1
                self._free.clear()
        try:
            yield
        finally:
            if held:
                with _lock:
                    self._depth -= 1
                    if self._depth <= 0:
                        self._depth = 0
                        self._holder = None
                        self._free.set()

    def waited_on(self) -> None:
        """The calling thread waits for the opening: if it is the busy one, the opening goes
        on at once (and does not wait again while that thread stays busy)."""
        if self._holder == threading.get_ident():
            self._free.set()

    def pause(self) -> None:
        """On the opening's thread: wait while the window is busy (bounded)."""
        if self._free.is_set() or self.paused_s >= self.budget_s:
            return
        began = time.monotonic()
        self._free.wait(min(self.pause_max_s, self.budget_s - self.paused_s))
        self.paused_s += time.monotonic() - began
        self.pauses += 1
