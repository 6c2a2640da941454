"""Issue 15, start-up: what the window's start imports, and what it costs."""

from __future__ import annotations

import importlib
import inspect
import sys
from types import ModuleType

import pytest

import ui


def _pyside_answer(module: ModuleType) -> bool:
    """PySide6's own answer (shibokensupport.feature._mod_uses_pyside before ui replaced it)."""
    try:
        return "PySide6" in inspect.getsource(module)
    except (TypeError, OSError, SyntaxError):
        return False


@pytest.mark.parametrize(
    "name",
    ["ui.main_window", "ui.wheel_guard", "app.contacts", "sqlalchemy.orm.session", "json", "math"],
)
def test_pyside_import_hook_answers_as_before_from_the_files_bytes(name: str) -> None:
    feature = sys.modules["shibokensupport.feature"]
    check = feature._mod_uses_pyside
    assert getattr(check, "reads_bytes", False), "ui replaced PySide6's source reading"
    module = importlib.import_module(name)
    assert check(module) == _pyside_answer(module)
    assert check(sys.modules["ui.main_window"]) and not check(sys.modules["app.contacts"])


def test_modules_imported_after_qt_are_not_kept_in_linecache() -> None:
    import linecache

    module = importlib.import_module("email.headerregistry")
    linecache.cache.pop(str(module.__file__), None)
    assert not sys.modules["shibokensupport.feature"]._mod_uses_pyside(module)
    assert module.__file__ not in linecache.cache, "its source read and kept"


def test_installing_again_changes_nothing() -> None:
    feature = sys.modules["shibokensupport.feature"]
    before = feature._mod_uses_pyside
    ui._pyside_reads_module_bytes()
    assert feature._mod_uses_pyside is before
