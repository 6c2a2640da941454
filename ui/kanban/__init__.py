"""The kanban board view: the window builds it with :func:`install` (View ▸ Board).

The board is built when first shown; in the application's window (``api.prebuild_views``) it
is built beforehand, hidden, as soon as its worker has read the columns' first pages and cards
(``read_ahead``): its columns, their counts and first cards, in a few steps of the event loop,
so that showing it then only lays it out and paints it. On a plain start (the window read with
the driver alone) that is part of the window's becoming usable (issue 15: "usable: list,
counts, board"): the cards are read beside the sidebar's counts as the window is built, the
board built after its first paint, and the window usable once it is (a second after the counts
at the latest: ``WindowApi.hold_usable``). Otherwise the read begins as the window becomes
usable. A click on Board before the board is built builds it as it is shown, with what the
worker read if it is in (the steps left are done on the click)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from threading import Event
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMenu, QWidget

from ui.api import WindowApi

if TYPE_CHECKING:
    from app.first_screen import PlainReads
    from app.values import StageInfo
    from ui.kanban.board import KanbanBoard
    from ui.kanban.read_ahead import FirstCards

log = logging.getLogger(__name__)

# the board is built beforehand as soon as its first cards are read ahead (``read_ahead``,
# on a worker once the window is usable: the start's own background work — backups, score
# checks, the sidebar's queues — has begun by then), this long after that …
PREBUILD_AFTER_READ_MS = 0
# … or this long after the window became usable at the latest (the read ahead failed or is slow)
PREBUILD_AFTER_MS = 1000


class KanbanFeature:
    """What the window keeps of the board feature. The board itself is built when it is
    first shown or asked for (``board``): the window's start builds only the list."""

    def __init__(
        self, api: WindowApi, board: Callable[[], QWidget], built: Callable[[], bool]
    ) -> None:
        self.api = api
        self._board = board
        self._built = built
        # the columns' first pages and cards, read on a worker once the window is usable
        # (read_ahead); dropped at any change notice
        self.first_cards: FirstCards | None = None
        self._reads = 0  # read-aheads started: an older one's result is stale
        # set once the board takes what was read ahead (built or loaded without it): a
        # read-ahead still running stops, and one done is not kept
        self._stop = Event()
        # the board's columns were built beforehand before its first cards were read ahead
        # (build_columns_early): the board exists, its prebuild still to be finished
        self._early = False
        # called once the board is prebuilt or will not be (the window's usable waits for
        # it on a plain start: ``install``)
        self._prebuild_over: Callable[[], None] = lambda: None

    def read_ahead(self, at_start: bool = False) -> None:
        """Read the columns' first pages and the cards each shows first on a worker, for
        the board to take when it is built, and import the board's modules there
        (``ui.kanban.read_ahead``); its colours are worked out here, on the GUI thread.

        ``at_start``: on a plain start, as the window is being built (``install``): the read
        begins now, beside the sidebar's counts, and nothing else is done until the window's
        first paint (the board's modules are imported, its colours worked out and its columns
        built then, on the GUI thread; the prebuild follows once the cards are in)."""
        if self._built():
            self._prebuild_over()
            return
        from ui.kanban.card_delegate import CardDelegate
        from ui.kanban.read_ahead import (
            import_board_domain,
            plain_query,
            read_ahead_for_board,
            read_ahead_plain,
            read_first_cards_at_start,
            saved_board_query,
        )

        if not at_start:
            _work_out_colours()
        self._reads += 1
        reads = self._reads
        # as many cards as a column as tall as the window shows at most (the smallest card)
        per_column = self.api.dialog_parent().height() // CardDelegate().card_height + 2

        def done(first: FirstCards | None) -> None:
            if reads == self._reads and not self._stop.is_set():
                self.first_cards = first
            if self.api.prebuild_views:  # the board built beforehand now, not a second later
                if at_start:
                    ready("read")
                else:
                    QTimer.singleShot(
                        PREBUILD_AFTER_READ_MS, self.api.dialog_parent(), self.prebuild
                    )
            if plain is not None:  # what the board reads through once the database is open
                self.api.after_usable(
                    lambda: self.api.tasks.run(import_board_domain, self.api.db, background=True)
                )

        # at start: prebuilt once the cards are read and the sidebar's counts are in (they
        # are the columns' counts: read at once by the board, they would be waited for)
        waiting = {"read", "counts"}

        def ready(what: str) -> None:
            if what in waiting:
                waiting.discard(what)
                if not waiting:
                    self.api.after_first_paint(self.prebuild)

        if at_start:
            self.api.add_queue_counts_listener(lambda _queues: ready("counts"))
        query = saved_board_query(self.api)
        # on a plain start with the driver alone (the database is being opened meanwhile):
        # the read ahead (and a click after it) waits for no opening
        plain = self.api.plain_start_reads() if plain_query(query) else None
        if at_start and plain is None:  # read through the database: once it is open
            self._prebuild_over()
            self.api.after_usable(self.read_ahead)
            return
        read: Callable[..., FirstCards | None] = read_ahead_for_board
        source: object = self.api.db
        if plain is not None:
            read, source = read_ahead_plain, plain
            if at_start:  # the board's modules imported on the GUI thread at the first paint
                read = read_first_cards_at_start
        self.api.tasks.run(
            read,
            source,
            query,
            per_column,
            self._stop,
            on_done=done,
            on_error=self._not_read,
            background=True,
        )
        if plain is not None and self.api.prebuild_views:
            # meanwhile the board's widgets, now (the board's first cards come from the worker
            # some tenths of a second later: posted, the build came after them on a busy machine)
            if at_start:
                self.api.after_first_paint(lambda: self.build_columns_early(plain))
            else:
                self.build_columns_early(plain)

    def _not_read(self, exc: BaseException) -> None:
        log.info("board not read ahead: %s", exc)
        self._prebuild_over()

    def build_columns_early(self, plain: PlainReads) -> None:
        """On a plain start, while the worker reads the board's first cards ahead: the board
        and its columns built hidden at once (~20 ms of GUI-thread CPU with the board's
        modules), their stages read here with the driver alone (``plain``, a snapshot: ~1 ms),
        then at the next turn of the event loop styled and laid out at the size the board
        will be shown at (the open columns' headers and card views made). Once the first
        cards are in, the prebuild loads, lays out and draws them (``prebuild``); a click
        before that (the board's first cards just read) only loads, lays out and paints it —
        at 1440x900 the board and its columns' widgets were ~0.03 s of the click's ~0.1 s of
        GUI-thread CPU."""
        if self._built():
            return
        from app import first_screen
        from ui.kanban.read_ahead import board_order

        _work_out_colours()

        try:
            with plain.reads() as con:
                stages = board_order(first_screen.shown_stages(con, first_screen.stages(con)))
        except (first_screen.NotPlain, sqlite3.Error) as exc:
            log.info("board not built early: %s", exc)
            return
        self._early = True
        steps = self._column_steps(stages)

        def step() -> None:
            board = next(steps, None)
            if board is not None:
                QTimer.singleShot(0, board, step)

        step()

    def _column_steps(self, stages: list[StageInfo]) -> Iterator[KanbanBoard]:
        board = self.board
        if board.isVisible() or board.columns_begun:
            return
        board.start_columns(stages)
        board.finish_columns()  # every column at once (~1 ms each): the views come next
        yield board
        if not board.isVisible():  # styled and laid out at the size it will be shown at: the
            # columns folded for that width, the open ones' card views made (nothing read)
            board.lay_out_hidden(self.api.view_size("kanban"))

    def _changed(self, *_args: object) -> None:
        """A change notice: what was read ahead may be stale."""
        self._reads += 1
        self.first_cards = None

    def take_first_cards(self) -> FirstCards | None:
        """What was read ahead, for the board being built (a read still running stops)."""
        self._stop.set()
        return self.first_cards

    @property
    def board(self) -> KanbanBoard:
        return cast("KanbanBoard", self._board())

    def prebuild(self) -> None:
        """Build the board hidden, in idle time, a step per turn of the event loop (each
        some milliseconds to a few tens on the GUI thread, never all at once): the board,
        then each column; the columns' counts and first cards; styles and layout at the size
        the board will be shown at; then each column drawn offscreen once (its cards sized
        and drawn, and kept). Nothing is done once the board has been built otherwise; the
        steps stop when it is shown meanwhile (the show does what is left)."""
        if self._built() and not self._early:
            self._prebuild_over()
            return
        steps = self._prebuild_steps()

        def step() -> None:
            board = next(steps, None)
            if board is not None:
                QTimer.singleShot(0, board, step)
            else:
                self._prebuild_over()

        step()

    def _prebuild_steps(self) -> Iterator[KanbanBoard]:
        board = self.board
        if board.isVisible():
            return
        if not board.columns_begun:  # begun already when built early
            board.start_columns()
            yield board
        while board.build_next_column():  # a column a step (a few milliseconds each)
            yield board
            if board.isVisible():
                return
        if not board.prepare_hidden():
            return
        yield board
        if board.isVisible():
            return
        board.lay_out_hidden(self.api.view_size("kanban"))
        for column in list(board.columns):
            yield board
            if board.isVisible() or column not in board.columns:
                return
            board.paint_hidden(column)
        board.prebuilt = True

    def prepare_screenshot(self) -> None:
        """The board alone (no detail panel), scrolled to its first column, nothing selected."""
        self.api.set_detail_visible(False)
        self.api.show_view("kanban")
        board = self.board
        board.view_shown()
        for column in board.columns:
            if column.has_view:
                column.view.clearSelection()
        board.columns_area.horizontalScrollBar().setValue(0)


def _work_out_colours() -> None:
    """The board's colours worked out now (kept per palette), not on the click: each of its
    texts is made legible on what it sits on (~5 ms)."""
    from ui.kanban.style import board_colors
    from ui.theme import current_palette

    board_colors(current_palette())


def install(api: WindowApi) -> KanbanFeature:
    built: list[QWidget] = []  # the board, once built (shown, asked for or prebuilt)

    def build() -> QWidget:
        from ui.kanban.board import KanbanBoard

        built.append(KanbanBoard(api, first_cards=feature.take_first_cards))
        return built[0]

    feature = KanbanFeature(api, api.add_lazy_view("kanban", "Board", build), lambda: bool(built))
    if api.prebuild_views:
        # the window as the timer's context: a window closed meanwhile prebuilds nothing
        window = api.dialog_parent()
        api.ops.operation_did_execute.connect(feature._changed)
        if api.plain_start_reads() is not None:
            # on a plain start the board is part of the window's being usable: read and
            # built while the sidebar's counts are read, usable once it is prebuilt
            feature._prebuild_over = api.hold_usable("board")
            feature.read_ahead(at_start=True)
        else:
            api.after_usable(feature.read_ahead)  # on a worker, at once
        api.after_usable(lambda: QTimer.singleShot(PREBUILD_AFTER_MS, window, feature.prebuild))

    def deal_entry(menu: QMenu, ids: list[int]) -> None:  # the list's context menu
        if len(ids) == 1:
            menu.addAction("Deal value…", lambda: _edit_deal(api, ids[0]))

    api.add_list_menu_extension(deal_entry)
    return feature


def _edit_deal(api: WindowApi, contact_id: int) -> None:
    from ui.kanban.deal_dialog import edit_deal

    edit_deal(api, contact_id)
