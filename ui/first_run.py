"""The first-run screen: shown instead of the empty list while the database has no contacts.

Three ways to start: import a file (the import wizard), open the demo (a separate demo
database, filled by ``app.demo`` on a worker with progress, then opened — the user's own
database stays empty), or add a contact by hand (the new-contact form).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ui.line_breaks import WrappedLabel
from ui.tasks import TaskRunner

DEMO_CONTACTS = 2000
DEMO_FILE = "winnow-demo.sqlite"


def demo_database_path() -> Path:
    """Where the demo database lives: next to the default database, in the data folder."""
    from db.engine import default_db_path

    return default_db_path().with_name(DEMO_FILE)


def fill_demo_database(
    path: str, contacts: int, *, progress: Callable[[int, int, str], None]
) -> int:
    """Create (or reuse) the demo database at ``path`` and fill it with demo contacts unless
    it has some already; returns how many contacts it holds. Runs on a worker."""
    from app.contacts import ContactQuery, count
    from app.demo import generate_demo
    from app.store import open_store

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = open_store(path)
    try:
        existing = count(db, ContactQuery())
        if existing:
            return existing
        return generate_demo(db, contacts, progress=lambda d, t: progress(d, t, ""))
    finally:
        db.close()


STYLE = """
#firstRunTitle { font-size: 17pt; font-weight: bold; }
#firstRunText { font-size: 10.5pt; }
#firstRun QPushButton { padding: 7px 14px; font-weight: bold; text-align: left; }
"""


class FirstRunScreen(QWidget):
    """The three choices; the window connects the signals to its wizard, form and database
    switch (``demo_ready(path)`` once the demo database is filled)."""

    import_requested = Signal()
    new_contact_requested = Signal()
    demo_ready = Signal(str)

    def __init__(
        self, tasks: TaskRunner, demo_path: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("firstRun")
        self.setStyleSheet(STYLE)
        self.tasks = tasks
        self.demo_path = demo_path or demo_database_path()
        self.demo_contacts = DEMO_CONTACTS
        self.creating = False

        title = WrappedLabel("Welcome to Winnow")
        title.setObjectName("firstRunTitle")
        title.setWordWrap(True)
        intro = WrappedLabel("This database has no contacts yet. How would you like to start?")
        intro.setObjectName("firstRunText")
        intro.setWordWrap(True)
        self.import_button = QPushButton("Import a file")
        self.import_button.setObjectName("firstRunImport")
        self.import_button.clicked.connect(self.import_requested)
        self.demo_button = QPushButton("Open the demo")
        self.demo_button.setObjectName("firstRunDemo")
        self.demo_button.clicked.connect(self.open_demo)
        self.new_button = QPushButton("Add a contact")
        self.new_button.setObjectName("firstRunNew")
        self.new_button.clicked.connect(self.new_contact_requested)
        choices = QGridLayout()
        choices.setHorizontalSpacing(16)
        choices.setVerticalSpacing(14)
        choices.setColumnStretch(1, 1)
        for line, (button, about) in enumerate(
            (
                (
                    self.import_button,
                    "A list from a badge scanner, a web form, Outlook, Google, LinkedIn or "
                    "your phone: CSV, Excel, vCard or LDIF. You see every column before "
                    "anything is written. (Ctrl+I, or drop the file on this window)",
                ),
                (
                    self.demo_button,
                    f"A separate demo database with {DEMO_CONTACTS:,} made-up contacts, their "
                    "history and evidence, to try everything on. This database stays empty.",
                ),
                (self.new_button, "Type in one person by hand. (Ctrl+Shift+N)"),
            )
        ):
            described = WrappedLabel(about)
            described.setObjectName("firstRunAbout")
            described.setWordWrap(True)
            described.setBuddy(button)
            button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            choices.addWidget(button, line, 0, Qt.AlignmentFlag.AlignTop)
            choices.addWidget(described, line, 1, Qt.AlignmentFlag.AlignTop)
        self.import_button.setDefault(True)

        self.progress = QProgressBar()
        self.progress.setObjectName("demoProgress")
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.status = WrappedLabel()
        self.status.setObjectName("firstRunStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)

        column = QVBoxLayout()
        column.setSpacing(10)
        column.addWidget(title)
        column.addWidget(intro)
        column.addSpacing(10)
        column.addLayout(choices)
        column.addSpacing(6)
        column.addWidget(self.progress)
        column.addWidget(self.status)
        box = QWidget()
        box.setLayout(column)
        box.setMaximumWidth(640)
        box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box, 20)
        row.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 24, 24, 24)
        lay.addStretch(1)
        lay.addLayout(row)
        lay.addStretch(2)

    def open_demo(self) -> None:
        """Fill the demo database on a worker (progress here), then ask to open it."""
        if self.creating:
            return
        self.creating = True
        self.demo_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.status.setText(f"Creating the demo database at {self.demo_path}…")
        self.tasks.run(
            fill_demo_database,
            str(self.demo_path),
            self.demo_contacts,
            label="Creating the demo database",
            on_progress=self._progress,
            on_done=self._done,
            on_error=self._failed,
        )

    def _progress(self, done: int, total: int, _text: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.status.setText(f"Creating the demo database: {done:,} of {total:,} contacts…")

    def _done(self, contacts: int) -> None:
        self.creating = False
        self.progress.hide()
        self.demo_button.setEnabled(True)
        self.status.setText(f"Opening the demo database ({contacts:,} contacts)…")
        self.demo_ready.emit(str(self.demo_path))

    def _failed(self, exc: BaseException) -> None:
        self.creating = False
        self.progress.hide()
        self.demo_button.setEnabled(True)
        self.status.setText(f"The demo database could not be created: {exc}")
