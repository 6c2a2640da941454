"""Column mapping: headers of real exports guessed right, rows turned into exact field values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given
from hypothesis import strategies as st

import resources
from app.importing.headers import HEADER_TABLE, SYNONYMS, normalize_header
from app.importing.mapping import (
    FIELDS,
    MappedRow,
    MappingFileError,
    apply_mapping,
    guess_mapping,
    load_mapping,
    save_mapping,
)
from app.importing.points import ContactPoint
from app.importing.readers import open_table
from app.importing.values import email_problem, whole_number
from tests.app.importing import export_files as ef


def mapped_file(tmp_path: Path, name: str, data: bytes | None = None) -> list[MappedRow]:
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    table = open_table(path)
    mapping = guess_mapping(table.headers)
    return [apply_mapping(table.headers, cells, mapping) for _n, cells in table.rows()]


def fields_of(mapping: dict[str, str | None]) -> dict[str, str]:
    return {h: f for h, f in mapping.items() if f}


# --- guessing -------------------------------------------------------------------------------


def test_header_normalisation() -> None:
    assert normalize_header("E-Mail 2: Adresse") == "email2adresse"
    assert normalize_header("  Prénom ") == "prenom"
    assert normalize_header("Straße") == "strasse"
    assert normalize_header("No. of Employees") == "noofemployees"


def test_no_header_means_two_fields() -> None:
    seen: dict[str, str] = {}
    for field_key, names in SYNONYMS.items():
        for name in names:
            key = normalize_header(name)
            assert seen.setdefault(key, field_key) == field_key, name
    assert set(HEADER_TABLE.values()) <= set(FIELDS)


def test_google_current_headers() -> None:
    mapping = guess_mapping(ef.GOOGLE_CURRENT_HEADER.split(","))
    assert fields_of(mapping) == {
        "First Name": "first_name",
        "Last Name": "last_name",
        "Organization Name": "company",
        "Organization Title": "title",
        "Organization Department": "department",
        "File As": "name",
        "Notes": "notes",
        "Labels": "tags",
        "E-mail 1 - Label": "label",
        "E-mail 1 - Value": "email",
        "Phone 1 - Label": "label",
        "Phone 1 - Value": "phone",
        "Address 1 - Label": "label",
        "Address 1 - Formatted": "address",
        "Address 1 - Street": "street",
        "Address 1 - City": "city",
        "Address 1 - PO Box": "po_box",
        "Address 1 - Region": "region",
        "Address 1 - Postal Code": "postcode",
        "Address 1 - Country": "country",
        "Address 1 - Extended Address": "street",
        "Website 1 - Label": "label",
        "Website 1 - Value": "website",
    }
    assert guess_mapping(["E-mail 2 - Value", "Phone 3 - Value"]) == {
        "E-mail 2 - Value": "email",
        "Phone 3 - Value": "phone",
    }


def test_google_legacy_headers() -> None:
    mapping = guess_mapping(ef.GOOGLE_LEGACY_HEADER.split(","))
    assert mapping["Name"] == "name"
    assert mapping["Given Name"] == "first_name"
    assert mapping["Family Name"] == "last_name"
    assert mapping["Organization 1 - Name"] == "company"
    assert mapping["Organization 1 - Title"] == "title"
    assert mapping["Group Membership"] == "tags"
    assert mapping["E-mail 1 - Value"] == "email"
    assert mapping["Additional Name"] is None


def test_outlook_title_is_the_salutation_when_there_is_a_job_title() -> None:
    outlook_com = guess_mapping(ef.OUTLOOK_COM_HEADER.split(","))
    assert outlook_com["Title"] is None
    assert outlook_com["Job Title"] == "title"
    assert outlook_com["E-mail 2 Address"] == "email"
    assert outlook_com["Mobile Phone"] == "mobile"
    assert outlook_com["Business Country/Region"] == "country"
    assert outlook_com["Personal Web Page"] == "website"
    assert outlook_com["Business Street"] == "street"
    assert outlook_com["Home Postal Code"] == "postcode"
    assert outlook_com["Business Fax"] == "fax"
    desktop = guess_mapping(ef.OUTLOOK_DESKTOP_HEADER.split(","))
    assert desktop["Title"] is None
    assert desktop["Categories"] == "tags"
    assert desktop["E-mail Display Name"] is None
    # Salesforce: "Title" is the job title
    assert guess_mapping(["First Name", "Last Name", "Title"])["Title"] == "title"


def test_linkedin_url_is_the_profile() -> None:
    mapping = guess_mapping(
        ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
    )
    assert fields_of(mapping) == {
        "First Name": "first_name",
        "Last Name": "last_name",
        "URL": "linkedin",
        "Email Address": "email",
        "Company": "company",
        "Position": "title",
    }
    assert guess_mapping(["Company", "URL"])["URL"] == "website"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (  # HubSpot
            ["First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number",
             "Job Title", "Company Name", "Website URL", "City", "State/Region",
             "Country/Region", "Zip Code", "Lifecycle Stage", "Lead Status"],
            {"Email": "email", "Phone Number": "phone", "Mobile Phone Number": "mobile",
             "Job Title": "title", "Company Name": "company", "Website URL": "website",
             "City": "city", "State/Region": "region", "Country/Region": "country",
             "Zip Code": "postcode", "Lifecycle Stage": "stage", "Lead Status": "stage"},
        ),
        (  # Salesforce
            ["First Name", "Last Name", "Company", "Email", "Title", "Phone", "City", "Country",
             "Lead Source", "Email Opt Out", "No. of Employees", "Annual Revenue", "Description"],
            {"Title": "title", "Lead Source": "source", "Email Opt Out": "consent",
             "No. of Employees": "company_size", "Annual Revenue": None, "Description": "notes"},
        ),
        (  # Zoho
            ["Last Name", "First Name", "Email", "Company", "Phone", "Website", "Lead Source",
             "Description"],
            {"Website": "website", "Lead Source": "source", "Description": "notes"},
        ),
        (  # Pipedrive
            ["Name", "Email", "Phone", "Organization", "Label", "Note"],
            {"Name": "name", "Organization": "company", "Label": "tags", "Note": "notes"},
        ),
        (  # Salesforce full name
            ["Full Name", "Email"],
            {"Full Name": "name"},
        ),
        (  # German
            ["Anrede", "Vorname", "Nachname", "Firma", "Position", "E-Mail", "Telefon", "PLZ",
             "Ort", "Land"],
            {"Anrede": None, "Vorname": "first_name", "Nachname": "last_name",
             "Firma": "company", "Position": "title", "E-Mail": "email", "Telefon": "phone",
             "PLZ": "postcode", "Ort": "city", "Land": "country"},
        ),
        (  # German "Name" next to "Vorname" is the family name
            ["Vorname", "Name", "Firma"],
            {"Vorname": "first_name", "Name": "last_name", "Firma": "company"},
        ),
        (  # French
            ["Civilité", "Prénom", "Nom", "Société", "Fonction", "Courriel", "Téléphone",
             "Ville", "Pays"],
            {"Civilité": None, "Prénom": "first_name", "Nom": "last_name",
             "Société": "company", "Fonction": "title", "Courriel": "email",
             "Téléphone": "phone", "Ville": "city", "Pays": "country"},
        ),
        (  # Spanish
            ["Nombre", "Apellido", "Empresa", "Cargo", "Correo electrónico", "Teléfono"],
            {"Nombre": "first_name", "Apellido": "last_name", "Empresa": "company",
             "Cargo": "title", "Correo electrónico": "email", "Teléfono": "phone"},
        ),
        (  # Spanish single full-name column
            ["Nombre", "Empresa"],
            {"Nombre": "name", "Empresa": "company"},
        ),
        (  # Italian
            ["Nome", "Cognome", "Azienda", "Ruolo", "Email", "Telefono", "Città"],
            {"Nome": "first_name", "Cognome": "last_name", "Azienda": "company",
             "Ruolo": "title", "Email": "email", "Telefono": "phone", "Città": "city"},
        ),
        (  # Dutch
            ["Voornaam", "Achternaam", "Bedrijf", "Functie", "E-mailadres", "Telefoonnummer",
             "Plaats"],
            {"Voornaam": "first_name", "Achternaam": "last_name", "Bedrijf": "company",
             "Functie": "title", "E-mailadres": "email", "Telefoonnummer": "phone",
             "Plaats": "city"},
        ),
        (  # German Outlook
            ["Vorname", "Nachname", "Firma", "Abteilung", "Position", "Telefon geschäftlich",
             "Telefon geschäftlich 2", "Mobiltelefon", "E-Mail-Adresse", "E-Mail 2: Adresse",
             "Webseite", "Ort geschäftlich", "Land/Region geschäftlich", "Kategorien"],
            {"Abteilung": "department", "Telefon geschäftlich": "phone",
             "Telefon geschäftlich 2": "phone", "Mobiltelefon": "mobile",
             "E-Mail-Adresse": "email", "E-Mail 2: Adresse": "email", "Webseite": "website",
             "Ort geschäftlich": "city", "Land/Region geschäftlich": "country",
             "Kategorien": "tags"},
        ),
    ],
)  # fmt: skip
def test_templates_and_languages(headers: list[str], expected: dict[str, str | None]) -> None:
    mapping = guess_mapping(headers)
    assert {h: mapping[h] for h in expected} == expected


def test_unknown_headers_are_kept_as_extra() -> None:
    assert guess_mapping(["Lieblingsfarbe", "Badge ID", ""]) == {
        "Lieblingsfarbe": None,
        "Badge ID": None,
        "": None,
    }


# --- saving -------------------------------------------------------------------------------------


def test_mapping_round_trip(tmp_path: Path) -> None:
    mapping: dict[str, str | None] = {"Vorname": "first_name", "Größe": None, "Fax": "skip"}
    path = tmp_path / "messe.json"
    save_mapping(mapping, path)
    assert json.loads(path.read_text(encoding="utf-8")) == mapping
    assert "Größe" in path.read_text(encoding="utf-8")
    assert load_mapping(path) == mapping


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["Vorname"]', "must hold an object"),
        ('{"Vorname": "vorname"}', "unknown field 'vorname'"),
        ('{"Vorname": 3}', "maps to 3"),
    ],
)
def test_bad_mapping_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "m.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(MappingFileError, match=message):
        load_mapping(path)
    with pytest.raises(MappingFileError, match="does not exist"):
        load_mapping(tmp_path / "missing.json")


# --- applying -----------------------------------------------------------------------------------


def test_full_name_is_split_only_without_first_and_last() -> None:
    mapping: dict[str, str | None] = {"Name": "name", "Vorname": "first_name"}
    only_name = apply_mapping(["Name"], ["Françoise Lefèvre"], mapping)
    assert only_name.values == {"first_name": "Françoise", "last_name": "Lefèvre"}
    comma = apply_mapping(["Name"], ["Weißmann, Jürgen"], mapping)
    assert comma.values == {"first_name": "Jürgen", "last_name": "Weißmann"}
    both = apply_mapping(["Name", "Vorname"], ["Dr. Jürgen Weißmann", "Jürgen"], mapping)
    # the full name says more than the first name: kept as the display name
    assert both.values == {"first_name": "Jürgen", "display_name": "Dr. Jürgen Weißmann"}
    assert both.extra == {}
    same = apply_mapping(
        ["Name", "Vorname", "Nachname", "Anrede"],
        ["Dr. Jürgen Weißmann", "Jürgen", "Weißmann", "Dr."],
        {"Name": "name", "Vorname": "first_name", "Nachname": "last_name", "Anrede": None},
    )
    assert same.values == {"first_name": "Jürgen", "last_name": "Weißmann"}
    other = apply_mapping(
        ["Display Name", "First Name", "Last Name"],
        ["contact number one", "contact", "one"],
        {"Display Name": "name", "First Name": "first_name", "Last Name": "last_name"},
    )
    assert other.values["display_name"] == "contact number one"


def test_a_company_alone_gets_no_person_name() -> None:
    mapping: dict[str, str | None] = {"Name": "name", "Company": "company"}
    row = apply_mapping(["Name", "Company"], ["Acer America", "Acer America"], mapping)
    assert row.values == {"company": "Acer America"}
    shorter = apply_mapping(["Name", "Company"], ["Acer", "Acer America Corp."], mapping)
    assert shorter.values == {"company": "Acer America Corp."}
    person = apply_mapping(["Name", "Company"], ["John Smith", "Smith & Sons"], mapping)
    assert person.values == {"first_name": "John", "last_name": "Smith", "company": "Smith & Sons"}


def test_several_emails_first_valid_wins() -> None:
    headers = ["E-mail", "E-mail 2", "Privat"]
    mapping: dict[str, str | None] = {"E-mail": "email", "E-mail 2": "email", "Privat": "email_2"}
    row = apply_mapping(
        headers,
        ["jurgen@ ::: J.Weissmann@Weissmann-Maschinenbau.de", "j.weissmann@weissmann-maschinenbau.de; "
         "Jürgen <jw@weissmann.de>", "mailto:juergen@web.de"],
        mapping,
    )  # fmt: skip
    assert row.values == {"email": "J.Weissmann@Weissmann-Maschinenbau.de"}
    assert row.other_emails == ["jw@weissmann.de", "juergen@web.de"]
    assert row.extra == {"E-mail": "jurgen@"}
    assert row.warnings == [
        "invalid e-mail address 'jurgen@': There must be something after the @-sign."
    ]


def test_email_2_only_when_no_main_address() -> None:
    mapping: dict[str, str | None] = {"Email": "email", "Private Email": "email_2"}
    row = apply_mapping(["Email", "Private Email"], ["", "ayse@gmail.com"], mapping)
    assert row.values == {"email": "ayse@gmail.com"}
    assert row.other_emails == []


def test_mobile_fills_phone_only_when_empty() -> None:
    mapping: dict[str, str | None] = {"Telefon": "phone", "Handy": "mobile"}
    assert apply_mapping(["Telefon", "Handy"], ["", "+49 171 2345678"], mapping).values == {
        "phone": "+49 171 2345678"
    }
    both = apply_mapping(["Telefon", "Handy"], ["+49 511 1234567", "+49 171 2345678"], mapping)
    assert both.values == {"phone": "+49 511 1234567"}
    assert both.extra == {}
    assert both.phones == [
        ContactPoint("+49 511 1234567", "", "", True),
        ContactPoint("+49 171 2345678", "mobile", "", False),
    ]


def test_best_known_header_wins_and_the_rest_is_kept() -> None:
    headers = ["Home Phone", "Business Phone", "Home City", "Business City"]
    mapping = guess_mapping(headers)
    row = apply_mapping(
        headers, ["+33 4 78 00 00 00", "+33 4 72 10 20 30", "Villeurbanne", "Lyon"], mapping
    )
    assert row.values == {"phone": "+33 4 72 10 20 30", "city": "Lyon"}
    assert row.extra == {}
    assert [(p.value, p.kind, p.primary) for p in row.phones] == [
        ("+33 4 72 10 20 30", "work", True),
        ("+33 4 78 00 00 00", "home", False),
    ]
    assert [(a.city, a.kind, a.primary) for a in row.addresses] == [
        ("Lyon", "work", True),
        ("Villeurbanne", "home", False),
    ]


def test_google_multi_values_and_labels() -> None:
    headers = ["Organization Name", "Labels", "Phone 1 - Label", "Phone 1 - Value"]
    mapping = guess_mapping(headers)
    row = apply_mapping(
        headers,
        ["Weißmann GmbH ::: Weißmann Holding", "* myContacts ::: * starred ::: Hannover 2026 ::: "
         "* Kunden", "Mobile", "+49 171 2345678 ::: +49 171 9999999"],
        mapping,
    )  # fmt: skip
    assert row.values == {
        "company": "Weißmann GmbH",
        "tags": "Hannover 2026, Kunden",
        "phone": "+49 171 2345678",
    }
    assert row.extra == {"Organization Name": "Weißmann Holding"}
    assert [(p.value, p.kind) for p in row.phones] == [
        ("+49 171 2345678", "mobile"),
        ("+49 171 9999999", "mobile"),
    ]


def test_department_linkedin_and_skip() -> None:
    mapping: dict[str, str | None] = {
        "Abteilung": "department", "URL": "linkedin", "Fax": "skip", "Farbe": None,
    }  # fmt: skip
    row = apply_mapping(
        ["Abteilung", "URL", "Fax", "Farbe"],
        ["Einkauf", "https://www.linkedin.com/in/juergen", "+49 511 99", " blau "],
        mapping,
    )
    assert row.values == {}
    assert row.extra == {
        "Abteilung": "Einkauf",
        "LinkedIn": "https://www.linkedin.com/in/juergen",
        "Farbe": "blau",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [("250", "250"), ("1.200", "1200"), ("1,200", "1200"), ("25.000,00", "25000"),
     ("10,000+", "10000"), ("50-200", "50"), ("ca. 80", "80"), ("1 500", "1500"),
     ("12.5", None), ("viele", None)],  # a fraction is not a head count (app.fields)
)  # fmt: skip
def test_company_size_numbers(text: str, expected: str | None) -> None:
    assert whole_number(text) == expected


def test_company_size_keeps_what_was_written() -> None:
    mapping: dict[str, str | None] = {"Employees": "company_size"}
    assert apply_mapping(["Employees"], ["1.200"], mapping).values == {"company_size": "1200"}
    ranged = apply_mapping(["Employees"], ["50-200"], mapping)
    assert ranged.values == {"company_size": "50"}
    assert ranged.extra == {"Employees": "50-200"}
    words = apply_mapping(["Employees"], ["viele"], mapping)
    assert words.values == {}
    assert words.extra == {"Employees": "viele"}
    assert words.warnings == ["company size 'viele' is not a number"]


@pytest.mark.parametrize(
    ("header", "cell", "expected"),
    [("Consent", "yes", "granted"), ("Einwilligung", "Ja", "granted"),
     ("Opt-in", "2026-04-21", "granted"), ("Email Opt Out", "true", "withdrawn"),
     ("Email Opt Out", "false", None), ("Consent", "widerrufen", "withdrawn"),
     ("Consent", "no", None), ("Consent", "vielleicht", None)],
)  # fmt: skip
def test_consent_hints(header: str, cell: str, expected: str | None) -> None:
    row = apply_mapping([header], [cell], {header: "consent"})
    assert row.values.get("consent") == expected
    assert row.hints.get("consent") == expected
    if expected is None:
        assert row.extra == {header: cell}


def test_stage_hint() -> None:
    row = apply_mapping(["Lifecycle Stage"], ["Sales Qualified Lead"], {"Lifecycle Stage": "stage"})
    assert row.values == {"stage": "Sales Qualified Lead"}
    assert row.hints == {"stage": "Sales Qualified Lead"}


def test_cells_are_trimmed_and_notes_keep_lines() -> None:
    mapping: dict[str, str | None] = {"Firma": "company", "Notizen": "notes", "Bemerkung": "notes"}
    row = apply_mapping(
        ["Firma", "Notizen", "Bemerkung"],
        ["  Weißmann \r\n Maschinenbau  ", "Zeile 1\r\nZeile 2 ", "  "],
        mapping,
    )
    assert row.values == {"company": "Weißmann Maschinenbau", "notes": "Zeile 1\nZeile 2"}


def test_short_rows_and_mapping_changes_between_calls() -> None:
    headers = ["Vorname", "Nachname"]
    mapping: dict[str, str | None] = {"Vorname": "first_name", "Nachname": "last_name"}
    assert apply_mapping(headers, ["Jürgen"], mapping).values == {"first_name": "Jürgen"}
    mapping["Nachname"] = None  # the user edits the mapping in the wizard
    row = apply_mapping(headers, ["Jürgen", "Weißmann"], mapping)
    assert row.values == {"first_name": "Jürgen"}
    assert row.extra == {"Nachname": "Weißmann"}


# --- whole files --------------------------------------------------------------------------------


def test_google_contacts_file(tmp_path: Path) -> None:
    jurgen, francoise, ayse = mapped_file(tmp_path, "google.csv", ef.google_current())
    assert jurgen.values == {
        "first_name": "Jürgen",
        "last_name": "Weißmann",
        "company": "Weißmann Maschinenbau GmbH",
        "title": "Leiter Einkauf",
        "email": "j.weissmann@weissmann-maschinenbau.de",
        "phone": "+49 511 1234567",
        "city": "Hannover",
        "country": "Deutschland",
        "website": "https://www.weissmann-maschinenbau.de",
        "notes": 'Stand B12, wants the "Ersatzteil" catalogue',
        "tags": "Hannover 2026",
    }
    assert jurgen.other_emails == ["juergen.weissmann@web.de"]
    assert jurgen.extra["Organization Department"] == "Einkauf"
    # the formatted address repeats the structured one: kept once, structured
    assert "Address 1 - Formatted" not in jurgen.extra
    [address] = jurgen.addresses
    assert (address.street, address.postcode, address.city, address.country) == (
        "Hauptstraße 5",
        "30159",
        "Hannover",
        "Deutschland",
    )
    assert francoise.values["phone"] == "+33 6 12 34 56 78"  # labelled Mobile, no other phone
    assert francoise.values["email"] == "francoise.lefevre@lefevre-fils.fr"
    assert (ayse.values["first_name"], ayse.values["last_name"]) == ("Ayşe", "Öztürk")
    assert ayse.values["company"] == "Öztürk Tekstil A.Ş."
    assert ayse.values["city"] == "İstanbul"
    assert ayse.extra["Custom Field 1 - Value"] == "Ersatzteile"
    assert not any(r.warnings for r in (jurgen, francoise, ayse))


def test_google_legacy_file(tmp_path: Path) -> None:
    ayse, sven = mapped_file(tmp_path, "google.csv", ef.google_legacy())
    assert ayse.values == {
        "first_name": "Ayşe",
        "last_name": "Öztürk",
        "company": "Öztürk Tekstil A.Ş.",
        "title": "Satın Alma Müdürü",
        "email": "ayse.ozturk@ozturk-tekstil.com.tr",
        "phone": "+90 532 123 45 67",
        "tags": "Hannover 2026",
    }
    assert sven.values == {
        "first_name": "Sven",
        "last_name": "Lindqvist",
        "company": "Nordic Pumps AB",
        "email": "sven.lindqvist@nordicpumps.se",
    }


def test_outlook_com_file(tmp_path: Path) -> None:
    francoise, jose, jurgen = mapped_file(tmp_path, "outlook.csv", ef.outlook_com_cp1252())
    assert francoise.values == {
        "first_name": "Françoise",
        "last_name": "Lefèvre",
        "title": "Directrice commerciale",
        "company": "Lefèvre & Fils SARL",
        "city": "Lyon",
        "country": "France",
        "website": "www.lefevre-fils.fr",
        "phone": "+33 4 72 10 20 30",
        "email": "francoise.lefevre@lefevre-fils.fr",
        "notes": "Rencontrée à Hanovre; rappeler en mai",
    }
    assert francoise.other_emails == ["f.lefevre@orange.fr"]
    assert francoise.extra == {"Title": "Mme", "Department": "Ventes"}
    assert [(p.value, p.kind, p.primary) for p in francoise.phones] == [
        ("+33 4 72 10 20 30", "work", True),
        ("+33 6 12 34 56 78", "mobile", False),
        ("+33 4 78 00 00 00", "home", False),
    ]
    assert [(a.city, a.kind) for a in francoise.addresses] == [
        ("Lyon", "work"),
        ("Villeurbanne", "home"),
    ]
    assert (jose.values["first_name"], jose.values["last_name"]) == ("José", "Núñez García")
    assert jose.values["company"] == "Construcciones Núñez S.L."
    assert jose.values["phone"] == "+34 612 345 678"
    assert (jurgen.values["first_name"], jurgen.values["last_name"]) == ("Jürgen", "Weißmann")
    assert jurgen.values["notes"] == "Größere Bestellung für Q3 geplant – Angebot schicken"


def test_outlook_desktop_file_without_default_noise(tmp_path: Path) -> None:
    [jurgen] = mapped_file(tmp_path, "outlook.csv", ef.outlook_desktop())
    assert jurgen.values["tags"] == "Hannover 2026, Kunde"
    assert jurgen.values["phone"] == "+49 (511) 1234567"
    assert jurgen.extra == {
        "Title": "Herr",
        "Department": "Einkauf",
        "E-mail Display Name": "Jürgen Weißmann (j.weissmann@weissmann-maschinenbau.de)",
    }
    assert [p.value for p in jurgen.phones] == ["+49 (511) 1234567", "+49 (171) 2345678"]


def test_linkedin_file(tmp_path: Path) -> None:
    jurgen, francoise, ayse = mapped_file(tmp_path, "Connections.csv", ef.linkedin_connections())
    assert jurgen.values == {
        "first_name": "Jürgen",
        "last_name": "Weißmann",
        "company": "Weißmann Maschinenbau GmbH",
        "title": "Leiter Einkauf",
    }
    assert jurgen.extra == {
        "LinkedIn": "https://www.linkedin.com/in/juergen-weissmann",
        "Connected On": "12 Mar 2024",
    }
    assert francoise.values["email"] == "francoise.lefevre@lefevre-fils.fr"
    assert ayse.values["title"] == "Satın Alma Müdürü, Tekstil"


def test_badge_scanner_file(tmp_path: Path) -> None:
    jurgen, francoise, jose = mapped_file(tmp_path, "hannover.csv", ef.badge_scanner_de())
    assert jurgen.values == {
        "first_name": "Jürgen",
        "last_name": "Weißmann",
        "company": "Weißmann Maschinenbau GmbH",
        "title": "Leiter Einkauf",
        "city": "Hannover",
        "country": "Deutschland",
        "phone": "+49 511 1234567",
        "email": "j.weissmann@weissmann-maschinenbau.de",
        "notes": "Interesse an Ersatzteilen",
    }
    assert jurgen.extra == {
        "Anrede": "Herr",
        "Titel": "Dr.",
        "Abteilung": "Einkauf",
        "Umsatz": "25.000,00",
    }
    [address] = jurgen.addresses
    assert address.one_line() == "Hauptstraße 5, 30159 Hannover, Deutschland"
    assert francoise.values["notes"] == "Rückruf erbeten; spricht Deutsch"
    assert (jose.values["first_name"], jose.values["last_name"]) == ("José", "Núñez García")


def test_vcard_files(tmp_path: Path) -> None:
    ayse, sven, jurgen = mapped_file(tmp_path, "android.vcf", ef.android_vcard_21())
    assert ayse.values == {
        "first_name": "Ayşe",
        "last_name": "Öztürk",
        "company": "Öztürk Tekstil A.Ş.",
        "title": "Satın Alma Müdürü",
        "phone": "+90 212 555 01 01",
        "email": "ayse.ozturk@ozturk-tekstil.com.tr",
        "notes": "Hannover Messe 2026, Halle 7 – wants spare parts",
    }
    assert ayse.other_emails == ["ayse.ozturk@gmail.com"]
    assert ayse.extra == {}
    assert [(p.value, p.kind) for p in ayse.phones] == [
        ("+90 212 555 01 01", "work"),
        ("+90 532 123 45 67", "mobile"),
    ]
    assert sven.values["phone"] == "+46 70 555 01 02"
    assert jurgen.extra == {"Name Prefix": "Dr.", "Department": "Einkauf"}
    francoise, company = mapped_file(tmp_path, "apple.vcf", ef.apple_vcard_30())
    assert francoise.values["first_name"] == "Françoise"
    assert francoise.values["tags"] == "Hannover 2026, Kunde"
    assert francoise.other_emails == ["f.lefevre@orange.fr"]
    assert company.values == {
        "company": "Öztürk Tekstil A.Ş.",
        "email": "info@ozturk-tekstil.com.tr",
    }


def test_xlsx_file(tmp_path: Path) -> None:
    ef.scanner_workbook(tmp_path / "leads.xlsx")
    jurgen, ayse = mapped_file(tmp_path, "leads.xlsx")
    assert jurgen.values["company_size"] == "250"
    assert jurgen.values["phone"] == "495111234567"
    assert jurgen.extra == {"Besucht am": "2026-04-21", "Umsatz": "25000.5"}
    assert ayse.values["company_size"] == "1200"
    assert ayse.values["last_name"] == "Öztürk"


# --- e-mail checks agree with email-validator ----------------------------------------------------

_local = st.text(alphabet="abcXYZ019._+-!#ü", min_size=1, max_size=12)
_label = st.text(alphabet="abz09-ü", min_size=1, max_size=8)
_domain = st.lists(_label, min_size=1, max_size=3).map(".".join)
_tld = st.sampled_from(["de", "com", "fr", "test", "local", "c", "co", "123", "xn--p1ai", "museum"])


@given(local=_local, domain=_domain, tld=_tld)
def test_fast_email_check_agrees_with_email_validator(local: str, domain: str, tld: str) -> None:
    address = f"{local}@{domain}.{tld}"
    try:
        validate_email(address, check_deliverability=False)
        expected = True
    except EmailNotValidError:
        expected = False
    assert (email_problem(address) is None) == expected


# --- the sample files a new user is pointed at ----------------------------------------------------

SAMPLES = Path(resources.__file__).parent / "samples"


def sample_rows(name: str) -> list[MappedRow]:
    table = open_table(SAMPLES / name)
    mapping = guess_mapping(table.headers)
    return [apply_mapping(table.headers, cells, mapping) for _n, cells in table.rows()]


def names(rows: list[MappedRow]) -> list[str]:
    return [
        f"{r.values.get('first_name', '')} {r.values.get('last_name', '')}".strip() for r in rows
    ]


def test_sample_badge_export() -> None:
    rows = sample_rows("hannover-messe-badges.csv")
    assert names(rows)[:4] == ["Jürgen Weißmann", "Françoise Lefèvre", "José Núñez García",
                               "Sabine Krüger"]  # fmt: skip
    assert len(rows) == 16  # the empty row is skipped
    assert rows[0].values["company_size"] == "1200"
    assert rows[0].values["notes"] == "Will Angebot bis Ende Mai; Budget freigegeben"
    assert [w for r in rows for w in r.warnings] == [
        "invalid e-mail address 'stefan.wagner@wagner-logistik': The part after the @-sign is "
        "not valid. It should have a period."
    ]
    assert len(rows) <= 40


def test_sample_google_contacts() -> None:
    rows = sample_rows("google-contacts.csv")
    assert names(rows)[:2] == ["Ayşe Öztürk", "Łukasz Wiśniewski"]
    assert rows[0].other_emails == ["ayse.ozturk@gmail.com"]
    assert (
        rows[0].extra["Address 1 - Formatted"]
        == "Büyükdere Cad. 45\nŞişli\n34394 İstanbul\nTürkiye"
    )
    assert rows[1].values["company"] == "Wiśniewski Automatyka Sp. z o.o."


def test_sample_linkedin_and_phone_contacts() -> None:
    linkedin = sample_rows("linkedin-connections.csv")
    assert names(linkedin)[-1] == "Tomás Ó Briain"
    assert linkedin[0].extra["LinkedIn"] == "https://www.linkedin.com/in/juergen-weissmann"
    phone = sample_rows("phone-contacts.vcf")
    assert names(phone) == ["Ayşe Öztürk", "Jürgen Weißmann", "Françoise Lefèvre",
                            "José Núñez García", "Łukasz Wiśniewski", "Sabine Krüger"]  # fmt: skip
    assert phone[4].values["company"] == "Wiśniewski Automatyka Sp. z o.o."


def test_excel_text_formulas_are_unwrapped() -> None:
    row = apply_mapping(
        ["Telefon", "PLZ"], ['="0049 511 1234567"', '="01067"'], {"Telefon": "phone"}
    )
    assert row.values == {"phone": "0049 511 1234567"}
    assert row.extra == {"PLZ": "01067"}
