"""Opening the store for the app: the database, plus the clean-up every open does."""

from __future__ import annotations

import os

from db.engine import Database, open_database


def open_store(path_or_url: str | os.PathLike[str] | None = None) -> Database:
    """Open (creating and upgrading if needed) a Winnow database, and remove what an import
    left behind when its process died mid-way (its contacts were never visible)."""
    from app.importing.service import discard_abandoned_imports

    db = open_database(path_or_url)
    try:
        discard_abandoned_imports(db)
    except BaseException:
        db.close()
        raise
    return db
