"""A form in a narrow place puts its labels above their fields.

Beside their labels the detail panel's fields at 1024x700 were ~180 px wide: an address read
"femke.vandijk58@orange", a website "https://www.brandt-engin". Where a field would be
narrower than ``chars`` average characters beside its label, every label goes on a line of
its own above its field (``QFormLayout.RowWrapPolicy.WrapAllRows``), and back beside it where
the form is wide again.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QFormLayout, QWidget

FIELD_CHARS = 32  # a field narrower than this many characters beside its label: wrapped


class NarrowFormWrap(QObject):
    """Keeps ``form`` (laid out on ``widget``) wrapped while its fields would be narrow."""

    def __init__(self, form: QFormLayout, widget: QWidget, chars: int = FIELD_CHARS) -> None:
        super().__init__(widget)
        self.form = form
        self.widget = widget
        self.chars = chars
        self.beside_alignment = form.labelAlignment()
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget and event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def label_width(self) -> int:
        widest = 0
        for row in range(self.form.rowCount()):
            item = self.form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            label = item.widget() if item is not None else None
            if label is not None and not label.isHidden():
                widest = max(widest, label.sizeHint().width())
        return widest

    def field_room(self) -> int:
        """How wide the fields are beside their labels at the widget's width now."""
        margins = self.form.contentsMargins()
        spacing = max(0, self.form.horizontalSpacing())
        inner = self.widget.width() - margins.left() - margins.right()
        return inner - self.label_width() - spacing

    def wrapped(self) -> bool:
        return self.form.rowWrapPolicy() == QFormLayout.RowWrapPolicy.WrapAllRows

    def fit(self) -> None:
        if self.widget.width() <= 0:
            return
        narrow = self.field_room() < self.chars * self.widget.fontMetrics().averageCharWidth()
        if narrow == self.wrapped():
            return
        if narrow:
            self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
            self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        else:
            self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
            self.form.setLabelAlignment(self.beside_alignment)


def wrap_when_narrow(
    form: QFormLayout, widget: QWidget, chars: int = FIELD_CHARS
) -> NarrowFormWrap:
    """Labels above their fields while ``form``'s fields would be narrow (see the module)."""
    return NarrowFormWrap(form, widget, chars)
