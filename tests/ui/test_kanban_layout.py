"""The board at the sizes people have (1024×700 up), in every palette, and read only.

- No sideways scroll bar from 1024 px up, with or without the detail panel: the columns share
  the width and those that do not fit fold into their strip (the column the user works in
  stays open; an arrow key or a click opens a folded one).
- Card names and title lines wrap instead of being cut with "…" (measured on what the
  delegate paints, in the fonts the machine has).
- The board's colours follow the palette (light, dark, a desktop's Breeze Dark).
- A window that cannot change the database: no drags or drops on the board, keyboard moves
  and drag attempts say why in the status bar, the card menu greys out its edits with the
  reason, and all of it comes back when the database can be changed again.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QFontMetrics, QImage, QMouseEvent, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app import contacts
from tests.ui.board_helpers import board_of
from tests.ui.test_dark_palette import PALETTES, RecordingPainter
from tests.ui.test_layout import show_at, sized_window
from tests.ui.test_read_only import reader_window
from ui.contact_table import encode_ids
from ui.kanban.card_list import CardListView
from ui.kanban.column_model import FIRST_PAGE
from ui.kanban.header import ColumnHeader
from ui.theme import apply_theme, make_palette

pytestmark = pytest.mark.gui
__all__ = ["reader_window", "sized_window"]  # fixtures used by the tests below

MOVE = Qt.DropAction.MoveAction
ROLE_REASON = "Read-only: your role carol cannot change this database"


def board_problems(board: Any) -> list[str]:
    """What a user would see as wrong on the board: a sideways scroll bar, columns wider
    than the board, a column too narrow to read, no column open at all."""
    from ui.kanban.column import MIN_WIDTH

    problems = []
    area = board.columns_area
    if area.horizontalScrollBar().isVisible():
        problems.append("the board scrolls sideways")
    viewport = area.viewport().width()
    if board.strip.width() > viewport:
        problems.append(f"columns {board.strip.width()}px on a board {viewport}px wide")
    shown = [c for c in board.columns if not c.collapsed]
    if not shown:
        problems.append("every column is folded")
    for column in shown:
        if column.width() < MIN_WIDTH:
            problems.append(f"{column.stage_key} only {column.width()}px wide")
        right = column.mapTo(area.viewport(), QPoint(column.width(), 0)).x()
        if right > viewport:
            problems.append(f"{column.stage_key} out of sight at the side")
    return problems


def painted_cards(board: Any, company: bool = False) -> list[tuple[str, list[str]]]:
    """(full name — or with ``company`` the company —, the lines the delegate paints) for the
    cards in sight in open columns, each painted at the width and the height its row has."""
    out: list[tuple[str, list[str]]] = []
    for column in board.columns:
        if column.collapsed:
            continue
        view, delegate = column.view, column.delegate
        width = view.viewport().width()
        row = max(0, view.rowAt(0))
        y = view.rowViewportPosition(row)
        while row < column.model.rowCount() and y < view.viewport().height():
            height = view.rowHeight(row)
            card = column.model.card(row)
            y, row = y + height, row + 1
            if card is None:
                continue
            image = QImage(width, height, QImage.Format.Format_RGB32)
            p = RecordingPainter(image)
            delegate.paint_card(p, QRect(0, 0, width, height), card)
            p.end()
            full = (card.row.company if company else card.row.name) or ""
            out.append((full, [t for t, _c, _r in p.texts]))
    return out


def settle_board(qtbot: Any, window: Any, size: tuple[int, int]) -> Any:
    show_at(qtbot, window, size)
    board = board_of(window)
    qtbot.waitUntil(lambda: board.columns[0].model.rowCount() > 0, timeout=5000)
    qtbot.waitUntil(lambda: not board_problems(board), timeout=3000)
    return board


# --- layout ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "size", [(1024, 700), (1280, 800), (1440, 900)], ids=lambda s: f"{s[0]}x{s[1]}"
)
def test_no_sideways_scrolling_with_or_without_the_panel(
    sized_window: Any, qtbot: Any, size: tuple[int, int]
) -> None:
    window = sized_window
    window.show_view("kanban")
    board = settle_board(qtbot, window, size)
    assert not window.detail.isVisible()
    assert board_problems(board) == []
    # the panel opened on a card of the third column: that column stays open beside it
    column = board.column("mql")
    if column.collapsed:
        qtbot.mouseClick(column, Qt.MouseButton.LeftButton, pos=QPoint(10, 100))
    qtbot.waitUntil(lambda: not column.collapsed and column.model.rowCount() > 0, timeout=3000)
    view = column.view
    view.setFocus()
    view.selectionModel().setCurrentIndex(
        view.model().index(0, 0), view.selectionModel().SelectionFlag.ClearAndSelect
    )
    QTest.keyClick(view, Qt.Key.Key_Return)
    assert window.detail.isVisible()
    settle_board(qtbot, window, size)
    assert board_problems(board) == []
    assert not column.collapsed, "the column of the card shown in the panel folded"
    # the user's own choice is not touched by the folding
    assert board.api.settings.value("board/collapsed") in (None, [], "")


def _arrow_right_from_the_last_open_column(qtbot: Any, board: Any, shown: list[Any]) -> None:
    """→ on the first card of the last open column: the folded column after it opens, takes
    the focus, and the board settles without a layout problem."""
    last = shown[-1]
    nxt = board.columns[board.columns.index(last) + 1]
    last.view.setFocus()
    last.view.selectionModel().setCurrentIndex(
        last.model.index(0, 0), last.view.selectionModel().SelectionFlag.ClearAndSelect
    )
    QTest.keyClick(last.view, Qt.Key.Key_Right)
    assert not nxt.collapsed
    qtbot.waitUntil(nxt.view.hasFocus, timeout=2000)
    qtbot.waitUntil(lambda: not board_problems(board), timeout=3000)


def test_an_arrow_key_or_a_click_opens_a_folded_column(sized_window: Any, qtbot: Any) -> None:
    window = sized_window
    window.show_view("kanban")
    board = settle_board(qtbot, window, (1024, 700))
    folded = [c for c in board.columns if c.collapsed]
    assert folded, "at 1024 px not every column fits open"
    shown = [c for c in board.columns if not c.collapsed]
    nxt = board.columns[board.columns.index(shown[-1]) + 1]
    assert nxt.collapsed and nxt.auto_collapsed
    _arrow_right_from_the_last_open_column(qtbot, board, shown)
    # a click on a folded strip opens it; another folds to make room
    strip = next(c for c in board.columns if c.collapsed)
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(10, 100))
    assert not strip.collapsed
    qtbot.waitUntil(lambda: not board_problems(board), timeout=3000)
    assert board.api.settings.value("board/collapsed") in (None, [], "")


def test_a_folded_column_makes_its_cards_when_it_opens(sized_window: Any, qtbot: Any) -> None:
    """Shown at 1024 px, the columns that fold for room make no card view and read no
    cards (most of building the board on a click); opened, a column's cards are read and
    shown, its count unchanged, and it takes keys and the selection as any column."""
    window = sized_window
    show_at(qtbot, window, (1024, 700))
    window.show_view("kanban")
    board = settle_board(qtbot, window, (1024, 700))
    folded = [c for c in board.columns if c.collapsed]
    shown = [c for c in board.columns if not c.collapsed]
    assert folded and shown
    assert len(board.findChildren(CardListView)) == len(shown), "a card view per open column"
    # nor a header: a strip paints its name and count itself
    assert len(board.findChildren(ColumnHeader)) == len(shown), "a header per open column"
    counts = contacts.count_by_stage(board.db, board.base_query())
    for column in folded:
        assert column.model.rowCount() == 0, f"{column.stage_key}: cards read while folded"
        assert column.model.total == counts.get(column.stage_key, 0)
    # a keyboard move into a folded column, as in the other columns
    last, nxt = shown[-1], board.columns[board.columns.index(shown[-1]) + 1]
    assert nxt in folded and nxt.model.total > 0
    assert not nxt.findChildren(ColumnHeader)
    _arrow_right_from_the_last_open_column(qtbot, board, shown)
    total = counts.get(nxt.stage_key, 0)
    assert nxt.model.rowCount() == min(total, FIRST_PAGE) and nxt.model.total == total
    assert nxt.view.isVisible() and nxt.count_text == f"{total:,}"
    # its header made as it opened: the stage's name and count, level with the others
    assert len(nxt.findChildren(ColumnHeader)) == 1
    header = nxt.header
    assert header.isVisible() and header.name == nxt.model.stage.name
    assert header.count_text == f"{total:,}"
    assert header.keep_value_line == last.header.keep_value_line
    qtbot.waitUntil(lambda: header.height() == last.header.height(), timeout=2000)
    assert nxt.view.selectionModel().hasSelection(), "the card at the same height selected"
    assert not last.view.selectionModel().hasSelection(), "one selection across the board"
    # its cards in sight are painted at their own heights (read as it opened)
    assert board_problems(board) == []
    assert painted_cards(board), "no card painted"


def test_a_folded_column_counts_every_move_in_and_out_at_once(
    sized_window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folded column that read no cards shows its count; a card moved into it, the move
    undone (the card leaves it, shown in no column) and redone: the count follows each at
    once, without the board's count after the notice (turned off here)."""
    window = sized_window
    show_at(qtbot, window, (1024, 700))
    window.show_view("kanban")
    board = settle_board(qtbot, window, (1024, 700))
    monkeypatch.setattr(board, "recount", lambda: None)  # only what the notice itself does
    source, folded = board.column("suspect"), board.column("nurture")
    assert not source.collapsed and folded.collapsed and folded.model.unread

    def shows_the_database() -> bool:
        counts = contacts.count_by_stage(board.db, board.base_query())
        return all(
            c.model.total == counts.get(c.stage_key, 0) and c.count_text == f"{c.model.total:,}"
            for c in (source, folded)
        )

    assert shows_the_database()
    start = folded.model.total
    cid = source.model.contact_id(0)
    assert folded.model.dropMimeData(encode_ids([cid]), MOVE, -1, -1, QModelIndex())
    qtbot.waitUntil(lambda: contacts.get_contact(board.db, cid).stage_key == "nurture")
    qtbot.waitUntil(lambda: folded.model.total == start + 1, timeout=5000)
    assert shows_the_database()
    assert folded.model.unread, "counted without reading its cards"
    for action, expected in ((window.undo_action, start), (window.redo_action, start + 1)):
        action.trigger()
        qtbot.waitUntil(lambda e=expected: folded.model.total == e, timeout=5000)
        assert shows_the_database(), action.text()
        if action is window.undo_action:  # the card went back to a column that shows it
            assert folded.model.unread and not folded.model.contains(cid)


@pytest.mark.parametrize("size", [(1024, 700), (1280, 800)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_card_names_wrap_instead_of_being_cut(
    sized_window: Any, qtbot: Any, size: tuple[int, int]
) -> None:
    """At ~170-190 px a column's names take two lines and title · company up to the rest:
    every name is painted whole, nothing ends in "…"."""
    window = sized_window
    window.show_view("kanban")
    board = settle_board(qtbot, window, size)
    qtbot.wait(50)  # the cards painted once: the columns know the names they show
    QApplication.processEvents()
    cards = painted_cards(board)
    assert len(cards) > 10
    cut = [lines for _name, lines in cards if any(t.endswith("…") for t in lines)]
    assert cut == []
    for name, lines in cards:
        words = " ".join(lines)
        assert name in words, (name, lines)
    # the columns are narrow here: some names took two lines
    assert any(len([t for t in lines if t and t in name]) >= 2 for name, lines in cards if name), (
        "no name wrapped (the test would not notice a cut)"
    )


def test_a_long_name_gets_two_lines_and_its_card_grows(qapp: Any) -> None:
    from tests.ui.test_dark_palette import _card_row
    from ui.kanban.card_delegate import CardDelegate
    from ui.kanban.column_model import Card

    delegate = CardDelegate()
    one_line = delegate.card_height
    card = Card(_card_row(name="Maximiliane Schwarzenberger-Lindqvist"), False, {})
    assert delegate.fit(180)
    height = delegate.height_of(card)
    assert height > one_line
    image = QImage(180, height, QImage.Format.Format_RGB32)
    p = RecordingPainter(image)
    delegate.paint_card(p, QRect(0, 0, 180, height), card)
    p.end()
    texts = [t for t, _c, _r in p.texts]
    assert [t for t in texts if t.endswith("…")] == []
    assert "Maximiliane" in texts[1] and "Lindqvist" in " ".join(texts)  # [0]: the score
    # wide again: one line is enough
    assert delegate.fit(700) and delegate.height_of(card) == one_line


LONG_COMPANIES = [
    "Brandt Maschinenbau GmbH & Co. KG",
    "Stahl Antriebstechnik GmbH",
    "Brandt Maschinenbau GmbH",
    "Kessler Équipements Industriels SAS",
]


@pytest.fixture
def long_company_window(qtbot: Any, demo_db: Any) -> Iterator[Any]:
    """The window on the demo whose companies are all long German and French names (a card
    whose name takes two lines and its company three needs five lines of text)."""
    from sqlalchemy import select

    from db.models import Contact
    from tests.ui.conftest import _shown_window

    with demo_db.session() as s:
        ids = list(s.scalars(select(Contact.id).order_by(Contact.id)))
    for i, cid in enumerate(ids):
        # every other card the company alone (no title); every third a name on two lines
        values: dict[str, Any] = {"company": LONG_COMPANIES[i % len(LONG_COMPANIES)]}
        if i % 2:
            values["title"] = None
        if i % 3 == 0:
            values.update(first_name="Marie-Christine", last_name="Wiśniewska-Lindqvist")
        contacts.update_contact(demo_db, cid, **values)
    yield from _shown_window(qtbot, demo_db, size=None, persist_state=False)


@pytest.mark.parametrize("size", [(1024, 700), (1440, 900)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_card_is_as_tall_as_its_own_text(
    long_company_window: Any, qtbot: Any, size: tuple[int, int]
) -> None:
    """A card whose name and company need more lines than its neighbours' gets them: no
    company is cut with "…" ("Brandt Maschinenbau Gm…"), each is painted whole, in the
    height its row has on the board — and cards that need fewer lines stay small."""
    window = long_company_window
    window.show_view("kanban")
    board = settle_board(qtbot, window, size)
    qtbot.wait(50)  # the cards painted once: the rows in sight are sized
    QApplication.processEvents()
    cards = painted_cards(board, company=True)
    assert len(cards) > 10
    cut = [lines for _company, lines in cards if any(t.endswith("…") for t in lines)]
    assert cut == []
    for company, lines in cards:
        assert company in " ".join(lines), (company, lines)
    # some card took five lines of text or more (two of name, three of title · company):
    # the test would notice a cut there
    lines_of = [QFontMetrics(board.columns[0].delegate.sub_font).lineSpacing()]
    smallest = board.columns[0].delegate.card_height
    assert any(
        c.view.rowHeight(r) >= smallest + 3 * lines_of[0]
        for c in board.columns
        if not c.collapsed
        for r in range(min(8, c.model.rowCount()))
    ), "no card needed five lines"
    # not every card as tall as the tallest
    heights = {
        c.view.rowHeight(r)
        for c in board.columns
        if not c.collapsed
        for r in range(min(8, c.model.rowCount()))
    }
    assert len(heights) > 1, heights


# --- palette -------------------------------------------------------------------------------------
@pytest.fixture
def themed(qapp: Any) -> Iterator[Any]:
    from ui.application import make_app

    app = make_app()
    before, sheet = QPalette(app.palette()), app.styleSheet()
    yield app
    app.setPalette(before)
    app.setStyleSheet(sheet)


def test_the_board_follows_the_palette(sized_window: Any, qtbot: Any, themed: Any) -> None:
    """The board's sheet is made from the palette in use, and made again when it changes
    (the desktop turned dark); its text reads on what it sits on (the colours' contrast is
    checked in test_dark_palette.test_board_colours_follow_the_palette); the board's
    background as painted is dark in a dark palette."""
    from ui.kanban.style import board_colors, board_style

    window = sized_window
    window.show_view("kanban")
    board = settle_board(qtbot, window, (1280, 800))
    for name, colors in PALETTES.items():
        palette = apply_theme(themed, make_palette(colors))
        QApplication.processEvents()
        assert board.styleSheet() == board_style(palette), name
        image = board.grab().toImage()
        strip = board.strip.mapTo(board, QPoint(2, 2))
        painted = image.pixelColor(strip)
        expected = board_colors(palette)["strip"]
        assert painted.name() == expected, name
        dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
        assert (painted.lightness() < 128) == dark, name


# --- read only -----------------------------------------------------------------------------------
def _drag_enter_accepted(widget: Any, ids: list[int]) -> bool:
    from PySide6.QtGui import QDragEnterEvent

    mime = encode_ids(ids)  # kept alive while the event is handled
    event = QDragEnterEvent(
        QPoint(10, 60),
        Qt.DropAction.MoveAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def test_read_only_the_board_moves_nothing_and_says_why(sized_window: Any, qtbot: Any) -> None:
    window = sized_window
    window.show_view("kanban")
    board = settle_board(qtbot, window, (1440, 900))
    window.read_only.set_role_reason(ROLE_REASON)  # as the role check finds it
    suspect, inquiry = board.column("suspect"), board.column("inquiry")
    cid = suspect.model.contact_id(0)
    # no drags, no drops (on the cards or a folded strip)
    assert not any(c.view.dragEnabled() for c in board.columns)
    assert not _drag_enter_accepted(inquiry.view.viewport(), [cid])
    assert not _drag_enter_accepted(inquiry.view, [cid])
    assert not _drag_enter_accepted(board.column("disqualified"), [cid])
    assert ROLE_REASON in board.hint.text()
    # the card menu: Open stays, its edits are greyed out with the reason
    menu = suspect.view.context_menu(suspect.model.index(0))
    actions = {a.text(): a for a in menu.actions()}
    assert actions["Open"].isEnabled()
    for text in ("Deal value…", "Assign to me", "Assign to…"):
        assert not actions[text].isEnabled(), text
        assert actions[text].statusTip() == ROLE_REASON
        assert actions[text].toolTip() == ROLE_REASON
    menu.deleteLater()
    # Ctrl+→ moves nothing and says why
    view = suspect.view
    view.setFocus()
    view.selectionModel().setCurrentIndex(
        view.model().index(0, 0), view.selectionModel().SelectionFlag.ClearAndSelect
    )
    window.statusBar().clearMessage()
    QTest.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.ops.busy, timeout=3000)
    assert contacts.get_contact(board.db, cid).stage_key == "suspect"
    assert window.statusBar().currentMessage() == ROLE_REASON
    # a drag tried on a card: nothing moves, the status bar says why
    window.statusBar().clearMessage()
    at = view.visualRect(view.model().index(0, 0)).center()
    vp = view.viewport()
    press = QMouseEvent(
        QMouseEvent.Type.MouseButtonPress,
        QPointF(at),
        QPointF(vp.mapToGlobal(at)),
        Qt.MouseButton.LeftButton,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(vp, press)
    to = at + QPoint(40, 0)
    move = QMouseEvent(
        QMouseEvent.Type.MouseMove,
        QPointF(to),
        QPointF(vp.mapToGlobal(to)),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(vp, move)
    assert window.statusBar().currentMessage() == ROLE_REASON
    release = QMouseEvent(
        QMouseEvent.Type.MouseButtonRelease,
        QPointF(to),
        QPointF(vp.mapToGlobal(to)),
        Qt.MouseButton.LeftButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(vp, release)
    # columns built while read only (a new stage) are read only too
    board.rebuild()
    assert not any(c.view.dragEnabled() or c.view.acceptDrops() for c in board.columns)
    # the role may write again: everything is back
    window.read_only.set_role_reason(None)
    assert all(c.view.dragEnabled() for c in board.columns)
    inquiry = board.column("inquiry")
    assert _drag_enter_accepted(inquiry.view.viewport(), [cid])
    assert ROLE_REASON not in board.hint.text()
    suspect = board.column("suspect")
    menu = suspect.view.context_menu(suspect.model.index(0))
    assert all(a.isEnabled() for a in menu.actions())
    menu.deleteLater()
    view = suspect.view
    view.setFocus()
    view.selectionModel().setCurrentIndex(
        view.model().index(0, 0), view.selectionModel().SelectionFlag.ClearAndSelect
    )
    QTest.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: contacts.get_contact(board.db, cid).stage_key == "inquiry", timeout=5000
    )


def test_the_server_out_of_reach_makes_the_board_read_only_too(
    sized_window: Any, qtbot: Any
) -> None:
    window = sized_window
    window.show_view("kanban")
    board = settle_board(qtbot, window, (1440, 900))
    window.live.set_online(False, "connection refused")
    reason = window.ops.refusal
    assert reason and board.read_only == reason
    assert not any(c.view.dragEnabled() for c in board.columns)
    window.live.set_online(True)
    qtbot.waitUntil(lambda: board.read_only is None, timeout=5000)
    assert all(c.view.dragEnabled() for c in board.columns)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_read_only_postgresql_role_cannot_move_cards_on_the_board(
    reader_window: Any, qtbot: Any
) -> None:
    """The real thing: a PostgreSQL role with SELECT only (team mode's reader)."""
    win = reader_window
    qtbot.waitUntil(win.read_only.indicator.isVisible, timeout=5000)
    reason = win.ops.refusal
    assert reason is not None and win.role in reason
    win.show_view("kanban")
    board = board_of(win)
    qtbot.waitUntil(lambda: board.columns[0].model.rowCount() > 0, timeout=5000)
    assert board.read_only == reason and reason in board.hint.text()
    assert not any(c.view.dragEnabled() or c.view.acceptDrops() for c in board.columns)
    column = board.columns[0]
    menu = column.view.context_menu(column.model.index(0))
    greyed = [a.text() for a in menu.actions() if not a.isEnabled()]
    assert greyed == ["Deal value…", "Assign to me", "Assign to…"]
    menu.deleteLater()
    cid = column.model.contact_id(0)
    view = column.view
    view.setFocus()
    view.selectionModel().setCurrentIndex(
        view.model().index(0, 0), view.selectionModel().SelectionFlag.ClearAndSelect
    )
    QTest.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not win.ops.busy, timeout=3000)
    assert contacts.get_contact(win.db, cid).stage_key == column.stage_key
    assert win.statusBar().currentMessage() == reason


class _TagsPainter(RecordingPainter):
    """Notes the texts and the BANT marks' dots too."""

    def __init__(self, image: QImage) -> None:
        super().__init__(image)
        self.dots: list[QRectF] = []

    def drawEllipse(self, *args: Any) -> None:  # type: ignore[override]
        if len(args) == 1 and isinstance(args[0], QRectF):
            self.dots.append(QRectF(args[0]))
        super().drawEllipse(*args)


@pytest.mark.parametrize("width", [*range(168, 330, 6), 400, 600])
def test_every_tag_of_a_card_is_painted_at_every_width(qapp: Any, width: int) -> None:
    """The address badge, the source, the BANT marks and Overdue share the card's last line;
    where the line could not hold them all, the source was left out (the board at 200 % on a
    2560x1440 screen, or at 1280x720: "Branded · Overdue" with no "Trade show", and a card
    whose badge did not fit lost the badge). Now the tags take a second line and the card
    grows: every tag is painted, none over another, all inside the card."""
    from tests.ui.test_dark_palette import _card_row
    from ui.contact_table import DOMAIN_BADGES
    from ui.kanban.card_delegate import CARD_MARGIN_Y, PAD_Y, CardDelegate
    from ui.kanban.column_model import Card

    delegate = CardDelegate()
    delegate.fit(width)
    bant = ("yes", "no", "unknown", "yes")
    badges = {key: label for key, (label, _colour) in DOMAIN_BADGES.items() if key}
    sources = ("Trade show: Hannover Messe 2026", "Web form", None)
    for domain, source, overdue, marks in product([*badges, None], sources, (True, False), (1, 0)):
        card = Card(
            _card_row(domain_class=domain, source=source), overdue, {"bant": bant} if marks else {}
        )
        height = delegate.height_of(card)
        image = QImage(width, height, QImage.Format.Format_RGB32)
        p = _TagsPainter(image)
        delegate.paint_card(p, QRect(0, 0, width, height), card)
        p.end()
        case = (domain, source, overdue, marks)
        texts = [t for t, _c, _r in p.texts]
        assert domain is None or badges[domain] in texts, case
        assert not overdue or "Overdue" in texts, case
        assert source is None or source in texts or "Trade show" in texts, (case, texts)
        assert len(p.dots) == len(bant) * marks, case
        # the tags apart and inside the card
        tags = {*badges.values(), "Overdue", "Trade show", source}
        boxes = [r for t, _c, r in p.texts if t in tags] + p.dots
        bottom = height - CARD_MARGIN_Y - PAD_Y + 1
        for i, box in enumerate(boxes):
            assert box.left() >= 0 and box.right() <= width, (case, box)
            assert box.bottom() <= bottom, (case, box, bottom)
            for other in boxes[i + 1 :]:
                overlap = box.intersected(other)
                assert overlap.width() < 1 or overlap.height() < 1, (case, box, other)
