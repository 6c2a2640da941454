"""The Dashboard view: :func:`install` adds it as a main view (``MainWindow._build_features``)
and returns the :class:`DashboardFeature`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from ui.api import WindowApi
from ui.dashboard.view import DashboardView

if TYPE_CHECKING:
    from ui.leads.settings_dialog import SettingsDialog

__all__ = ["DashboardFeature", "DashboardView", "install"]


@dataclass(frozen=True)
class DashboardFeature:
    """What the window keeps of the dashboard."""

    api: WindowApi
    view: DashboardView

    def prepare_screenshot(self) -> None:
        self.api.show_view("dashboard")
        if self.view.data is None:
            self.view.reload()


def install(api: WindowApi) -> DashboardFeature:
    view = DashboardView(api.db, api.tasks)
    api.add_view("dashboard", "Dashboard", view)
    # figures follow contacts, activities, sources and stage names (debounced, in the background)
    api.ops.operation_did_execute.connect(view.on_operation)
    view.reach_requested.connect(lambda: open_reach_settings(api))
    return DashboardFeature(api, view)


def open_reach_settings(api: WindowApi) -> SettingsDialog:
    """The response-rate tile's link: Tools ▸ Settings, opened at its Campaign reach page."""
    from ui.leads.settings_dialog import SettingsDialog

    dialog = SettingsDialog(api, api.dialog_parent())
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.tabs.setCurrentWidget(dialog.reach)
    dialog.open()
    return dialog
