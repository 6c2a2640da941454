"""``winnow screenshot DIR [--size WxH] [--scale F]``: every view and dialog at the size asked
for, also at 200 % (Qt's scale factor is set before the window exists, so this runs the
command line in a process of its own)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.cli_process import winnow_offscreen

pytestmark = pytest.mark.gui

VIEWS = {"list", "detail", "kanban", "kanban-detail", "triage", "dashboard"}
# the panel in team mode's passing states: a save someone else's change beat, a role that may
# not write, the server out of reach
STATES = {"detail-conflict", "detail-read-only", "detail-offline"}
DIALOGS = {
    "dialog-new-contact",
    "dialog-settings",
    "dialog-backups",
    "dialog-duplicates",
    "dialog-merge",
    "import-file",
    "import-mapping",
    "import-summary",
}


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("shots") / "demo.sqlite"
    made = winnow_offscreen(
        "--db", str(where), "demo", "--contacts", "400", "--seed", "5", "--quiet"
    )
    assert made.returncode == 0, made.stderr
    return where


def _written_state(path: Path) -> tuple[object, ...]:
    """The undo log's newest operation and every contact's version."""
    with closing(sqlite3.connect(path)) as conn:
        operation = conn.execute("SELECT max(id) FROM operations").fetchone()[0]
        versions = conn.execute("SELECT count(*), sum(version) FROM contacts").fetchone()
    return (operation, *versions)


@pytest.mark.parametrize(
    ("size", "scale"), [("1024x700", "1"), ("2560x1440", "2")], ids=["1024x700", "200%"]
)
def test_every_view_and_dialog_at_the_size_asked(
    demo_file: Path, tmp_path: Path, size: str, scale: str
) -> None:
    out = tmp_path / "shots"
    before = _written_state(demo_file)
    done = winnow_offscreen(
        "--db", str(demo_file), "screenshot", str(out), "--size", size, "--scale", scale
    )
    assert done.returncode == 0, done.stderr
    written = {Path(line).stem for line in done.stdout.split()}
    assert written >= VIEWS | STATES | DIALOGS
    # the states are pictured, not made: nothing changed in the database
    assert _written_state(demo_file) == before
    width, height = (int(n) for n in size.split("x"))
    for name in VIEWS | STATES:
        image = QImage(str(out / f"{name}.png"))
        assert (image.width(), image.height()) == (width, height), name
    for name in DIALOGS:  # a dialog never larger than the screen
        image = QImage(str(out / f"{name}.png"))
        assert 0 < image.width() <= width and 0 < image.height() <= height, name


def test_a_size_it_cannot_use_is_a_usage_error(tmp_path: Path) -> None:
    for bad in (["--size", "big"], ["--size", "10x10"], ["--scale", "0"], ["--scale", "two"]):
        done = winnow_offscreen(
            "--db", str(tmp_path / "x.sqlite"), "screenshot", str(tmp_path), *bad
        )
        assert done.returncode == 2, bad
        assert "--size" in done.stderr or "--scale" in done.stderr
