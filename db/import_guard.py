"""Imports made beside a database's opening wait for it (issue 15's plain start).

The window's database is opened on a thread of its own (:class:`db.handle.DatabaseOpening`)
while the window already runs, and that opening is what imports SQLAlchemy. Two threads that
import one package with circular imports at once can each hold a module the other needs;
Python breaks that deadlock by handing one of them the other's half-made module ("module
'sqlalchemy.util' has no attribute 'inject_docstring_text'"), the import fails, and the half-made
modules stay in ``sys.modules`` for the rest of the process.

While an opening runs, an import made by any other thread waits for the opening to end when it
would import (part of) SQLAlchemy or Alembic, or a module the opening is importing at that
moment, that is not yet complete. The wait is at the import statement (``builtins.__import__``),
before Python takes the module's lock, so that a thread's first import there holds no module lock
the opening could need. A thread already importing another module when it comes to SQLAlchemy
holds that module's lock: if the opening then waits for that module (directly or through other
threads), the thread goes on at once, as it would without this guard. Every wait is bounded
(:data:`WAIT_S`) and one that ends so is logged. The opening's own thread never waits.

Why not a ``sys.meta_path`` finder: a finder is asked with the module's own lock already held and
under Python's global import lock (a finder that waited would stop every thread's imports, the
opening's too), and is not asked at all for a module another thread is still initializing (the
race's usual case). ``importlib.import_module`` does not pass through ``builtins.__import__``:
its call is not held, but the import statements of the modules it imports are.
"""

from __future__ import annotations

import builtins
import importlib._bootstrap as bootstrap
import logging
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)
_get_ident = threading.get_ident

# top-level packages a thread other than the opening's waits for while an opening runs
GUARDED = frozenset({"sqlalchemy", "alembic"})
# the longest one import waits for the openings (a plain start's opening takes well under 1 s)
WAIT_S = 10.0
# how often a waiting thread looks whether the opening now waits for a module it holds
LOOK_S = 0.005

Import = Callable[..., Any]

_lock = threading.Lock()


@dataclass
class _Opening:
    done: threading.Event  # set when it ended
    beside: set[int] = field(default_factory=set)  # threads that waited WAIT_S: they go on
    told: set[int] = field(default_factory=set)  # threads let go because it waits for them


_openings: dict[threading.Thread, _Opening] = {}
_opening_idents: set[int] = set()  # the openings' threads, once seen importing (never wait)
_hook: Import | None = None  # ours, while it is builtins.__import__


def opening_began(thread: threading.Thread, done: threading.Event) -> None:
    """``thread`` (not started yet, or just) opens a database until ``done`` is set: from now
    on other threads' imports of what it imports wait for it."""
    global _hook
    with _lock:
        _openings[thread] = _Opening(done)
        if _hook is None or builtins.__import__ is not _hook:
            _hook = _guarded(builtins.__import__)
            builtins.__import__ = _hook


def opening_ended(thread: threading.Thread) -> None:
    """``thread``'s opening is over (call before its ``done`` is set); with no opening left,
    the import statement is Python's again (left in place, passing through, if something
    else replaced it on top of ours meanwhile)."""
    global _hook
    with _lock:
        _openings.pop(thread, None)
        _opening_idents.discard(thread.ident or 0)
        if not _openings and _hook is not None and builtins.__import__ is _hook:
            builtins.__import__ = _hook.__wrapped__  # type: ignore[attr-defined]
            _hook = None


def _guarded(previous: Import) -> Import:
    def guarded_import(
        name: str,
        globals: Mapping[str, Any] | None = None,  # (__import__'s own names)
        locals: Mapping[str, Any] | None = None,
        fromlist: Sequence[str] | None = (),
        level: int = 0,
    ) -> Any:
        if _openings and _get_ident() not in _opening_idents:
            module = _waits(name, globals, fromlist, level)
            if module is not None:
                _wait_for_openings(module)
        return previous(name, globals, locals, fromlist, level)

    guarded_import.__wrapped__ = previous  # type: ignore[attr-defined]
    return guarded_import


def _waits(
    name: str, globals: Mapping[str, Any] | None, fromlist: Sequence[str] | None, level: int
) -> str | None:
    """The module this import must wait for the openings for (its absolute name), or None."""
    me = _get_ident()
    if any(thread.ident == me for thread in list(_openings)):
        _opening_idents.add(me)
        return None  # an opening never waits
    module = _absolute(name, globals, level)
    if module is None or _complete(module, fromlist):
        return None
    if module.partition(".")[0] in GUARDED or _opening_imports(module):
        return module
    return None


def _absolute(name: str, globals: Mapping[str, Any] | None, level: int) -> str | None:
    if level == 0:
        return name
    package = (globals or {}).get("__package__")
    if not package:
        spec = (globals or {}).get("__spec__")
        package = getattr(spec, "parent", None)
    if not isinstance(package, str) or not package:
        return None  # Python raises its own error
    base = package.rsplit(".", level - 1)[0]
    return f"{base}.{name}" if name else base


def _complete(module: str, fromlist: Sequence[str] | None) -> bool:
    """Whether ``module``, its packages and its submodules in ``fromlist`` are imported whole
    (then the import takes no module lock)."""
    parts = module.split(".")
    found = None
    for i in range(1, len(parts) + 1):
        found = sys.modules.get(".".join(parts[:i]))
        if found is None or getattr(getattr(found, "__spec__", None), "_initializing", False):
            return False
    names = getattr(found, "__dict__", {})
    return not fromlist or "__path__" not in names or all(x in names or x == "*" for x in fromlist)


def _opening_imports(module: str) -> bool:
    """Whether an opening's thread is importing ``module`` or one of its packages now."""
    idents = {thread.ident for thread in list(_openings)}
    parts = module.split(".")
    for i in range(1, len(parts) + 1):
        ref = bootstrap._module_locks.get(".".join(parts[:i]))  # type: ignore[attr-defined]
        lock = ref() if ref is not None else None
        if lock is not None and lock.owner in idents:
            return True
    return False


def _wait_for_openings(module: str) -> None:
    """Until every opening has ended, or one waits for a module this thread is importing, or
    WAIT_S has passed (then this thread no longer waits for that opening)."""
    me = _get_ident()
    began = time.monotonic()
    waited = False
    for thread, opening in list(_openings.items()):
        while not opening.done.is_set() and me not in opening.beside:
            if _waits_for(thread.ident, me):  # each would wait for the other: go on
                if me not in opening.told:
                    opening.told.add(me)
                    log.info(
                        "%s imported beside the database's opening, which waits for a module"
                        " this thread is importing",
                        module,
                    )
                break
            if time.monotonic() - began >= WAIT_S:
                opening.beside.add(me)  # its next imports (the rest of this one) do not wait
                log.warning(
                    "%s imported beside the database's opening after waiting %.1f s for it",
                    module,
                    WAIT_S,
                )
                return
            waited = True
            opening.done.wait(LOOK_S)
    if waited:
        log.info("%s waited %.3f s for the database's opening", module, time.monotonic() - began)


def _waits_for(thread: int | None, holder: int) -> bool:
    """Whether ``thread`` waits for a module lock that ``holder`` holds, directly or through
    the threads that hold the locks it waits for (importlib's own deadlock walk)."""
    blocking_on = bootstrap._blocking_on  # type: ignore[attr-defined]
    seen: set[int] = set()
    todo = [thread]
    while todo:
        tid = todo.pop()
        if tid == holder:
            return True
        if tid is None or tid in seen:
            continue
        seen.add(tid)
        entry = blocking_on.get(tid)  # a lock (3.11), a list of locks (3.12 on)
        locks = list(entry) if isinstance(entry, list) else [entry]
        todo.extend(getattr(lock, "owner", None) for lock in locks if lock is not None)
    return False
