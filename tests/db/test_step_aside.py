"""A database's opening steps aside while the window is busy (db.step_aside): its thread waits
before each module it would import while the window says it is busy, never for long, and not at
all when the busy thread itself waits for the opening."""

from __future__ import annotations

import importlib
import importlib._bootstrap as bootstrap
import sys
import threading
import time
import types
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from db import step_aside
from db.handle import DatabaseOpening

PROBE = "winnow_step_aside_probe"


@pytest.fixture
def modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[int], list[str]]]:
    """``make(n)``: the names of n new modules on the path, each recording when it ran (in
    ``sys.modules[PROBE].ran``, as (name, time.monotonic(), thread ident))."""
    probe = types.ModuleType(PROBE)
    probe.ran = []  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, PROBE, probe)
    monkeypatch.syspath_prepend(str(tmp_path))
    made: list[str] = []

    def make(n: int) -> list[str]:
        names = [f"aside_{uuid.uuid4().hex}" for _ in range(n)]
        for name in names:
            (tmp_path / f"{name}.py").write_text(
                "import sys, threading, time\n"
                f"sys.modules[{PROBE!r}].ran.append(({name!r}, time.monotonic(),"
                " threading.get_ident()))\n"
            )
        importlib.invalidate_caches()
        made.extend(names)
        return names

    yield make
    for name in made:
        sys.modules.pop(name, None)


def _ran() -> list[tuple[str, float, int]]:
    return sys.modules[PROBE].ran  # type: ignore[no-any-return]


def _opening(names: list[str], go: threading.Event) -> DatabaseOpening:
    """An opening that, once ``go`` is set, imports ``names`` one after the other (it opens
    no database: what it returns is not looked at)."""

    def opener(_step: Callable[[str], None]) -> Any:
        assert go.wait(30)
        for name in names:
            importlib.import_module(name)
        return object()

    return DatabaseOpening(opener, steps_aside=True).start()


def test_the_opening_waits_at_its_next_import_while_the_window_is_busy(
    modules: Callable[[int], list[str]],
) -> None:
    names = modules(3)
    go = threading.Event()
    opening = _opening(names, go)
    with opening.window_busy():
        go.set()
        time.sleep(0.15)  # the window busy: nothing of the opening's imports runs
        assert _ran() == []
        busy_ended = time.monotonic()
    assert opening.wait(30)
    assert [name for name, _at, _thread in _ran()] == names
    assert all(at >= busy_ended for _name, at, _thread in _ran())
    assert opening.step_aside is not None and opening.step_aside.pauses >= 1


def test_without_the_window_busy_the_opening_does_not_wait(
    modules: Callable[[int], list[str]],
) -> None:
    names = modules(3)
    go = threading.Event()
    opening = _opening(names, go)
    go.set()
    assert opening.wait(30)
    assert [name for name, _at, _thread in _ran()] == names
    assert opening.step_aside is not None and opening.step_aside.pauses == 0


def test_the_busy_thread_waiting_for_the_opening_lets_it_go_on_at_once(
    modules: Callable[[int], list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each waiting for the other would be a hang (bounded, but seconds): the window's thread
    that asks for the database while busy is not stepped aside for."""
    monkeypatch.setattr(step_aside, "PAUSE_MAX_S", 60.0)
    monkeypatch.setattr(step_aside, "BUDGET_S", 120.0)
    names = modules(5)
    go = threading.Event()
    opening = _opening(names, go)
    began = time.monotonic()
    with opening.window_busy():
        go.set()
        time.sleep(0.05)
        opening.database()  # waits for the opening, which goes on
        assert time.monotonic() - began < 20
    assert [name for name, _at, _thread in _ran()] == names


def test_a_long_busy_window_holds_the_opening_back_a_bounded_time(
    modules: Callable[[int], list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(step_aside, "PAUSE_MAX_S", 0.05)
    monkeypatch.setattr(step_aside, "BUDGET_S", 0.2)
    names = modules(10)
    go = threading.Event()
    opening = _opening(names, go)
    with opening.window_busy():
        go.set()
        # the opening is done while the window is still busy, having waited 0.2 s in all
        assert opening.done.wait(20)
    assert opening.step_aside is not None
    assert 0.15 <= opening.step_aside.paused_s <= 0.2 + 0.1
    assert [name for name, _at, _thread in _ran()] == names


def test_other_threads_imports_do_not_wait_for_the_window_and_python_has_its_own_back_after(
    modules: Callable[[int], list[str]],
) -> None:
    original = bootstrap._find_and_load  # type: ignore[attr-defined]
    (mine,) = modules(1)
    go = threading.Event()
    opening = _opening([], go)
    with opening.window_busy():
        time.sleep(0.05)  # the opening's thread is stepping aside (waiting for go)
        assert bootstrap._find_and_load is not original  # type: ignore[attr-defined]
        began = time.monotonic()
        importlib.import_module(mine)  # the window's own import: at once
        assert time.monotonic() - began < step_aside.PAUSE_MAX_S
        go.set()
    assert opening.wait(30)
    assert [name for name, _at, thread in _ran()] == [mine]
    assert bootstrap._find_and_load is original  # type: ignore[attr-defined]


def test_window_busy_is_nothing_before_the_opening_begins_or_after_it_ends(
    modules: Callable[[int], list[str]],
) -> None:
    go = threading.Event()

    def opener(_step: Callable[[str], None]) -> Any:
        assert go.wait(30)
        return object()

    opening = DatabaseOpening(opener, steps_aside=True)
    with opening.window_busy():  # not begun: nothing to hold
        assert opening.step_aside is not None and opening.step_aside._free.is_set()
    opening.start()
    go.set()
    assert opening.wait(30)
    with opening.window_busy():
        assert opening.step_aside._free.is_set()
    plain = DatabaseOpening(opener).start()  # not asked to step aside
    assert plain.step_aside is None
    with plain.window_busy():
        pass
    assert plain.wait(30)
