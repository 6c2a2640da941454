"""Columns that share a wide table: each as wide as what it holds needs, and an even share
of what is left. With one column stretched over the spare width, a short value took it all
(the dashboard's source names ~1,600 px beside 60 px figures, the import mapping's "First
value" ~730 px for "Herr" beside a 300 px drop-down, both at 2560 px)."""

from __future__ import annotations

from PySide6.QtWidgets import QTableView


def share_room(needs: list[int], room: int, gives_way: int = 0, least: int = 0) -> list[int]:
    """Widths for columns that need ``needs`` in a table ``room`` wide: where there is more
    room, an even share each of the rest (the last pixels to ``gives_way``); where less,
    column ``gives_way`` (the one that wraps or elides) takes what the others leave, never
    under ``least``."""
    if not needs:
        return []
    widths = list(needs)
    others = sum(needs) - needs[gives_way]
    widths[gives_way] = max(least, min(needs[gives_way], room - others))
    spare = room - sum(widths)
    if spare > 0:
        share = spare // len(widths)
        widths = [w + share for w in widths]
        widths[gives_way] += spare - share * len(widths)
    return widths


def set_widths(view: QTableView, widths: list[int]) -> None:
    """Give the view's columns these widths (only those that change)."""
    header = view.horizontalHeader()
    for column, width in enumerate(widths):
        if header.sectionSize(column) != width:
            header.resizeSection(column, width)
