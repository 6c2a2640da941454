"""Guards against a broken Qt binding: PySide6 6.12.0 drops a reference to None on every call
that returns nothing, and the process aborts ("none_dealloc") once the count reaches zero."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QRect

pytestmark = pytest.mark.gui


def test_calls_returning_nothing_keep_none_alive() -> None:
    rect = QRect()
    before = sys.getrefcount(None)
    for _ in range(10_000):
        rect.setWidth(3)
    assert before - sys.getrefcount(None) < 100
