"""Short lists and their buttons in a dialog: a list as tall as its rows (it scrolls when the
room is less), the buttons right under it as wide as their words, and any spare height below
them, not a band of empty white list (Settings ▸ Stages, BANT criteria and Campaign reach had
one; the Stages page's six buttons shared its whole width alike)."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QBoxLayout,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
)


def hug_rows(view: QAbstractScrollArea) -> None:
    """The list or table asks for the height of its rows and takes no more."""
    view.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
    policy = view.sizePolicy()
    policy.setVerticalPolicy(QSizePolicy.Policy.Maximum)
    view.setSizePolicy(policy)
    # a scroll area's least height is a scroll bar's (~70 px) and its layout takes that for
    # its height when more: three rows sat over ~20 px of empty list. Where the room is
    # short it scrolls from two lines on.
    view.setMinimumHeight(2 * view.fontMetrics().lineSpacing() + 2 * view.frameWidth())

    def hug() -> None:
        view.setMaximumHeight(max(view.minimumHeight(), view.sizeHint().height()))

    # the view lays its rows out after the event loop's turn: measure them then (rows
    # added later, by a task, kept the height of the list before them)
    later = QTimer(view)
    later.setSingleShot(True)
    later.setInterval(0)
    later.timeout.connect(hug)
    model = view.model() if isinstance(view, QAbstractItemView) else None
    if model is not None:
        for signal in (model.rowsInserted, model.rowsRemoved):
            signal.connect(lambda *_a: later.start())
        for signal in (model.modelReset, model.layoutChanged):
            signal.connect(lambda *_a: later.start())
    later.start()


def button_row(*buttons: QPushButton) -> QHBoxLayout:
    """Buttons from the left, each as wide as its words."""
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    return row


def list_with_buttons(layout: QBoxLayout, view: QAbstractScrollArea, buttons: QHBoxLayout) -> None:
    """``view`` as tall as its rows, ``buttons`` under it, the spare height below them; a
    list is framed (style.qss), not a white strip on the dialog's grey."""
    view.setProperty("framed", True)
    hug_rows(view)
    layout.addWidget(view)
    layout.addLayout(buttons)
    layout.addStretch(1)
