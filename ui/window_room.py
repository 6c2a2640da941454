"""The room a dialog sized to its content may take over the window it opens on: most of it
(96 % of its width, 90 % of its height), so that it grows with the window but never hides it
whole. The merge, find-duplicates and personas dialogs size themselves within it."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

WIDTH_SHARE = 0.96
HEIGHT_SHARE = 0.9
NO_WINDOW = (1280, 800)  # a dialog opened over no window: a small screen's room


def dialog_room(dialog: QWidget) -> tuple[int, int]:
    """The widest and tallest ``dialog`` may be over the window it opens on."""
    parent = dialog.parentWidget()
    width, height = (
        (parent.window().width(), parent.window().height()) if parent is not None else NO_WINDOW
    )
    return int(width * WIDTH_SHARE), int(height * HEIGHT_SHARE)
