"""The window opens only web pages and e-mail: Open website (detail panel), triage's O and the
edit form refuse anything else with the reason — even a value an older version stored."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QUrl

from app import contacts
from app.operations import Changes
from db.engine import Database
from tests.ui.board_helpers import triage_of
from tests.ui.conftest import _shown_window
from tests.ui.desktop_helpers import UrlCatcher, browser

pytestmark = pytest.mark.gui
__all__ = ["browser"]  # fixture used by the tests below

ROOT = Path(__file__).resolve().parents[2]
LEGACY_VALUES = [
    "file:///etc/passwd",
    "file://host/share/payload.exe",
    "smb://host/share/payload.exe",
    "javascript:alert(1)",
    "/etc/passwd",
]


@pytest.fixture
def handed_over(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Everything handed to the desktop (the one call that cannot be real in a test)."""
    urls: list[str] = []

    def record(url: QUrl) -> bool:
        urls.append(url.toString())
        return True

    monkeypatch.setattr("ui.links._hand_to_desktop", record)
    return urls


@pytest.fixture
def window(qtbot: Any, db: Database) -> Iterator[Any]:
    yield from _shown_window(qtbot, db)


def _legacy_website(db: Database, cid: int, value: str) -> None:
    """Store a website as an older version could have, bypassing today's check."""
    with db.session() as s:
        contacts.set_fields_raw(s, cid, {"website": value})


def _show(window: Any, cid: int) -> Any:
    from ui.golook.panel import GoLookPanel

    window.ops.announce(Changes.of(contacts=[cid]))  # written outside the app
    window.select_contact(cid)
    assert window.detail.contact_id == cid
    panel = window.findChild(GoLookPanel)
    assert panel is not None
    return panel


def _status(window: Any) -> str:
    return str(window.statusBar().currentMessage())


@pytest.mark.parametrize("value", LEGACY_VALUES)
def test_open_website_refuses_what_an_old_database_holds(
    window: Any, qtbot: Any, handed_over: list[str], value: str
) -> None:
    cid = contacts.create_contact(window.db, name="Mal Ware", company="Evil Corp")
    _legacy_website(window.db, cid, value)
    panel = _show(window, cid)
    assert panel.open_button.isEnabled()  # the value is there; opening it is refused
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    assert handed_over == []
    assert "Not opened" in _status(window) and "only web pages" in _status(window)


def test_open_website_and_search_open_https_pages(
    window: Any, qtbot: Any, browser: UrlCatcher
) -> None:
    cid = contacts.create_contact(
        window.db, name="Anna", company="Acme Widgets", website="www.acme-widgets.example/team"
    )
    panel = _show(window, cid)
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.search_button, Qt.MouseButton.LeftButton)
    assert browser.urls[0] == "https://www.acme-widgets.example/team"
    assert browser.urls[1].startswith("https://duckduckgo.com/?q=Acme")


def _triage_on(window: Any, qtbot: Any, website: str) -> Any:
    cid = contacts.create_contact(
        window.db, name="Ada Suspect", company="Firm", at=datetime(2026, 3, 2, 9, 0)
    )
    _legacy_website(window.db, cid, website)
    window.show_view("triage")
    view = triage_of(window)
    qtbot.waitUntil(view.hasFocus, timeout=3000)
    assert view.current_id() == cid
    return view


def test_triage_o_refuses_a_file_link(window: Any, qtbot: Any, handed_over: list[str]) -> None:
    view = _triage_on(window, qtbot, "file:///etc/passwd")
    qtbot.keyClick(view.focusWidget() or view, Qt.Key.Key_O)
    assert handed_over == []
    assert "file: link" in _status(window)


def test_triage_o_refuses_a_path_it_used_to_turn_into_a_file_url(
    window: Any, qtbot: Any, handed_over: list[str]
) -> None:
    view = _triage_on(window, qtbot, "/etc/passwd")
    qtbot.keyClick(view.focusWidget() or view, Qt.Key.Key_O)
    assert handed_over == []
    assert "Not opened" in _status(window)


def test_triage_o_opens_the_website(window: Any, qtbot: Any, browser: UrlCatcher) -> None:
    view = _triage_on(window, qtbot, "acme-widgets.example")
    qtbot.keyClick(view.focusWidget() or view, Qt.Key.Key_O)
    assert browser.urls == ["https://acme-widgets.example"]


def _type(qtbot: Any, edit: Any, text: str) -> None:
    edit.setText(text)  # QTest types ASCII only; set the text as a paste would
    edit.textEdited.emit(text)


def test_the_edit_form_refuses_a_file_link_and_stores_a_bare_domain_as_https(
    window: Any, qtbot: Any
) -> None:
    cid = contacts.create_contact(window.db, name="Anna", company="Acme Widgets")
    _show(window, cid)
    detail = window.detail
    _type(qtbot, detail.inputs["website"], "file:///etc/passwd")
    qtbot.mouseClick(detail.save_button, Qt.MouseButton.LeftButton)
    assert detail.error_label.text().startswith("Website: not a web address (a file: link")
    assert contacts.get_contact(window.db, cid).website is None
    _type(qtbot, detail.inputs["website"], "acme-widgets.example")
    qtbot.mouseClick(detail.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: contacts.get_contact(window.db, cid).website == "https://acme-widgets.example",
        timeout=3000,
    )


def test_the_edit_form_asks_once_before_storing_a_doubtful_address(window: Any, qtbot: Any) -> None:
    cid = contacts.create_contact(window.db, name="Anna", company="Acme Widgets")
    _show(window, cid)
    detail = window.detail
    _type(qtbot, detail.inputs["email"], "anna@acme")
    qtbot.mouseClick(detail.save_button, Qt.MouseButton.LeftButton)
    assert "Save again to keep it anyway" in detail.error_label.text()
    assert contacts.get_contact(window.db, cid).email is None
    qtbot.mouseClick(detail.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: contacts.get_contact(window.db, cid).email == "anna@acme", timeout=3000)
    assert contacts.get_contact(window.db, cid).domain_class == "invalid"


def test_a_stored_value_the_form_would_refuse_does_not_block_other_edits(
    window: Any, qtbot: Any
) -> None:
    cid = contacts.create_contact(window.db, name="Anna", company="Acme Widgets")
    _legacy_website(window.db, cid, "file:///etc/passwd")
    _show(window, cid)
    detail = window.detail
    _type(qtbot, detail.inputs["city"], "Köln")
    qtbot.mouseClick(detail.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: contacts.get_contact(window.db, cid).city == "Köln", timeout=3000)


def test_nothing_else_in_the_window_opens_links() -> None:
    pattern = re.compile(r"openUrl|fromUserInput|setOpenExternalLinks\(\s*True")
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "ui").rglob("*.py")
        if path.name != "links.py" and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
