"""The Dashboard view: ``install(window)`` adds it as a main view (listed in
``ui.main_window.FEATURE_INSTALLERS``) and registers its screenshot."""

from __future__ import annotations

from typing import Any

from ui.dashboard.view import DashboardView

__all__ = ["DashboardView", "install"]


def install(window: Any) -> None:
    view = DashboardView(window.db, window.tasks)
    window.add_view("dashboard", "Dashboard", view)
    window.dashboard = view
    window.data_changed.connect(view.data_changed)


def _prepare_screenshot(window: Any) -> None:
    window.show_view("dashboard")
    view = getattr(window, "dashboard", None)
    if view is not None and view.data is None:
        view.reload()


def _register_screenshot() -> None:
    from ui import screenshot

    screenshot.SCREENSHOTS.setdefault("dashboard", _prepare_screenshot)


_register_screenshot()
