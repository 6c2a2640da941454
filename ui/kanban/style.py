"""The board's style sheet in the palette's colours (light or dark): the strip, the columns,
the filter pill and the scroll bars (a column's header paints its name, count and button in
``board_colors``: ``ui.kanban.header``). Text keeps 4.5:1 or more on what
it sits on (``ui.theme``). On Winnow's light palette it is the board as first designed."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

from ui.contrast import mix
from ui.theme import legible, soft_badge, theme_colors

_KEPT: dict[int, dict[str, str]] = {}  # per palette (its cacheKey)


def board_colors(palette: QPalette) -> dict[str, str]:
    """The board's colours by name (``board_style`` uses them; tests check their contrast).
    Worked out once per palette: a folded column paints its name in them."""
    key = palette.cacheKey()
    kept = _KEPT.get(key)
    if kept is None:
        if len(_KEPT) > 8:
            _KEPT.clear()
        kept = _KEPT[key] = _board_colors(palette)
    return dict(kept)


def _board_colors(palette: QPalette) -> dict[str, str]:
    c = theme_colors(palette)
    window, base, text = QColor(c["window"]), QColor(c["base"]), QColor(c["text"])
    column = mix(window, text, 0.045)
    filter_text, filter_fill = soft_badge("#1B3F8B", "#E3EBF9", palette)
    colors = {
        "strip": window,
        "column": column,
        "column_border": mix(window, text, 0.08),
        "drop": mix(window, c["accent"], 0.1),
        "accent": QColor(c["accent"]),
        "name": legible(c["strong"], (column,)),
        "count_fill": base,
        "count": legible(mix(text, base, 0.25), (base,)),
        "count_border": mix(base, text, 0.15),
        "collapse": legible(mix(text, column, 0.45), (column,)),
        "collapse_hover": legible(text, (mix(column, text, 0.08),)),
        "collapse_hover_fill": mix(column, text, 0.08),
        "hint": legible(mix(text, window, 0.45), (window,)),
        "filter": filter_text,
        "filter_fill": filter_fill,
        "handle": mix(window, text, 0.2),
        "handle_hover": mix(window, text, 0.35),
    }
    return {name: QColor(value).name() for name, value in colors.items()}


def board_style(palette: QPalette) -> str:
    b = board_colors(palette)
    return f"""
#kanbanBoard, #boardColumns {{ background: {b["strip"]}; }}
#kanbanColumn {{ background: {b["column"]}; border: 1px solid {b["column_border"]};
                border-radius: 9px; }}
#kanbanColumn[dropTarget="true"] {{ background: {b["drop"]}; border: 2px dashed {b["accent"]}; }}
#cardList {{ background: transparent; border: none; }}
#boardHint {{ color: {b["hint"]}; }}
#boardFilter {{ color: {b["filter"]}; background: {b["filter_fill"]}; border-radius: 9px;
               padding: 2px 10px; }}
#kanbanBoard QScrollBar:vertical {{ background: transparent; width: 10px;
                                    margin: 2px 2px 2px 0; }}
#kanbanBoard QScrollBar:horizontal {{ background: transparent; height: 10px;
                                      margin: 0 12px 2px 12px; }}
#kanbanBoard QScrollBar::handle {{ background: {b["handle"]}; border-radius: 3px; }}
#kanbanBoard QScrollBar::handle:hover {{ background: {b["handle_hover"]}; }}
#kanbanBoard QScrollBar::handle:vertical {{ min-height: 32px; margin: 0 1px; }}
#kanbanBoard QScrollBar::handle:horizontal {{ min-width: 48px; margin: 1px 0; }}
#kanbanBoard QScrollBar::add-line, #kanbanBoard QScrollBar::sub-line {{ width: 0; height: 0; }}
#kanbanBoard QScrollBar::add-page, #kanbanBoard QScrollBar::sub-page {{ background: none; }}
"""
