"""The main window as a user drives it: filter, search, select, edit, move, undo."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app import contacts, moves
from app.contacts import ContactQuery
from tests.ui.conftest import settle
from tests.ui.gate_helpers import qualify
from ui.contact_table import COLUMNS
from ui.sidebar import SidebarFilter

pytestmark = pytest.mark.gui


def test_window_opens_on_the_list_with_counts(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert window.model.rowCount() > 0
    qtbot.waitUntil(lambda: window.sidebar.all_item.text(1) == "300", timeout=5000)
    assert "300 contacts" in window.count_label.text()
    stage_names = [
        window.sidebar.section("Stages").child(i).text(0)
        for i in range(window.sidebar.section("Stages").childCount())
    ]
    assert stage_names[:3] == ["Suspect", "Inquiry", "Marketing qualified"]


def test_sidebar_click_filters_the_list(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.sidebar.select_filter(SidebarFilter("stage", "customer"))
    expected = contacts.count(window.db, ContactQuery(stage_keys=("customer",)))
    assert window.model.total == expected
    stage_col = [c[0] for c in COLUMNS].index("stage")
    assert {
        window.model.data(window.model.index(r, stage_col)) for r in range(window.model.rowCount())
    } == {"Customer"}
    window.sidebar.select_filter(SidebarFilter("all"))
    assert window.model.total == 300


def test_search_filters_as_you_type(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    target = next(
        r
        for r in contacts.list_rows(window.db, ContactQuery())
        if r.company and r.company.isascii()
    )
    assert target.company is not None
    qtbot.keyClicks(window.search, target.company.split()[0])
    qtbot.waitUntil(lambda: window.model.total < 300, timeout=3000)
    shown = {window.model.contact_id(r) for r in range(window.model.rowCount())}
    assert target.id in shown


def test_selecting_a_row_shows_the_contact(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.list_view.selectRow(0)
    cid = window.model.contact_id(0)
    detail = contacts.get_contact(window.db, cid)
    assert window.detail.name_label.text() == detail.name
    assert window.detail.inputs["email"].text() == (detail.email or "")
    assert window.detail.history_list.topLevelItemCount() == len(moves.history(window.db, cid))


def test_edit_with_validation_and_undo(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.list_view.selectRow(0)
    cid = window.model.contact_id(0)
    before = contacts.get_contact(window.db, cid)
    email = window.detail.inputs["email"]
    email.clear()
    qtbot.keyClicks(email, "not an address")
    qtbot.mouseClick(window.detail.save_button, Qt.MouseButton.LeftButton)
    assert window.detail.error_label.isVisible() or not window.detail.error_label.isHidden()
    assert "E-mail" in window.detail.error_label.text()
    settle(qtbot, window)
    assert contacts.get_contact(window.db, cid).email == before.email
    email.clear()
    qtbot.keyClicks(email, "new.address@example.org")
    city = window.detail.inputs["city"]
    city.setText("Göteborg")  # QTest types ASCII only; non-ASCII text goes in as a paste would
    city.textEdited.emit("Göteborg")
    qtbot.keyClick(city, Qt.Key.Key_Return)
    settle(qtbot, window)
    after = contacts.get_contact(window.db, cid)
    assert (after.email, after.city) == ("new.address@example.org", "Göteborg")
    assert window.undo_action.text().startswith("&Undo edit of")
    assert not window.detail.save_button.isEnabled()
    window.undo()
    settle(qtbot, window)
    restored = contacts.get_contact(window.db, cid)
    assert (restored.email, restored.city) == (before.email, before.city)
    assert window.detail.inputs["city"].text() == (before.city or "")  # the panel followed


def test_move_from_the_context_path_records_history_and_undoes(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    suspects = contacts.query_ids(window.db, ContactQuery(stage_keys=("suspect",)), 0, 3)
    qualify(window.db, suspects)  # the gates let them through
    assert window.move_contacts(suspects, "opportunity")
    settle(qtbot, window)
    assert "move of 3 contacts to Opportunity" in window.undo_action.text()
    assert all(contacts.get_contact(window.db, c).stage_key == "opportunity" for c in suspects)
    window.undo()
    settle(qtbot, window)
    for c in suspects:
        assert contacts.get_contact(window.db, c).stage_key == "suspect"
        assert moves.history(window.db, c)[-1].undone_at is not None
    window.redo()
    settle(qtbot, window)
    assert all(contacts.get_contact(window.db, c).stage_key == "opportunity" for c in suspects)


def test_stage_combo_in_the_detail_panel_moves(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.list_view.selectRow(1)
    cid = window.model.contact_id(1)
    qualify(window.db, [cid])  # the gates let it through
    combo = window.detail.stage_combo
    index = combo.findData("mql")
    if contacts.get_contact(window.db, cid).stage_key == "mql":
        index = combo.findData("sql")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    target = combo.itemData(index)
    settle(qtbot, window)
    assert contacts.get_contact(window.db, cid).stage_key == target
    assert combo.currentData() == target
    assert window.detail.history_list.topLevelItem(0).text(1).endswith(combo.currentText())


def test_drop_on_a_sidebar_stage_moves(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    ids = contacts.query_ids(window.db, ContactQuery(stage_keys=("inquiry",)), 0, 2)
    qualify(window.db, ids)  # the gates let them through
    window.sidebar.contacts_dropped.emit(ids, "customer")
    settle(qtbot, window)
    assert all(contacts.get_contact(window.db, c).stage_key == "customer" for c in ids)


def test_html_in_a_name_is_shown_as_plain_text(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    cid = contacts.create_contact(window.db, first_name="<b>Bob</b>", last_name="<i>Smith</i>")
    window.select_contact(cid)
    label: QLabel = window.detail.name_label
    assert label.text() == "<b>Bob</b> <i>Smith</i>"
    assert label.textFormat() == Qt.TextFormat.PlainText


def test_log_a_note_from_the_detail_panel(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.activities import list_activities

    window.list_view.selectRow(0)
    cid = window.model.contact_id(0)
    before = len(list_activities(window.db, cid))
    box = window.detail.activities
    qtbot.keyClicks(box.activity_note, "Called back, wants a quote")
    qtbot.keyClick(box.activity_note, Qt.Key.Key_Return)
    settle(qtbot, window)
    last = list_activities(window.db, cid)[-1]
    assert (last.type, last.note) == ("note", "Called back, wants a quote")
    assert box.activity_list.topLevelItem(0).text(2) == "Called back, wants a quote"
    assert box.activity_note.text() == ""
    assert window.undo_action.text().startswith("&Undo note logged for")
    window.undo()  # one step
    settle(qtbot, window)
    assert len(list_activities(window.db, cid)) == before
    assert box.activity_list.topLevelItemCount() == before


def test_remove_an_activity_from_the_detail_panel(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.activities import list_activities, log_activity

    window.list_view.selectRow(2)
    cid = window.model.contact_id(2)
    log_activity(window.db, cid, "call", note="Left a message")
    window.detail.refresh()
    box = window.detail.activities
    assert box.activity_list.topLevelItem(0).text(2) == "Left a message"
    box.activity_list.setCurrentItem(box.activity_list.topLevelItem(0))
    qtbot.keyClick(box.activity_list, Qt.Key.Key_Delete)
    settle(qtbot, window)
    assert "Left a message" not in [a.note for a in list_activities(window.db, cid)]
    assert box.activity_list.topLevelItem(0) is None or (
        box.activity_list.topLevelItem(0).text(2) != "Left a message"
    )
    window.undo()
    settle(qtbot, window)
    assert list_activities(window.db, cid)[-1].note == "Left a message"


def test_detail_panel_clears_when_the_search_leaves_its_contact_out(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.list_view.selectRow(0)
    cid = window.model.contact_id(0)
    assert window.detail.contact_id == cid
    qtbot.keyClicks(window.search, "zzzqqqnobody")
    qtbot.waitUntil(lambda: window.model.total == 0, timeout=3000)
    assert window.detail.contact_id is None
    assert window.detail.empty.isVisibleTo(window.detail)
    window.search.clear()
    qtbot.waitUntil(lambda: window.model.total == 300, timeout=3000)


def test_detail_panel_opens_another_contact_at_its_top(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.resize(1100, 700)
    window.list_view.selectRow(0)
    bar = window.detail._scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=3000)
    bar.setValue(bar.maximum())
    window.detail.refresh()  # the same contact again keeps its place
    assert bar.value() == bar.maximum()
    window.list_view.selectRow(1)
    assert bar.value() == 0


def test_detail_panel_reads_again_only_for_what_it_shows(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.operations import Changes

    window.list_view.selectRow(0)
    shown = window.detail.contact_id
    other = window.model.contact_id(1)
    view = window.detail.view
    window.ops.announce(Changes.of(contacts=[other], activities=[other]))
    window.ops.announce(Changes(sources=True, imports=False, undo_log=True))
    assert window.detail.view is view  # nothing it shows changed: not read again
    window.ops.announce(Changes.of(contacts=[shown]))
    assert window.detail.view is not view and window.detail.contact_id == shown
    view = window.detail.view
    window.ops.announce(Changes(criteria=True))  # the BANT section names every criterion
    assert window.detail.view is not view


def test_screenshots_are_written(demo_db, tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    from ui.screenshot import render_screenshots

    written = render_screenshots(demo_db, tmp_path / "shots")
    names = {p.name for p in written}
    assert {"list.png", "detail.png"} <= names
    from PySide6.QtGui import QImage

    image = QImage(str(tmp_path / "shots" / "list.png"))
    assert image.width() >= 1200 and image.height() >= 800


def test_the_lists_headers_sit_as_their_cells(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """A column of figures aligned right has its header on the right ("Score" over the
    scores); a column of text keeps the header's own alignment; sorting and the sort
    indicator work with that header as before."""
    from PySide6.QtWidgets import QStyleOptionHeader

    view = window.list_view
    header = view.horizontalHeader()
    keys = [c[0] for c in COLUMNS]

    def horizontal(section: int) -> Qt.AlignmentFlag:
        option = QStyleOptionHeader()
        header.initStyleOptionForIndex(option, section)
        return option.textAlignment & Qt.AlignmentFlag.AlignHorizontal_Mask  # type: ignore[no-any-return]

    score = keys.index("score")
    cell = view.model().index(0, score).data(Qt.ItemDataRole.TextAlignmentRole)
    assert Qt.AlignmentFlag(int(cell)) & Qt.AlignmentFlag.AlignRight
    assert horizontal(score) == Qt.AlignmentFlag.AlignRight
    name = keys.index("name")
    assert view.model().index(0, name).data(Qt.ItemDataRole.TextAlignmentRole) is None
    assert horizontal(name) == header.defaultAlignment() & Qt.AlignmentFlag.AlignHorizontal_Mask
    # a click on the header sorts by it, as before
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    view.scrollTo(view.model().index(0, score))
    x = header.sectionViewportPosition(score) + header.sectionSize(score) // 2
    QTest.mouseClick(
        header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2)
    )
    settle(qtbot, window)
    assert header.sortIndicatorSection() == score
