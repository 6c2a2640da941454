"""Handing the memory an import's chunk freed back to the system (glibc only).

SQLite's allocations while a chunk is written — its page cache, the full-text index's segment
merges, which grow with the index (a few MB at once at 1,000,000 contacts) — come from the C
heap, between Python's own longer-lived allocations. glibc keeps what they free for reuse
instead of returning it, and each larger peak raised the heap for good: at 1,000,000 rows
the importing process grew from 130 MB to 225 MB this way, in steps at the big merges (its
SQLite allocations stayed under 40 MB, Python's constant; 40 of the heap's 67 MB were free
at 300,000 rows). ``malloc_trim`` returns the free pages after every chunk, so the process
stays at its working size."""

from __future__ import annotations

import ctypes
import ctypes.util
import platform
from collections.abc import Callable
from functools import lru_cache


@lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def give_back_freed_memory() -> None:
    """Return the C heap's free pages to the system (nothing where that cannot be done)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
