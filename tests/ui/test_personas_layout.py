"""Tools ▸ Personas… at 1024×700 (issue 13): every label reads in full, and so does every
criterion — the "Job title has" list of the default "Plant buyer" persona showed its first
six words and hid the rest; its words now wrap in a field as tall as they need."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from tests.ui.test_layout import show_at, sized_window

pytestmark = pytest.mark.gui
__all__ = ["sized_window"]  # fixture used by the tests below


def _text_hidden(edit: QWidget) -> bool:
    """Whether some of an editor's text is out of sight."""
    if isinstance(edit, QLineEdit):
        room = edit.contentsRect().width() - 8  # the line edit's own text margins
        return edit.fontMetrics().horizontalAdvance(edit.text()) > room
    assert isinstance(edit, QPlainTextEdit)
    lines = round(edit.document().documentLayout().documentSize().height())
    needed = lines * edit.fontMetrics().lineSpacing()
    return edit.verticalScrollBar().isVisible() or needed > edit.viewport().height()


def _cut_labels(dialog: QWidget) -> list[str]:
    cut = []
    for label in dialog.findChildren(QLabel):
        if not label.isVisibleTo(dialog) or not label.text() or label.wordWrap():
            continue
        need = label.fontMetrics().horizontalAdvance(label.text())
        if label.contentsRect().width() < need:
            cut.append(label.text())
    for button in dialog.findChildren(QAbstractButton):
        if button.isVisibleTo(dialog) and button.width() < button.sizeHint().width():
            cut.append(button.text())
    return cut


@pytest.mark.parametrize("size", [(1024, 700), (1440, 900)], ids=["1024x700", "1440x900"])
def test_every_label_and_criterion_reads_in_full(
    qtbot: Any, sized_window: Any, size: tuple[int, int]
) -> None:
    from ui.golook.personas_dialog import PersonaDialog

    show_at(qtbot, sized_window, size)
    dialog = PersonaDialog(sized_window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: "Plant buyer" in dialog.names(), timeout=10000)
    dialog.select_persona("Plant buyer")
    for _ in range(3):
        QApplication.processEvents()
    assert dialog.width() <= size[0] and dialog.height() <= size[1]
    assert len(dialog.title_include.text().split(",")) > 8  # a long list: the case to show
    assert _cut_labels(dialog) == []
    for edit in (dialog.name, dialog.title_include, dialog.industries, dialog.countries):
        assert not _text_hidden(edit), edit.objectName() or type(edit).__name__
    # narrower still (the user shrinks it): labels keep their width, the words wrap further
    dialog.resize(dialog.minimumSizeHint().width(), dialog.height())
    for _ in range(3):
        QApplication.processEvents()
    assert _cut_labels(dialog) == []
    assert not _text_hidden(dialog.title_include)
    dialog.close()


def test_words_typed_on_lines_of_their_own_count_as_a_list(qtbot: Any, sized_window: Any) -> None:
    from ui.golook.personas_dialog import PersonaDialog

    dialog = PersonaDialog(sized_window)
    qtbot.addWidget(dialog)
    dialog.new_persona()
    dialog.title_include.setText("buyer\nEinkauf, achat")
    assert dialog.criteria_from_form().title_include == ("buyer", "Einkauf", "achat")
    dialog.close()


@pytest.mark.parametrize(
    "size", [(1024, 700), (1440, 900), (2560, 1440)], ids=["1024x700", "1440x900", "2560x1440"]
)
def test_the_dialog_takes_the_room_its_criteria_need(
    qtbot: Any, sized_window: Any, size: tuple[int, int]
) -> None:
    """Sized to its content and the window, as the merge and find-duplicates dialogs are: a
    fixed 760×520 wrapped the "Job title has" list of "Plant buyer" onto three lines at every
    window size, over an empty strip under the form. Now the list reads on one line where the
    window has the room (two at most at 1024), and no more than a line is left empty."""
    from ui.golook.personas_dialog import PersonaDialog

    show_at(qtbot, sized_window, size)
    dialog = PersonaDialog(sized_window)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: "Plant buyer" in dialog.names(), timeout=10000)
    dialog.select_persona("Plant buyer")
    dialog.show()
    qtbot.waitExposed(dialog)
    for _ in range(3):
        QApplication.processEvents()
    assert dialog.width() <= size[0] * 0.96 and dialog.height() <= size[1] * 0.9
    lines = dialog.title_include.lines()
    assert lines <= (2 if size[0] < 1440 else 1), (lines, dialog.width())
    assert _cut_labels(dialog) == []
    # under the form's hint only the spacing before the row of buttons (no message shown)
    assert not dialog.error_label.isVisible()
    empty = _top(dialog.save_button, dialog) - _bottom(dialog.hint, dialog)
    assert empty <= 2 * dialog.body.spacing() + 4, empty
    dialog.close()


def _personas_shown(qtbot: Any, window: Any, size: tuple[int, int] = (1440, 900)) -> Any:
    """The Personas dialog over the window (1440×900 unless said), its personas listed."""
    from ui.golook.personas_dialog import PersonaDialog

    show_at(qtbot, window, size)
    dialog = PersonaDialog(window)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: "Plant buyer" in dialog.names(), timeout=10000)
    dialog.show()
    qtbot.waitExposed(dialog)
    for _ in range(3):
        QApplication.processEvents()
    return dialog


def _top(widget: QWidget, dialog: QWidget) -> int:
    return widget.mapTo(dialog, widget.rect().topLeft()).y()


def _bottom(widget: QWidget, dialog: QWidget) -> int:
    return widget.mapTo(dialog, widget.rect().bottomLeft()).y()


def _left(widget: QWidget, dialog: QWidget) -> int:
    return widget.mapTo(dialog, widget.rect().topLeft()).x()


def _right(widget: QWidget, dialog: QWidget) -> int:
    return widget.mapTo(dialog, widget.rect().topRight()).x()


@pytest.mark.parametrize(
    "size", [(1024, 700), (1440, 900), (2560, 1440)], ids=["1024x700", "1440x900", "2560x1440"]
)
def test_the_dialog_reads_as_a_list_beside_its_form(
    qtbot: Any, sized_window: Any, size: tuple[int, int]
) -> None:
    """A master-detail dialog: the personas' list framed and as tall as the form beside it,
    New/Delete…/Up/Down under it as wide as it together; one row of buttons at the bottom
    (Import…/Export… at the left, Save persona, the default, and Close at the right); the
    seniority boxes in two compact columns. Before: a short frameless list over an empty
    band, "Save persona" alone on a row above the others, the boxes spread over the width."""
    from PySide6.QtWidgets import QCheckBox

    from ui.theme import load_style

    dialog = _personas_shown(qtbot, sized_window, size)
    dialog.setStyleSheet(load_style(dialog.palette()))  # the window's: lists have no border
    listed = dialog.persona_list
    assert listed.frameWidth() >= 1
    # the list beside the form from its top to the bottom of the form's column
    assert abs(_top(listed, dialog) - _top(dialog.name, dialog)) <= 2
    row = [dialog.list_buttons.itemAt(i).widget() for i in range(dialog.list_buttons.count())]
    buttons = [b for b in row if b is not None]
    assert [b.text() for b in buttons] == ["New", "Delete…", "Up", "Down"]
    assert all(_top(b, dialog) > _bottom(listed, dialog) for b in buttons)
    assert _left(buttons[0], dialog) == _left(listed, dialog)
    assert abs(_right(buttons[-1], dialog) - _right(listed, dialog)) <= 1
    assert _bottom(buttons[-1], dialog) >= _bottom(dialog.hint, dialog) - 2
    # one row of buttons at the bottom, across the dialog
    bottom = [*dialog.file_buttons, dialog.save_button, dialog.close_button]
    assert [b.text() for b in bottom] == ["Import…", "Export…", "Save persona", "Close"]
    assert len({_top(b, dialog) for b in bottom}) == 1
    lefts = [_left(b, dialog) for b in bottom]
    assert lefts == sorted(lefts)
    assert _left(bottom[0], dialog) == _left(listed, dialog)
    assert _right(bottom[-1], dialog) >= _right(dialog.name, dialog) - 1
    assert _top(bottom[0], dialog) > _bottom(buttons[0], dialog)
    assert dialog.save_button.isDefault()
    # the seniority boxes: two columns, the second right after the first's longest label
    boxes: list[QCheckBox] = list(dialog.seniority.values())
    first = [b for i, b in enumerate(boxes) if i % 2 == 0]
    second = [b for i, b in enumerate(boxes) if i % 2 == 1]
    widest = max(b.sizeHint().width() for b in first)
    gap = min(_left(b, dialog) for b in second) - min(_left(b, dialog) for b in first) - widest
    assert 0 < gap <= 40, gap
    assert _cut_labels(dialog) == []
    dialog.close()


def test_the_seniority_label_reads_on_its_first_option_line(qtbot: Any, sized_window: Any) -> None:
    """ "Seniority" sat ~4 px below "C-level / owner", its first option (as the import's
    policy label, ui.form_options.options_label): now on one line with it."""
    from PySide6.QtWidgets import QFormLayout

    from tests.ui.test_import_wizard_pages import text_top

    dialog = _personas_shown(qtbot, sized_window)
    first = next(iter(dialog.seniority.values()))
    form = dialog.form
    labels = [
        item.widget()
        for row in range(form.rowCount())
        if (item := form.itemAt(row, QFormLayout.ItemRole.LabelRole)) is not None
    ]
    (label,) = [w for w in labels if isinstance(w, QLabel) and w.text() == "Seniority"]
    assert isinstance(label, QLabel) and label.text() == "Seniority"
    assert abs(text_top(label, dialog) - text_top(first, dialog)) <= 1
    dialog.close()


@pytest.mark.parametrize("size", [(1024, 700), (1440, 900)], ids=["1024x700", "1440x900"])
def test_the_company_size_fields_are_as_wide_as_their_numbers(
    qtbot: Any, sized_window: Any, size: tuple[int, int]
) -> None:
    """The "Company size" fields had 414 px of room each (at 1024×700 and 1440×900) for a
    number of up to eight digits: each is now as wide as its largest number (shown in full),
    as a form's spin boxes are, and "to … employees" reads right beside them."""
    from ui.fields import text_room
    from ui.golook.personas_dialog import MOST_EMPLOYEES

    dialog = _personas_shown(qtbot, sized_window, size)
    dialog.select_persona("Plant buyer")
    largest = dialog.size_min.fontMetrics().horizontalAdvance(str(MOST_EMPLOYEES))
    for edit in (dialog.size_min, dialog.size_max):
        edit.setText(str(MOST_EMPLOYEES))
        assert not _text_hidden(edit)
        assert largest <= text_room(edit) <= largest + edit.fontMetrics().averageCharWidth()
    # the words after the second field sit beside it, not pushed to the form's far edge
    employees = next(
        label
        for label in dialog.findChildren(QLabel)
        if label.text() == "employees" and label.isVisibleTo(dialog)
    )
    gap = employees.geometry().left() - dialog.size_max.geometry().right()
    assert gap <= 3 * dialog.form.horizontalSpacing() + 12, gap
    dialog.close()
