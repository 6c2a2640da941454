"""The import wizard's pages as a user meets them: a typed or pasted path is read at once
(a missing file, a folder, an unreadable file said on the spot), what the reader guessed is
shown, preview and summary count alike, and the summary lists every skipped and rejected row
for every format."""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QWidget, QWizard

from app.contacts import ContactQuery, list_rows
from tests.app.golook.conftest import ZONE
from tests.app.importing.four_formats import FORMATS, write_list
from tests.dnsserver import LoopbackDnsServer
from tests.ui.conftest import settle

pytestmark = pytest.mark.gui


@pytest.fixture
def win(window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The window; imported contacts get their domains checked by the DNS server on loopback."""
    with LoopbackDnsServer(ZONE) as dns_server:
        monkeypatch.setenv("WINNOW_NAMESERVER", dns_server.address)
        yield window
        qtbot.waitUntil(lambda: not window.tasks.active, timeout=30000)


def _sample(name: str) -> Path:
    return Path(str(resources.files("resources") / "samples" / name))


def _loaded(wizard: Any) -> bool:
    return not wizard.loading and wizard.preview is not None


def _at_options(win: Any, qtbot: Any, size: tuple[int, int]) -> Any:
    """The wizard on its options page (How to import) for the sample badges, at ``size``."""
    win.resize(*size)
    wizard = win.importing.open_wizard(_sample("hannover-messe-badges.csv"))
    qtbot.waitUntil(lambda: _loaded(wizard), timeout=10000)
    wizard.next()
    wizard.next()
    return wizard


def _import(win: Any, qtbot: Any, path: Path) -> Any:
    wizard = win.importing.open_wizard(path)
    qtbot.waitUntil(lambda: _loaded(wizard), timeout=10000)
    wizard.next()
    wizard.next()
    wizard.button(QWizard.WizardButton.CommitButton).click()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.summary_page, timeout=30000)
    settle(qtbot, win)
    return wizard


def test_a_typed_path_is_read_without_enter(win: Any, qtbot: Any) -> None:
    wizard = win.importing.open_wizard()
    edit = wizard.file_page.path_edit
    edit.setFocus()
    qtbot.keyClicks(edit, str(_sample("google-contacts.csv")))  # no Enter, focus stays
    qtbot.waitUntil(lambda: _loaded(wizard), timeout=10000)
    assert edit.hasFocus()
    assert wizard.file_page.isComplete()
    assert "CSV" in wizard.file_page.format_label.text()
    wizard.close()


def test_a_pasted_path_is_read_at_once(win: Any, qtbot: Any) -> None:
    wizard = win.importing.open_wizard()
    edit = wizard.file_page.path_edit
    edit.setFocus()
    QGuiApplication.clipboard().setText(f'"{_sample("phone-contacts.vcf")}"')  # as copied
    QTest.keySequence(edit, QKeySequence(QKeySequence.StandardKey.Paste))
    assert wizard.loading or wizard.preview is not None, "read at once, no pause to wait for"
    qtbot.waitUntil(lambda: _loaded(wizard), timeout=10000)
    assert wizard.preview.format == "vcf"
    wizard.close()


@pytest.mark.parametrize("case", ["missing", "folder", "unreadable"])
def test_a_path_that_cannot_be_read_is_said_at_once(
    win: Any, qtbot: Any, tmp_path: Path, case: str
) -> None:
    if case == "missing":
        path, expected = tmp_path / "nowhere.csv", "There is no file at"
    elif case == "folder":
        path, expected = tmp_path, "is a folder"
    else:
        if os.geteuid() == 0:
            pytest.skip("root reads every file")
        path, expected = tmp_path / "secret.csv", "permission denied"
        path.write_text("a,b\n1,2\n", encoding="utf-8")
        path.chmod(0)
    wizard = win.importing.open_wizard()
    edit = wizard.file_page.path_edit
    edit.setFocus()
    qtbot.keyClicks(edit, str(path))
    qtbot.waitUntil(lambda: expected in wizard.file_page.error.text(), timeout=5000)
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    edit.clear()
    qtbot.keyClicks(edit, str(_sample("google-contacts.csv")))  # the right one: error gone
    qtbot.waitUntil(lambda: _loaded(wizard), timeout=10000)
    assert wizard.file_page.error.text() == ""
    wizard.close()


def test_the_guessed_encoding_and_what_else_to_try_are_shown(win: Any, qtbot: Any) -> None:
    wizard = win.importing.open_wizard(_sample("hannover-messe-badges.csv"))
    qtbot.waitUntil(lambda: _loaded(wizard), timeout=10000)
    page = wizard.file_page
    assert wizard.preview.encoding_confidence != "certain"
    notes = page.notes.text()
    assert page.notes.isVisible() and "Windows-1252 (Western Europe) is a guess" in notes
    assert "Windows-1250 (Central Europe)" in notes and "Windows-1254 (Turkish)" in notes
    items = [page.encoding.itemData(i) for i in range(page.encoding.count())]
    assert set(wizard.preview.encoding_alternatives) <= set(items)
    wizard.close()


def test_preview_and_summary_count_alike(win: Any, qtbot: Any) -> None:
    wizard = win.importing.open_wizard(_sample("hannover-messe-badges.csv"))
    qtbot.waitUntil(lambda: _loaded(wizard), timeout=10000)
    wizard.next()
    title = wizard.mapping_page.preview_title.text()
    assert "1 with warnings" in title
    assert "1 repeating an earlier row's e-mail address" in title
    wizard.next()
    wizard.button(QWizard.WizardButton.CommitButton).click()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.summary_page, timeout=30000)
    counts = wizard.summary_page.counts.text()
    assert "1 row with warnings" in counts, counts
    skipped = wizard.report.skipped
    assert f"{skipped} skipped as duplicates" in counts and skipped >= 1
    kinds = [k for _r, k, _t in wizard.issue_model.items]
    assert kinds.count("Warning") == 1 and kinds.count("Skipped") == skipped
    settle(qtbot, win)
    wizard.close()


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_summary_lists_skipped_and_rejected_rows_in_every_format(
    win: Any, qtbot: Any, tmp_path: Path, fmt: str
) -> None:
    path = write_list(tmp_path, fmt)
    wizard = _import(win, qtbot, path)
    model = wizard.issue_model
    kinds = sorted(k for _r, k, _t in model.items)
    assert kinds == ["Rejected", "Skipped"], model.items
    summary = wizard.summary_page
    assert summary.issues.isVisible() and not summary.all_clear.isVisible()
    assert "1 skipped as duplicates · 1 rejected" in summary.counts.text()
    # the table as tall as its header and rows (no empty white under them); the undo button
    # at the top, beside the headline and the counts it undoes (no row of its own)
    table = summary.issues
    header = table.horizontalHeader().height()
    rows = sum(table.rowHeight(r) for r in range(model.rowCount()))
    assert abs(table.height() - (header + rows + 2 * table.frameWidth())) <= 2, table.height()
    assert table.verticalScrollBar().maximum() == 0, "every row shows"
    assert_undo_beside_the_counts(summary)
    wizard.close()

    again = _import(win, qtbot, path)  # everyone is known now: each row skipped, by name
    skipped = [(r, t) for r, k, t in again.issue_model.items if k == "Skipped"]
    assert len(skipped) == 4 and again.report.skipped == 4
    assert any("already in Winnow" in t and "Weißmann" in t for _r, t in skipped)
    assert "0 new" in again.summary_page.counts.text()
    again.close()


def test_a_long_list_of_rows_takes_the_page_and_scrolls(
    win: Any, qtbot: Any, tmp_path: Path
) -> None:
    """The summary's table is as tall as its rows only up to the page: 79 skipped rows take
    the page's height and scroll, the undo button stays on the page under them."""
    path = tmp_path / "same-address.csv"
    lines = ["First Name,Last Name,E-mail Address"]
    lines += [f"Ann{i},Lee,ann.lee@example.com" for i in range(80)]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    wizard = _import(win, qtbot, path)
    summary, table = wizard.summary_page, wizard.summary_page.issues
    assert wizard.issue_model.rowCount() == 79
    assert table.verticalScrollBar().maximum() > 0, "the rows scroll"
    assert rows_cut(table) == [], "the rows in sight are whole"
    # the table takes the page's height less what the other parts need (the counts, where
    # the new contacts are, the new contacts): no room is left over while its rows scroll
    assert table.height() > summary.height() * 0.45, "the table takes the page's height"
    parts = [w for w in summary.findChildren(QWidget) if w.parent() is summary and w.isVisible()]
    assert summary.height() - max(w.geometry().bottom() for w in parts) <= 24
    undo = summary.undo_button
    assert summary.rect().contains(QRect(undo.mapTo(summary, QPoint(0, 0)), undo.size()))
    wizard.close()


def test_the_wizard_takes_most_of_a_large_window_and_its_tables_the_height(
    win: Any, qtbot: Any
) -> None:
    win.resize(1440, 900)
    wizard = win.importing.open_wizard(_sample("hannover-messe-badges.csv"))
    qtbot.waitUntil(lambda: _loaded(wizard), timeout=10000)
    assert wizard.height() >= 800
    wizard.next()
    qtbot.wait(50)
    page = wizard.mapping_page
    tables = page.table.height() + page.preview.height()
    assert tables > page.height() * 0.7
    assert page.table.height() >= 10 * page.table.verticalHeader().defaultSectionSize()
    wizard.close()


@pytest.mark.parametrize("size", [(1024, 700), (1440, 900), (2560, 1440)], ids=str)
def test_the_options_page_shows_the_rows_whole_with_no_empty_band(
    win: Any, qtbot: Any, size: tuple[int, int]
) -> None:
    """How to import: at 2560×1440 two fifths of the page were empty under 'What will be
    imported'; then the first rows filled the page's spare height and scrolled, the last one
    in sight cut (1440×900: rows wrap to ~66 px). Now the page scrolls as a whole: the card
    shows every row the preview read, each whole, and reaches the page's bottom or goes on
    below it (no band of empty page); nothing scrolls sideways."""
    wizard = _at_options(win, qtbot, size)
    page = wizard.options_page
    assert wizard.currentPage() is page
    settle(qtbot, win)
    card, table, area = page.review, page.rows_table, page.scroll_area
    assert table.isVisible()
    assert table.model() is wizard.preview_model and table.model().rowCount() == 16
    assert not table.horizontalScrollBar().isVisible()
    assert not table.verticalScrollBar().isVisible()
    assert rows_cut(table) == []
    last = table.visualRect(table.model().index(15, 0))
    assert last.bottom() < table.viewport().height(), "the last row inside the table"
    assert max(table.rowHeight(r) for r in range(16)) > 2 * table.fontMetrics().lineSpacing()
    bottom = table.mapTo(card, QPoint(0, table.height())).y()
    assert bottom <= card.contentsRect().bottom() + 1
    # the card reaches the bottom of the page's view, or the page scrolls on below it
    card_bottom = card.mapTo(area.viewport(), QPoint(0, card.height())).y()
    below = area.viewport().height() - card_bottom
    assert below <= 16, f"{below} px of empty page under the card"
    if area.verticalScrollBar().maximum() > 0:  # scrolled to its end: the last row in sight
        area.verticalScrollBar().setValue(area.verticalScrollBar().maximum())
        settle(qtbot, win)
        end = table.mapTo(area.viewport(), QPoint(0, last.bottom())).y()
        assert 0 <= end < area.viewport().height()
    assert not area.horizontalScrollBar().isVisible()
    for lbl in (page.review_file, page.review_fields, page.review_rows):
        assert lbl.height() >= lbl.heightForWidth(lbl.width()), lbl.text()  # whole
    wizard.close()


@pytest.mark.parametrize("size", [(1024, 700), (2560, 1440)], ids=str)
def test_the_summary_says_where_the_new_contacts_went(
    win: Any, qtbot: Any, size: tuple[int, int]
) -> None:
    """After an import the summary shows the new contacts by stage, by kind of address and
    by source (the page was empty under 'Undo this import'), every name and count whole."""
    win.resize(*size)
    wizard = _import(win, qtbot, _sample("hannover-messe-badges.csv"))
    outcome = wizard.summary_page.outcome
    qtbot.waitUntil(outcome.isVisible, timeout=10000)
    report = wizard.report
    assert report.imported == 15
    assert outcome.stages.texts() == [("Suspect", "15")]
    kinds = dict(outcome.kinds.texts())
    assert sum(int(n) for n in kinds.values()) == 15 and kinds["Branded"] == "12"
    assert len(outcome.sources.texts()) == 1
    assert "15 NEW CONTACTS" in outcome.title.text()
    page = wizard.summary_page
    for part in (outcome.stages, outcome.kinds, outcome.sources):
        for lbl in part.findChildren(QLabel):
            if lbl.text():
                assert lbl.width() >= lbl.sizeHint().width(), lbl.text()  # nothing cut
        right = part.mapTo(page, QPoint(part.width(), 0)).x()
        assert right <= page.width(), part.objectName()
    # above the rows not simply imported (the undo button above it, beside the counts)
    assert outcome.geometry().bottom() < page.issues.mapTo(page, QPoint(0, 0)).y()
    # the rows not simply imported keep their room; the new contacts take what is left
    assert page.issues.verticalScrollBar().maximum() == 0, "every row not imported shows"
    new = outcome.new_contacts
    assert new.isVisible() and new.tree.topLevelItemCount() == 15
    scores = [int(new.tree.topLevelItem(i).text(4)) for i in range(15)]  # type: ignore[union-attr]
    assert scores == sorted(scores, reverse=True), "best score first"
    undo = page.undo_button
    assert new.geometry().top() > undo.mapTo(page, QPoint(0, undo.height())).y()
    assert new.mapTo(page, QPoint(0, new.height())).y() <= page.height()
    if size[1] >= 1440:  # room for all: as tall as its rows, no empty white under them
        assert new.tree.verticalScrollBar().maximum() == 0
        rows = sum(
            new.tree.visualItemRect(new.tree.topLevelItem(i)).height()  # type: ignore[arg-type]
            for i in range(15)
        )
        assert new.tree.viewport().height() - rows < new.tree.row_height()
    # a double-click shows the contact in the window
    first = new.tree.topLevelItem(0)
    assert first is not None
    chosen = int(first.data(0, Qt.ItemDataRole.UserRole + 1))
    new.tree.itemDoubleClicked.emit(first, 0)
    qtbot.waitUntil(lambda: win.detail.view is not None and win.detail.view.id == chosen)
    assert win.current_view_key() == "list" and win.detail.isVisible()
    wizard.close()


def test_the_summary_shows_all_the_new_contacts_in_the_list(win: Any, qtbot: Any) -> None:
    """The summary's "Show these contacts": the window's list filtered to the import (a
    sidebar entry "From import N"), every new contact and no other."""
    _import(win, qtbot, _sample("google-contacts.csv")).close()  # others in the list
    wizard = _import(win, qtbot, _sample("hannover-messe-badges.csv"))
    new, count = wizard.summary_page.outcome.new_contacts, wizard.report.imported
    assert count > 0
    qtbot.waitUntil(lambda: new.tree.topLevelItemCount() == count, timeout=10000)
    batch = wizard.report.batch_id
    assert new.show_all_button.isVisible()
    new.show_all_button.click()
    flt = win.sidebar.current_filter()
    assert flt is not None and (flt.kind, flt.value) == ("batch", str(batch))
    assert win.sidebar.currentItem().text(0) == f"From import {batch}"
    assert win.current_view_key() == "list"
    qtbot.waitUntil(lambda: win.model.rowCount() == count, timeout=10000)
    win.tasks.wait(10000)
    assert len(list_rows(win.db, ContactQuery(), 10000)) > count  # others left out
    shown = {win.model.contact_row(r).id for r in range(win.model.rowCount())}
    listed = {
        int(new.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole + 1))  # type: ignore[union-attr]
        for i in range(count)
    }
    assert shown == listed
    wizard.close()


def assert_undo_beside_the_counts(summary: Any) -> None:
    """The undo button on the page, right of the headline and level with it and the counts
    (above the card of where the new contacts went): in sight without scrolling, on no row
    of its own."""
    undo = summary.undo_button
    assert undo.isVisible() and undo.isEnabled()
    place = QRect(undo.mapTo(summary, QPoint(0, 0)), undo.size())
    assert summary.rect().contains(place)
    head = summary.headline
    head_top = head.mapTo(summary, QPoint(0, 0)).y()
    counts = summary.counts
    counts_bottom = counts.mapTo(summary, QPoint(0, counts.height())).y()
    assert place.left() >= head.mapTo(summary, QPoint(head.width(), 0)).x()
    assert place.top() < counts_bottom and place.bottom() >= head_top
    outcome_top = summary.outcome.mapTo(summary, QPoint(0, 0)).y()
    assert place.bottom() < outcome_top or not summary.outcome.isVisible()


def whole_rows_in_sight(tree: Any) -> int:
    """How many of ``tree``'s rows its viewport shows whole."""
    port = tree.viewport().rect()
    shown = 0
    for i in range(tree.topLevelItemCount()):
        if port.contains(tree.visualItemRect(tree.topLevelItem(i))):
            shown += 1
    return shown


# the new contacts' rows in sight after importing the badge list (15 contacts), by window
NEW_ROWS_SHOWN = {(1024, 700): 6, (1440, 900): 12, (2560, 1440): 15}


def _badges_summary(win: Any, qtbot: Any, size: tuple[int, int]) -> Any:
    """The wizard on its summary of the sample badge list imported in a window of ``size``,
    the 15 new contacts listed and the window settled."""
    win.resize(*size)
    wizard = _import(win, qtbot, _sample("hannover-messe-badges.csv"))
    new = wizard.summary_page.outcome.new_contacts
    qtbot.waitUntil(lambda: new.isVisible() and new.tree.topLevelItemCount() == 15, timeout=10000)
    settle(qtbot, win)
    return wizard


@pytest.mark.parametrize("size", list(NEW_ROWS_SHOWN), ids=str)
def test_the_summary_shows_the_new_contacts_and_the_undo_at_once(
    win: Any, qtbot: Any, size: tuple[int, int]
) -> None:
    """A user who has just imported a trade-show list sees what came in: at 1024×700 the
    summary showed two rows of the new contacts (the undo button on a row of its own, the
    counts by stage, kind of address and source as tall as their longest list). Now the
    undo sits beside the counts and the card keeps to a line per count, so the new contacts
    show six rows whole at 1024×700 (twelve at 1440×900, all fifteen at 2560×1440) with the
    undo in sight; nothing scrolls sideways, nothing is cut."""
    wizard = _badges_summary(win, qtbot, size)
    page = wizard.summary_page
    new = page.outcome.new_contacts
    tree = new.tree
    assert whole_rows_in_sight(tree) >= NEW_ROWS_SHOWN[size], tree.viewport().height()
    bottom = tree.mapTo(page, QPoint(0, tree.height())).y()
    assert bottom <= page.height(), "the list ends on the page"
    assert_undo_beside_the_counts(page)
    assert page.issues.isVisible() and page.issues.verticalScrollBar().maximum() == 0
    for view in (tree, page.issues):
        assert not view.horizontalScrollBar().isVisible(), view.objectName()
    # the counts whole, each on the page (a line each, wrapping where narrow)
    outcome = page.outcome
    for part in (outcome.stages, outcome.kinds, outcome.sources):
        assert part.title.width() >= part.title.sizeHint().width(), part.title.text()
        for lbl in part.findChildren(QLabel):
            if lbl.text():
                assert lbl.width() >= lbl.sizeHint().width(), lbl.text()
                right = lbl.mapTo(outcome, QPoint(lbl.width(), lbl.height())).x()
                assert right <= outcome.contentsRect().right() + 1, lbl.text()
    assert outcome.hasHeightForWidth()  # its lines wrap where narrow: as tall as they need
    assert outcome.height() >= outcome.heightForWidth(outcome.width())
    for lbl in (page.headline, page.counts):
        assert lbl.height() >= lbl.heightForWidth(lbl.width()), lbl.text()
    wizard.close()


def test_a_summary_too_long_for_the_page_scrolls_as_a_whole(
    win: Any, qtbot: Any, tmp_path: Path
) -> None:
    """At 1024×700 a list with warnings and likely duplicates of known contacts needs more
    height than the page has: the card of counts was cut through its last line and one new
    contact showed. Now the page scrolls: every part whole, the undo in sight at the top,
    at the end the new contacts' rows whole."""
    _import(win, qtbot, _sample("hannover-messe-badges.csv")).close()  # the known contacts
    path = tmp_path / "respelled.csv"
    lines = ["First name,Last name,E-mail,Company,Source"]
    lines += [
        "Juergen,Weissmann,juergen.weissmann@gmail.com,Weissmann Maschinenbau,SPS 2026",
        "Sabine,Krueger,sabine.krueger@web.de,Krueger Lebensmitteltechnik,Webinar",
        "Thomas,Mueller,t.mueller@gmx.de,Mueller Anlagenbau,Webinar",
    ]
    lines += [f"Ann{i},Lee{i},ann{i}@firm{i % 7}.de,Firm {i % 7} GmbH,SPS 2026" for i in range(20)]
    lines += [f"Bad{i},Mail{i},bad{i}@nodot,Badmail {i},Referral" for i in range(5)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    win.resize(1024, 700)
    wizard = _import(win, qtbot, path)
    page = wizard.summary_page
    new = page.outcome.new_contacts
    qtbot.waitUntil(
        lambda: new.isVisible() and page.duplicates.isVisible() and page.outcome.isVisible(),
        timeout=10000,
    )
    settle(qtbot, win)
    qtbot.wait(50)
    area = page.scroll_area
    bar = area.verticalScrollBar()
    assert bar.maximum() > 0, "the page scrolls"
    assert bar.value() == 0 and not area.horizontalScrollBar().isVisible()
    assert_undo_beside_the_counts(page)
    undo = page.undo_button
    top = undo.mapTo(area.viewport(), QPoint(0, 0)).y()
    assert top >= 0 and top + undo.height() <= area.viewport().height(), "the undo in sight"
    outcome = page.outcome
    assert outcome.height() >= outcome.heightForWidth(outcome.width()), "the card whole"
    assert rows_cut(page.issues) == []
    bar.setValue(bar.maximum())
    settle(qtbot, win)
    tree = new.tree
    bottom = tree.mapTo(area.viewport(), QPoint(0, tree.height())).y()
    assert bottom <= area.viewport().height(), "the list's end in sight"
    assert whole_rows_in_sight(tree) >= 3
    assert not tree.horizontalScrollBar().isVisible()
    wizard.close()


def rows_cut(view: Any) -> list[str]:
    """Rows in sight of ``view`` whose bottom is cut off by its frame."""
    port = view.viewport().rect()
    model = view.model()
    cut = []
    for row in range(model.rowCount()):
        rect = view.visualRect(model.index(row, 0))
        if rect.intersects(port) and rect.bottom() > port.bottom():
            cut.append(f"row {row}: {port.bottom() - rect.top() + 1} of {rect.height()} px shown")
    return cut


@pytest.mark.parametrize("size", [(1024, 700), (1440, 900), (2560, 1440)], ids=str)
def test_the_summary_lists_show_whole_rows(win: Any, qtbot: Any, size: tuple[int, int]) -> None:
    """Where the page gives a list less height than its rows, the list ends at a row's end:
    at 1024×700 the new contacts showed two rows and the top half of a third (1440×900: eight
    and a half). Scrolled a row down, the rows in sight are whole too."""
    wizard = _badges_summary(win, qtbot, size)
    page = wizard.summary_page
    new = page.outcome.new_contacts
    for view in (new.tree, page.issues):
        assert view.isVisible()
        assert rows_cut(view) == [], view.objectName()
        view.verticalScrollBar().setValue(1)
        settle(qtbot, win)
        assert rows_cut(view) == [], f"{view.objectName()} scrolled"
        view.verticalScrollBar().setValue(0)
    if size[0] == 1024:  # short of room: the list scrolls, and shows whole rows
        assert new.tree.verticalScrollBar().maximum() > 0
    wizard.close()


@pytest.mark.parametrize("size", [(1024, 700), (2560, 1440)], ids=str)
def test_the_mapping_columns_share_a_wide_table(
    win: Any, qtbot: Any, size: tuple[int, int]
) -> None:
    """Match the columns: the first values stretched over all the spare width (~730 px for
    "Herr" beside a 300 px drop-down at 2560×1440). Now each column is as wide as what it holds
    and gets an even share of the rest (ui.column_share, as the dashboard's source table): the
    columns fill the table, the drop-downs at least their 300 px, every first value whole
    where there is room, and the first values never more than their need plus one share."""
    win.resize(*size)
    wizard = win.importing.open_wizard(_sample("hannover-messe-badges.csv"))
    qtbot.waitUntil(lambda: _loaded(wizard), timeout=10000)
    wizard.next()
    qtbot.wait(50)
    page = wizard.mapping_page
    table, header = page.table, page.table.horizontalHeader()
    widths = [table.columnWidth(c) for c in range(3)]
    room = table.viewport().width()
    assert sum(widths) == room, (widths, room)
    needs = [max(header.sectionSizeHint(c), table.sizeHintForColumn(c)) for c in (0, 1)]
    needs.append(page.FIELD_WIDTH)
    share = max(0, room - sum(needs)) // 3
    assert widths[2] >= page.FIELD_WIDTH
    assert widths[0] >= needs[0]
    assert widths[1] <= needs[1] + share + 3, (widths, needs, room)
    if room >= sum(needs):
        assert widths[1] >= needs[1]
    wizard.close()


def text_top(widget: QWidget, page: QWidget) -> int:
    """Where the first line of a label's or an option's text starts, in page coordinates."""
    from PySide6.QtWidgets import QAbstractButton, QCheckBox, QStyle, QStyleOptionButton

    fm = widget.fontMetrics()
    if isinstance(widget, QAbstractButton):  # the text centred in the option's contents
        option = QStyleOptionButton()
        option.initFrom(widget)
        kind = (
            QStyle.SubElement.SE_CheckBoxContents
            if isinstance(widget, QCheckBox)
            else QStyle.SubElement.SE_RadioButtonContents
        )
        box = widget.style().subElementRect(kind, option, widget)
        top = box.top() + (box.height() - fm.height()) // 2
    else:
        assert isinstance(widget, QLabel)
        box = widget.contentsRect()
        lines = widget.heightForWidth(box.width()) if widget.wordWrap() else fm.height()
        lines = max(lines, fm.height()) - widget.margin() * 2
        align = widget.alignment()
        if align & Qt.AlignmentFlag.AlignTop:
            top = box.top() + widget.margin()
        elif align & Qt.AlignmentFlag.AlignBottom:
            top = box.bottom() + 1 - widget.margin() - lines
        else:
            top = box.top() + (box.height() - lines) // 2
    return widget.mapTo(page, QPoint(0, top)).y()


@pytest.mark.parametrize("size", [(1024, 700), (1440, 900)], ids=str)
def test_the_policy_label_reads_on_its_first_option_line(
    win: Any, qtbot: Any, size: tuple[int, int]
) -> None:
    """How to import: "Contacts whose e-mail is already known" sat ~4 px below "Skip them",
    the first of its options (ui.form_options.options_label): now on one line with it."""
    from PySide6.QtWidgets import QFormLayout

    wizard = _at_options(win, qtbot, size)
    page = wizard.options_page
    qtbot.wait(50)
    first = page.policy.buttons()[0]
    form = page.form
    assert isinstance(form, QFormLayout)
    item = form.itemAt(0, QFormLayout.ItemRole.LabelRole)
    assert item is not None
    known = item.widget()
    assert isinstance(known, QLabel) and known.text().startswith("Contacts whose")
    assert abs(text_top(known, page) - text_top(first, page)) <= 1, (
        text_top(known, page),
        text_top(first, page),
    )
    wizard.close()
