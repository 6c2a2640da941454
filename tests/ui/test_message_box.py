"""Message boxes wrap their text by the hyphen rule (ui.message_box): Qt's own QMessageBox broke
a database path, an e-mail address or "E-mail" after its hyphen ("/home/marie-" /
"christine/crm.sqlite"). Buttons, default button, Esc and the answer are Qt's; Ctrl+C copies
the text without the rule's invisible marks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from tests.ui.test_line_breaks import qt_lines
from ui import message_box
from ui.line_breaks import BREAK, JOINER, plain

pytestmark = pytest.mark.gui

Button = QMessageBox.StandardButton
WORDS = ("E-mail", "marie-christine@acme-tools.com", "/home/marie-christine/crm.sqlite")


def _text_label(box: QMessageBox) -> QLabel:
    label = box.findChild(QLabel, "qt_msgbox_label")
    assert label is not None
    return label


def _lines(label: QLabel) -> list[str]:
    """The label's lines as Qt lays its text out at the label's width."""
    return qt_lines(label.text(), label.font(), label.contentsRect().width())


def _split(word: str, lines: list[str]) -> bool:
    """Whether ``word`` was broken after one of its hyphens."""
    cut = [i + 1 for i, c in enumerate(word) if c == "-"]
    return any(line.endswith(word[:i]) for line in lines for i in cut)


def _shown(box: QMessageBox, qtbot: Any) -> QLabel:
    box.show()
    qtbot.waitExposed(box)
    QApplication.processEvents()
    return _text_label(box)


def _qt_splits(word: str, qtbot: Any) -> tuple[str, int]:
    """A message Qt's own box, as wide as it makes it, breaks after a hyphen inside ``word``:
    the number in front of it grows until the word's hyphen meets the end of a line."""
    for n in range(1, 120):
        text = (
            f"Ticket {'0' * n}7 names {word} twice; Winnow could not reach it, so the "
            "follow-up waits until the database is open again."
        )
        box = QMessageBox(QMessageBox.Icon.Warning, "Not sent", text, Button.Ok)
        qtbot.addWidget(box)
        label = _shown(box, qtbot)
        lines = _lines(label)
        box.done(0)
        if _split(word, lines):
            return text, label.contentsRect().width()
    raise AssertionError(f"Qt never broke {word!r} after its hyphen")


def answer_next_box(act: Callable[[QMessageBox], None]) -> None:
    """When the next message box opens (modal: its exec() runs the event loop), ``act`` on it."""
    before = {id(w) for w in QApplication.topLevelWidgets() if w.isVisible()}

    def poll() -> None:
        boxes = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible() and id(w) not in before
        ]
        if boxes:
            act(boxes[-1])
        else:
            QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)


@pytest.mark.parametrize("word", WORDS)
def test_a_message_box_keeps_a_hyphenated_word_whole(qtbot: Any, word: str) -> None:
    text, room = _qt_splits(word, qtbot)
    looked: dict[str, Any] = {}

    def look(box: QMessageBox) -> None:
        assert isinstance(box, message_box.MessageBox), type(box)
        label = _text_label(box)
        looked["room"] = label.contentsRect().width()
        looked["lines"] = _lines(label)
        looked["hint"] = label.heightForWidth(label.width())
        looked["height"] = label.height()
        looked["text"] = box.text()
        QGuiApplication.clipboard().clear()
        QTest.keySequence(box, QKeySequence.StandardKey.Copy)
        looked["copied"] = QGuiApplication.clipboard().text()
        box.button(Button.Ok).click()

    answer_next_box(look)
    assert message_box.warning(None, "Not sent", text) == Button.Ok
    assert looked["room"] == room  # as wide as Qt's own box, which broke the word
    lines = looked["lines"]
    assert not _split(word, lines), lines
    shown = "".join(plain(" ".join(lines)).split())
    assert shown == "".join(text.split())  # every word shown, once (a path may break at "/")
    assert looked["height"] >= looked["hint"]  # the box grew for a line more, if it needed one
    assert looked["text"] == text  # the text as written
    copied = looked["copied"]
    assert text in copied and "Not sent" in copied and "OK" in copied, copied
    assert JOINER not in copied and BREAK not in copied


def test_a_selection_in_a_message_box_is_copied_without_the_marks(qtbot: Any) -> None:
    text = "Write an E-mail to marie-christine@acme-tools.com about the follow-up. " * 3
    box = message_box.MessageBox(QMessageBox.Icon.Information, "Follow-up", text, Button.Ok)
    qtbot.addWidget(box)
    box.setInformativeText("The database is /home/marie-christine/crm.sqlite.")
    label = _shown(box, qtbot)
    assert JOINER in label.text()  # shown with the rule …
    assert box.text() == text and box.informativeText().endswith("crm.sqlite.")
    label.setSelection(0, len(label.text()))
    QGuiApplication.clipboard().clear()
    QTest.keySequence(label, QKeySequence.StandardKey.Copy)
    assert QGuiApplication.clipboard().text() == text  # … copied as written
    informative = box.findChild(QLabel, "qt_msgbox_informativelabel")
    assert informative is not None and informative.textFormat() == Qt.TextFormat.PlainText
    box.done(0)


@pytest.mark.parametrize(
    ("buttons", "default", "press"),
    [
        (Button.Yes | Button.Cancel, Button.Cancel, "Yes"),
        (Button.Yes | Button.Cancel, Button.Cancel, "Esc"),
        (Button.Yes | Button.Cancel, Button.Cancel, "Enter"),
        (Button.Yes | Button.No, Button.NoButton, "Esc"),
        (Button.Yes | Button.No, Button.NoButton, "No"),
        (Button.Retry | Button.Cancel, Button.NoButton, "Enter"),
    ],
)
def test_a_question_answers_as_qt_s_own(
    qtbot: Any, buttons: QMessageBox.StandardButton, default: QMessageBox.StandardButton, press: str
) -> None:
    """Buttons, default button, Esc and the return value: as QMessageBox.question's."""

    def asked(ask: Callable[..., Any]) -> tuple[Any, list[str], str | None, bool]:
        seen: dict[str, Any] = {}

        def act(box: QMessageBox) -> None:
            seen["buttons"] = sorted(b.text() for b in box.buttons())
            default_button = box.defaultButton()
            seen["default"] = default_button.text() if default_button is not None else None
            seen["modal"] = box.isModal()
            if press == "Esc":
                QTest.keyClick(box, Qt.Key.Key_Escape)
            elif press == "Enter":
                QTest.keyClick(box, Qt.Key.Key_Return)
            else:
                next(b for b in box.buttons() if b.text().replace("&", "") == press).click()

        answer_next_box(act)
        answer = ask(
            None, "Delete contacts", "Delete this contact with its follow-up?", buttons, default
        )
        return answer, seen["buttons"], seen["default"], seen["modal"]

    theirs = asked(QMessageBox.question)
    ours = asked(message_box.question)
    assert ours == theirs
    assert ours[0] == theirs[0] and isinstance(ours[0], Button | int)


def test_every_message_box_in_ui_goes_through_ui_message_box() -> None:
    """Qt's static boxes and QMessageBox(...) are made only in ui/message_box.py."""
    import re
    from pathlib import Path

    import ui

    made = re.compile(r"QMessageBox\.(warning|critical|information|question|about)\(|QMessageBox\(")
    root = Path(ui.__file__).parent
    found = [
        f"{path.relative_to(root)}:{n}"
        for path in sorted(root.rglob("*.py"))
        if path.name != "message_box.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if made.search(line)
    ]
    assert found == []
