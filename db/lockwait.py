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

One step of a long writer cannot commit half way: an import's index build after its last
chunk (:mod:`app.importing.bulkload`; ~15 s of CPU at 1,000,000 contacts) — a move made
meanwhile waited past its busy timeout (5 s) and failed with "database is locked". So the long
writer says it is at such a step (:meth:`WaitingWriters.long_step`): a thread of its own
writes, every second, until when it is known to be at work into a second file named after the
database; a writer waiting for the lock (:func:`held_for`) waits on while that time is ahead,
and fails after its own timeout once it is not (the long writer gone, or stuck past it).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

# a waiting writer touches the file again after this many tries (1-2 ms apart)
TOUCH_EVERY_TRIES = 5
# a long step's word: renewed this often, saying it holds the lock this far ahead of now
LONG_STEP_RENEW_S = 1.0
LONG_STEP_AHEAD_S = 5.0


def waiting_file(db_path: str | os.PathLike[str]) -> Path:
    """The file whose time stamp says a writer waits for ``db_path`` (the same for every
    process of this machine and user that opens the same file)."""
    real = os.path.realpath(os.fspath(db_path))
    digest = hashlib.sha1(real.encode("utf-8", "surrogateescape")).hexdigest()[:20]
    return Path(tempfile.gettempdir()) / f"winnow-{digest}.waiting"


def long_step_file(db_path: str | os.PathLike[str]) -> Path:
    """The file in which a writer holding the lock of ``db_path`` for a long step says until
    when it is at work (:meth:`WaitingWriters.long_step`)."""
    return waiting_file(db_path).with_suffix(".long-step")


def held_for(db_path: str | os.PathLike[str] | None) -> float:
    """How many seconds more the writer holding the lock of ``db_path`` says it is at work on
    a long step (0: no such step, or its word has run out)."""
    if db_path is None:
        return 0.0
    try:
        until = float(long_step_file(db_path).read_text(encoding="ascii"))
    except (OSError, ValueError):
        return 0.0
    return max(0.0, until - time.time())


def _say_until(path: Path, until: float) -> None:
    part = path.with_name(f"{path.name}.{os.getpid()}")
    with contextlib.suppress(OSError):
        part.write_text(repr(until), encoding="ascii")
        os.replace(part, path)  # whole: a waiter never reads half a number


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

    @contextlib.contextmanager
    def long_step(self) -> Iterator[None]:
        """Around a step that holds the write lock long and cannot commit half way: writers
        waiting for the lock wait on until it ends (while this process is at it), instead of
        failing after their busy timeout. A thread renews the word every
        :data:`LONG_STEP_RENEW_S` (the step's statement runs in SQLite with Python's lock
        released); the file is removed after the step."""
        if self.path is None:
            yield
            return
        path = self.path.with_suffix(".long-step")
        done = threading.Event()

        def renew() -> None:
            while True:
                _say_until(path, time.time() + LONG_STEP_AHEAD_S)
                if done.wait(LONG_STEP_RENEW_S):
                    return

        speaker = threading.Thread(target=renew, name="winnow-long-step", daemon=True)
        speaker.start()
        try:
            yield
        finally:
            done.set()
            speaker.join()
            _remove(path)

    def mark(self) -> None:
        """Remember the file's state now (call it when the transaction starts)."""
        self._seen = self._stamp()

    def asked(self) -> bool:
        """Whether a writer has touched the file since :meth:`mark`."""
        if self.path is None:
            return True
        return self._stamp() != self._seen
