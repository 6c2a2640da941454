"""Triage mode: the window builds it with :func:`install` (View ▸ Triage, Ctrl+T)."""

from __future__ import annotations

from dataclasses import dataclass

from ui.api import WindowApi
from ui.triage.view import TriageView


@dataclass(frozen=True)
class TriageFeature:
    """What the window keeps of triage mode."""

    api: WindowApi
    view: TriageView

    def prepare_screenshot(self) -> None:
        # the board's picture hid the detail panel; triage puts the panels aside itself and
        # gives them back as they were
        self.api.set_detail_visible(True)
        self.api.show_view("triage")


def install(api: WindowApi) -> TriageFeature:
    view = TriageView(api)
    api.add_view("triage", "Triage", view, shortcut="Ctrl+T")
    return TriageFeature(api, view)
