"""Exports stream (issue 15, item 5): pages of contacts through one cursor, a very long note
read and written in pieces — with output byte for byte as the whole-value writers make it —
progress after every page, and Cancel that leaves no file."""

from __future__ import annotations

import csv
import io
import tracemalloc
from pathlib import Path

import pytest
import vobject

from app import contacts
from app.contacts import ContactQuery, create_contact
from app.exporting import ExportCancelled, export_contacts, export_sales_handoff, records
from db.engine import Database
from db.models import Contact

# every character the writers treat specially, multi-byte ones, and CR LF pairs that a piece
# boundary can split
NOTE_PIECE = (
    'Call back, said "maybe"; \\ not now.\r\nÖzdemir wants a quote — €4,000 🎉\r'
    "second line\n=SUM(A1)\tend "
)


def _set_note(db: Database, contact_id: int, note: str) -> None:
    with db.session() as s:
        c = s.get(Contact, contact_id)
        assert c is not None
        c.notes = note


def _exports(db: Database, out: Path, monkeypatch: pytest.MonkeyPatch, **limits: int) -> bytes:
    for name, value in limits.items():
        monkeypatch.setattr(records, name, value)
    export_contacts(db, out)
    return out.read_bytes()


@pytest.mark.sqlite_only
@pytest.mark.parametrize("suffix", [".csv", ".vcf"])
@pytest.mark.parametrize("note_start", ["", "=", "-", "plain", '"'])
def test_long_notes_stream_byte_for_byte_as_whole_ones(
    demo_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, note_start: str
) -> None:
    ids = contacts.query_ids(demo_db, ContactQuery(sort="name", descending=False))
    long_note = note_start + NOTE_PIECE * 40
    _set_note(demo_db, ids[3], long_note)
    _set_note(demo_db, ids[150], "x" * 3000)  # long, nothing to quote or escape
    _set_note(demo_db, ids[151], "ab,c" + "y" * 300)  # a comma in the first piece only
    # as an ordinary value: the whole note loaded and written by the csv module / vcard()
    whole = _exports(demo_db, tmp_path / f"whole{suffix}", monkeypatch, LONG_TEXT=10**12)
    # streamed: every note over 100 characters read in 7-byte pieces (characters, CR LF and
    # quotes split across pieces), in pages of 13 contacts
    streamed = _exports(
        demo_db, tmp_path / f"streamed{suffix}", monkeypatch, LONG_TEXT=100, PIECE_BYTES=7, PAGE=13
    )
    assert streamed == whole
    if suffix == ".csv":
        rows = list(csv.DictReader(io.StringIO(streamed.decode("utf-8-sig"), newline="")))
        by_note = {r["Notes"] for r in rows}
        expected = "'" + long_note if long_note.startswith(("=", "-")) else long_note
        assert expected in by_note
    else:
        cards = list(vobject.readComponents(streamed.decode("utf-8")))
        assert len(cards) == 300
        notes = {c.note.value for c in cards if hasattr(c, "note")}
        assert long_note.replace("\r\n", "\n").replace("\r", "\n") in notes


@pytest.mark.sqlite_only
def test_a_huge_note_is_not_held_in_memory(db: Database, tmp_path: Path) -> None:
    """A 30 MB note: the export's own allocations stay far below the note's size (they were
    several times it: the value, the csv module's row, the encoded text)."""
    cid = create_contact(db, first_name="Big", last_name="Note", email="big@example.org")
    create_contact(db, first_name="Small", last_name="Note", notes="short, quoted")
    note = "=" + NOTE_PIECE * (30_000_000 // len(NOTE_PIECE))
    _set_note(db, cid, note)
    for suffix in (".csv", ".vcf"):
        out = tmp_path / f"big{suffix}"
        tracemalloc.start()
        try:
            result = export_contacts(db, out)
            _size, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert result.written == 2
        assert peak < 8_000_000, f"{suffix}: {peak / 1e6:.0f} MB traced for a 30 MB note"
        data = out.read_bytes()
        assert len(data) > len(note)
    quoted = "\"'" + note.replace('"', '""') + '"'  # made formula-safe, then quoted
    assert f",{quoted},".encode() in (tmp_path / "big.csv").read_bytes()


def test_pages_give_the_same_file_and_progress_counts_up(
    demo_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one_page = _exports(demo_db, tmp_path / "one.csv", monkeypatch, PAGE=10_000)
    monkeypatch.setattr(records, "PAGE", 40)
    seen: list[tuple[int, int, str]] = []
    result = export_contacts(
        demo_db, tmp_path / "paged.csv", progress=lambda d, t, text="": seen.append((d, t, text))
    )
    assert (tmp_path / "paged.csv").read_bytes() == one_page
    assert result.written == 300
    assert [d for d, _t, _x in seen] == [*range(40, 300, 40), 300]  # after every page
    assert {t for _d, t, _x in seen} == {300}
    assert seen[-1][2] == "Exported 300 of 300 contacts"


def test_cancel_after_the_first_page_leaves_no_file(
    demo_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(records, "PAGE", 50)
    folder = tmp_path / "out"  # the database is in tmp_path
    folder.mkdir()
    pages: list[int] = []
    for suffix in (".csv", ".vcf"):
        pages.clear()
        out = folder / f"all{suffix}"
        with pytest.raises(ExportCancelled) as caught:
            export_contacts(
                demo_db,
                out,
                progress=lambda d, _t, _x="": pages.append(d),
                cancel=lambda: bool(pages),  # set once the first page is written
            )
        assert pages == [50], "stopped before the second page"
        assert str(caught.value) == "Export cancelled; no file was written."
        assert list(folder.iterdir()) == []  # neither the file nor its temporary
    pages.clear()
    with pytest.raises(ExportCancelled):
        export_sales_handoff(
            demo_db,
            folder / "sales.csv",
            progress=lambda d, _t, _x="": pages.append(d),
            cancel=lambda: bool(pages),
        )
    assert list(folder.iterdir()) == []


def test_handoff_in_pages_is_the_same_as_in_one(
    demo_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(records, "PAGE", 10_000)
    whole = export_sales_handoff(demo_db, tmp_path / "one.csv")
    monkeypatch.setattr(records, "PAGE", 3)
    paged = export_sales_handoff(demo_db, tmp_path / "paged.csv")
    assert (tmp_path / "paged.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    assert (paged.written, paged.left_out, paged.note) == (
        whole.written,
        whole.left_out,
        whole.note,
    )
    assert whole.written > 0 and whole.left_out > 0


def test_the_lists_from_the_row_are_those_read_points_makes(db: Database, tmp_path: Path) -> None:
    """Contacts without ``contact_points`` rows get their e-mails, phone and address from the
    row without a query; they must be what ``read_points`` makes of them."""
    from app.exporting.records import _json_list, _row_points
    from app.points import read_points

    made = [
        create_contact(db, first_name="A", email="a@example.org", phone="+49 1", city="Köln"),
        create_contact(db, first_name="B", country="France"),
        create_contact(db, first_name="C"),
    ]
    with db.session() as s:
        s.get(Contact, made[0]).other_emails = '["A@example.org ", "b@example.org", "", null, 5]'  # type: ignore[union-attr]
        s.get(Contact, made[2]).other_emails = '["c@example.org", "c@example.org"]'  # type: ignore[union-attr]
    with db.session() as s:
        stored = read_points(s, made)
        for cid in made:
            c = s.get(Contact, cid)
            assert c is not None
            mine = _row_points(c.email, _json_list(c.other_emails), c.phone, c.city, c.country)
            assert mine == stored[cid], c.first_name


CTRL_C_CHILD = """
import sys, time
from pathlib import Path
from app.exporting import records

real = records._Reader.records

def slow(self, rows):  # the first page written, then a long wait for Ctrl+C
    yield from real(self, rows)
    Path(sys.argv[1]).touch()
    time.sleep(60)

records._Reader.records = slow
records.PAGE = 50
from app.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.sqlite_only
def test_ctrl_c_during_a_cli_export_leaves_no_file(
    demo_db: Database, db_path: Path, tmp_path: Path
) -> None:
    import signal
    import subprocess
    import sys
    import time

    folder = tmp_path / "out"
    folder.mkdir()
    marker = tmp_path / "first-page-written"
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CTRL_C_CHILD,
            str(marker),
            "--db",
            str(db_path),
            "export",
            str(folder / "all.csv"),
        ],
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the export never wrote its first page"
        assert [p.name for p in folder.iterdir()] == [".all.csv.winnow-part"]  # under way
        child.send_signal(signal.SIGINT)
        _out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 1
    assert err.strip().endswith("winnow: interrupted")
    assert list(folder.iterdir()) == []
