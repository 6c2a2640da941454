"""Opening the store for the app: the database, plus the clean-up every open does."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from sqlalchemy import exc as sa_exc

from db.engine import Database, DatabaseError, insufficient_privilege, open_database
from db.visibility import unfinished_batches

log = logging.getLogger(__name__)


def open_store(
    path_or_url: str | os.PathLike[str] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> Database:
    """Open (creating and upgrading if needed) a Winnow database, and remove what an import
    left behind when its process died mid-way (its contacts were never visible).

    A role that may only read (team mode's ``--reader``) cannot remove it: the database opens
    all the same (those contacts stay invisible), and the next Winnow that may write does.
    ``on_step(text)`` hears what a long opening does (the backup and migrations of an upgrade).
    """
    db = open_database(path_or_url, on_step=on_step)
    try:
        if _imports_running(db):  # the import service (a tenth of a second to import) if so
            from app.importing.service import discard_abandoned_imports

            discard_abandoned_imports(db)
    except (DatabaseError, sa_exc.DBAPIError) as exc:
        if not insufficient_privilege(exc):
            db.close()
            raise
        log.info("an abandoned import is left for a role that may write: %s", exc)
    except BaseException:
        db.close()
        raise
    return db


def _imports_running(db: Database) -> bool:
    """Whether any import batch is marked running (abandoned or not): the usual answer, no,
    costs one query and no import of the import service."""
    with db.session() as s:
        return bool(unfinished_batches(s))
