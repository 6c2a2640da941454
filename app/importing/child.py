"""A big import in a process of its own, so the window's process stays free.

Parsing and writing 100,000 rows is Python work that holds the interpreter lock: run on a
thread of the window's process it took the lock from the GUI thread for tens of milliseconds at
a time, and the window stuttered while the user moved cards beside it. :func:`import_in_background`
runs a file of :data:`CHILD_PROCESS_BYTES` or more in a child process instead (``spawn``: a
fresh interpreter, nothing of the window's inherited) with its own connection to the same
database; progress comes back over a pipe, Cancel goes the other way, and the report (or the
error) comes back when it ends. The import itself is :func:`app.importing.service.import_file`,
unchanged: chunked, invisible until done, and all-or-nothing (a child killed halfway leaves a
running batch that the next open removes). Smaller files import on the calling thread, where
they are done before a process could start.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
import traceback
from multiprocessing.connection import Connection
from typing import Any

from app.errors import WinnowError
from app.exporting import is_cancelled
from app.importing.report import ImportReport
from db.engine import Database

log = logging.getLogger(__name__)

# files at least this large import in a child process: about 7,500 rows of a typical CSV, a
# second's work or more (a child takes 0.7 s to start on an idle machine, 3 s on a busy one)
CHILD_PROCESS_BYTES = 500_000
# how often the waiting thread looks at the cancel flag (seconds)
POLL_S = 0.05
# how much lower the import child runs than the window (see _yield_to_the_window)
IMPORT_NICENESS = 5


class ImportProcessFailed(WinnowError):
    """The import's process ended without a report (killed, or crashed)."""


def import_in_background(
    db: Database,
    path: str | os.PathLike[str],
    *,
    progress: Any = None,
    cancel: Any = None,
    **options: Any,
) -> ImportReport:
    """:func:`~app.importing.service.import_file` for the window's worker thread: in a child
    process for a big file, here for a small one (or a database that is not a file)."""
    from app.importing.service import import_file

    try:
        size = os.path.getsize(path)
    except OSError:
        size = 0
    if size < CHILD_PROCESS_BYTES or not db.is_sqlite:
        return import_file(db, path, progress=progress, cancel=cancel, **options)
    db.wait_until_writable()  # the child writes too: not before the integrity check's verdict
    return import_in_child(db.url, path, progress=progress, cancel=cancel, **options)


def import_in_child(
    url: str,
    path: str | os.PathLike[str],
    *,
    progress: Any = None,
    cancel: Any = None,
    **options: Any,
) -> ImportReport:
    """Import ``path`` into the database at ``url`` in a child process; returns its report or
    raises its error here."""
    context = multiprocessing.get_context("spawn")
    here, there = context.Pipe()
    child = context.Process(
        target=_child, args=(url, os.fspath(path), options, there), name="winnow-import"
    )
    child.start()
    there.close()
    told = False
    try:
        while True:
            if not told and is_cancelled(cancel):
                _send(here, ("cancel",))
                told = True
            if not here.poll(POLL_S):
                if not child.is_alive() and not here.poll(0):
                    raise ImportProcessFailed(
                        f"The import stopped unexpectedly (exit code {child.exitcode}); "
                        "nothing was written."
                    )
                continue
            try:
                message = here.recv()
            except EOFError:
                child.join(5)
                raise ImportProcessFailed(
                    f"The import stopped unexpectedly (exit code {child.exitcode}); "
                    "nothing was written."
                ) from None
            kind = message[0]
            if kind == "progress":
                if progress is not None:
                    progress(*message[1:])
            elif kind == "done":
                report: ImportReport = message[1]
                return report
            elif kind == "error":
                raise _error_from(message[1], message[2])
    finally:
        here.close()
        child.join(30)
        if child.is_alive():  # it had no reason to linger: stop it (its batch is removed)
            child.terminate()
            child.join(5)


def _send(conn: Connection, message: tuple[Any, ...]) -> None:
    # the other side may be gone: its end is handled where it is waited for
    with contextlib.suppress(BrokenPipeError, EOFError, OSError):
        conn.send(message)


def _error_from(pickled: bytes | None, text: str) -> BaseException:
    if pickled is not None:
        try:
            exc = pickle.loads(pickled)
            if isinstance(exc, BaseException):
                return exc
        except Exception:  # an error class that does not survive pickling
            pass
    return WinnowError(text)


class _PipeCancel:
    """The child's cancel flag: set when the parent says so, or is gone."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.set = False

    def is_set(self) -> bool:
        if not self.set:
            try:
                while self.conn.poll(0):
                    if self.conn.recv()[0] == "cancel":
                        self.set = True
            except (EOFError, OSError):
                self.set = True  # the window closed or died: nothing is kept
        return self.set


def _yield_to_the_window() -> None:
    """Run the import at a lower CPU priority than the window that started it.

    On a two-core machine the import, the window and the window's readers compete for the
    cores; at equal priority the scheduler let the window's event loop wait up to ~0.1 s behind
    the import. A nicer import takes only the time the window leaves idle.
    """
    # no nice() on this platform, or not allowed: run as is
    with contextlib.suppress(AttributeError, OSError):
        os.nice(IMPORT_NICENESS)


def _child(url: str, path: str, options: dict[str, Any], conn: Connection) -> None:
    """The child process: the import, reporting over ``conn``."""
    _yield_to_the_window()
    from app.importing.service import import_file
    from db.engine import open_database

    def progress(done: int, total: int, text: str = "") -> None:
        _send(conn, ("progress", done, total, text))

    db = None
    try:
        db = open_database(url, migrate=False)
        report = import_file(db, path, progress=progress, cancel=_PipeCancel(conn), **options)
        _send(conn, ("done", report))
    except BaseException as exc:
        text = str(exc) or type(exc).__name__
        pickled: bytes | None = None
        try:
            whole = pickle.dumps(exc)
            pickle.loads(whole)  # what cannot come back whole comes back as its message
            pickled = whole
        except Exception:
            pass
        log.debug("import failed in its process:\n%s", traceback.format_exc())
        _send(conn, ("error", pickled, text))
    finally:
        if db is not None:
            db.close()
        conn.close()
