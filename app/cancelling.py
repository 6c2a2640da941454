"""One way to ask long work whether to stop: a flag, an Event, a callable or a bool."""

from __future__ import annotations


def is_cancelled(cancel: object) -> bool:
    """True when ``cancel`` (a flag, an Event, a callable or a bool) says stop."""
    if cancel is None:
        return False
    flag = getattr(cancel, "is_set", None)
    if flag is not None:
        return bool(flag() if callable(flag) else flag)
    if callable(cancel):
        return bool(cancel())
    return bool(cancel)
