"""Columns that wrap share a table's width by their text (ui.column_share.share_by_content)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ui.column_share import share_by_content


def test_a_mostly_empty_column_leaves_the_width_to_the_texts_that_wrap() -> None:
    # 16 rows: long stored fields, shorter extra fields, one problem in the last row
    texts = [[1000] * 16, [600] * 16, [0] * 15 + [300]]
    widths = share_by_content(texts, [100, 100, 90], [1010, 610, 310], 1000, pad=10)
    assert sum(widths) == 1000
    assert widths[2] < widths[1] < widths[0], widths
    assert widths[2] <= 160, widths  # not a fifth (200 px) for one problem


@given(
    st.lists(st.lists(st.integers(0, 2000), min_size=5, max_size=5), min_size=1, max_size=4),
    st.integers(0, 3000),
)
def test_the_widths_fill_the_room_within_their_bounds(texts: list[list[int]], room: int) -> None:
    least = [60] * len(texts)
    most = [max(60, max(t) + 10) for t in texts]
    widths = share_by_content(texts, least, most, room, pad=10)
    assert all(w >= low for w, low in zip(widths, least, strict=True))
    if room >= sum(least):
        assert sum(widths) == room
    if room <= sum(most):
        assert all(w <= high for w, high in zip(widths, most, strict=True))


def test_a_short_text_in_every_row_stays_on_one_line_beside_a_long_one() -> None:
    """Import history: a file name beside a long source, too little room for both on one
    line: the file name whole, the source wraps (both broke over two lines)."""
    texts = [[250] * 5, [190] * 5]
    widths = share_by_content(texts, [80, 80], [260, 200], 420, pad=10)
    assert widths == [220, 200], widths
