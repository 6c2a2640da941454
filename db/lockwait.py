"""A writer kept waiting for an SQLite file's write lock says so; a long writer asks.

SQLite keeps no queue of writers and tells the one holding the lock nothing about those
waiting for it. An import that writes many chunks would keep a transaction open over several
of them if nobody else needed the lock (each commit writes every page it changed to the log:
with the random-key indexes of contacts, a commit of 500 rows wrote ~2,300 pages, and a
transaction four times as long writes little more than that) — but the window's move must not
wait for four chunks. So a Winnow writer that finds the file locked
(:func:`db.engine._wait_for_write_lock`) touches a small file named after the database in the
temporary folder, again every few milliseconds while it waits, and a long writer
(:class:`WaitingWriters`) looks at that file's time stamp between its steps and commits at
once when it changed. The long writer makes the file and removes it when it is done; a waiter
only touches a file that is there (no long writer: nobody to tell, and no file left behind in
the temporary folder). Nothing depends on the file being there: without it (a folder that
cannot be written, another host) a long writer commits at its own limit instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import weakref
from pathlib import Path

# a waiting writer touches the file again after this many tries (1-2 ms apart)
TOUCH_EVERY_TRIES = 5


def waiting_file(db_path: str | os.PathLike[str]) -> Path:
    """The file whose time stamp says a writer waits for ``db_path`` (the same for every
    process of this machine and user that opens the same file)."""
    real = os.path.realpath(os.fspath(db_path))
    digest = hashlib.sha1(real.encode("utf-8", "surrogateescape")).hexdigest()[:20]
    return Path(tempfile.gettempdir()) / f"winnow-{digest}.waiting"


def say_a_writer_waits(db_path: str | os.PathLike[str] | None) -> None:
    """Touch the waiting file of ``db_path`` if a long writer made it (quietly nothing when
    there is none or it cannot be written)."""
    if db_path is None:
        return
    with contextlib.suppress(OSError):  # FileNotFoundError: no long writer listens
        os.utime(waiting_file(db_path))


def _remove(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()


class WaitingWriters:
    """Whether another writer has waited for the file's write lock since :meth:`mark`.

    ``db_path`` None (PostgreSQL, an in-memory database): no way to know, so
    :meth:`asked` always says yes — the writer commits after every step, as before."""

    def __init__(self, db_path: str | os.PathLike[str] | None) -> None:
        self.path = waiting_file(db_path) if db_path is not None else None
        self._seen: int | None = None
        self._made = weakref.finalize(self, _remove, self.path)  # at close, or when dropped
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.touch()
        self.mark()

    def close(self) -> None:
        """The long write is over: remove the file (a waiter then touches nothing). Done too
        when the object is dropped."""
        self._made()

    def __enter__(self) -> WaitingWriters:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _stamp(self) -> int | None:
        if self.path is None:
            return None
        try:
            return os.stat(self.path).st_mtime_ns
        except OSError:
            return None

    def mark(self) -> None:
        """Remember the file's state now (call it when the transaction starts)."""
        self._seen = self._stamp()

    def asked(self) -> bool:
        """Whether a writer has touched the file since :meth:`mark`."""
        if self.path is None:
            return True
        return self._stamp() != self._seen
