"""Screenshots of the import wizard and the import history (for ``winnow screenshot``).

The wizard is a window of its own, so ``ui.screenshot``'s grab of the main window cannot show
it; ``render_import_screenshots(api, out_dir)`` walks the wizard through a sample badge list
and saves one PNG per step. The import goes into a scratch database (with a writer of its own,
so the window hears nothing of it), never the user's.
"""

from __future__ import annotations

import tempfile
import time
from importlib import resources
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from db.engine import open_database
from ui.api import WindowApi
from ui.operations import OperationRunner
from ui.tasks import TaskRunner

SAMPLE = "hannover-messe-badges.csv"


def _settle(runner: TaskRunner, rounds: int = 10) -> None:
    app = QApplication.instance()
    for _ in range(rounds):
        if app is not None:
            app.processEvents()
        runner.wait(20000)
        time.sleep(0.01)


def render_import_screenshots(api: WindowApi, out_dir: Path) -> list[Path]:
    from ui.importing.history import ImportHistoryDialog
    from ui.importing.wizard import ImportWizard

    written: list[Path] = []
    sample = resources.files("resources") / "samples" / SAMPLE
    with (
        tempfile.TemporaryDirectory(prefix="winnow-screens-") as tmp,
        resources.as_file(sample) as path,
    ):
        scratch = open_database(Path(tmp) / "screens.sqlite")
        runner = api.tasks
        parent = api.dialog_parent()
        ops = OperationRunner(parent)
        try:
            # sized as it opens over the window (most of it), at the screenshot's size
            # with its summary's "Show these contacts" and "Open in Winnow" as the window's
            # wizard has them (a picture: the scratch database's contacts are not the
            # window's to show)
            wizard = ImportWizard(
                scratch,
                runner,
                ops,
                Path(path),
                open_contact=lambda _id: None,
                show_batch=lambda _id: None,
                parent=parent,
            )
            wizard.show()

            def shot(name: str, widget: QWidget) -> None:
                _settle(runner)
                target = out_dir / f"{name}.png"
                widget.grab().save(str(target))
                written.append(target)

            shot("import-file", wizard)
            wizard.next()
            shot("import-mapping", wizard)
            wizard.next()
            wizard.options_page.source.setText("Trade show: Hannover Messe 2026")
            shot("import-options", wizard)
            wizard.next()
            deadline = time.monotonic() + 60
            while wizard.currentPage() is not wizard.summary_page and time.monotonic() < deadline:
                _settle(runner, 2)
            shot("import-summary", wizard)
            wizard.close()
            history = ImportHistoryDialog(
                scratch, runner, ops, show_batch=lambda _id: None, parent=parent
            )
            history.show()
            shot("import-history", history)
            history.close()
            _settle(runner)
        finally:
            ops.wait(20000)
            ops.deleteLater()
            scratch.close()
    return written
