"""The one way the window opens a link: web pages and e-mail only (:func:`app.links.safe_link`).

Every "Open website", "Search the web" and mail link goes through :func:`open_link`; nothing
else in ``ui/`` calls ``QDesktopServices.openUrl``. A refused link is named, with the reason,
in the window's status bar (or a message box when there is no main window), and nothing is
opened — whatever the database holds, since an older version may have stored anything.
"""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMainWindow, QWidget

from app.links import UnsafeLink, safe_link
from ui import message_box

ALLOWED_SCHEMES = ("http", "https", "mailto")
MESSAGE_MS = 10_000


def open_link(parent: QWidget | None, url: str | None) -> bool:
    """Open ``url`` in the user's browser or mail program if it is a web or mail link;
    otherwise tell the user why not. True when it was handed to the desktop."""
    if not url or not url.strip():
        _refuse(parent, "There is no web address to open.")
        return False
    try:
        target = safe_link(url)
    except UnsafeLink as exc:
        _refuse(parent, f"Not opened — {exc}. Winnow opens only web pages and e-mail.")
        return False
    qurl = QUrl(target, QUrl.ParsingMode.StrictMode)
    # Qt parses on its own; it must agree that this is a web or mail link and nothing more
    if (
        not qurl.isValid()
        or qurl.scheme().lower() not in ALLOWED_SCHEMES
        or qurl.userInfo()
        or (qurl.scheme().lower() != "mailto" and not qurl.host())
    ):
        _refuse(parent, f"Not opened — {target!r} is not a web address Winnow can open.")
        return False
    return _hand_to_desktop(qurl)


def _hand_to_desktop(url: QUrl) -> bool:
    return bool(QDesktopServices.openUrl(url))


def _refuse(parent: QWidget | None, message: str) -> None:
    window = parent.window() if parent is not None else None
    if isinstance(window, QMainWindow):
        window.statusBar().showMessage(message, MESSAGE_MS)
    else:
        message_box.warning(parent, "Link not opened", message)
