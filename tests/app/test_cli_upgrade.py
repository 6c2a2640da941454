"""A command on a file an older Winnow wrote upgrades it first and says so on stderr, step by
step (minutes for a big file); its own output on stdout stays as it is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from app.cli import main
from db.migrate import alembic_config
from tests.db.builders import make_winnow_file


def test_an_upgrade_before_a_command_is_told_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "old.sqlite"
    make_winnow_file(path, 12, revision="0014")
    n = len(list(ScriptDirectory.from_config(alembic_config()).iterate_revisions("head", "0014")))
    assert main(["--db", str(path), "stats", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["total"] == 12
    lines = err.splitlines()
    assert lines[0] == f"winnow: Backing up {path} before upgrading it…"
    assert [f"step {i} of {n}" in line for i, line in enumerate(lines[1 : n + 1], 1)] == [True] * n
    assert lines[-1] == f"winnow: Upgrading {path}: finishing…"
    assert main(["--db", str(path), "stats", "--json"]) == 0  # upgraded: nothing more to say
    assert capsys.readouterr().err == ""
