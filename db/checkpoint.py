"""Copying the write-ahead log back into the database file, in the background.

SQLite's own automatic checkpoint runs inside the commit that takes the log past 1,000 pages:
that commit's caller waits while every page in the log is copied into the file and the file
is synced. For a bulk move of 10,000 contacts (some 12,000 pages) that was a third of the
operation's time, and during an import it fell on whichever small move happened to commit
next. Winnow turns it off on its connections (``PRAGMA wal_autocheckpoint=0``) and runs the
same passive checkpoint here, on a short-lived thread, after a commit that grew the log by
1,000 pages or more since the last checkpoint, or after any commit at least a second after
the last one. A passive checkpoint neither waits for nor blocks readers and writers; closing
the last connection still checkpoints and removes the log, as before.

The log's growth is read from its size and time stamp (``os.stat``). Opening the ``-shm``
file to read SQLite's own frame counter is out of the question: closing any descriptor of a
file drops every POSIX lock the process holds on it, SQLite's included (another process then
takes the shared memory as unused and truncates it under this one: SIGBUS).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

log = logging.getLogger(__name__)

# SQLite's default for wal_autocheckpoint: pages in the log that call for a checkpoint
CHECKPOINT_PAGES = 1000
PAGE_BYTES = 4096
# a log that grew less than that is checkpointed at most this often (seconds)
AT_MOST_EVERY_S = 1.0


def _log_state(db_path: Path) -> tuple[int, int] | None:
    """The log's size and modification time (None: no log)."""
    try:
        st = os.stat(f"{db_path}-wal")
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


class Checkpointer:
    """Runs passive checkpoints of one SQLite file off the committing thread."""

    def __init__(
        self,
        engine: Engine,
        db_path: Path,
        may_write: Callable[[], bool] = lambda: True,
        pages: int = CHECKPOINT_PAGES,
    ) -> None:
        self.engine = engine
        self.db_path = db_path
        # False while the file's integrity check runs (writes wait for its verdict)
        self.may_write = may_write
        self.pages = pages
        self.every_s = AT_MOST_EVERY_S
        self.enabled = True  # off for a file that must not be written (failed its check)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False
        self._seen: tuple[int, int] | None = None  # the log when the last checkpoint began
        self._last = time.monotonic()
        self.runs = 0
        self.seconds = 0.0  # spent checkpointing, for the benchmarks

    def _due(self) -> bool:
        state = _log_state(self.db_path)
        if state is None or state == self._seen:
            return False  # no log, or nothing written since the last checkpoint
        grown = state[0] - (self._seen[0] if self._seen else 0)
        return grown >= self.pages * PAGE_BYTES or time.monotonic() - self._last >= self.every_s

    def after_commit(self) -> None:
        """A transaction committed: checkpoint in the background if the log has grown."""
        if not self.enabled or not self.may_write() or not self._due():
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self._again = True  # the running one looks again when it is done
                return
            self._again = False
            self._thread = threading.Thread(target=self._run, name="winnow-checkpoint", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            self._seen = _log_state(self.db_path)
            self._last = time.monotonic()
            start = time.perf_counter()
            try:
                raw = self.engine.raw_connection()
                try:
                    raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()  # type: ignore[union-attr]
                finally:
                    raw.close()
            except Exception as exc:  # tried again after a later commit
                log.warning("checkpoint of %s failed: %s", self.db_path, exc)
                with self._lock:
                    self._thread = None
                return
            finally:
                self.seconds += time.perf_counter() - start
                self.runs += 1
            with self._lock:
                again, self._again = self._again, False
                if not (again and self.enabled and self.may_write() and self._due()):
                    self._thread = None
                    return

    def wait(self, timeout: float | None = None) -> bool:
        """Until no checkpoint runs (False if one still runs after ``timeout`` seconds)."""
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def stop(self, timeout: float = 30.0) -> None:
        self.enabled = False
        self.wait(timeout)
