"""A big file is read and cleaned in a second process while the importing one writes: the
same contacts, report and warnings as when one process does both; its errors, a cancel and
its death end the import with nothing written."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest

from app.errors import WinnowError
from app.importing import pipeline, service
from app.importing.pipeline import ImportProcessGone, PreparedElsewhere
from app.importing.rows import RowPreparer
from app.importing.service import ImportCancelled, import_file
from db.engine import Database, open_database
from tests.app.importing.service_fixtures import contacts_table, counts, write_csv

HEADERS = [
    "First Name", "Last Name", "E-mail Address", "E-mail 2 Address", "Company", "Job Title",
    "Business Phone", "Mobile Phone", "Business City", "Business Country/Region", "Notes",
    "Lifecycle Stage",
]  # fmt: skip


def _rows(count: int) -> list[list[str]]:
    """Rows with something for every rule: national numbers of several countries, a second
    address, invalid addresses, repeats within the file, rows without an address (likely
    duplicates), rejected rows, unknown stages."""
    rows = []
    countries = ["Germany", "France", "DE", "Italia", "", "Nowhere"]
    for i in range(count):
        country = countries[i % len(countries)]
        email = f"p{i % 170}@firm{i % 170 % 23}.de" if i % 11 else ""
        if i % 29 == 0:
            email = f"broken{i}@@firm.de"
        rows.append(
            [
                f"Vera{i % 40}" if i % 37 else "",
                f"Visitor{i % 40}" if i % 37 else "",
                email if i % 37 else "",
                f"other{i}@gmail.com" if i % 3 == 0 else "",
                f"Firm {i % 4}" if i % 37 else "",
                "Einkauf" if i % 2 else "CTO",
                f"0511 {100000 + i % 50}" if i % 4 else f"+49 30 {200000 + i}",
                "01 23 45 67 89" if i % 5 == 0 else "",
                "Köln" if i % 2 else "Lyon",
                country,
                f"line one\r\nline two {i}" if i % 7 == 0 else "",
                ["lead", "customer", "whatever", ""][i % 4],
            ]
        )
    return rows


def _import(tmp_path: Path, name: str, csv_path: Path, **options: Any) -> tuple[Any, Database]:
    db = open_database(tmp_path / f"{name}.sqlite")
    report = import_file(db, csv_path, source="Messe", **options)
    return report, db


def _tables(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    skip = {"at", "owner"}
    out: dict[str, list[tuple[Any, ...]]] = {}
    with db.engine.connect() as conn:
        for table in ("contact_points", "stage_changes", "import_changes"):
            cols = [
                r[1]
                for r in conn.exec_driver_sql(f"PRAGMA table_info({table})")
                if r[1] not in skip and not r[1].endswith("_at")
            ]
            out[table] = [
                tuple(r)
                for r in conn.exec_driver_sql(f"SELECT {', '.join(cols)} FROM {table} ORDER BY id")
            ]
    return out


@pytest.mark.parametrize("on_duplicate", ["skip", "overwrite"])
def test_the_reader_process_imports_what_one_process_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, on_duplicate: str
) -> None:
    csv_path = write_csv(tmp_path / "messe.csv", HEADERS, _rows(700))
    monkeypatch.setattr(service, "CHUNK", 60)  # a dozen chunks over the pipe
    monkeypatch.setattr(pipeline, "OTHER_PROCESS_BYTES", 10**12)
    alone, alone_db = _import(tmp_path, "alone", csv_path, on_duplicate=on_duplicate)
    started: list[PreparedElsewhere] = []

    class Spy(PreparedElsewhere):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            started.append(self)

    monkeypatch.setattr(pipeline, "OTHER_PROCESS_BYTES", 0)
    monkeypatch.setattr(pipeline, "_core_to_spare", lambda: True)  # however busy the machine
    monkeypatch.setattr(service, "PreparedElsewhere", Spy)
    apart, apart_db = _import(tmp_path, "apart", csv_path, on_duplicate=on_duplicate)
    assert len(started) == 1 and started[0]._child.returncode == 0
    mine = alone.to_json() | {"batch_id": None}
    assert apart.to_json() | {"batch_id": None} == mine
    assert mine["read"] == 700 and mine["imported"] > 100
    assert mine["rejected"] and mine["warnings"] and alone.likely_duplicates
    assert apart.likely_duplicates == alone.likely_duplicates
    assert apart.skipped_rows == alone.skipped_rows
    cols = [i for i, c in enumerate(_contact_columns()) if not c.endswith("_at")]  # times
    assert [tuple(r[i] for i in cols) for r in contacts_table(apart_db)] == [
        tuple(r[i] for i in cols) for r in contacts_table(alone_db)
    ]
    assert _tables(apart_db) == _tables(alone_db)
    alone_db.close()
    apart_db.close()


def _contact_columns() -> list[str]:
    from db.models import Contact

    return [c.name for c in Contact.__table__.columns if c.name not in ("version", "changed_by")]


def test_an_error_of_the_reader_process_is_raised_here(tmp_path: Path) -> None:
    csv_path = write_csv(tmp_path / "messe.csv", HEADERS, _rows(10))
    chunks = PreparedElsewhere(
        {"path": csv_path, "encoding": None, "delimiter": None, "sheet": None},
        ["Not", "These"],
        {},
        RowPreparer({"suspect": "Suspect"}, region="DE"),
        50,
    )
    with pytest.raises(WinnowError, match="the file changed while it was being imported"):
        next(chunks)
    assert chunks._child.returncode == 0  # it said why and ended


def test_the_writer_works_out_what_the_reader_process_leaves_to_it(
    db: Database, tmp_path: Path
) -> None:
    """The reading process sends each row without its stored columns (the writer, the
    shorter side, works them out): what the writer works out from the row it receives is
    what one process works out, and the row's e-mail, phone and address lists come only
    where they say more than the contact's columns (here: a second phone number)."""
    from app.importing.mapping import guess_mapping
    from app.importing.pipeline import prepare_chunks
    from app.importing.readers import open_table
    from app.importing.rows import stored_values

    plain = ["First Name", "Last Name", "Email", "Company", "Job Title", "Phone", "City", "Country"]
    rows = [
        [f"Vera{i}", "Visitor", f"vera{i}@firm{i % 7}.de", "Firm", "CTO" if i % 2 else "Einkauf",
         f"0511 {100000 + i}" + (f" ::: 0171 {200000 + i}" if i % 5 == 0 else ""),
         "Köln", "Germany" if i % 3 else ""]
        for i in range(300)
    ]  # fmt: skip
    csv_path = write_csv(tmp_path / "plain.csv", plain, rows)
    derivation = service._derivation_of(db)
    preparer = RowPreparer({"suspect": "Suspect", "customer": "Customer"}, "DE", derivation)
    table = open_table(csv_path)
    mapping = guess_mapping(table.headers)
    here = [
        r
        for c in prepare_chunks(table.rows(), table.headers, mapping, preparer, 40)
        for r in c.rows
    ]
    args = ({"path": csv_path, "encoding": None, "delimiter": None, "sheet": None}, table.headers)
    sent = [r for c in PreparedElsewhere(*args, mapping, preparer, 40) for r in c.rows]
    assert [r.row for r in sent] == [r.row for r in here] and len(here) > 250
    assert all(r.stored is None for r in sent)
    said_more = 0
    for mine, theirs in zip(here, sent, strict=True):
        assert mine.stored is not None and mine.stored.derived is not None
        assert stored_values(theirs, derivation) == mine.stored
        lists = (theirs.emails, theirs.phones, theirs.addresses)
        if mine.stored.says_more:
            said_more += 1
            assert lists == (mine.emails, mine.phones, mine.addresses)
        else:
            assert lists == ([], [], [])
    assert 0 < said_more < len(here)


def _spied(monkeypatch: pytest.MonkeyPatch) -> list[PreparedElsewhere]:
    started: list[PreparedElsewhere] = []

    class Spy(PreparedElsewhere):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            started.append(self)

    monkeypatch.setattr(pipeline, "OTHER_PROCESS_BYTES", 0)
    monkeypatch.setattr(pipeline, "_core_to_spare", lambda: True)
    monkeypatch.setattr(service, "PreparedElsewhere", Spy)
    monkeypatch.setattr(service, "CHUNK", 50)
    return started


def test_a_cancel_stops_the_reader_process_and_writes_nothing(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = _spied(monkeypatch)
    csv_path = write_csv(tmp_path / "messe.csv", HEADERS, _rows(2_000))
    before = counts(db)
    steps: list[int] = []

    class Cancel:
        def is_set(self) -> bool:
            return len(steps) >= 2  # after two chunks were written

    with pytest.raises(ImportCancelled):
        import_file(db, csv_path, cancel=Cancel(), progress=lambda done, *_a: steps.append(done))
    assert counts(db) == before
    assert len(started) == 1 and started[0]._child.poll() is not None  # it was stopped


def test_a_reader_process_that_dies_ends_the_import_with_nothing_written(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = _spied(monkeypatch)
    csv_path = write_csv(tmp_path / "messe.csv", HEADERS, _rows(3_000))
    before = counts(db)

    def progress(done: int, *_args: Any) -> None:
        if done and started[0]._child.poll() is None:
            started[0]._child.send_signal(signal.SIGKILL)
            started[0]._child.wait()

    with pytest.raises(ImportProcessGone, match="stopped unexpectedly"):
        import_file(db, csv_path, progress=progress)
    assert counts(db) == before


@pytest.mark.parametrize(
    ("cores", "load", "size", "apart"),
    [(2, 0.4, 3_000_000, True), (2, 1.6, 3_000_000, False), (1, 0.0, 3_000_000, False),
     (4, 3.2, 3_000_000, True), (2, 0.4, 1_000_000, False)],
)  # fmt: skip
def test_a_second_process_only_for_a_big_file_with_a_core_to_spare(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cores: int,
    load: float,
    size: int,
    apart: bool,
) -> None:
    path = tmp_path / "list.csv"
    with path.open("wb") as fh:
        fh.truncate(size)
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: cores)
    monkeypatch.setattr(pipeline.os, "getloadavg", lambda: (load, load, load))
    assert pipeline.worth_another_process(path) is apart


def test_a_chunk_crosses_the_pipe_as_tuples_and_arrives_as_the_same_rows(tmp_path: Path) -> None:
    """The rows go over the pipe as tuples of their attributes (no dataclass pickled a row)
    and arrive as :class:`PreparedRow` objects equal to those sent, attribute for attribute:
    warnings, stage, other addresses, phones and addresses, the full name, the mirrored extra
    values and the e-mail key (worked out where read) included."""
    import pickle
    from dataclasses import fields

    from app.importing.mapping import guess_mapping
    from app.importing.pipeline import (
        _ROW_ATTRIBUTES,
        _for_the_writer,
        _packed,
        _unpacked,
        prepare_chunks,
    )
    from app.importing.readers import open_table
    from app.importing.rows import PreparedRow

    csv_path = write_csv(tmp_path / "messe.csv", HEADERS, _rows(300))
    preparer = RowPreparer({"suspect": "Suspect", "customer": "Customer"}, region="DE")
    table = open_table(csv_path)
    mapping = guess_mapping(table.headers)
    chunks = list(
        prepare_chunks(table.rows(), table.headers, mapping, preparer, 70, stored_here=False)
    )
    assert len(chunks) > 3
    held = {k for c in chunks for r in c.rows for k in r.__dict__}  # what prepare set
    for chunk in chunks:
        _for_the_writer(chunk)
        message = pickle.loads(pickle.dumps(_packed(chunk), pickle.HIGHEST_PROTOCOL))
        assert message[0] == "chunk"
        assert all(type(r) is tuple for r in message[4])
        came = _unpacked(*message[1:])
        assert (came.read, came.rejected, came.warnings) == (
            chunk.read,
            chunk.rejected,
            chunk.warnings,
        )
        assert [type(r) for r in came.rows] == [PreparedRow] * len(chunk.rows)
        assert [r.__dict__ for r in came.rows] == [r.__dict__ for r in chunk.rows]
        assert [r.name_key for r in came.rows] == [r.name_key for r in chunk.rows]
    rows = [r for c in chunks for r in c.rows]
    # what the test's rows hold, so that the comparison above saw it
    assert any(r.stage_key for r in rows) and any(r.other_emails for r in rows)
    assert any(r.phones for r in rows) and any(r.mirrored_extra for r in rows)
    assert any(r.email_key for r in rows) and any(r.email_key is None for r in rows)
    # every attribute a prepared row holds crosses (a new field of PreparedRow too)
    assert set(_ROW_ATTRIBUTES) >= {f.name for f in fields(PreparedRow)} | held


def test_the_pipe_holds_several_chunks(tmp_path: Path) -> None:
    """The reading process may run a few chunks ahead of the writer (pipeline.PIPE_BYTES, where
    the system lets a pipe be widened): a chunk that takes one side longer than usual does not
    stop the other."""
    fcntl = pytest.importorskip("fcntl")
    getting = getattr(fcntl, "F_GETPIPE_SZ", None)
    if getting is None or int(Path("/proc/sys/fs/pipe-max-size").read_text()) < pipeline.PIPE_BYTES:
        pytest.skip("pipes cannot be widened that far here")
    csv_path = write_csv(tmp_path / "messe.csv", HEADERS, _rows(10))
    chunks = PreparedElsewhere(
        {"path": csv_path, "encoding": None, "delimiter": None, "sheet": None},
        HEADERS,
        {},
        RowPreparer({"suspect": "Suspect"}, region="DE"),
        50,
    )
    try:
        assert fcntl.fcntl(chunks._pipe.fileno(), getting) >= pipeline.PIPE_BYTES
        assert len(list(chunks)) == 1
    finally:
        chunks.close()
