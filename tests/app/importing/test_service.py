"""The import service: names intact, duplicates, policies, bad rows, batches, one transaction."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy import text as sql

from app.cli import main
from app.contacts import (
    ContactDetail,
    ContactQuery,
    count,
    create_contact,
    get_contact,
    list_rows,
)
from app.errors import UnknownStage, UsageError, WinnowError
from app.importing.batches import batch_report, list_batches, undo_import
from app.importing.readers import ImportFileError
from app.importing.service import ImportCancelled, import_file
from db.engine import Database
from db.models import Contact, StageChange
from tests.app.importing.service_fixtures import (
    BADGE_HEADERS,
    JURGEN_ROW,
    badge_list,
    contacts_table,
    counts,
    write_csv,
)

SHOW = "Trade show: Hannover Messe 2026"


def _by_email(db: Database) -> dict[str, ContactDetail]:
    rows = list_rows(db, ContactQuery(sort="name", descending=False))
    return {r.email or r.name: get_contact(db, r.id) for r in rows}


def test_badge_list_imports_with_every_name_intact(db: Database, tmp_path: Path) -> None:
    report = import_file(db, badge_list(tmp_path / "badges.csv"), source=SHOW)
    assert (report.read, report.imported, report.updated, report.skipped) == (3, 3, 0, 0)
    assert report.rejected == [] and report.warnings == []
    assert report.format == "csv" and report.delimiter == ","
    assert report.mapping["First Name"] == "first_name"
    people = _by_email(db)
    jw = people["j.weissmann@acme-maschinen.de"]
    assert (jw.first_name, jw.last_name, jw.name) == ("Jürgen", "Weißmann", "Jürgen Weißmann")
    assert jw.company == "ACME Maschinen GmbH" and jw.title == "Werkleiter"
    assert jw.phone == "+49 511 1234567"
    assert jw.stage_key == "suspect" and jw.source == SHOW
    assert jw.import_batch_id == report.batch_id
    assert people["f.lefevre@exemple-industrie.fr"].name == "Françoise Lefèvre"
    ay = people["ayse.ozturk@ozturk.com.tr"]
    assert (ay.name, ay.company, ay.city) == ("Ayşe Öztürk", "Öztürk Makina A.Ş.", "İstanbul")
    assert ay.domain == "ozturk.com.tr" and ay.email_normalized == "ayse.ozturk@ozturk.com.tr"
    with db.session() as s:  # every new contact has its first stage change
        reasons = list(s.scalars(select(StageChange.reason)))
    assert reasons == [f"Imported: {SHOW}"] * 3


def test_times_are_stored_the_way_every_other_write_stores_them(
    db: Database, tmp_path: Path
) -> None:
    """Rows go to SQLite without the ORM; their times must still read back and compare in SQL
    like those the ORM writes (the batch row is one of those)."""
    report = import_file(db, badge_list(tmp_path / "badges.csv"), source=SHOW)
    with db.session() as s:
        stored = s.execute(
            sql(
                "SELECT c.created_at, c.updated_at, c.stage_changed_at, sc.at, b.created_at "
                "FROM contacts c JOIN import_batches b ON b.id = c.import_batch_id "
                "JOIN stage_changes sc ON sc.contact_id = c.id"
            )
        ).all()
    assert len(stored) == 3
    assert all(len(set(row)) == 1 for row in stored)
    assert report.batch_id is not None


def test_second_import_of_the_same_file_adds_nothing(db: Database, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "linkedin.csv",
        ["First Name", "Last Name", "Email Address", "Company", "Position"],
        [
            ["Jürgen", "Weißmann", "", "ACME Maschinen GmbH", "Werkleiter"],
            ["Françoise", "Lefèvre", "F.Lefevre@Exemple-Industrie.fr", "Exemple Industrie", ""],
        ],
    )
    first = import_file(db, path)
    before = contacts_table(db)
    for policy in ("skip", "fill", "overwrite"):
        again = import_file(db, path, on_duplicate=policy)
        assert (again.imported, again.updated, again.skipped) == (0, 0, 2), policy
        assert contacts_table(db) == before
    assert first.imported == 2


def test_duplicates_judged_on_the_normalised_email(db: Database, tmp_path: Path) -> None:
    known = create_contact(
        db,
        first_name="Jürgen",
        last_name="Weißmann",
        email="j.weissmann@acme-maschinen.de",
        title="Einkauf",
    )
    path = write_csv(
        tmp_path / "dupes.csv",
        BADGE_HEADERS,
        [
            [
                "Jürgen",
                "Weißmann",
                "  J.Weissmann@ACME-Maschinen.DE ",
                "ACME",
                "Werkleiter",
                "",
                "",
            ],
            ["Anna", "Müller", "anna.mueller@kunde.de", "Kunde AG", "", "", ""],
            ["Anna", "Müller", "ANNA.MUELLER@kunde.de", "Kunde AG", "CEO", "", "Köln"],
        ],
    )
    report = import_file(db, path)
    assert (report.read, report.imported, report.updated, report.skipped) == (3, 1, 0, 2)
    assert report.warnings[0].row == 4
    assert "same e-mail address as row 3" in report.warnings[0].reason
    assert get_contact(db, known).title == "Einkauf"  # skip leaves the known contact alone


def test_fill_only_fills_empty_fields_and_overwrite_replaces(db: Database, tmp_path: Path) -> None:
    known = create_contact(
        db,
        first_name="Jürgen",
        last_name="Weißmann",
        email="j.weissmann@acme-maschinen.de",
        title="Einkauf",
    )
    path = write_csv(
        tmp_path / "update.csv",
        BADGE_HEADERS,
        [
            JURGEN_ROW,
        ],
    )
    fill = import_file(db, path, on_duplicate="fill")
    assert (fill.imported, fill.updated) == (0, 1)
    c = get_contact(db, known)
    assert (c.title, c.company, c.city) == ("Einkauf", "ACME Maschinen GmbH", "Hannover")
    over = import_file(db, path.rename(tmp_path / "update2.csv"), on_duplicate="overwrite")
    assert (over.imported, over.updated) == (0, 1)
    assert get_contact(db, known).title == "Werkleiter"
    assert get_contact(db, known).stage_key == "suspect"


def test_duplicates_across_chunks_of_a_big_file(db: Database, tmp_path: Path) -> None:
    rows = [
        [f"Name{i}", f"Last{i}", f"p{i}@firma{i % 50}.de", f"Firma {i % 50}", "", "", ""]
        for i in range(4500)
    ]
    rows += [
        [f"Name{i}", f"Last{i}", f"P{i}@FIRMA{i % 50}.de", "", "Boss", "", "Ulm"]
        for i in range(0, 4500, 3)
    ]  # 1,500 repeats far below their first row
    report = import_file(
        db, write_csv(tmp_path / "big.csv", BADGE_HEADERS, rows), on_duplicate="fill"
    )
    assert (report.read, report.imported, report.skipped) == (6000, 4500, 1500)
    assert len(report.warnings) == 1500
    c = get_contact(db, list_rows(db, ContactQuery(search="p2997@firma47.de"))[0].id)
    assert (c.title, c.city, c.company) == ("Boss", "Ulm", "Firma 47")


def test_search_finds_every_imported_contact_by_its_latest_values(
    db: Database, tmp_path: Path
) -> None:
    """New rows reach the full-text index chunk by chunk (in one statement each); a later row
    of the file that renames a contact of an earlier chunk must leave no stale entry."""
    rows = [
        [
            f"Vor{i}",
            f"Zuname{i}",
            f"p{i}@firma{i % 50}.de",
            f"Firma{i % 50} GmbH",
            "Einkauf",
            "",
            "",
        ]
        for i in range(4500)
    ]
    rows += [
        [f"Neu{i}", f"Zuname{i}", f"P{i}@FIRMA{i % 50}.de", f"Werk{i}", "Werkleiter", "", "Ulm"]
        for i in range(0, 4500, 450)
    ]  # renames far below their first row, after its chunk was written
    report = import_file(
        db, write_csv(tmp_path / "big.csv", BADGE_HEADERS, rows), on_duplicate="overwrite"
    )
    assert (report.imported, report.skipped) == (4500, 10) and report.batch_id is not None

    def found(text: str) -> list[str]:
        return sorted(r.email or "" for r in list_rows(db, ContactQuery(search=text)))

    assert count(db, ContactQuery(search="Zuname*")) == 4500
    assert count(db, ContactQuery(search="Firma7")) == 90
    assert found("Zuname4321") == ["p4321@firma21.de"]
    assert found("Neu900") == ["P900@FIRMA0.de"]
    assert found("Vor900") == [] and found("Werk900") == ["P900@FIRMA0.de"]
    assert count(db, ContactQuery(search="Werkleiter")) == 10
    assert count(db, ContactQuery(search="Einkauf")) == 4490
    undo_import(db, report.batch_id)
    assert count(db, ContactQuery(search="Zuname*")) == 0
    create_contact(db, first_name="Vor900", email="vor900@firma0.de")
    assert found("Vor900") == ["vor900@firma0.de"]


def test_bad_rows_rejected_blank_rows_ignored_invalid_email_warned(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "messy.csv"
    path.write_text(
        "First Name,Last Name,Email,Company,Phone\r\n"
        "Jürgen,Weißmann,j.weissmann@acme,ACME,\r\n"  # row 2: invalid address
        ",,,,\r\n"  # row 3: blank
        ",,,,+49 30 1234567\r\n"  # row 4: only a phone number
        ",,,Öztürk Makina,\r\n"  # row 5: a company alone is enough
        ",,ayse@@ozturk.com.tr,,\r\n",  # row 6: only an invalid e-mail: still a person
        encoding="utf-8",
    )
    report = import_file(db, path)
    assert report.read == 4
    assert [(r.row, r.reason) for r in report.rejected] == [
        (4, "no name, e-mail address or company")
    ]
    assert [w.row for w in report.warnings] == [2, 6]
    assert "j.weissmann@acme" in report.warnings[0].reason
    assert "period" in report.warnings[0].reason or "domain" in report.warnings[0].reason
    assert report.imported == 3
    jw = next(r for r in list_rows(db, ContactQuery()) if r.name == "Jürgen Weißmann")
    assert jw.email == "j.weissmann@acme" and jw.domain_class == "invalid"


@pytest.mark.parametrize(
    "content", [b"", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(300), b"\n\n\r\n"]
)
def test_a_file_that_is_not_a_table_writes_nothing(
    db: Database, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "not-a-list.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError):
        import_file(db, path)
    assert counts(db) == {"contacts": 0, "batches": 0, "changes": 0, "stage_changes": 0}


def test_cancel_leaves_nothing(db: Database, tmp_path: Path) -> None:
    rows = [[f"N{i}", "X", f"n{i}@x-firma.de", "X", "", "", ""] for i in range(5000)]
    path = write_csv(tmp_path / "big.csv", BADGE_HEADERS, rows)
    calls: list[int] = []

    def cancel_after_first_chunk() -> bool:
        calls.append(1)
        return len(calls) > 1

    with pytest.raises(ImportCancelled):
        import_file(db, path, cancel=cancel_after_first_chunk)
    assert counts(db) == {"contacts": 0, "batches": 0, "changes": 0, "stage_changes": 0}


def test_dry_run_counts_everything_and_writes_nothing(db: Database, tmp_path: Path) -> None:
    report = import_file(db, badge_list(tmp_path / "badges.csv"), dry_run=True)
    assert report.batch_id is None and report.imported == 3
    assert counts(db)["contacts"] == 0 and list_batches(db) == []


def test_likely_duplicates_without_email_are_reported_and_imported(
    db: Database, tmp_path: Path
) -> None:
    known = create_contact(db, first_name="Jürgen", last_name="Weißmann", company="ACME GmbH")
    path = write_csv(
        tmp_path / "cards.csv",
        BADGE_HEADERS,
        [
            ["JÜRGEN", "WEISSMANN", "", "acme gmbh", "Werkleiter", "", ""],
            ["Ayşe", "Öztürk", "", "Öztürk Makina", "", "", ""],
            ["Ayse", "Ozturk", "", "Ozturk Makina", "", "+90 212 555 0000", ""],
        ],
    )
    report = import_file(db, path)
    assert report.imported == 3
    dups = [(d.row, d.contact_id) for d in report.likely_duplicates]
    assert dups == [(2, known), (4, None)]
    assert "row 3" in report.likely_duplicates[1].reason


def test_stage_and_source_options(db: Database, tmp_path: Path) -> None:
    path = badge_list(tmp_path / "hannover.csv")
    with pytest.raises(UnknownStage):
        import_file(db, path, stage="nope")
    with pytest.raises(UsageError):
        import_file(db, path, on_duplicate="merge")
    report = import_file(db, path, stage="inquiry")
    rows = list_rows(db, ContactQuery())
    assert {r.stage_key for r in rows} == {"inquiry"}
    # no label: the one rule the wizard uses too, on the contacts and the batch alike
    assert {r.source for r in rows} == {"Hannover"}
    assert list_batches(db)[0].source == "Hannover"
    assert list_batches(db)[0].stage_key == "inquiry" and report.batch_id is not None


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("hannover-messe_2026.csv", "Hannover messe 2026"),
        ("SPS.Nürnberg 2025.xlsx", "SPS Nürnberg 2025"),
        ("contacts.vcf", "Contacts"),
        ("___.csv", "___.csv"),
    ],
)
def test_one_rule_for_the_default_source(name: str, label: str) -> None:
    from app.importing.sources import default_source, source_label

    assert default_source(name) == label  # the wizard's rule too (ui.importing.widgets)
    assert source_label("  Badge   scans ", name) == "Badge scans"
    assert source_label(None, name) == source_label("", name) == label


def test_saved_mapping_is_used_and_checked(db: Database, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "messe.csv",
        ["Vorname", "Nachname", "Kürzel", "Firma"],
        [["Jürgen", "Weißmann", "JW-17", "ACME"]],
        delimiter=";",
        encoding="cp1252",
    )
    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text(json.dumps({"Kürzel": "notes"}), encoding="utf-8")
    report = import_file(db, path, mapping=mapping_file)
    assert report.mapping["Kürzel"] == "notes" and report.mapping["Firma"] == "company"
    assert report.encoding is not None and report.delimiter == ";"
    c = get_contact(db, list_rows(db, ContactQuery())[0].id)
    assert (c.name, c.notes, c.company) == ("Jürgen Weißmann", "JW-17", "ACME")
    with pytest.raises(UsageError, match="not a field"):
        import_file(db, path, mapping={"Firma": "firm"})


def test_unmapped_columns_are_kept_as_extra(db: Database, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "extra.csv",
        ["Email", "Booth visit", "Interested in"],
        [["anna@kunde.de", "Day 2", "Spare parts; service"]],
    )
    import_file(db, path, mapping={"Booth visit": None, "Interested in": None})
    c = get_contact(db, list_rows(db, ContactQuery())[0].id)
    assert c.extra == {"Booth visit": "Day 2", "Interested in": "Spare parts; service"}


def test_every_imported_contact_gets_its_derived_values(db: Database, tmp_path: Path) -> None:
    report = import_file(db, badge_list(tmp_path / "badges.csv"))
    with db.session() as s:
        rows = s.execute(
            select(Contact.id, Contact.score, Contact.domain_class).where(
                Contact.import_batch_id == report.batch_id
            )
        ).all()
    assert len(rows) == 3
    assert all(score is not None and cls for _cid, score, cls in rows)
    # the score's lines, worked out when shown, add up to the stored score
    for cid, score, _cls in rows:
        lines = get_contact(db, cid).score_breakdown
        assert lines and sum(int(line["points"]) for line in lines) == score


def test_batch_records_counts_and_report(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    path.write_text(
        "Name,Email\r\nJürgen Weißmann,jw@acme.de\r\n,\r\nNobody,x@\r\n,,\r\n", encoding="utf-8"
    )
    report = import_file(db, path, source=SHOW)
    (batch,) = list_batches(db)
    assert (batch.id, batch.source, batch.file_name, batch.format) == (
        report.batch_id,
        SHOW,
        "batch.csv",
        "csv",
    )
    assert (batch.read, batch.imported, batch.rejected) == (2, 2, 0)
    stored = batch_report(db, batch.id)
    assert stored.warnings == report.warnings and stored.warnings[0].row == 4


def test_cli_import_json_and_history(
    db: Database, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = badge_list(tmp_path / "badges.csv")
    assert main(["import", str(path), "--db", db_url, "--source", SHOW, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {
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
    }
    assert (data["read"], data["imported"], data["rejected"]) == (3, 3, [])
    assert data["mapping"]["Email"] == "email"
    assert main(["import", str(path), "--db", db_url, "--dry-run", "--json"]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert dry["batch_id"] is None and dry["skipped"] == 3
    assert main(["imports", "--db", db_url, "--json"]) == 0
    (batch,) = json.loads(capsys.readouterr().out)
    assert batch["id"] == data["batch_id"] and batch["source"] == SHOW
    assert main(["import", str(path), "--db", db_url]) == 0
    assert "skipped 3" in capsys.readouterr().out
    assert main(["imports", "--db", db_url]) == 0
    assert "badges.csv" in capsys.readouterr().out


def test_cli_import_errors(
    db: Database, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "photo.csv"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    assert main(["import", str(junk), "--db", db_url]) == 1
    err = capsys.readouterr().err
    assert err.startswith("winnow import: ") and err.count("\n") == 1
    assert main(["import", str(tmp_path / "missing.csv"), "--db", db_url]) == 1  # not there
    path = badge_list(tmp_path / "badges.csv")
    assert main(["import", str(path), "--db", db_url, "--stage", "nope"]) == 2
    assert main(["import", str(path), "--db", db_url, "--on-duplicate", "x"]) == 2
    assert counts(db)["contacts"] == 0
    assert issubclass(ImportFileError, WinnowError)


# --- every real format, end to end ------------------------------------------------------------

SAMPLES = Path(__file__).resolve().parents[3] / "resources" / "samples"
MOJIBAKE = ("Ã", "Â", "ÅŸ", "Ä±", "\ufffd", "â€")
CANONICAL = {
    "Jürgen Weißmann",
    "Françoise Lefèvre",
    "Ayşe Öztürk",
    "José Núñez García",
    "María Peña Ibáñez",
    "Frédéric Gaël",
    "Sven Lindqvist",
}


def _real_files(tmp_path: Path) -> list[Path]:
    from tests.app.importing import export_files as ef

    made = {
        "google.csv": ef.google_current(),
        "google-legacy.csv": ef.google_legacy(),
        "outlook-com.csv": ef.outlook_com_cp1252(),
        "outlook.csv": ef.outlook_desktop(),
        "Connections.csv": ef.linkedin_connections(),
        "badges.csv": ef.badge_scanner_de(),
        "francais.csv": ef.french_excel_short(),
        "espanol.csv": ef.spanish_excel(),
        "stray.csv": ef.utf8_with_stray_byte(),
        "unicode.txt": ef.excel_unicode_text(),
        "android.vcf": ef.android_vcard_21(),
        "apple.vcf": ef.apple_vcard_30(),
        "v4.vcf": ef.vcard_40(),
        "outlook.vcf": ef.outlook_vcard("utf-16-le"),
    }
    paths = []
    for name, data in made.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(path)
    ef.scanner_workbook(tmp_path / "scanner.xlsx")
    paths.append(tmp_path / "scanner.xlsx")
    return paths + sorted(SAMPLES.glob("*.*"))


def test_every_real_format_imports_intact_once_and_undoes(db: Database, tmp_path: Path) -> None:
    files = [p for p in _real_files(tmp_path) if p.suffix != ".py"]
    assert len(files) >= 15
    for path in files:
        empty = contacts_table(db)
        report = import_file(db, path, source=path.name)
        assert report.imported > 0, path.name
        stored = list_rows(db, ContactQuery(batch_id=report.batch_id))
        for row in stored:
            for text in (row.name, row.company or "", row.email or ""):
                assert not any(m in text for m in MOJIBAKE), (path.name, text)
        assert CANONICAL & {r.name for r in stored}, (path.name, sorted(r.name for r in stored))
        again = import_file(db, path, source=path.name)
        assert again.imported == 0 and again.updated == 0, (path.name, again)
        assert report.batch_id is not None and again.batch_id is not None
        undo_import(db, again.batch_id)
        undo_import(db, report.batch_id)
        assert contacts_table(db) == empty, path.name
