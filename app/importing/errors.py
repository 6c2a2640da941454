"""The one error a reader raises: the file is not a table Winnow can read."""

from __future__ import annotations

from app.errors import WinnowError


class ImportFileError(WinnowError):
    """Not a table at all (binary, empty, wrong format, unreadable): one clear message."""
