"""Every skipped row of an import is named with its row and why, in every format: a
duplicate within the file, and on a second import every row already in Winnow. The report's
JSON (``winnow import --json``) keeps its keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.importing.service import import_file
from db.engine import Database
from tests.app.importing.four_formats import FORMATS, write_list


@pytest.mark.parametrize("fmt", FORMATS)
def test_skipped_and_rejected_rows_are_named_in_every_format(
    db: Database, tmp_path: Path, fmt: str
) -> None:
    path = write_list(tmp_path, fmt)
    first = import_file(db, path)
    assert (first.read, first.imported, first.skipped) == (5, 3, 1)
    assert len(first.rejected) == 1
    [dup] = first.skipped_rows
    assert "same e-mail address as row" in dup.reason and "skipped" in dup.reason
    assert dup.row != first.rejected[0].row

    again = import_file(db, path)
    assert (again.imported, again.updated, again.skipped) == (0, 0, 4)
    assert len(again.skipped_rows) == again.skipped
    assert len({i.row for i in again.skipped_rows}) == 4
    assert sum("already in Winnow" in i.reason for i in again.skipped_rows) == 3
    assert any("Weißmann" in i.reason for i in again.skipped_rows), "names the contact"


def test_the_json_report_keeps_its_keys(db: Database, tmp_path: Path) -> None:
    report = import_file(db, write_list(tmp_path, "csv"))
    assert set(report.to_json()) == {
        "batch_id",
        "format",
        "encoding",
        "delimiter",
        "mapping",
        "read",
        "imported",
        "updated",
        "skipped",
        "rejected",
        "warnings",
        "likely_duplicates",
    }
