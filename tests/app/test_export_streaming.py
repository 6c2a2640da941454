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

real = records.iter_pages

def slow(*args, **kwargs):  # the first page written, then a long wait for Ctrl+C
    pages = real(*args, **kwargs)
    yield next(pages)
    Path(sys.argv[1]).touch()
    time.sleep(60)
    yield from pages

records.iter_pages = slow
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


ZONES = ("UTC", "Europe/Berlin", "America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe")


# texts a CSV cell must be careful with: formula starts, quotes, commas, line breaks, control
# characters, non-ASCII, an empty text (NULL is the other blank)
TRICKY = (
    "=1+2",
    "+49 30 1234",
    "-minus",
    "@SUM(A1)",
    "\tTab first",
    "\rCR first",
    "Acme, Inc.",
    'say "hi"',
    "two\nlines",
    "cr\r\nlf",
    "nul\x00here",
    "\x0bvt\x1fus",
    "Özdemir 🎉 €4,000",
    "",
    " 'quoted already",
    "plain",
)
BLANKABLE = (
    *("name", "first_name", "last_name", "email", "phone", "company", "title", "website"),
    *("city", "country", "industry", "source", "tags", "notes", "consent"),
)


@pytest.mark.sqlite_only
def test_the_lines_written_from_a_row_are_those_of_its_record(
    db: Database, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CSV export writes most contacts straight from the driver's row (texts read as ''
    for NULL, times as the stored numbers, the row joined as one line and its formula-like
    cells marked on it); every line must be byte for byte what the csv module writes of
    ``safe_cells`` of ``csv_values`` (with ``local_text``) and ``list_values`` of the contact's
    record, in any zone and for any column count, on rows with tricky texts in every column."""
    import csv
    import random
    import sqlite3
    import time

    from app.exporting import writers
    from app.exporting.writers import (
        CSV_HEADERS,
        LocalTimes,
        csv_values,
        list_headers,
        list_values,
        safe_cells,
        write_csv_page,
    )
    from app.points import ADDRESS, EMAIL, PHONE, ContactPoints, Point, most_points, store_points
    from app.timeutil import local_text

    rng = random.Random(15)
    ids = [
        create_contact(db, first_name="=Ann", email="ann@example.org", phone="+49 1", city="Köln"),
        create_contact(db, first_name="Bo", country="France", company="-Minus"),
        create_contact(db, first_name="Cy", city="@home"),
        create_contact(db, first_name="Di", email="di@example.org"),
        create_contact(db, first_name="Ed", email="ed@example.org"),
        *(create_contact(db, first_name=f"P{i}", phone=f"+1 {i}") for i in range(60)),
    ]
    # one tricky text (or NULL) in one column, the rest ordinary: rows the export joins as text
    # unless that text needs quotes
    tricky = [
        (create_contact(db, first_name=f"T{len(ids) + i}", email="t@x.org", phone="1"), column, v)
        for i, (column, v) in enumerate(
            (column, v)
            for column in BLANKABLE
            for v in (*TRICKY, None)
            if v is not None or column not in ("name", "consent")  # those are NOT NULL
            for _score in (-3, 3)
        )
    ]
    ids += [cid for cid, _column, _v in tricky]
    with db.session() as s:
        store_points(
            s,
            ids[3],
            ContactPoints(
                emails=[Point("di@example.org", kind="work", primary=True), Point("d2@x.org")],
                phones=[Point("+49 2", kind="mobile")],
            ),
        )
        store_points(  # several of each, tricky ones among them
            s,
            ids[4],
            ContactPoints(
                emails=[Point("ed@example.org", primary=True), Point("=e@x.org"), Point("e3@x")],
                phones=[Point("+1, 2", kind="work"), Point('-3 "x"')],
                addresses=[
                    Point(street="Main St 1\nBack door", city="=City", primary=True),
                    Point(street="@2", po_box="-", region="R,1", postcode="\t9", country="Ö"),
                ],
            ),
        )
    # times as SQLite keeps them: whole seconds, a fraction, text an older Winnow left, before
    # 1970, near the end of the range, and around daylight-saving changes
    times: list[object] = [1_700_000_000.25, "2024-03-31 00:59:59", -2_500_000_000, 32_503_679_999]
    times += [1_711_846_800 + d for d in (-901, -900, -1, 0, 59, 60, 899, 900)]  # 2024-03-31 01:00
    times += [rng.randrange(0, 2**32) for _ in range(60)]
    others = [
        '["ANN@example.org ", "b@example.org", "", null, 5, "b@example.org"]',
        "[]",
        "x",
        '["=x@y", "a,b@c", "q\\"@d"]',
    ]
    # scores: none, negative (not a formula), a fraction and a text (written as safe_cell does)
    scores: list[object] = [None, -7, 0, 12, -30, 2.5, "-abc", 99]
    con = sqlite3.connect(db_path)
    for i, cid in enumerate(ids):
        con.execute(
            "UPDATE contacts SET created_at = ?, other_emails = ?, consent = ?, score = ?,"
            " extra = ?, tags = ? WHERE id = ?",
            (
                times[i % len(times)],
                others[i % len(others)] if i % 4 else None,
                "" if i % 5 == 0 else "granted",
                scores[i % len(scores)] if i % 3 else i - 30,
                '{"Fax": "=1", "Note": "a\\n\\nb", "x,y": "\\"q\\""}' if i % 7 == 0 else None,
                "+tag" if i % 2 else None,
                cid,
            ),
        )
    for i, (cid, column, value) in enumerate(tricky):
        # each with a negative score among the cells (not a formula) and with a positive one
        con.execute(
            f"UPDATE contacts SET {column} = ?, score = ? WHERE id = ?",
            (value, -3 if i % 2 else 3, cid),
        )
    con.execute("UPDATE contacts SET company = ? WHERE id = ?", (b"a blob", ids[1]))
    con.execute("UPDATE stages SET name = '=Won, \"really\"' WHERE key = 'won'")
    con.commit()
    con.close()
    monkeypatch.setattr(records, "PAGE", 16)  # pages of rows of every kind

    def general(counts: dict[str, int]) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        for r in records.iter_records(db, ContactQuery()):
            writer.writerow(safe_cells([*csv_values(r, local_text), *list_values(r, counts)]))
        return out.getvalue()

    made = 0
    for zone in ZONES:
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        for counts in ({}, {EMAIL: 1}, {EMAIL: 4, PHONE: 2, ADDRESS: 2}):
            fast = io.StringIO()
            local = LocalTimes()
            for reader, rows in records.iter_pages(db, ContactQuery(), blanks=True):
                assert reader.stored_times
                made += write_csv_page(fast, reader, rows, local, counts)
            expected = general(counts)
            assert fast.getvalue().splitlines(True) == expected.splitlines(True), zone
            assert fast.getvalue() == expected
            if counts.get(ADDRESS):  # the stored lists, not the row's: a kind, a street
                assert ",* work,di@example.org," in expected and ',"Main St 1\n' in expected
    assert made == len(ZONES) * 3 * len(ids)
    # written out a few lines at a time within a page: the same
    monkeypatch.setattr(writers, "_HELD_CHARS", 200)
    fast = io.StringIO()
    for reader, rows in records.iter_pages(db, ContactQuery(), blanks=True):
        write_csv_page(fast, reader, rows, LocalTimes(), {EMAIL: 1})
    assert fast.getvalue() == general({EMAIL: 1})
    monkeypatch.setattr(writers, "_HELD_CHARS", 1 << 20)
    # more contacts with lists than are read at once: asked a page at a time, the same
    monkeypatch.setattr(records, "FEW_LISTED", 1)
    fast = io.StringIO()
    for reader, rows in records.iter_pages(db, ContactQuery(), blanks=True):
        write_csv_page(fast, reader, rows, LocalTimes(), {EMAIL: 1, ADDRESS: 2})
    assert reader._listed is None
    assert fast.getvalue() == general({EMAIL: 1, ADDRESS: 2})
    assert ",* work,di@example.org," in fast.getvalue() and ',"Main St 1\n' in fast.getvalue()
    monkeypatch.setattr(records, "FEW_LISTED", 50_000)

    # and the whole file, its columns from the lists the contacts have (most_points reads
    # other_emails as JSON in SQL: not JSON there is another matter)
    con = sqlite3.connect(db_path)
    con.execute("UPDATE contacts SET other_emails = '[\"x\"]' WHERE other_emails = 'x'")
    con.commit()
    con.close()
    counts = most_points(db)
    assert counts[EMAIL] >= 3 and counts[PHONE] == counts[ADDRESS] == 2
    header = io.StringIO()
    csv.writer(header, lineterminator="\r\n").writerow([*CSV_HEADERS, *list_headers(counts)])
    for zone in ("UTC", "Europe/Berlin"):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        export_contacts(db, db_path.with_name("all.csv"))
        whole = "\ufeff" + header.getvalue() + general(counts)
        assert db_path.with_name("all.csv").read_bytes() == whole.encode(), zone
    monkeypatch.undo()
    time.tzset()


@pytest.mark.sqlite_only
def test_a_page_of_long_notes_is_written_as_it_goes(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Notes just short of the streamed length are in the page's rows; the page's lines are
    written every megabyte or so, not held whole beside them."""
    from app.exporting import writers
    from app.exporting.writers import LocalTimes, write_csv_page

    note = ("Long, long note. " * 20_000)[:300_000]  # a comma: the csv module's row
    for i in range(8):
        _set_note(db, create_contact(db, first_name=f"N{i}"), f"{i} {note}")
        _set_note(db, create_contact(db, first_name=f"M{i}"), f"{i} {note}".replace(",", ";"))

    class Recording(io.StringIO):
        most = 0

        def write(self, text: str) -> int:
            self.most = max(self.most, len(text))
            return super().write(text)

    out = Recording()
    pages = 0
    for reader, rows in records.iter_pages(db, ContactQuery(), blanks=True):
        write_csv_page(out, reader, rows, LocalTimes(), {})
        pages += 1
    assert pages == 1
    assert len(out.getvalue()) > 16 * 300_000
    assert out.most < writers._HELD_CHARS + 2 * 300_100
    export_contacts(db, tmp_path / "long.csv")
    assert (tmp_path / "long.csv").read_bytes() == b"\xef\xbb\xbf" + _header_and(out.getvalue())


def _header_and(text: str) -> bytes:
    from app.exporting.writers import CSV_HEADERS

    return (",".join(CSV_HEADERS) + "\r\n" + text).encode()
