"""Issue 15, start-up: the detail panel's header, form and sections are built when it first
shows a contact (at start no contact is selected: the window builds only the panel's bar and
its empty line); what a start need not wait for waits (the integrity check for the sidebar's
counts, on its worker; the scores' daily check and the tasks due until the window is usable);
the status bar's Overdue count is the sidebar's, not a read of its own."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QLabel

from app import contacts, followup, integrity
from app.contact_view import ContactView
from tests.ui.conftest import settle
from ui.detail_sections import ContactSection
from ui.sidebar import SidebarFilter

pytestmark = pytest.mark.gui


def test_the_panel_is_built_when_it_first_shows_a_contact(window: Any, qtbot: Any) -> None:
    detail = window.detail
    assert detail.isVisible()  # beside the list at start, saying to select a contact
    assert not detail.built
    assert detail.empty.isVisible()
    assert not hasattr(detail, "inputs")  # no form yet

    window.list_view.selectRow(2)
    cid = window.model.contact_id(2)
    qtbot.waitUntil(lambda: detail.contact_id == cid, timeout=5000)
    assert detail.built
    shown = contacts.get_contact(window.db, cid)
    assert detail.name_label.text() == (shown.name or "(no name)")
    assert detail.inputs["email"].text() == (shown.email or "")
    assert detail.stage_combo.currentData() == shown.stage_key
    assert detail.name_label.isVisible() and not detail.empty.isVisible()
    # the features' sections were built with it, and show the same contact
    for section in (
        window.golook.panel,
        window.qualification.bant,
        window.qualification.score,
        window.qualification.followup,
        window.points.section,
    ):
        assert detail.isAncestorOf(section) and section.isVisible()
    assert window.golook.panel.contact_id == cid
    assert window.qualification.bant.contact_id == cid
    # the next contact is shown in the same panel, not built again
    form = detail.inputs
    window.list_view.selectRow(5)
    qtbot.waitUntil(lambda: detail.contact_id == window.model.contact_id(5), timeout=5000)
    assert detail.inputs is form
    # no contact: the empty line again
    window.list_view.clearSelection()
    qtbot.waitUntil(lambda: detail.contact_id is None, timeout=5000)
    assert detail.empty.isVisible() and not detail.name_label.isVisible()


def test_asking_for_a_section_builds_the_panel(window: Any) -> None:
    assert not window.detail.built
    bant = window.qualification.bant
    assert window.detail.built
    assert window.detail.isAncestorOf(bant)
    assert bant.contact_id is None  # built empty: nothing selected


def test_a_hidden_panel_is_built_when_shown_with_a_contact(window: Any, qtbot: Any) -> None:
    window.set_detail_visible(False)
    assert not window.detail.isVisible()
    cid = window.model.contact_id(0)
    window.detail.show_contact_later(cid)
    assert not window.detail.built  # hidden: nothing read, nothing built
    window.set_detail_visible(True)
    qtbot.waitUntil(lambda: window.detail.view is not None, timeout=5000)
    assert window.detail.built and window.detail.view.id == cid


class _Probe(ContactSection):
    def __init__(self) -> None:
        super().__init__()
        self.label = QLabel("", self)
        self.views: list[int | None] = []

    def show_view(self, view: ContactView | None) -> None:
        self.views.append(None if view is None else view.id)


def test_a_section_added_before_or_after_the_build_shows_every_contact(
    window: Any, qtbot: Any
) -> None:
    built: list[str] = []

    def probe(name: str) -> _Probe:
        built.append(name)
        return _Probe()

    early = window.detail.add_section("Early", lambda: probe("early"), 5)
    assert built == []  # made with the panel's body
    cid = window.model.contact_id(1)
    window.select_contact(cid)
    qtbot.waitUntil(lambda: window.detail.contact_id == cid, timeout=5000)
    assert built == ["early"] and early().views[-1] == cid
    late = window.detail.add_section("Late", lambda: probe("late"), 99)
    assert built == ["early", "late"]  # the body exists: made at once, showing the contact
    assert late().views == [cid]
    assert early() is early()  # one section, built once


def test_the_overdue_count_is_the_sidebars(
    demo_db: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.application import make_app
    from ui.main_window import MainWindow

    reads: list[object] = []
    real = followup.overdue_count

    def overdue_count(*args: Any) -> int:
        reads.append(args)
        return real(*args)

    monkeypatch.setattr(followup, "overdue_count", overdue_count)
    make_app()
    win = MainWindow(demo_db, persist_state=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(win.counts_shown, timeout=10000)
    settle(qtbot, win)
    expected = real(demo_db)
    assert win._sidebar_counts[SidebarFilter("queue", "overdue")] == expected
    assert win.qualification.overdue.count == expected
    assert reads == []  # not counted again for the status bar
    win.ops.wait(10000)
    win.tasks.cancel_all()
    win.tasks.wait(10000)


def test_the_integrity_check_starts_once_the_sidebars_counts_are_read(
    tmp_path: Any, demo_db: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.application import make_app
    from ui.main_window import MainWindow

    seen: list[bool] = []
    windows: list[Any] = []
    real = integrity.check_file

    def check(path: Any, cancel: object = None) -> str | None:
        seen.append(bool(windows) and windows[0].first_counts_read.is_set())
        return real(path, cancel)

    monkeypatch.setattr(integrity, "check_file", check)
    monkeypatch.setattr(integrity, "checked_already", lambda _path: False)

    class Window(MainWindow):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # known before its start-up's workers run (the check could otherwise start while
            # the window was still being made, on a loaded machine, and find no window)
            windows.append(self)
            super().__init__(*args, **kwargs)

    make_app()
    win = Window(demo_db, persist_state=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.safety.checked_good, timeout=20000)
    assert seen == [True]  # started after the sidebar's counts were read
    win.ops.wait(10000)
    win.tasks.cancel_all()
    win.tasks.wait(10000)


def test_a_table_filled_as_its_section_is_built_spans_its_width(window: Any, qtbot: Any) -> None:
    """The sections are made with their first contact: a table in one is filled before it is
    first laid out. Its columns share the width beside no scroll bar (fitted while the scroll
    bar was still there, the last column stopped short of the table's edge)."""
    window.list_view.selectRow(3)
    qtbot.waitUntil(lambda: window.detail.view is not None, timeout=5000)
    tree = window.golook.panel.reasons
    assert tree.topLevelItemCount() > 0  # the persona's criteria
    header = tree.header()
    qtbot.waitUntil(
        lambda: (
            sum(header.sectionSize(c) for c in range(header.count())) == tree.viewport().width()
        ),
        timeout=3000,
    )
    assert not tree.verticalScrollBar().isVisible()


def test_a_write_on_the_gui_thread_at_start_waits_only_for_the_check(
    db: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check waits for the sidebar's counts on its worker, not for the GUI thread: a write
    made there before the window is usable (tests do) is held for the verdict, and gets it."""
    from ui.application import make_app
    from ui.main_window import MainWindow

    monkeypatch.setattr(integrity, "checked_already", lambda _path: False)
    make_app()
    win = MainWindow(db, persist_state=False)
    qtbot.addWidget(win)
    cid = contacts.create_contact(db, name="Ada Held")  # held until the check's verdict
    assert contacts.get_contact(db, cid).name == "Ada Held"
    assert win.first_counts_read.is_set()
    win.ops.wait(10000)
    win.tasks.cancel_all()
    win.tasks.wait(10000)
