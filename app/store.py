"""Opening the store for the app: the database, plus the clean-up every open does."""

from __future__ import annotations

import logging
import os

from sqlalchemy.exc import DBAPIError

from db.engine import Database, DatabaseError, insufficient_privilege, open_database

log = logging.getLogger(__name__)


def open_store(path_or_url: str | os.PathLike[str] | None = None) -> Database:
    """Open (creating and upgrading if needed) a Winnow database, and remove what an import
    left behind when its process died mid-way (its contacts were never visible).

    A role that may only read (team mode's ``--reader``) cannot remove it: the database opens
    all the same (those contacts stay invisible), and the next Winnow that may write does."""
    from app.importing.service import discard_abandoned_imports

    db = open_database(path_or_url)
    try:
        discard_abandoned_imports(db)
    except (DatabaseError, DBAPIError) as exc:
        if not insufficient_privilege(exc):
            db.close()
            raise
        log.info("an abandoned import is left for a role that may write: %s", exc)
    except BaseException:
        db.close()
        raise
    return db
