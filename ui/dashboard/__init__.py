"""The Dashboard view: :func:`install` adds it as a main view (``MainWindow._build_features``)
and returns the :class:`DashboardFeature`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from ui.api import WindowApi

if TYPE_CHECKING:
    from ui.dashboard.view import DashboardView
    from ui.leads.settings_dialog import SettingsDialog

__all__ = ["DashboardFeature", "install"]


class DashboardFeature:
    """What the window keeps of the dashboard. The view is built when it is first shown or
    asked for (``view``); its figures are read then."""

    def __init__(self, api: WindowApi, view: Callable[[], QWidget]) -> None:
        self.api = api
        self._view = view

    @property
    def view(self) -> DashboardView:
        return cast("DashboardView", self._view())

    def prepare_screenshot(self) -> None:
        self.api.show_view("dashboard")
        view = self.view
        if view.data is None:
            view.reload()


def install(api: WindowApi) -> DashboardFeature:
    def build() -> QWidget:
        from ui.dashboard.view import DashboardView

        view = DashboardView(api.db, api.tasks)
        # figures follow contacts, activities, sources and stage names (debounced, in the
        # background); changes made before it was built are in its first reading
        api.ops.operation_did_execute.connect(view.on_operation)
        view.reach_requested.connect(lambda: open_reach_settings(api))
        return view

    return DashboardFeature(api, api.add_lazy_view("dashboard", "Dashboard", build))


def open_reach_settings(api: WindowApi) -> SettingsDialog:
    """The response-rate tile's link: Tools ▸ Settings, opened at its Campaign reach page."""
    from ui.leads.settings_dialog import SettingsDialog

    dialog = SettingsDialog(api, api.dialog_parent())
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.tabs.setCurrentWidget(dialog.reach)
    dialog.open()
    return dialog
