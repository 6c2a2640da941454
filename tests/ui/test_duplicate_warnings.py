"""Likely duplicates in the window (issue 12, item 6): the new-contact form names the contact
the typed values match — however spelled — with a link that opens it; the import's summary
lists the imported contacts that look like someone already in Winnow."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics, QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QWizard

from app import contacts
from app.duplicates import duplicates_of_batch
from app.importing.service import import_file
from db.engine import Database
from tests.app.golook.conftest import ZONE
from tests.dnsserver import LoopbackDnsServer
from tests.ui.conftest import settle
from ui.dialogs import NewContactDialog
from ui.line_breaks import BREAK, JOINER, WrappedLabel, label_text_room, plain

pytestmark = pytest.mark.gui


@pytest.fixture
def win(qtbot: Any, db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The window over a small database; imported contacts' domains are checked by the DNS
    server on loopback (the suite is offline)."""
    from ui.application import make_app
    from ui.main_window import MainWindow

    with LoopbackDnsServer(ZONE) as dns_server:
        monkeypatch.setenv("WINNOW_NAMESERVER", dns_server.address)
        make_app()
        window = MainWindow(db)
        qtbot.addWidget(window)
        window.resize(1400, 860)
        window.show()
        qtbot.waitExposed(window)
        yield window
        window.ops.wait(10000)
        qtbot.waitUntil(lambda: not window.tasks.active, timeout=30000)


def _jurgen(db: Database) -> int:
    return contacts.create_contact(
        db,
        first_name="Jürgen",
        last_name="Weißmann",
        company="Weißmann Maschinenbau GmbH",
        email="jw@weissmann-maschinenbau.de",
    )


def test_the_new_contact_form_warns_and_opens_the_existing_contact(win: Any, qtbot: Any) -> None:
    db = win.db
    jw = _jurgen(db)
    contacts.create_contact(db, first_name="Anna", last_name="Schmidt", company="Bäckerei")
    dialog = NewContactDialog(db, win)
    qtbot.addWidget(dialog)
    dialog.show()
    warning = dialog.duplicates
    dialog.inputs["first_name"].setText("Juergen")
    assert not warning.isVisible(), "not before the typing pauses"
    dialog.inputs["last_name"].setText("Weissmann")
    dialog.inputs["company"].setText("Weissmann Maschinenbau")
    qtbot.waitUntil(warning.isVisible, timeout=5000)
    assert [p.ids[0] for p in warning.pairs] == [jw]
    text = warning.text.text()
    assert "Jürgen Weißmann" in text and "same name and company" in text
    # another name: the warning goes
    dialog.inputs["first_name"].setText("Klaus")
    qtbot.waitUntil(lambda: not warning.isVisible(), timeout=5000)
    dialog.inputs["first_name"].setText("J.")  # an initial matches too
    qtbot.waitUntil(warning.isVisible, timeout=5000)
    warning.text.linkActivated.emit(f"contact:{jw}")  # the link: open it instead
    assert dialog.open_existing == jw and not dialog.isVisible()
    warning.wait()


def test_a_user_text_in_the_warning_is_not_html(win: Any, qtbot: Any) -> None:
    db = win.db
    contacts.create_contact(db, first_name="<b>Bob</b>", last_name="Smith", company="<i>X</i>")
    dialog = NewContactDialog(db, win)
    qtbot.addWidget(dialog)
    dialog.inputs["first_name"].setText("<b>Bob</b>")
    dialog.inputs["last_name"].setText("Smith")
    dialog.inputs["company"].setText("<i>X</i>")
    qtbot.waitUntil(lambda: bool(dialog.duplicates.pairs), timeout=5000)
    assert "&lt;b&gt;Bob&lt;/b&gt; Smith" in dialog.duplicates.text.text()
    dialog.duplicates.wait()


def test_new_contact_from_the_window_opens_the_existing_one(win: Any, qtbot: Any) -> None:
    db = win.db
    jw = _jurgen(db)

    def answer() -> None:
        dialog = next(
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, NewContactDialog) and w.isVisible()
        )
        dialog.inputs["email"].setText("JW@weissmann-maschinenbau.de")  # same address
        qtbot.waitUntil(lambda: bool(dialog.duplicates.pairs), timeout=5000)
        found = dialog.duplicates.pairs[0].ids[0]
        dialog.duplicates.text.linkActivated.emit(f"contact:{found}")

    QTimer.singleShot(50, answer)
    win.new_contact()  # returns when the form closes
    settle(qtbot, win)
    assert win.detail.contact_id == jw
    assert contacts.count(db, contacts.ContactQuery()) == 1, "nothing created"


def test_the_import_summary_lists_likely_duplicates(win: Any, qtbot: Any, tmp_path: Path) -> None:
    db = win.db
    jw = _jurgen(db)
    path = tmp_path / "fair.csv"
    path.write_text(
        "First name,Last name,E-mail,Company\n"
        "Juergen,Weissmann,juergen.weissmann@gmail.com,Weissmann Maschinenbau\n"
        "Françoise,Lefèvre,f.lefevre@exemple-industrie.fr,Exemple Industrie\n",
        encoding="utf-8",
    )
    wizard = win.importing.open_wizard(path)
    qtbot.waitExposed(wizard)
    qtbot.waitUntil(lambda: not wizard.loading and wizard.preview is not None, timeout=10000)
    for _page in range(3):
        button = wizard.button(
            QWizard.WizardButton.CommitButton
            if wizard.currentPage() is wizard.options_page
            else QWizard.WizardButton.NextButton
        )
        button.click()
        if wizard.currentPage() is wizard.summary_page:
            break
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.summary_page, timeout=20000)
    report = wizard.report
    assert report is not None and report.imported == 2
    # a different address: not an e-mail match, so the import itself flagged nothing
    assert report.likely_duplicates == []
    section = wizard.summary_page.duplicates
    qtbot.waitUntil(section.isVisible, timeout=10000)
    (pair,) = section.pairs
    assert pair.ids[0] == jw and pair.names == ("Jürgen Weißmann", "Juergen Weissmann")
    row = section.list.topLevelItem(0)
    assert row is not None
    assert [row.text(c) for c in (0, 1, 3)] == ["Juergen Weissmann", "Jürgen Weißmann", "85"]
    assert "same name and company" in row.text(2)
    assert section.title.text().startswith("1 likely duplicate:")
    wizard.close()


def test_duplicates_of_a_batch_name_the_contact_already_there_first(
    db: Database, tmp_path: Path
) -> None:
    jw = _jurgen(db)
    path = tmp_path / "fair.csv"
    path.write_text(
        "Name,E-mail,Company,Phone\n"
        "Juergen Weissmann,juergen@gmail.com,Weissmann Maschinenbau,\n"
        "Nobody Else,nobody@else.org,Else Ltd,\n",
        encoding="utf-8",
    )
    report = import_file(db, path, source="Fair")
    assert report.batch_id is not None
    (pair,) = duplicates_of_batch(db, report.batch_id)
    assert pair.ids[0] == jw and pair.ids[1] != jw
    assert duplicates_of_batch(db, report.batch_id + 1) == []


def _rich_lines(markup: str, font: QFont, width: int) -> list[str]:
    """The lines a rich-text label lays ``markup`` out in at ``width`` (without the marks)."""
    doc = QTextDocument()
    doc.setDefaultFont(font)
    doc.setDocumentMargin(0)
    doc.setHtml(markup)
    doc.setTextWidth(width)
    doc.size()  # laid out now
    lines = []
    block = doc.begin()
    while block.isValid():
        layout, text = block.layout(), block.text()
        for i in range(layout.lineCount()):
            line = layout.lineAt(i)
            lines.append(plain(text[line.textStart() : line.textStart() + line.textLength()]))
        block = block.next()
    return [line.strip() for line in lines]


def test_the_warning_breaks_a_hyphenated_name_where_a_space_is(win: Any, qtbot: Any) -> None:
    """ "Marie-Christine Wiśniewska-" / "Lindqvist": the warning's rich text now breaks at
    spaces, its words marked and its tags (the link's href, its colour, the bold title) as
    they were."""
    db = win.db
    cid = contacts.create_contact(
        db,
        first_name="Marie-Christine",
        last_name="Wiśniewska-Lindqvist",
        company="Acme-Tools GmbH",
        email="marie-christine@acme-tools.com",
    )
    dialog = NewContactDialog(db, win)
    qtbot.addWidget(dialog)
    dialog.show()
    warning = dialog.duplicates
    dialog.inputs["email"].setText("marie-christine@acme-tools.com")
    qtbot.waitUntil(warning.isVisible, timeout=5000)
    label = warning.text
    assert isinstance(label, WrappedLabel) and label.textFormat() == Qt.TextFormat.RichText
    font = label.font()
    name = "Marie-Christine Wiśniewska-Lindqvist"
    room = QFontMetrics(font).horizontalAdvance("Marie-Christine Wiśniewska-Li")
    assert "Marie-Christine Wiśniewska-" in _rich_lines(label.text(), font, room)  # Qt's break
    label.resize(room + label.width() - label_text_room(label), label.height())
    shown = QLabel.text(label)
    lines = _rich_lines(shown, font, room)
    assert "Marie-Christine" in lines and any(x.startswith("Wiśniewska-Lindqvist") for x in lines)
    assert not [x for x in lines if x.endswith("-")], lines
    # the markup as it was, the marks only in its words
    assert plain(shown) == label.text()
    tags = re.findall("<[^>]*>", shown)
    assert f'<a href="contact:{cid}" style="color: ' in shown and "<b>" in tags
    assert not [t for t in tags if JOINER in t or BREAK in t], tags
    assert name not in shown and plain(shown).count(name) == 1
    assert label.heightForWidth(label.width()) >= len(lines) * QFontMetrics(font).lineSpacing()
    warning.text.linkActivated.emit(f"contact:{cid}")  # the link still opens the contact
    assert dialog.open_existing == cid
    warning.wait()
