"""A read-only PostgreSQL role on the command line (issue 14, item 2): ``winnow import`` is
refused before the file is read, with the words the window uses; any other change the role
may not make says so too (not a bare "permission denied"). On a real PostgreSQL server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.cli import main
from db.engine import Database
from tests.pg_roles import read_only_role

PG = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def reader_url(demo_db: Database, request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """(address, role) of a role that may read the demo database and change nothing."""
    cluster: Any = request.getfixturevalue("postgresql_cluster")
    name = f"erin{os.getpid()}"
    with read_only_role(cluster, demo_db.url, name) as url:
        yield url, name


def _count(db: Database, table: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@PG
def test_import_is_refused_before_the_file_is_read(
    reader_url: tuple[str, str],
    demo_db: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, role = reader_url
    path = tmp_path / "leads.csv"
    path.write_text("first_name,email\nAnna,anna@example.org\n", encoding="utf-8")
    read: list[object] = []
    import app.importing.service as service

    real = service.import_file

    def reading(*args: Any, **kwargs: Any) -> Any:
        read.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "import_file", reading)
    before = (_count(demo_db, "contacts"), _count(demo_db, "import_batches"))
    code, out, err = _cli(capsys, "--db", url, "import", str(path))
    assert code == 1 and out == ""
    assert err == f"winnow import: Read-only: your role {role} cannot change this database\n"
    assert read == []  # refused up front: the file was never read
    assert (_count(demo_db, "contacts"), _count(demo_db, "import_batches")) == before
    # a dry run makes the import's writes and rolls them back: refused the same way
    code, out, err = _cli(capsys, "--db", url, "import", str(path), "--dry-run")
    assert code == 1 and out == "" and read == []
    assert err == f"winnow import: Read-only: your role {role} cannot change this database\n"
    # whoever may write imports as before
    code, out, err = _cli(capsys, "--db", demo_db.url, "import", str(path))
    assert code == 0 and "Imported 1" in out, err


@PG
def test_other_changes_say_the_role_cannot_change_the_database(
    reader_url: tuple[str, str], demo_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    url, role = reader_url
    with demo_db.engine.connect() as conn:
        cid = str(conn.execute(text("SELECT min(id) FROM contacts")).scalar_one())
    code, _out, err = _cli(capsys, "--db", url, "assign", "me", cid)
    assert code == 1
    assert f"Read-only: your role {role} cannot change this database; nothing was saved" in err
    assert "permission denied" in err and "Traceback" not in err
