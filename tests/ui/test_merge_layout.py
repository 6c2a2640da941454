"""Issue 13, the merge dialog (list ▸ Merge N contacts…): the contacts side by side without a
sideways scroll bar (a fixed 760×520 cut the second contact's e-mail and scrolled sideways, and
hid the last fields below); as wide as the values need and as tall as the fields, up to most of
the window; a value its column cannot hold is shortened in the middle, whole in its tooltip."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence, QPalette
from PySide6.QtWidgets import QApplication, QRadioButton

from app.contacts import create_contact
from tests.ui.test_dark_palette import palette  # noqa: F401 (fixture: light, dark, Breeze)
from tests.ui.test_layout import show_at
from ui.contrast import contrast_ratio
from ui.leads.merge_dialog import MergeDialog

pytestmark = pytest.mark.gui


def _contact(db: Any, n: int, long: bool = False, **extra: Any) -> int:
    host = "stahl-automation-industrietechnik" if long else "stahl-automation"
    return create_contact(
        db,
        name="Jennifer Rodriguez",
        email=f"jennifer.rodriguez{n}@{host}{n}.com",
        company="Stahl Automation Industrietechnik Inc.",
        source="Trade show: SPS Nuremberg 2025 — Halle 7",
        **extra,
    )


def _dialog(window: Any, qtbot: Any, ids: list[int]) -> MergeDialog:
    dialog = MergeDialog(window, ids, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    for _ in range(3):
        qtbot.wait(5)
        QApplication.processEvents()
    return dialog


def _buttons(dialog: MergeDialog) -> list[QRadioButton]:
    table = dialog.table
    return [
        w
        for r in range(table.rowCount())
        for c in range(table.columnCount())
        if isinstance(w := table.cellWidget(r, c), QRadioButton)
    ]


def test_two_contacts_side_by_side_in_full(empty_window: Any, qtbot: Any) -> None:
    db = empty_window.db
    ids = [_contact(db, 1, website="https://www.stahl-automation1.com")]
    ids.append(_contact(db, 2, city="Cleveland"))
    show_at(qtbot, empty_window, (1024, 700))
    dialog = _dialog(empty_window, qtbot, ids)
    table = dialog.table
    assert dialog.width() <= 1024 and dialog.height() <= 700
    assert not table.horizontalScrollBar().isVisible(), "the contacts scroll sideways"
    used = table.verticalHeader().width() + sum(
        table.columnWidth(c) for c in range(table.columnCount())
    )
    assert used <= table.width(), (used, table.width())
    assert not table.verticalScrollBar().isVisible(), "fields hidden below"
    for button in _buttons(dialog):
        text = button.text()
        assert "…" not in text, text
        # the whole value is painted inside its cell
        need = button.sizeHint().width()
        assert button.width() >= need, (text, button.width(), need)
        assert button.toolTip() == text


def test_a_long_value_beside_short_ones_in_full(empty_window: Any, qtbot: Any) -> None:
    """The columns share the width by what their values need: an equal share cut the
    longer of two addresses ("ute.wagner@st…hinenbau26.de") in a dialog with room to spare;
    a value with "&" shows it (a button's text read it as a mnemonic: "Food _beverage")."""
    db = empty_window.db
    short = create_contact(db, name="Ute Wagner", email="ute@free.fr", industry="Food & beverage")
    long = create_contact(
        db,
        name="Ute Wagner",
        email="ute.wagner@stahl-maschinenbau-industrietechnik26.de",
        website="https://www.stahl-maschinenbau-industrietechnik26.de",
        source="Trade show: Hannover Messe 2026 — Halle 7",
    )
    show_at(qtbot, empty_window, (1024, 700))
    dialog = _dialog(empty_window, qtbot, [short, long])
    table = dialog.table
    assert not table.horizontalScrollBar().isVisible()
    used = sum(table.columnWidth(c) for c in range(table.columnCount()))
    assert used <= table.viewport().width()
    for button in _buttons(dialog):
        assert "…" not in button.text(), button.text()
        assert button.width() >= button.sizeHint().width(), button.text()
        assert QKeySequence.mnemonic(button.text()).isEmpty(), button.text()
    industry = [b for b in _buttons(dialog) if "beverage" in b.text()]
    assert [b.toolTip() for b in industry] == ["Food & beverage"]
    assert industry[0].sizeHint().width() > industry[0].fontMetrics().horizontalAdvance(
        "Food & beverage"
    )


def test_three_contacts_share_the_width(empty_window: Any, qtbot: Any) -> None:
    db = empty_window.db
    ids = [_contact(db, n, long=True) for n in range(3)]
    show_at(qtbot, empty_window, (1024, 700))
    dialog = _dialog(empty_window, qtbot, ids)
    table = dialog.table
    assert dialog.width() <= 1024
    assert not table.horizontalScrollBar().isVisible()
    shortened = 0
    for button in _buttons(dialog):
        full = button.toolTip()
        assert full, "every value has its whole text in a tooltip"
        if button.text() != full:
            shortened += 1
            head, tail = button.text().split("…")
            assert full.startswith(head) and full.endswith(tail)
        assert button.width() >= button.sizeHint().width(), button.text()
    assert shortened, "long addresses at 1024 px are expected to be shortened"
    # the plan reads the choices, not the shown text
    keep, others, _choose = dialog.plan()
    assert keep == ids[0] and others == ids[1:]


def test_the_choices_show_in_every_palette(
    empty_window: Any,
    qtbot: Any,
    palette: QPalette,  # noqa: F811
) -> None:
    """An unchosen value's circle stands out from the table (3:1, as a control's outline
    must): Fusion's own outline vanished on a dark Base."""
    db = empty_window.db
    ids = [_contact(db, 1), _contact(db, 2)]
    dialog = _dialog(empty_window, qtbot, ids)
    unchosen = dialog.table.cellWidget(1, 1)
    assert isinstance(unchosen, QRadioButton) and not unchosen.isChecked()
    # as the table paints it (the cell's ground is the table's, not the button's)
    box = unchosen.geometry()
    image = dialog.table.viewport().grab(box.adjusted(0, 0, 17 - box.width(), 0)).toImage()
    circle = [image.pixel(x, y) for x in range(image.width()) for y in range(image.height())]
    ground = QColor(Counter(circle).most_common(1)[0][0])
    best = max(contrast_ratio(QColor(p), ground) for p in circle)
    assert best >= 3.0, f"the circle is {best:.2f}:1 on its ground"


def _pairs(count: int) -> list[Any]:
    from app.duplicates import DuplicatePair

    return [
        DuplicatePair(
            ids=(i, i + 5000),
            reasons=(
                f"same e-mail address (anna.kohler.{i}@alpha-fordertechnik45.de)",
                f"same name and company (Anna Köhler / Anna Köhler, Alpha Fördertechnik {i})",
            ),
            score=90 + i % 10,
            names=(f"Anna Köhler {i}", f"Anna Koehler {i}"),
        )
        for i in range(count)
    ]


@pytest.mark.parametrize("size", [(1024, 700), (1440, 900), (2560, 1440)], ids=str)
def test_likely_duplicates_take_the_room_their_pairs_need(
    empty_window: Any, qtbot: Any, size: tuple[int, int]
) -> None:
    """Tools ▸ Find duplicates was a fixed 900×500 at every window size (seven of 161 pairs in
    sight at 2560×1440, each reason wrapped onto two lines): now as wide as the names and a
    reason a line need and as tall as the pairs, up to most of the window."""
    from ui.leads.merge_dialog import DuplicatesDialog

    window = empty_window
    window.resize(*size)
    QApplication.processEvents()
    for count in (3, 400):
        dialog = DuplicatesDialog(window, window)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        dialog.show_pairs(_pairs(count))
        for _ in range(3):
            QApplication.processEvents()
        table = dialog.table
        assert dialog.width() <= size[0] * 0.96 + 1 and dialog.height() <= size[1] * 0.9 + 1
        assert not table.horizontalScrollBar().isVisible()
        assert table.alternatingRowColors()  # a pair's lines of evidence read as one row
        lines = table.fontMetrics().lineSpacing()
        if count == 3:  # every pair in sight, no band of empty table under them
            assert not table.verticalScrollBar().isVisible()
            bottom = table.rowViewportPosition(2) + table.rowHeight(2)
            assert 0 <= table.viewport().height() - bottom <= lines
        else:  # more than there is room for: most of the window's height, scrolling
            assert dialog.height() >= int(size[1] * 0.9) - 1
            assert table.verticalScrollBar().isVisible()
        if size[0] >= 1440:  # room for a reason a line: two lines a pair
            assert all(table.rowHeight(r) < 3 * lines for r in dialog.rows_fit.visible_rows())
        dialog.close()


def test_likely_duplicates_columns_say_what_they_hold(empty_window: Any, qtbot: Any) -> None:
    """Both contact columns were headed "Contact": each header now says which of the pair it
    holds (the lower id, added first, on the left), and no two headers read the same."""
    from ui.leads.merge_dialog import DuplicatesDialog

    dialog = DuplicatesDialog(empty_window, empty_window)
    qtbot.addWidget(dialog)
    dialog.show_pairs(_pairs(2))
    table = dialog.table
    heads = [str(table.model().headerData(c, Qt.Orientation.Horizontal)) for c in range(4)]
    assert len(set(heads)) == len(heads), heads
    assert heads[1] == "Added first" and heads[2] == "Added later"
    first, later = str(table.model().index(0, 1).data()), str(table.model().index(0, 2).data())
    assert first.startswith("#0 ") and later.startswith("#5000 ")
