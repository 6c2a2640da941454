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
import sys
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from db import import_guard, step_aside

if TYPE_CHECKING:
    from db.engine import Database

# opener(on_step) -> the open database; on_step(text) hears what a long opening does
Opener = Callable[[Callable[[str], None]], "Database"]


class DatabaseOpening:
    """``opener`` run once on a thread of its own, from :meth:`start`."""

    def __init__(
        self,
        opener: Opener,
        *,
        name: str = "winnow-open",
        switch_interval_s: float | None = None,
        steps_aside: bool = False,
    ) -> None:
        """``switch_interval_s``: while it runs, the interpreter hands over between threads this
        often (``sys.setswitchinterval``) instead of Python's 5 ms, then as before: an opening
        beside a window that is in use (``ui.application``'s plain start) imports SQLAlchemy,
        pure Python, and the window's thread, each time it let go of the interpreter (every
        Qt call of a paint lets go), waited up to the interval to have it back (the board
        shown 0.15 s after usable at 1440x900: 0.16 s against 0.03 s once the opening is
        over; with 0.1 ms, 0.07 s).

        ``steps_aside``: while the window says it is busy (:meth:`window_busy`), the opening
        waits before each module it imports (``db.step_aside``)."""
        self.switch_interval_s = switch_interval_s
        self.step_aside = step_aside.StepAside() if steps_aside else None
        self.steps: queue.SimpleQueue[str] = queue.SimpleQueue()  # what it is doing, in order
        self.done = threading.Event()  # set when it is open or failed
        self._opener = opener
        self._database: Database | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._starting = threading.Lock()
        self.started = False
        # what is to be done to the database as it opens, before anyone may use it
        self._when_open: list[Callable[[Database], object]] = []

    def start(self) -> DatabaseOpening:
        """Begin the opening (once: asked again, nothing more happens)."""
        with self._starting:
            if not self.started:
                self.started = True
                # other threads' imports of what it imports wait for it (db.import_guard)
                import_guard.opening_began(
                    self._thread,
                    self.done,
                    self._waited_on,
                    self.step_aside.pause if self.step_aside is not None else None,
                )
                try:
                    self._thread.start()
                except BaseException:
                    import_guard.opening_ended(self._thread)
                    raise
        return self

    def _run(self) -> None:
        previous = sys.getswitchinterval()
        if self.switch_interval_s is not None:
            sys.setswitchinterval(self.switch_interval_s)
        try:
            database = self._opener(self.steps.put)
            with self._starting:
                for fn in self._when_open:
                    fn(database)
                self._when_open.clear()
                self._database = database
        except BaseException as exc:  # raised again on the thread that asks for the database
            self._error = exc
        finally:
            if self.switch_interval_s is not None:
                sys.setswitchinterval(previous)
            import_guard.opening_ended(self._thread)
            self.done.set()

    def when_open(self, fn: Callable[[Database], object]) -> None:
        """``fn(database)`` once it is open, before anyone else gets it (now if it is open;
        never if the opening failed). Does not begin the opening."""
        with self._starting:
            database = self._database
            if database is None:
                if not self.done.is_set():
                    self._when_open.append(fn)
                return
        fn(database)

    def wait(self, timeout: float | None = None) -> bool:
        """Whether it is open (or failed) within ``timeout`` seconds (None: however long)."""
        self._waited_on()
        return self.done.wait(timeout)

    def window_busy(self) -> AbstractContextManager[None]:
        """While in it, an opening that steps aside (``steps_aside``) and is under way waits at
        its next import (``db.step_aside``): for what the window does at once on a user's ask
        (a view switched to, painted)."""
        if self.step_aside is None or not self.started or self.done.is_set():
            return nullcontext()
        return self.step_aside.busy()

    def _waited_on(self) -> None:
        """The calling thread waits for the opening: it does not step aside for that one."""
        if self.step_aside is not None:
            self.step_aside.waited_on()

    def database(self) -> Database:
        """The open database, once it is (waits for it, beginning the opening if nobody has
        yet); raises what the opening raised."""
        self.start()
        self._waited_on()
        self.done.wait()
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._database is not None
        return self._database


class DatabaseLater:
    """The :class:`~db.engine.Database` an opening will give, to hand out before it exists:
    each attribute asked for (``session``, ``reading``, ``engine``…) is the open database's,
    asked for once it is open (:meth:`DatabaseOpening.database`: beginning the opening if it
    was not yet, waiting for it on the caller's thread). The window gives it to what needs the
    database later; what it shows first it reads with the driver (``app.first_screen``).

    ``on_wait(attribute)`` hears each ask that must wait for the opening (the window logs the
    ones on the GUI thread)."""

    def __init__(
        self,
        opening: DatabaseOpening,
        url: str,
        display_name: str,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.opening = opening
        # known before it is open (the window's title, the backups' file): asked without waiting
        self.url = url
        self.display_name = display_name
        self._on_wait = on_wait

    # the integrity check's hold on writes (ui.backups), asked for as the window is built: set
    # as the database opens, not waited for
    def hold_writes(self) -> None:
        self.opening.when_open(lambda db: db.hold_writes())

    def writes_checked(self, damaged: str | None) -> None:
        self.opening.when_open(lambda db: db.writes_checked(damaged))

    @property
    def ready(self) -> bool:
        """Whether the opening is done (asking waits no more)."""
        return self.opening.done.is_set()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and the like: not the database's
            raise AttributeError(name)
        if not self.opening.done.is_set() and self._on_wait is not None:
            self._on_wait(name)
        return getattr(self.opening.database(), name)
