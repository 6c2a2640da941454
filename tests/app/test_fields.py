"""One rule per contact field: a value typed into the edit form and the same value in an
imported file are stored the same way, or refused — the form says why, the import leaves the
field empty and warns for the row."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app import contacts
from app.fields import ValidationError, clean_fields, clean_value, field_doubt, head_count
from app.importing.service import import_file
from db.engine import Database, open_database
from db.models import Contact

REFUSED = object()

# (field, value, what is stored — or REFUSED)
TABLE: list[tuple[str, str, Any]] = [
    # company size: grouped digits, ranges and open ends, words around the number
    ("company_size", "250", 250),
    ("company_size", "1 000", 1000),
    ("company_size", "1.000", 1000),
    ("company_size", "1,000", 1000),
    ("company_size", "1'000", 1000),
    ("company_size", "1\u00a0000", 1000),
    ("company_size", "25.000,00", 25000),
    ("company_size", "10-50", 10),
    ("company_size", "50–200", 50),
    ("company_size", "10,000+", 10000),
    ("company_size", "ca. 80", 80),
    ("company_size", "80 employees", 80),
    ("company_size", "12.5", REFUSED),
    ("company_size", "1,5", REFUSED),
    ("company_size", "viele", REFUSED),
    ("company_size", "-5", REFUSED),
    ("company_size", "Q3 2023", REFUSED),
    ("company_size", "200-50", REFUSED),
    ("company_size", "99999999999999999999", REFUSED),
    # website: http(s) only, a bare domain becomes https
    ("website", "acme.de", "https://acme.de"),
    ("website", "www.acme.de/path", "https://www.acme.de/path"),
    ("website", "http://acme.de", "http://acme.de"),
    ("website", "HTTPS://Acme.DE/Kontakt", "https://acme.de/Kontakt"),
    ("website", "file:///etc/passwd", REFUSED),
    ("website", "file://host/share/payload.exe", REFUSED),
    ("website", "smb://host/share", REFUSED),
    ("website", "javascript:alert(1)", REFUSED),
    ("website", "vbscript:msgbox(1)", REFUSED),
    ("website", "data:text/html,<script>alert(1)</script>", REFUSED),
    ("website", "ftp://acme.de", REFUSED),
    ("website", "/etc/passwd", REFUSED),
    ("website", "C:\\x.exe", REFUSED),
    ("website", "\\\\host\\share", REFUSED),
    ("website", "http://", REFUSED),
    ("website", "http://user:pass@acme.de", REFUSED),
    ("website", "http://192.168.0.1", REFUSED),
    # phone: international format when it parses, else as typed (never refused)
    ("phone", "+49 511 1234567", "+49 511 1234567"),
    ("phone", "+495111234567", "+49 511 1234567"),
    ("phone", "+1 (415) 555-2671", "+1 415-555-2671"),
    ("phone", "ask reception", "ask reception"),
    # e-mail: one address; a doubtful one is stored (go-look marks it invalid)
    ("email", "Anna.Weiss@Acme-Widgets.de", "Anna.Weiss@Acme-Widgets.de"),
    ("email", "mailto:ben@acme-widgets.de", "ben@acme-widgets.de"),
    ("email", "<cem@acme-widgets.de>", "cem@acme-widgets.de"),
    ("email", "anna@acme", "anna@acme"),
    ("email", "not an address", REFUSED),
    ("email", "anna@", REFUSED),
    # text: one line
    ("title", "  Head\tof   Purchasing ", "Head of Purchasing"),
    ("city", "Göteborg", "Göteborg"),
]

# the columns of the imported file and the field each one is mapped to
COLUMNS = {
    "First Name": "first_name",
    "Company": "company",
    "E-mail": "email",
    "Phone": "phone",
    "Website": "website",
    "Employees": "company_size",
    "Job Title": "title",
    "City": "city",
}
# how an import warning names each field
WARNING_WORDS = {
    "company_size": "company size",
    "website": "website",
    "email": "e-mail",
    "phone": "phone",
    "title": "job title",
    "city": "city",
}


def _through_the_form(db: Database) -> list[Any]:
    """Each value saved on a contact as the edit form saves it."""
    outcomes: list[Any] = []
    for i, (field, value, _expected) in enumerate(TABLE):
        cid = contacts.create_contact(db, first_name=f"Edit{i}", company="Edit GmbH")
        try:
            contacts.update_contact(db, cid, **{field: value})
        except ValidationError as exc:
            assert exc.field == field
            outcomes.append(REFUSED)
            continue
        outcomes.append(getattr(contacts.get_contact(db, cid), field))
    return outcomes


def _through_an_import(db: Database, tmp_path: Path) -> tuple[list[Any], dict[int, Any]]:
    """Each value in a row of its own in a CSV file, imported; a value the import left out
    counts as refused only when the row's warnings name its field."""
    path = tmp_path / "values.csv"
    field_column = {f: c for c, f in COLUMNS.items()}
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for i, (field, value, _expected) in enumerate(TABLE):
            row = dict.fromkeys(COLUMNS, "")
            row["First Name"], row["Company"] = f"Row{i}", "Import GmbH"
            row[field_column[field]] = value
            writer.writerow(row.values())
    report = import_file(db, path, mapping=dict(COLUMNS))
    assert report.rejected == []
    warnings: dict[int, list[str]] = {}
    for issue in report.warnings:
        warnings.setdefault(issue.row, []).append(issue.reason.lower())
    with db.session() as s:
        ids = {name: cid for name, cid in s.execute(select(Contact.first_name, Contact.id))}
    outcomes: list[Any] = []
    details: dict[int, Any] = {}
    for i, (field, _value, _expected) in enumerate(TABLE):
        stored = contacts.get_contact(db, ids[f"Row{i}"])
        details[i] = stored
        value = getattr(stored, field)
        row_warnings = warnings.get(i + 2, [])  # row 1 is the header
        if value is None and any(WARNING_WORDS[field] in w for w in row_warnings):
            outcomes.append(REFUSED)
        else:
            outcomes.append(value)
    return outcomes, details


def test_the_form_and_the_import_store_every_value_alike(db: Database, tmp_path: Path) -> None:
    expected = [stored for _field, _value, stored in TABLE]
    by_form = _through_the_form(db)
    other = open_database(tmp_path / "imported.sqlite")  # the import's e-mails are new there
    try:
        by_import, _details = _through_an_import(other, tmp_path)
    finally:
        other.close()

    def shown(outcomes: list[Any]) -> list[tuple[str, str, Any]]:
        return [
            (f, v, "REFUSED" if o is REFUSED else o)
            for (f, v, _e), o in zip(TABLE, outcomes, strict=True)
        ]

    assert shown(by_form) == shown(expected)
    assert shown(by_import) == shown(expected)


def test_a_refused_website_is_not_kept_anywhere_on_the_contact(
    db: Database, tmp_path: Path
) -> None:
    _outcomes, details = _through_an_import(db, tmp_path)
    for i, (field, value, expected) in enumerate(TABLE):
        if field == "website" and expected is REFUSED:
            assert details[i].website is None
            assert value not in details[i].extra.values()


def test_a_doubtful_address_is_stored_flagged_and_questioned(db: Database) -> None:
    cid = contacts.create_contact(db, first_name="Anna", email="anna@acme")
    stored = contacts.get_contact(db, cid)
    assert stored.email == "anna@acme" and stored.domain_class == "invalid"
    assert field_doubt("email", "anna@acme")
    assert field_doubt("email", "anna@acme-widgets.de") is None
    assert field_doubt("city", "anna@acme") is None


def test_clean_fields_names_the_refused_field() -> None:
    assert clean_fields({"city": " Köln ", "company_size": "1 000", "notes": "a\r\nb "}) == {
        "city": "Köln",
        "company_size": 1000,
        "notes": "a\nb",
    }
    with pytest.raises(ValidationError) as err:
        clean_fields({"city": "Köln", "website": "file:///etc/passwd"})
    assert err.value.field == "website"
    assert str(err.value).startswith("Website: not a web address (a file: link")
    with pytest.raises(ValidationError, match="not an editable field"):
        clean_value("score", 3)


@pytest.mark.parametrize(
    ("value", "stored"),
    [(1200, 1200), (0, 0), (12.0, 12), ("", None), ("  ", None), (None, None)],
)
def test_head_counts_given_as_numbers(value: Any, stored: int | None) -> None:
    assert clean_value("company_size", value) == stored


@pytest.mark.parametrize("value", [-1, True, 12.5, 10**12])
def test_head_counts_refused_as_numbers(value: Any) -> None:
    with pytest.raises(ValidationError):
        clean_value("company_size", value)


def test_the_head_count_reasons() -> None:
    with pytest.raises(ValueError, match="negative"):
        head_count("-5")
    with pytest.raises(ValueError, match="not a whole number"):
        head_count("12.5")
    with pytest.raises(ValueError, match="smaller number to the larger"):
        head_count("200-50")


def test_day_first_dates_with_dots_are_read_and_ambiguous_slashes_refused() -> None:
    """German, Dutch, Polish exports write "20.11.2026": never ambiguous; "03/04/2026" is."""
    from app.fields import ValidationError, clean_value
    from app.timeutil import parse_iso

    assert clean_value("received_at", "20.11.2026") == parse_iso("2026-11-20")
    assert clean_value("received_at", " 20.11.2026  14:05 ") == parse_iso("2026-11-20T14:05")
    assert clean_value("received_at", "20.11.26") == parse_iso("2026-11-20")
    for refused in ("03/04/2026", "31.02.2026", "20.11.0999"):
        try:
            clean_value("received_at", refused)
        except ValidationError:
            continue
        raise AssertionError(f"{refused!r} was read as a date")


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("2026/11/20", "2026-11-20"),  # year first
        ("20/11/2026", "2026-11-20"),  # day first: 20 cannot be a month
        ("11/20/2026", "2026-11-20"),  # month first (US exports)
        ("11/20/2026 14:05", "2026-11-20T14:05"),
        ("20/11/26", "2026-11-20"),
        ("07/07/2026", "2026-07-07"),  # either way the same day
        ("12 Mar 2024", "2024-03-12"),  # LinkedIn's "Connected On"
        ("March 12, 2024", "2024-03-12"),
        ("Tue, 12 Mar 2024 09:30", "2024-03-12T09:30"),
    ],
)
def test_dates_as_exports_write_them(written: str, iso: str) -> None:
    from app.timeutil import parse_iso

    assert clean_value("received_at", written) == parse_iso(iso)


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("03/04/2026", "2026-04-03 or 2026-03-04"),  # both readings named
        ("31/02/2026", "not a date"),
        ("sometime in March", "not an ISO 8601"),
        ("March", "not an ISO 8601"),  # no day, no year: not guessed
    ],
)
def test_dates_that_are_not_read_say_why(written: str, says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        clean_value("received_at", written)
