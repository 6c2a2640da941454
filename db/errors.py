"""Expected problems with a database file, each with a message the user can act on."""

from __future__ import annotations


class DatabaseError(Exception):
    """An expected problem with the database file, with a message for the user."""


class DatabaseLocked(DatabaseError):
    """Another program holds a lock on the database; trying again may work."""


class DatabaseTooNew(DatabaseError):
    """The database was written by a newer Winnow."""


class NotWinnowDatabase(DatabaseError):
    """The file belongs to another program (or is not a database at all); it was left as is."""


class DatabaseDamaged(DatabaseError):
    """The file failed its integrity check: Winnow reads it but never writes to it."""


class DiskFull(DatabaseError):
    """The disk is full: the change was not saved."""


class Cancelled(DatabaseError):
    """The user stopped a backup or a check; nothing was made or changed."""
