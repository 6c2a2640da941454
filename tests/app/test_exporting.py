"""Exports: CSV that Excel opens right and cannot run, vCard 3.0 that phones read, hand-off."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import vobject
from sqlalchemy import select, update

from app import contacts
from app.cli import main
from app.contacts import ContactQuery, create_contact
from app.errors import UsageError
from app.exporting import ExportCancelled, export_contacts, export_sales_handoff
from app.moves import move_to_stage
from db.engine import Database
from db.models import BantAnswer, BantCriterion, Contact


def _read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 BOM to read UTF-8"
    text = raw[3:].decode("utf-8")
    assert text.split("\n", 1)[0].endswith("\r") and text.endswith("\r\n")  # CRLF records
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    return {
        "juergen": create_contact(
            db,
            first_name="Jürgen",
            last_name="Weißmann",
            email="j.weissmann@acme-maschinen.de",
            company="ACME Maschinen GmbH",
            phone="+49 511 1234567",
            city="Hannover",
            country="Germany",
            title="Werkleiter",
            source="Trade show: Hannover Messe 2026",
        ),
        "francoise": create_contact(
            db,
            first_name="Françoise",
            last_name="Lefèvre",
            email="f.lefevre@exemple-industrie.fr",
            company="Industrie; Lefèvre, et fils",
            notes="Line one\nLine two",
            stage="inquiry",
        ),
        "evil": create_contact(
            db,
            first_name='=HYPERLINK("http://x")',
            last_name="-2+3",
            company="@SUM(A1)",
            title="\tTabbed",
            email="evil@example.org",
        ),
        "ayse": create_contact(
            db,
            first_name="Ayşe",
            last_name="Öztürk",
            company="Öztürk A.Ş.",
            email="ayse@ozturk.com.tr",
            tags="fair, hot lead",
        ),
    }


def test_csv_has_bom_crlf_and_every_name_intact(
    db: Database, people: dict[str, int], tmp_path: Path
) -> None:
    out = tmp_path / "contacts.csv"
    result = export_contacts(db, out, ContactQuery(sort="name", descending=False))
    assert result.written == 4 and result.format == "csv"
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") >= 5
    rows = _read_csv(out)
    by_first = {r["First name"]: r for r in rows}
    assert by_first["Jürgen"]["Last name"] == "Weißmann"
    assert by_first["Jürgen"]["Phone"] == "'+49 511 1234567"  # + would start a formula
    assert by_first["Jürgen"]["Stage"] == "Suspect"
    assert by_first["Jürgen"]["Source"] == "Trade show: Hannover Messe 2026"
    assert by_first["Françoise"]["Company"] == "Industrie; Lefèvre, et fils"
    assert by_first["Françoise"]["Notes"].replace("\r\n", "\n") == "Line one\nLine two"
    assert by_first["Françoise"]["Stage"] == "Inquiry"
    assert by_first["Ayşe"]["Company"] == "Öztürk A.Ş."


def test_csv_cells_never_start_a_formula(
    db: Database, people: dict[str, int], tmp_path: Path
) -> None:
    with db.session() as s:  # stored as an older version or another tool may have left it
        c = s.get(Contact, people["evil"])
        assert c is not None
        c.title = "\tTabbed"
        c.notes = "\r=cmd|' /C calc'!A0"
    out = tmp_path / "contacts.csv"
    export_contacts(db, out)
    rows = _read_csv(out)
    evil = next(r for r in rows if r["E-mail"] == "evil@example.org")
    assert evil["First name"] == '\'=HYPERLINK("http://x")'
    assert evil["Last name"] == "'-2+3"
    assert evil["Company"] == "'@SUM(A1)"
    assert evil["Job title"] == "'\tTabbed"
    assert evil["Notes"].startswith("'\r=cmd")
    for row in rows:
        for value in row.values():
            assert not value or value[0] not in "=+-@\t\r", value


def test_export_filters_by_stage_and_search(
    db: Database, people: dict[str, int], tmp_path: Path
) -> None:
    out = tmp_path / "inquiries.csv"
    assert export_contacts(db, out, ContactQuery(stage_keys=("inquiry",))).written == 1
    assert [r["First name"] for r in _read_csv(out)] == ["Françoise"]
    out2 = tmp_path / "search.csv"
    assert export_contacts(db, out2, ContactQuery(search="weissmann")).written == 1


def test_vcard_3_read_back_by_vobject(db: Database, people: dict[str, int], tmp_path: Path) -> None:
    out = tmp_path / "contacts.vcf"
    result = export_contacts(db, out)
    assert result.written == 4 and result.format == "vcf"
    raw = out.read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    cards = {c.fn.value: c for c in vobject.readComponents(raw.decode("utf-8"))}
    assert set(cards) == {
        "Jürgen Weißmann",
        "Françoise Lefèvre",
        "Ayşe Öztürk",
        '=HYPERLINK("http://x") -2+3',
    }
    jw = cards["Jürgen Weißmann"]
    assert jw.version.value == "3.0"
    assert jw.n.value.family == "Weißmann" and jw.n.value.given == "Jürgen"
    assert jw.email.value == "j.weissmann@acme-maschinen.de"
    assert jw.tel.value == "+49 511 1234567"
    assert jw.adr.value.city == "Hannover" and jw.adr.value.country == "Germany"
    fl = cards["Françoise Lefèvre"]
    assert fl.org.value == ["Industrie; Lefèvre, et fils"]
    assert fl.note.value == "Line one\nLine two"
    assert cards["Ayşe Öztürk"].categories.value == ["fair", "hot lead"]


def test_long_values_fold_without_breaking_characters(db: Database, tmp_path: Path) -> None:
    note = "Größenordnung äöü " * 30
    create_contact(db, first_name="Jürgen", last_name="Weißmann", email="jw@acme.de", notes=note)
    out = tmp_path / "long.vcf"
    export_contacts(db, out)
    raw = out.read_bytes()
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # every folded piece is whole UTF-8
    card = next(vobject.readComponents(raw.decode("utf-8")))
    assert card.note.value == note.strip() or card.note.value == note


def test_marketing_export_leaves_out_contacts_without_consent(
    db: Database, people: dict[str, int], tmp_path: Path
) -> None:
    with db.session() as s:
        c = s.get(Contact, people["ayse"])
        assert c is not None
        c.consent = "granted"
        w = s.get(Contact, people["juergen"])
        assert w is not None
        w.consent = "withdrawn"
    out = tmp_path / "marketing.csv"
    result = export_contacts(db, out, marketing=True)
    assert (result.written, result.left_out) == (1, 3)
    assert [r["First name"] for r in _read_csv(out)] == ["Ayşe"]


def test_unknown_extension_is_a_usage_error(db: Database, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"\.csv or \.vcf"):
        export_contacts(db, tmp_path / "contacts.xlsx")
    assert not (tmp_path / "contacts.xlsx").exists()


def test_cancelled_export_leaves_no_file(demo_db: Database, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    with pytest.raises(ExportCancelled):
        export_contacts(demo_db, out, cancel=lambda: True)
    assert list(tmp_path.glob("*.csv")) == [] and list(tmp_path.glob(".*")) == []


def test_export_streams_the_demo_database(demo_db: Database, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    seen: list[tuple[int, int]] = []
    result = export_contacts(demo_db, out, progress=lambda d, t, _txt="": seen.append((d, t)))
    assert result.written == contacts.count(demo_db, ContactQuery()) == 300
    assert len(_read_csv(out)) == 300
    assert seen and seen[-1] == (300, 300)


def test_handoff_lists_sales_qualified_with_bant(
    db: Database, people: dict[str, int], tmp_path: Path
) -> None:
    from app import operations

    move_to_stage(db, [people["juergen"]], "sql")
    operations.move_contacts(db, [people["ayse"]], "sql", override="asked for a quote")
    move_to_stage(db, [people["francoise"]], "sql")  # not qualified, no override: left out
    with db.session() as s:
        crit = {c.key: c.id for c in s.scalars(select(BantCriterion))}
        for key in ("authority", "need", "timeframe"):
            s.add(BantAnswer(contact_id=people["juergen"], criterion_id=crit[key], answer="yes"))
        s.add(
            BantAnswer(
                contact_id=people["juergen"],
                criterion_id=crit["budget"],
                answer="yes",
                note="=25.000 € approved",
            )
        )
        s.add(
            BantAnswer(
                contact_id=people["ayse"],
                criterion_id=crit["timeframe"],
                answer="no",
                note="next year",
            )
        )
    out = tmp_path / "handoff.csv"
    result = export_sales_handoff(db, out)
    assert (result.written, result.left_out) == (2, 1)
    assert "1 left out: not qualified and no override recorded" in result.note
    rows = {r["Name"]: r for r in _read_csv(out)}
    assert set(rows) == {"Jürgen Weißmann", "Ayşe Öztürk"}
    jw = rows["Jürgen Weißmann"]
    assert jw["Budget"] == "yes" and jw["Budget: note"] == "'=25.000 € approved"
    assert jw["All required criteria met"] == "yes"
    ay = rows["Ayşe Öztürk"]
    assert ay["Timeframe"] == "no" and ay["Timeframe: note"] == "next year"
    assert ay["Budget"] == "unknown" and ay["All required criteria met"] == "no"
    assert ay["Override"] == "Override: asked for a quote"


def test_cli_export(
    db: Database,
    db_url: str,
    people: dict[str, int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "cli.csv"
    assert main(["export", str(out), "--db", db_url, "--stage", "inquiry"]) == 0
    assert "1 contact" in capsys.readouterr().out
    assert [r["First name"] for r in _read_csv(out)] == ["Françoise"]
    assert main(["export", str(tmp_path / "x.pdf"), "--db", db_url]) == 2
    assert ".csv or .vcf" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "x.csv"), "--db", db_url, "--stage", "nope"]) == 2
    vcf = tmp_path / "cli.vcf"
    assert main(["export", str(vcf), "--db", db_url, "--search", "Öztürk"]) == 0
    assert next(vobject.readComponents(vcf.read_text("utf-8"))).fn.value == "Ayşe Öztürk"
    assert main(["export", str(tmp_path / "m.csv"), "--db", db_url, "--marketing"]) == 0
    assert "4 left out" in capsys.readouterr().out


# --- other e-mails stored as text that is not JSON (a hand-edited file, another program) --------

NOT_JSON = ("not json", '{"a":1}', "[1,", "")


def _store_other_emails(db: Database, contact_id: int, raw: str) -> None:
    with db.session() as s:
        s.execute(update(Contact).where(Contact.id == contact_id).values(other_emails=raw))


def _email_cells(db: Database, contact_id: int, columns: int) -> list[str]:
    """The cells under "E-mail n - Type/Value" as the Python reading of the contact makes them
    (``read_points``, which reads other_emails that are not JSON as none)."""
    from app.points import read_points

    with db.session() as s:
        emails = read_points(s, [contact_id])[contact_id].emails
    cells: list[str] = []
    for p in emails[:columns]:
        kind = p.kind or "other"
        cells += [f"* {kind}" if p.primary else kind, p.value]
    return cells + [""] * (2 * columns - len(cells))


@pytest.mark.parametrize("odd", NOT_JSON)
def test_other_emails_that_are_not_json_do_not_stop_an_export(
    db: Database, db_url: str, tmp_path: Path, odd: str, capsys: pytest.CaptureFixture[str]
) -> None:
    odd_id = create_contact(db, first_name="Odd", last_name="One", email="odd@example.org")
    listed = create_contact(db, first_name="Listed", last_name="Two", email="l1@example.org")
    _store_other_emails(db, odd_id, odd)
    _store_other_emails(db, listed, '["l2@example.org", "l3@example.org"]')

    out = tmp_path / "all.csv"
    assert export_contacts(db, out).written == 2
    rows = {r["First name"]: r for r in _read_csv(out)}
    assert set(rows) == {"Odd", "Listed"}
    e_mail_columns = [k for k in rows["Odd"] if k.startswith("E-mail ") and " - " in k]
    assert len(e_mail_columns) == 2 * 3  # the listed contact's three; the odd text counts none
    for name, cid in (("Odd", odd_id), ("Listed", listed)):
        assert [rows[name][k] for k in e_mail_columns] == _email_cells(db, cid, 3), name
    assert rows["Odd"]["E-mail"] == "odd@example.org" and rows["Odd"]["Other e-mails"] == ""

    vcf = tmp_path / "all.vcf"
    assert export_contacts(db, vcf).written == 2
    cards = {c.fn.value: c for c in vobject.readComponents(vcf.read_text("utf-8"))}
    assert [e.value for e in cards["Odd One"].contents["email"]] == ["odd@example.org"]

    cli_out = tmp_path / "cli.csv"
    assert main(["export", str(cli_out), "--db", db_url]) == 0
    assert "2 contacts" in capsys.readouterr().out
    assert _read_csv(cli_out) == _read_csv(out)


def test_most_points_counts_other_emails_as_python_reads_them(db: Database) -> None:
    """Every stored text counts as the list it holds (as ``json_array_length`` counts), and
    as none where it is not JSON or not a JSON array, as the Python reading makes it; the
    same on both databases, whichever way they count."""
    from app.points import EMAIL, _array_length, _json_list, most_points

    cid = create_contact(db, first_name="No e-mail of its own")
    texts = {
        **{odd: 0 for odd in NOT_JSON},
        "5": 0,
        '"x@example.org"': 0,
        "null": 0,
        "[]": 0,
        "['a@example.org']": 0,
        '["a@example.org",]': 0,
        '["a@example.org"] and more': 0,
        '["tab\there"]': 0,  # a control character in a string: not JSON
        '["a@example.org"]': 1,
        ' [ "a@example.org" ,\n "b@example.org" ] ': 2,
        '["a@example.org", null, 5]': 3,
        '[["a@example.org"]]': 1,
        '["d\\u00e9@example.org", "\\ud83d\\ude00@example.org", "\\"q\\"@x.org"]': 3,
        '["\\ud800@example.org"]': 1,
        '["\x7f", "\u00e9\u4e2d@example.org"]': 2,
    }
    for raw, expected in texts.items():
        assert _array_length(raw) == expected >= len(_json_list(raw)), raw
        _store_other_emails(db, cid, raw)
        assert most_points(db)[EMAIL] == expected, raw


def test_the_lists_the_app_writes_are_counted_in_sql(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The common case stays in SQL: no stored text is read in Python when every one is a
    list the app wrote (the export of a million contacts asks for this count)."""
    import json

    from app import points

    lists = [
        ["a@example.org"],
        ["é中😀@example.org", 'q"uote\\@example.org', "line\nbreak@example.org"],
        [],
    ]
    for i, values in enumerate(lists):
        cid = create_contact(db, first_name=f"Listed {i}")
        _store_other_emails(db, cid, json.dumps(values, ensure_ascii=False))

    def not_in_python(_raw: str | None) -> int:
        raise AssertionError("a stored text was counted in Python")

    monkeypatch.setattr(points, "_array_length", not_in_python)
    assert points.most_points(db)[points.EMAIL] == 3
