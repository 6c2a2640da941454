"""What a new user does on the first day, end to end in the real window over a real database
file: import the trade-show badge list through the wizard, import it again by mistake, triage
the batch from the keyboard, and look at what go-look found out about the new names.

DNS is a real server on loopback (``tests/dnsserver.py``); ``WINNOW_NAMESERVER`` points Winnow
at it before the window opens, so no test ever asks the real DNS.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton, QWizard
from sqlalchemy import select

from app import contacts, moves
from app.contacts import ContactQuery
from db.engine import Database
from db.models import DomainCheck
from tests.dnsserver import Entry, LoopbackDnsServer
from tests.ui.board_helpers import triage_of
from tests.ui.conftest import _shown_window, settle

pytestmark = pytest.mark.gui

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "samples" / "hannover-messe-badges.csv"

ZONE: dict[str, Entry] = {
    # two of the badge list's companies, so the triage card can say where their mail goes
    "weissmann-maschinenbau.de": Entry(
        mx=[(10, "weissmannmaschinenbau-de.mail.protection.outlook.com")]
    ),
    "lefevre-fils.fr": Entry(mx=[(10, "mx1.ovh.net")]),
    # the go-look file
    "kessler-pumpen.example": Entry(
        mx=[(10, "kessler-pumpen-example.mail.protection.outlook.com")]
    ),
    "nullmx-werk.example": Entry(mx=[(0, ".")]),
    "gmail.com": Entry(mx=[(5, "gmail-smtp-in.l.google.com")]),
    # everything else, e.g. gibt-es-nicht.example: NXDOMAIN
}

GOLOOK_CSV = (
    "Name,E-Mail,Firma\r\n"
    "Mia Keßler,mia.kessler@kessler-pumpen.example,Keßler Pumpen GmbH\r\n"
    "Tom Brandt,tom.brandt@nullmx-werk.example,Brandt Werk\r\n"
    "Eva Roth,eva@gibt-es-nicht.example,Roth Consulting\r\n"
    "Ole Hansen,ole.hansen77@gmail.com,\r\n"
)

LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def dns_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackDnsServer]:
    server = LoopbackDnsServer(ZONE).start()
    monkeypatch.setenv("WINNOW_NAMESERVER", server.address)
    yield server
    server.stop()


@pytest.fixture
def window(qtbot: Any, db: Database, dns_server: LoopbackDnsServer) -> Iterator[Any]:
    """The real main window, offscreen, over an empty database (a new user's first start)."""
    shown = _shown_window(qtbot, db)
    win = next(shown)
    win.activateWindow()
    qtbot.waitUntil(lambda: not win.tasks.active, timeout=10000)
    yield win
    next(shown, None)  # its writer and workers drained
    wizard = win.importing.wizard
    if wizard is not None:
        wizard.close()


def _activate(window: Any, qtbot: Any) -> None:
    """The main window is active again (a window manager does this when a dialog closes)."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)


def _click(qtbot: Any, wizard: Any, which: QWizard.WizardButton) -> None:
    button = wizard.button(which)
    assert button.isVisible() and button.isEnabled(), which
    qtbot.mouseClick(button, LEFT)


def _import(window: Any, qtbot: Any, path: Path) -> Any:
    """File ▸ Import… (Ctrl+I), Choose file…, then Next, Next, Import with every default; waits
    for the summary page and for the background work the import started."""
    _activate(window, qtbot)
    QTest.keyClick(window, Qt.Key.Key_I, CTRL)
    wizard = window.importing.wizard
    assert wizard is not None and wizard.isVisible()
    qtbot.waitExposed(wizard)
    wizard.ask_open_path = lambda _start: str(path)  # the file dialog: the user picks the file
    qtbot.mouseClick(wizard.file_page.findChild(QPushButton, "chooseFile"), LEFT)
    qtbot.waitUntil(lambda: wizard.file_page.isComplete(), timeout=10000)
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert wizard.currentPage() is wizard.mapping_page
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert wizard.currentPage() is wizard.options_page
    _click(qtbot, wizard, QWizard.WizardButton.CommitButton)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.summary_page, timeout=10000)
    qtbot.waitUntil(lambda: not window.tasks.active, timeout=10000)
    settle(qtbot, window)
    return wizard


def _finish(qtbot: Any, wizard: Any) -> None:
    _click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    assert not wizard.isVisible()


def _stage(db: Database, cid: int) -> str:
    return contacts.get_contact(db, cid).stage_key


def _key(
    view: Any, key: Qt.Key, mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    """A key where the focus is; the decision (or undo) it asked for has committed after."""
    QTest.keyClick(view.focusWidget() or view, key, mods)
    deadline = time.monotonic() + 10
    while view.api.ops.busy and time.monotonic() < deadline:
        QTest.qWait(5)
    QTest.qWait(1)


def test_import_the_badge_list_twice_then_triage_it_from_the_keyboard(
    window: Any, qtbot: Any
) -> None:
    db = window.db
    wizard = _import(window, qtbot, SAMPLE)
    summary = wizard.summary_page
    assert summary.headline.text() == "15 new contacts from hannover-messe-badges.csv."
    assert "1 skipped as duplicates" in summary.counts.text()  # Jürgen's second visit
    batch = wizard.report.batch_id
    _finish(qtbot, wizard)

    rows = contacts.list_rows(db, ContactQuery(batch_id=batch))
    names = {r.name for r in rows}
    assert len(rows) == 15
    for exact in (
        "Jürgen Weißmann",
        "Françoise Lefèvre",
        "José Núñez García",
        "Lars Jørgensen",
        "Émilie Rousseau",
        "Ingrid Löwe",
    ):
        assert exact in names, exact
    assert {r.stage_key for r in rows} == {"suspect"}
    assert window.model.total == 15, "the list shows the new contacts"

    again = _import(window, qtbot, SAMPLE)
    assert again is not wizard
    assert again.summary_page.headline.text() == "0 new contacts from hannover-messe-badges.csv."
    assert "16 skipped as duplicates" in again.summary_page.counts.text()
    assert not again.summary_page.undo_button.isEnabled()
    _finish(qtbot, again)
    assert contacts.count(db, ContactQuery()) == 15

    _activate(window, qtbot)
    QTest.keyClick(window, Qt.Key.Key_T, CTRL)  # View ▸ Triage
    triage = triage_of(window)
    assert window.current_view_key() == "triage"
    combo = triage.queue_combo
    index = combo.findData(f"batch:{batch}")
    assert index > 0 and "(15 of 15 to triage)" in combo.itemText(index)
    batches = [d for i in range(combo.count()) if str(d := combo.itemData(i)).startswith("batch")]
    assert batches == [f"batch:{batch}"], "the second, empty import is no queue"
    combo.setCurrentIndex(index)  # what picking the entry in the drop-down does
    combo.activated.emit(index)
    qtbot.waitUntil(triage.hasFocus, timeout=3000)
    first, second, third = triage.ids[:3]
    assert triage.card.name.text() == "Jürgen Weißmann"
    assert triage.progress_label.text() == "1 of 15"
    assert "mail on Microsoft 365" in triage.card.verdict.text()

    _key(triage, Qt.Key.Key_3)
    assert triage.card.name.text() == "Françoise Lefèvre"
    _key(triage, Qt.Key.Key_D)  # the reason bar opens in the view …
    _key(triage, Qt.Key.Key_1)  # … and a digit disqualifies at once with that reason
    assert triage.card.name.text() == "José Núñez García"
    _key(triage, Qt.Key.Key_N)
    assert triage.card.name.text() == "Sabine Krüger"
    assert triage.progress_label.text().startswith("4 of 15")

    assert [_stage(db, c) for c in (first, second, third)] == ["mql", "disqualified", "nurture"]
    last = [moves.history(db, c)[-1] for c in (first, second, third)]
    assert [(h.from_key, h.to_key) for h in last] == [
        ("suspect", "mql"),
        ("suspect", "disqualified"),
        ("suspect", "nurture"),
    ]
    assert last[1].reason == "No budget"
    assert all(contacts.get_contact(db, c).triaged_at is not None for c in (first, second, third))

    _key(triage, Qt.Key.Key_Z, CTRL)  # Ctrl+Z: José is back, waiting for a decision
    assert _stage(db, third) == "suspect"
    assert contacts.get_contact(db, third).triaged_at is None
    assert moves.history(db, third)[-1].undone_at is not None
    assert triage.card.name.text() == "José Núñez García"
    assert [_stage(db, c) for c in (first, second)] == ["mql", "disqualified"]
    triage.fill_queues()
    assert "(13 of 15 to triage)" in combo.itemText(combo.findData(f"batch:{batch}"))


def _show_in_detail(window: Any, qtbot: Any, cid: int) -> Any:
    """Click the contact's row in the list; the detail panel's go-look section shows it."""
    view = window.list_view
    row = window.model.row_for_id(cid)
    assert row is not None, "the imported contact is in the list"
    index = window.model.index(row, 0)
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), LEFT, pos=view.visualRect(index).center())
    qtbot.waitUntil(lambda: window.detail.contact_id == cid, timeout=3000)
    panel = window.golook.panel
    # shown with the contact's evidence, read off the GUI thread (later on a busy machine)
    qtbot.waitUntil(lambda: panel.isVisibleTo(window), timeout=5000)
    return panel


def test_go_look_checks_the_imported_domains_in_the_background(
    window: Any, qtbot: Any, tmp_path: Path, dns_server: LoopbackDnsServer
) -> None:
    db = window.db
    path = tmp_path / "anfragen-april.csv"
    path.write_text(GOLOOK_CSV, encoding="utf-8")
    messages: list[str] = []
    window.statusBar().messageChanged.connect(messages.append)

    wizard = _import(window, qtbot, path)
    assert wizard.report is not None and wizard.report.imported == 4
    _finish(qtbot, wizard)
    assert any(m.startswith("Checked 4 domain(s)") for m in messages), messages
    assert dns_server.query_count() > 0, "the loopback server was asked"

    with db.session() as s:
        found = list(s.scalars(select(DomainCheck)))
    assert {c.domain: c.dns_status for c in found} == {
        "kessler-pumpen.example": "ok",
        "nullmx-werk.example": "null_mx",
        "gibt-es-nicht.example": "nxdomain",
        "gmail.com": "ok",
    }
    hosts = {c.domain: c.mail_host for c in found if c.dns_status == "ok"}
    assert hosts == {"kessler-pumpen.example": "microsoft", "gmail.com": "google"}

    ids = {
        r.name: r.id for r in contacts.list_rows(db, ContactQuery(batch_id=wizard.report.batch_id))
    }
    assert set(ids) == {"Mia Keßler", "Tom Brandt", "Eva Roth", "Ole Hansen"}

    panel = _show_in_detail(window, qtbot, ids["Mia Keßler"])
    assert panel.verdict.text().startswith(
        "Branded · kessler-pumpen.example · mail on Microsoft 365"
    )
    assert panel.fields["mail"].text() == "mail on Microsoft 365"
    assert panel.fields["mx"].text() == "kessler-pumpen-example.mail.protection.outlook.com"

    panel = _show_in_detail(window, qtbot, ids["Tom Brandt"])
    assert "domain accepts no mail (null MX)" in panel.verdict.text()

    panel = _show_in_detail(window, qtbot, ids["Eva Roth"])
    assert "domain does not exist" in panel.verdict.text()

    panel = _show_in_detail(window, qtbot, ids["Ole Hansen"])
    assert panel.verdict.text().startswith("Free-mail")
    assert panel.fields["class"].text().startswith("Free-mail")
    assert panel.fields["mail"].text() == "mail on Google Workspace"
