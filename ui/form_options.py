"""A form row whose field is a set of options (radio buttons, check boxes): its label reads on
the first option's line. A form puts its label at the row's top while an option's text sits
lower in the option (its indicator is taller than the text): "Contacts whose e-mail is already
known" sat ~4 px below "Skip them", "Seniority" below "C-level / owner"."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel


def options_label(text: str, first: QAbstractButton) -> QLabel:
    """A label for the form row of the options starting with ``first``, its text on that
    option's line (the option's text is centred in its height, the label's at its top)."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    drop = (first.sizeHint().height() - first.fontMetrics().height()) // 2
    label.setContentsMargins(0, max(0, drop), 0, 0)
    return label
