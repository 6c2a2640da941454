"""Winnow's log file in the user's data folder: ``<data folder>/logs/winnow.log``, rotating.

Qt-free, so the window and the CLI can both write to it. Unexpected errors land here with their
tracebacks; the error dialog tells the user where the file is.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from db.plain_open import default_db_path  # (no SQLAlchemy: the window starts without it)

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
    target = (path or default_log_path()).resolve()
    root = logging.getLogger()
    for handler in root.handlers:
        if (
            isinstance(handler, logging.handlers.RotatingFileHandler)
            and Path(handler.baseFilename) == target
        ):
            return handler
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
    root.addHandler(handler)
    return handler


def stop_log_file(handler: logging.Handler) -> None:
    logging.getLogger().removeHandler(handler)
    handler.close()
