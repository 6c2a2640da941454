"""Stand-ins for the desktop in the UI tests: a browser that notes the links Qt hands it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices


class UrlCatcher(QObject):
    """Stands in for the browser: Qt's own openUrl hands https links to it."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


@pytest.fixture
def browser() -> Iterator[UrlCatcher]:
    """The https links opened during the test (the handler is gone afterwards)."""
    catcher = UrlCatcher()
    # PySide6's stub (6.11) asks for bytes, but the call takes only the method's name as str:
    # b"open" raises ValueError ("called with wrong argument values")
    QDesktopServices.setUrlHandler("https", catcher, "open")  # type: ignore[arg-type]
    yield catcher
    QDesktopServices.unsetUrlHandler("https")
