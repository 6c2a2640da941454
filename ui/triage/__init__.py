"""Triage mode: the window builds it with :func:`install` (View ▸ Triage, Ctrl+T)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PySide6.QtWidgets import QWidget

from ui.api import WindowApi

if TYPE_CHECKING:
    from ui.triage.view import TriageView


class TriageFeature:
    """What the window keeps of triage mode. The view is built when it is first shown or
    asked for (``view``)."""

    def __init__(self, api: WindowApi, view: Callable[[], QWidget]) -> None:
        self.api = api
        self._view = view

    @property
    def view(self) -> TriageView:
        return cast("TriageView", self._view())

    def prepare_screenshot(self) -> None:
        # the board's picture hid the detail panel; triage puts the panels aside itself and
        # gives them back as they were
        self.api.set_detail_visible(True)
        self.api.show_view("triage")


def install(api: WindowApi) -> TriageFeature:
    def build() -> QWidget:
        from ui.triage.view import TriageView

        view = TriageView(api)
        # built after the window: what ui.read_only told the views before is told it now
        view.set_read_only(api.ops.refusal)
        return view

    return TriageFeature(api, api.add_lazy_view("triage", "Triage", build, shortcut="Ctrl+T"))
