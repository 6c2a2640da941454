"""What an operation changed, so each view refreshes only what it shows: :class:`Changes`, defined
in :mod:`app.changes` (no SQLAlchemy: the window names it before the operations are imported)."""

from app.changes import MOVED_FROM_MAX as MOVED_FROM_MAX
from app.changes import Changes as Changes

__all__ = ["MOVED_FROM_MAX", "Changes"]
