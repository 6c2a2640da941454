"""Winnow's log file in the user's data folder: ``<data folder>/logs/winnow.log``, rotating.

Qt-free, so the window and the CLI can both write to it. Unexpected errors land here with their
tracebacks; the error dialog tells the user where the file is.
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from db.plain_open import default_db_path  # (no SQLAlchemy: the window starts without it)

if TYPE_CHECKING:  # imported when the file is started: ~7 ms of the window's start
    import logging.handlers

LOG_NAME = "winnow.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 3  # winnow.log.1 … .3: a few MB at most
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"


def default_log_path() -> Path:
    return default_db_path().parent / "logs" / LOG_NAME


def start_log_file(
    path: Path | None = None,
    *,
    level: int = logging.INFO,
    max_bytes: int = MAX_BYTES,
    backup_count: int = BACKUP_COUNT,
) -> logging.handlers.RotatingFileHandler | None:
    """Also write the root logger's records at ``level`` and above to the rotating log file
    (the root logger's own level still decides what reaches it).

    Once per file: a second call returns the handler already attached. ``None`` when the file
    cannot be written (a read-only data folder); the reason goes to stderr, and Winnow runs on.
    """
    import logging.handlers  # with socket, pickle and queue

    target = (path or default_log_path()).resolve()
    root = logging.getLogger()
    for handler in root.handlers:
        if (
            isinstance(handler, logging.handlers.RotatingFileHandler)
            and Path(handler.baseFilename) == target
        ):
            return handler
    started = _file_handler(target, level, max_bytes, backup_count)
    if started is not None:
        root.addHandler(started)
    return started


def _file_handler(
    target: Path, level: int, max_bytes: int, backup_count: int
) -> logging.handlers.RotatingFileHandler | None:
    import logging.handlers

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            target, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
        )
    except OSError as exc:
        print(f"winnow: cannot write the log file {target}: {exc.strerror or exc}", file=sys.stderr)
        return None
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(FORMAT))
    return handler


class HeldLines(logging.Handler):
    """The log file's lines held in memory while the window starts, written to the file once it
    is started (:meth:`start_file`, after the window is usable): opening the rotating file
    (``logging.handlers`` with ``socket``, ``pickle`` and ``queue``) and finding the user's
    data folder (``platformdirs``), ~11 ms of the start, come after it. Each line keeps the
    time it was logged; an error, more than :data:`HOLD_MOST` lines or the process's end
    (``logging.shutdown`` closes it) starts the file at once. Attached to the root logger for
    good: once the file is started it hands every record to it. (The standard library's
    ``logging.handlers.MemoryHandler`` holds lines the same way, but lives in the module this
    keeps out of the start.)"""

    HOLD_MOST = 5_000

    def __init__(
        self,
        path: Path | None = None,
        *,
        level: int = logging.INFO,
        max_bytes: int = MAX_BYTES,
        backup_count: int = BACKUP_COUNT,
    ) -> None:
        super().__init__(level)
        self._path = path
        self._file_args = (level, max_bytes, backup_count)
        self._held: list[logging.LogRecord] = []
        self._file: logging.handlers.RotatingFileHandler | None = None
        self._started = False
        self._starting = threading.RLock()

    @property
    def path(self) -> Path | None:
        """The log file's path (the user's data folder's looked up now if not given); None if
        the file could not be started."""
        if self._started:
            return Path(self._file.baseFilename) if self._file is not None else None
        return (self._path or default_log_path()).resolve()

    @property
    def file(self) -> logging.handlers.RotatingFileHandler | None:
        return self._file

    def start_file(self) -> logging.handlers.RotatingFileHandler | None:
        """Open the log file and write the lines held so far to it (once; from any thread)."""
        with self._starting:
            if not self._started:
                self._started = True
                target = (self._path or default_log_path()).resolve()
                self._file = _file_handler(target, *self._file_args)
                held, self._held = self._held, []
                if self._file is not None:
                    for record in held:
                        self._file.handle(record)
            return self._file

    def emit(self, record: logging.LogRecord) -> None:
        if not self._started:
            with self._starting:
                if not self._started:
                    self._held.append(record)
                    if record.levelno < logging.ERROR and len(self._held) <= self.HOLD_MOST:
                        return
                    self.start_file()  # an error is in the file at once (and its dialog says so)
                    return
        if self._file is not None:
            self._file.handle(record)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        """At the process's end (``logging.shutdown``): what is held is written, the file closed."""
        self.start_file()
        if self._file is not None:
            self._file.close()
        super().close()


def hold_log_lines(path: Path | None = None, *, level: int = logging.INFO) -> HeldLines:
    """Attach a :class:`HeldLines` to the root logger: the log file's lines from now on, held
    until its ``start_file``. Once per process and path: a second call returns the one attached."""
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, HeldLines) and handler._path == path:
            return handler
    held = HeldLines(path, level=level)
    root.addHandler(held)
    return held


def stop_log_file(handler: logging.Handler) -> None:
    logging.getLogger().removeHandler(handler)
    handler.close()
