"""Once the window is usable, go look's domain lists are read on a thread of their own: the
first contact selected does not parse the public-suffix list on the GUI thread (0.13 s)."""

from __future__ import annotations

import threading
from collections.abc import Generator
from typing import Any, cast

import pytest

from app.golook import classify
from db.engine import Database
from tests.ui.conftest import _shown_window

pytestmark = pytest.mark.gui


def test_the_lists_are_read_off_the_gui_thread_after_start(
    qtbot: Any, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    for cached in (classify._free, classify._disposable, classify._psl):
        cached.cache_clear()
    readers: list[str] = []
    real = classify.PublicSuffixList

    def reading(*args: Any, **kwargs: Any) -> Any:
        readers.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(classify, "PublicSuffixList", reading)
    windows = cast(Generator[Any, None, None], _shown_window(qtbot, db))
    window = next(windows)
    try:
        qtbot.waitUntil(window.counts_shown, timeout=20000)
        qtbot.waitUntil(lambda: classify._psl.cache_info().currsize == 1, timeout=20000)
        assert readers == ["winnow-domain-lists"]
        assert classify._free.cache_info().currsize == 1
        assert classify._disposable.cache_info().currsize == 1
    finally:
        windows.close()
