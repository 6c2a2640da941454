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


SAMPLE = 48  # rows weighed at most (a long table: evenly spaced ones stand for the rest)


def wrapping_rows(
    texts: list[list[int]], widths: list[int], pad: int
) -> tuple[list[tuple[int, ...]], list[float]]:
    """The rows that share_by_content weighs, each with how many rows it stands for: a row
    whose every cell fits on one line at ``widths`` (the least each column gets) never
    wraps and is left out; equal rows are weighed once; more than :data:`SAMPLE` rows are
    sampled evenly (a 200-row history weighed row by row took ~40 ms a resize)."""
    rows = max((len(t) for t in texts), default=0)
    inner = [max(1, w - pad) for w in widths]
    counted: dict[tuple[int, ...], int] = {}
    for r in range(rows):
        row = tuple(t[r] if r < len(t) else 0 for t in texts)
        if any(cell > room for cell, room in zip(row, inner, strict=True)):
            counted[row] = counted.get(row, 0) + 1
    sample = list(counted)
    weight = [float(n) for n in counted.values()]
    if len(sample) > SAMPLE:
        total = sum(weight)
        stride = len(sample) / SAMPLE
        sample = [sample[int(i * stride)] for i in range(SAMPLE)]
        weight = [total / SAMPLE] * SAMPLE
    return sample, weight


def share_by_content(
    texts: list[list[int]], least: list[int], most: list[int], room: int, pad: int = 0
) -> list[int]:
    """Widths for columns whose cells wrap, ``room`` px in all: each at least ``least``, at
    most ``most`` (its longest text on one line); the rest given a few pixels at a time to
    the column where they save the most lines, each row as tall as its most wrapped cell
    (``texts[c]``: the cells' widths on one line, row by row; ``pad``: a cell's room around
    its text). By a fixed share a mostly empty column took a fifth of the preview (245 px at
    1440 for one problem in 16 rows) while the extra fields beside it wrapped in every row."""
    columns = len(least)
    widths = list(least)
    spare = room - sum(widths)
    if columns == 0 or spare <= 0:
        return widths
    # a column with text in most rows whose longest fits in an even share of what is left
    # takes it on one line (a file name beside a long source: not both broken over two
    # lines); a mostly empty one (a problem or two) gives way to the texts that fill rows
    whole: set[int] = set()
    filled = {c for c in range(columns) if 2 * sum(1 for t in texts[c] if t) >= len(texts[c])}
    while True:
        rest = [c for c in range(columns) if c not in whole]
        if not rest:
            break
        left = room - sum(max(least[c], most[c]) for c in whole)
        fits = [c for c in rest if c in filled and max(least[c], most[c]) <= left // len(rest)]
        if not fits or len(fits) == len(rest):
            break
        whole.update(fits)
    for c in whole:
        widths[c] = max(least[c], most[c])
    spare = room - sum(widths)
    if spare <= 0:
        return widths
    sample, weight = wrapping_rows(texts, widths, pad)
    rows = len(sample)

    def lines(column: int, width: int) -> list[float]:
        inner = max(1, width - pad)
        return [max(1.0, row[column] / inner) for row in sample]

    current = [lines(c, widths[c]) for c in range(columns)]
    step = max(2, spare // 64)
    while spare > 0 and rows:
        give = min(step, spare)
        # each row's tallest cell, its column, and the tallest of the other columns
        top: list[tuple[float, int, float]] = []
        for r in range(rows):
            cells = sorted(((current[k][r], k) for k in range(columns)), reverse=True)
            top.append((cells[0][0], cells[0][1], cells[1][0] if columns > 1 else 1.0))
        best, best_gain, best_lines = -1, 1e-9, None
        for c in range(columns):
            if widths[c] >= most[c]:
                continue
            trial = lines(c, min(most[c], widths[c] + give))
            gain = 0.0
            for r, (tallest, column, second) in enumerate(top):
                if column == c:
                    gain += weight[r] * (tallest - max(second, trial[r]))
            if gain > best_gain:
                best, best_gain, best_lines = c, gain, trial
        if best < 0 or best_lines is None:
            break  # no row gets shorter: the rest goes by what each column still lacks
        added = min(most[best], widths[best] + give) - widths[best]
        widths[best] += added
        current[best] = best_lines
        spare -= added
    lacking = [max(0, most[c] - widths[c]) for c in range(columns)]
    total = sum(lacking)
    if spare > 0 and total > 0:
        given = [min(lacking[c], spare * lacking[c] // total) for c in range(columns)]
        widths = [w + g for w, g in zip(widths, given, strict=True)]
        spare -= sum(given)
        for c in range(columns):  # what the rounding left
            extra = min(spare, most[c] - widths[c])
            widths[c] += max(0, extra)
            spare -= max(0, extra)
    if spare > 0:  # every column has its longest text on one line: even shares
        share = spare // columns
        widths = [w + share for w in widths]
        widths[-1] += spare - share * columns
    return widths
