"""Imports made beside a database's opening wait for it (issue 15's plain start).

The window's database is opened on a thread of its own (:class:`db.handle.DatabaseOpening`)
while the window already runs, and that opening is what imports SQLAlchemy. Two threads that
import one package with circular imports at once can each hold a module the other needs;
Python breaks that deadlock by handing one of them the other's half-made module ("module
'sqlalchemy.util' has no attribute 'inject_docstring_text'"), the import fails, and the half-made
modules stay in ``sys.modules`` for the rest of the process.

While an opening runs, an import made by any other thread waits for the opening to end when it
would import (part of) SQLAlchemy or Alembic, or a module the opening is importing at that
moment, that is not yet complete. The wait is where Python comes to a module that is not
complete (``importlib._bootstrap._find_and_load`` for one not imported yet, and
``_lock_unlock_module`` for one another thread is still initializing: what every import
statement, ``importlib.import_module`` and ``from package import submodule`` come to), before
Python takes that module's lock, so that a thread's first import there holds no module lock the
opening could need. A thread already importing another
module when it comes to SQLAlchemy holds that module's lock: if the opening then waits for that
module (directly or through other threads), the thread goes on at once, as it would without this
guard. Every wait is bounded (:data:`WAIT_S`) and one that ends so is logged. The opening's own
thread never waits for others; it may step aside for the window (``db.step_aside``, ``pause``).

Why not ``builtins.__import__``: PySide6 puts its own in place (shiboken's ``__feature__``
import) when its support modules first load, which can be after the guard's, and a guard there
was out of the way in half of the starts looked at. Why not a ``sys.meta_path`` finder: a finder
is asked with the module's own lock already held and under Python's global import lock (a finder
that waited would stop every thread's imports, the opening's too), and is not asked at all for a
module another thread is still initializing (the race's usual case).
"""

from __future__ import annotations

import importlib._bootstrap as bootstrap
import logging
import threading
import time
from collections.abc import Callable
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

Load = Callable[..., Any]  # importlib._bootstrap's, each called with the module's name first
# where Python comes to a module not complete: not imported yet, being initialized
HOOKED = ("_find_and_load", "_lock_unlock_module")

_lock = threading.Lock()


@dataclass
class _Opening:
    done: threading.Event  # set when it ended
    waited_on: Callable[[], None] | None = None  # told as a thread begins to wait for it
    pause: Callable[[], None] | None = None  # called on its own thread before each module
    beside: set[int] = field(default_factory=set)  # threads that waited WAIT_S: they go on
    told: set[int] = field(default_factory=set)  # threads let go because it waits for them


_openings: dict[threading.Thread, _Opening] = {}
_hooks: dict[str, Load] = {}  # ours, by name in importlib._bootstrap, while in place


def opening_began(
    thread: threading.Thread,
    done: threading.Event,
    waited_on: Callable[[], None] | None = None,
    pause: Callable[[], None] | None = None,
) -> None:
    """``thread`` (not started yet, or just) opens a database until ``done`` is set: from now
    on other threads' imports of what it imports wait for it (``waited_on()`` called on the
    waiting thread as it begins to wait), and ``pause()`` is called on ``thread`` before each
    module it imports (``db.step_aside``)."""
    with _lock:
        _openings[thread] = _Opening(done, waited_on, pause)
        for name in HOOKED:
            current = getattr(bootstrap, name)
            if _hooks.get(name) is not current:
                _hooks[name] = _guarded(current)
                setattr(bootstrap, name, _hooks[name])


def opening_ended(thread: threading.Thread) -> None:
    """``thread``'s opening is over (call before its ``done`` is set); with no opening left,
    loading a module is Python's own again (ours left in place, passing through, if something
    else replaced it on top of ours meanwhile)."""
    with _lock:
        _openings.pop(thread, None)
        if not _openings:
            for name, hook in list(_hooks.items()):
                if getattr(bootstrap, name) is hook:
                    setattr(bootstrap, name, hook.__wrapped__)  # type: ignore[attr-defined]
                    del _hooks[name]


def guarding() -> bool:
    """Whether imports pass through the guard now (an opening runs)."""
    return all(_hooks.get(name) is getattr(bootstrap, name) for name in HOOKED)


def _guarded(previous: Load) -> Load:
    def guarded(name: str, *args: Any) -> Any:
        if _openings:
            me = _get_ident()
            for thread, opening in list(_openings.items()):
                if thread.ident == me:  # an opening never waits for others
                    if opening.pause is not None:
                        opening.pause()
                    break
            else:
                if name.partition(".")[0] in GUARDED or _opening_imports(name):
                    _wait_for_openings(name)
        return previous(name, *args)

    guarded.__wrapped__ = previous  # type: ignore[attr-defined]
    return guarded


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
        if opening.waited_on is not None and not opening.done.is_set():
            opening.waited_on()
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
