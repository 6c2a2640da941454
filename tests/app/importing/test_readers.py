"""The readers on real export files: format, encoding, delimiter, header row, every cell."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from app.importing.readers import ImportFileError, TableSource, detect_encoding, open_table
from app.importing.rowstream import take_warnings
from tests.app.importing import export_files as ef


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rows(table: TableSource) -> list[tuple[int, list[str]]]:
    return list(table.rows())


def column(table: TableSource, header: str) -> list[str]:
    index = table.headers.index(header)
    return [cells[index] for _n, cells in table.rows()]


# --- CSV ------------------------------------------------------------------------------------


def test_google_current_keeps_bom_crlf_multiline_cells(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "contacts.csv", ef.google_current()))
    assert (table.format, table.encoding, table.delimiter) == ("csv", "utf-8-sig", ",")
    assert table.headers == ef.GOOGLE_CURRENT_HEADER.split(",")
    assert table.header_row == 1
    assert [n for n, _ in table.rows()] == [2, 3, 4]
    assert table.row_estimate == 3
    assert column(table, "First Name") == ["Jürgen", "Françoise", "Ayşe"]
    assert column(table, "Last Name") == ["Weißmann", "Lefèvre", "Öztürk"]
    assert column(table, "Organization Name") == [
        "Weißmann Maschinenbau GmbH",
        "Lefèvre & Fils SARL",
        "Öztürk Tekstil A.Ş.",
    ]
    assert column(table, "Address 1 - Formatted")[0] == "Hauptstraße 5\n30159 Hannover\nDeutschland"
    assert column(table, "E-mail 1 - Value")[0] == (
        "j.weissmann@weissmann-maschinenbau.de ::: juergen.weissmann@web.de"
    )
    assert column(table, "Notes")[0] == 'Stand B12, wants the "Ersatzteil" catalogue'


def test_outlook_com_in_windows_1252(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "outlook.csv", ef.outlook_com_cp1252()))
    assert table.encoding == "cp1252"
    assert len(table.headers) == 61
    assert column(table, "First Name") == ["Françoise", "José", "Jürgen"]
    assert column(table, "Last Name") == ["Lefèvre", "Núñez García", "Weißmann"]
    assert column(table, "Company") == [
        "Lefèvre & Fils SARL",
        "Construcciones Núñez S.L.",
        "Weißmann Maschinenbau GmbH",
    ]
    assert column(table, "Notes")[2] == "Größere Bestellung für Q3 geplant – Angebot schicken"


def test_outlook_desktop_all_quoted(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "outlook.csv", ef.outlook_desktop()))
    assert len(table.headers) == 92
    assert column(table, "E-mail Display Name") == [
        "Jürgen Weißmann (j.weissmann@weissmann-maschinenbau.de)"
    ]


def test_linkedin_preamble_is_skipped(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "Connections.csv", ef.linkedin_connections()))
    assert table.headers == [
        "First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On",
    ]  # fmt: skip
    assert table.header_row == 4
    got = rows(table)
    assert [n for n, _ in got] == [5, 6, 7]
    assert got[2][1] == [
        "Ayşe", "Öztürk", "https://www.linkedin.com/in/ayseozturk", "", "Öztürk Tekstil A.Ş.",
        "Satın Alma Müdürü, Tekstil", "21 Apr 2026",
    ]  # fmt: skip


def test_badge_scanner_title_rows_semicolons_and_german_numbers(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "hannover.csv", ef.badge_scanner_de()))
    assert (table.encoding, table.delimiter, table.header_row) == ("cp1252", ";", 4)
    assert table.headers[:5] == ["Anrede", "Titel", "Vorname", "Nachname", "Firma"]
    assert table.headers[7] == "Straße"
    got = rows(table)
    assert [n for n, _ in got] == [5, 6, 8]  # row 7 is empty (only semicolons)
    assert table.row_estimate == 3
    assert column(table, "Vorname") == ["Jürgen", "Françoise", "José"]
    assert column(table, "Umsatz") == ["25.000,00", "1.250.000,50", ""]
    assert column(table, "Notizen")[1] == "Rückruf erbeten; spricht Deutsch"


def test_short_french_file_is_windows_1252(tmp_path: Path) -> None:
    data = ef.french_excel_short()
    assert detect_encoding(data) == "cp1252"
    table = open_table(write(tmp_path, "contacts.csv", data))
    assert table.headers == [
        "Civilité", "Prénom", "Nom", "Société", "Fonction", "Courriel", "Téléphone", "Ville",
        "Pays",
    ]  # fmt: skip
    assert column(table, "Prénom") == ["Françoise", "Frédéric"]
    assert column(table, "Société") == ["Lefèvre & Fils", "Boulangerie Gaël"]
    assert column(table, "Ville") == ["Lyon", "Besançon"]


def test_spanish_file_is_windows_1252(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "contactos.csv", ef.spanish_excel()))
    assert table.encoding == "cp1252"
    assert column(table, "Apellidos") == ["Núñez García", "Peña Ibáñez"]
    assert column(table, "Ciudad") == ["Málaga", "Logroño"]


def test_stray_byte_costs_only_that_character(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "mixed.csv", ef.utf8_with_stray_byte()))
    assert table.encoding == "utf-8"
    assert column(table, "Vorname") == ["Jürgen", "Françoise", "Ayşe", "Zoë"]
    assert column(table, "Nachname") == ["Weißmann", "Lefèvre", "Öztürk", "Ångström"]
    assert column(table, "Firma") == [
        "Weißmann Maschinenbau GmbH",
        "Lefèvre & Fils SARL",
        "Öztürk\u00a0Tekstil",  # the stray 0xA0 read as the non-breaking space it was
        "Ångström Optik AB",
    ]


def test_stray_byte_far_into_a_big_file(tmp_path: Path) -> None:
    head = "Name,Company\r\n" + "".join(f"Jürgen {i},Weißmann GmbH\r\n" for i in range(60000))
    data = head.encode() + b"Fran\xe7oise,Lef\xe8vre SARL\r\n"
    table = open_table(write(tmp_path, "big.csv", data))
    last = rows(table)[-1][1]
    assert last == ["Françoise", "Lefèvre SARL"]


def test_excel_unicode_text_is_utf16_tab_separated(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "export.txt", ef.excel_unicode_text()))
    assert (table.format, table.encoding, table.delimiter) == ("tsv", "utf-16", "\t")
    assert column(table, "Company") == ["Öztürk Tekstil A.Ş.", "Weißmann Maschinenbau GmbH"]


def test_utf16_without_bom(tmp_path: Path) -> None:
    data = "Vorname;Nachname\r\nJürgen;Weißmann\r\n".encode("utf-16-le")
    table = open_table(write(tmp_path, "x.csv", data))
    assert table.encoding == "utf-16-le"
    assert rows(table) == [(2, ["Jürgen", "Weißmann"])]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path: Path, delimiter: str) -> None:
    lines = [
        ["First Name", "Last Name", "Company", "Notes"],
        ["Jürgen", "Weißmann", "Weißmann GmbH", "likes, semicolons; and | pipes"],
        ["Ayşe", "Öztürk", "Öztürk A.Ş.", "tab\tinside"],
    ]
    text = "".join(
        delimiter.join(f'"{c}"' if any(d in c for d in ",;\t|") else c for c in line) + "\r\n"
        for line in lines
    )
    table = open_table(write(tmp_path, "x.csv", text.encode()))
    assert table.delimiter == delimiter
    assert rows(table) == [(2, lines[1]), (3, lines[2])]


def test_semicolon_file_with_decimal_commas_is_semicolon(tmp_path: Path) -> None:
    text = "Vorname;Nachname;Umsatz\r\nJürgen;Weißmann;25.000,00\r\nAyşe;Öztürk;1.200,50\r\n"
    table = open_table(write(tmp_path, "x.csv", text.encode("utf-8")))
    assert table.delimiter == ";"
    assert column(table, "Umsatz") == ["25.000,00", "1.200,50"]


def test_excel_sep_line_decides_the_delimiter(tmp_path: Path) -> None:
    text = "sep=;\r\nName;Firma, Ort\r\nJürgen Weißmann;Weißmann, Hannover\r\n"
    table = open_table(write(tmp_path, "x.csv", text.encode()))
    assert table.delimiter == ";"
    assert table.headers == ["Name", "Firma, Ort"]
    assert rows(table) == [(3, ["Jürgen Weißmann", "Weißmann, Hannover"])]


def test_ragged_rows_are_aligned_and_headers_made_unique(tmp_path: Path) -> None:
    text = "Email,Email,,Name\nj@x.de,k@x.de\na@x.de,b@x.de,c,Ann,extra\n\n\nz@x.de,,,Zed\n"
    table = open_table(write(tmp_path, "x.csv", text.encode()))
    assert table.headers == ["Email", "Email (2)", "Column 3", "Name", "Column 5"]
    assert rows(table) == [
        (2, ["j@x.de", "k@x.de", "", "", ""]),
        (3, ["a@x.de", "b@x.de", "c", "Ann", "extra"]),
        (6, ["z@x.de", "", "", "Zed", ""]),
    ]


def test_encoding_and_delimiter_can_be_overridden(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", "Name;Firma\nJürgen;Weißmann\n".encode("cp1252"))
    table = open_table(path, encoding="latin-1", delimiter=",")
    assert table.encoding == "iso8859-1"
    assert table.headers == ["Name;Firma"]
    assert rows(table) == [(2, ["Jürgen;Weißmann"])]
    with pytest.raises(ImportFileError, match="unknown text encoding"):
        open_table(path, encoding="klingon")


def test_rows_can_be_read_twice(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "contacts.csv", ef.google_current()))
    assert rows(table) == rows(table)


def test_header_only_file_has_no_rows(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "x.csv", b"First Name,Last Name,Email\r\n"))
    assert table.headers == ["First Name", "Last Name", "Email"]
    assert rows(table) == []


def test_reading_100000_rows_keeps_memory_flat(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("First Name,Last Name,Company,Email,Notes\r\n")
        for i in range(100_000):
            out.write(f'Jürgen{i},Weißmann,Firma {i},j{i}@example.de,"line one\r\nline two"\r\n')
    table = open_table(path)
    assert table.row_estimate is not None
    assert 90_000 <= table.row_estimate <= 110_000
    tracemalloc.start()
    count = 0
    for _number, _cells in table.rows():
        count += 1
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 100_000
    assert peak < 5_000_000  # the file is ~8 MB; rows are not collected


# --- Excel ------------------------------------------------------------------------------------


def test_xlsx_title_rows_dates_and_numbers(tmp_path: Path) -> None:
    path = tmp_path / "leads.xlsx"
    ef.scanner_workbook(path)
    table = open_table(path)
    assert (table.format, table.encoding, table.delimiter) == ("xlsx", None, None)
    assert (table.sheet, table.sheets) == ("Leads", ["Leads", "Leads 2"])
    assert table.header_row == 4
    assert table.row_estimate == 3  # the sheet's stored size: rows 5 to 7
    assert table.headers == [
        "Vorname", "Nachname", "Firma", "E-Mail", "Telefon", "Mitarbeiter", "Besucht am", "Umsatz",
    ]  # fmt: skip
    assert rows(table) == [
        (5, ["Jürgen", "Weißmann", "Weißmann Maschinenbau GmbH",
             "j.weissmann@weissmann-maschinenbau.de", "495111234567", "250", "2026-04-21",
             "25000.5"]),
        (7, ["Ayşe", "Öztürk", "Öztürk Tekstil A.Ş.", "ayse.ozturk@ozturk-tekstil.com.tr",
             "+90 532 123 45 67", "1200", "2026-04-22 10:15", ""]),
    ]  # fmt: skip
    assert rows(table) == rows(table)


def test_xlsx_other_sheet(tmp_path: Path) -> None:
    path = tmp_path / "leads.xlsx"
    ef.scanner_workbook(path)
    table = open_table(path, sheet="leads 2")
    assert table.sheet == "Leads 2"
    assert table.headers == ["Name", "Company", "Email"]
    assert rows(table) == [
        (2, ["Françoise Lefèvre", "Lefèvre & Fils SARL", "francoise.lefevre@lefevre-fils.fr"])
    ]
    with pytest.raises(ImportFileError, match="no sheet 'Kontakte'; sheets: Leads, Leads 2"):
        open_table(path, sheet="Kontakte")


def test_xlsx_first_sheet_empty_takes_the_next(tmp_path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    assert workbook.active is not None
    workbook.active.title = "Leer"
    data = workbook.create_sheet("Daten")
    data.append(["E-Mail", "Firma"])
    data.append(["j.weissmann@weissmann-maschinenbau.de", "Weißmann Maschinenbau GmbH"])
    path = tmp_path / "x.xlsx"
    workbook.save(path)
    table = open_table(path)
    assert table.sheet == "Daten"
    assert rows(table) == [
        (2, ["j.weissmann@weissmann-maschinenbau.de", "Weißmann Maschinenbau GmbH"])
    ]


# --- vCard ------------------------------------------------------------------------------------


def vcard_rows(table: TableSource) -> list[dict[str, str]]:
    return [
        {h: c for h, c in zip(table.headers, cells, strict=True) if c} for _n, cells in table.rows()
    ]


def test_android_vcard_21_quoted_printable_soft_breaks(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "contacts.vcf", ef.android_vcard_21()))
    assert (table.format, table.delimiter, table.header_row) == ("vcf", None, 0)
    cards = vcard_rows(table)
    assert [n for n, _ in table.rows()] == [1, 2, 3]
    assert cards[0] == {
        "Full Name": "Ayşe Öztürk",
        "First Name": "Ayşe",
        "Last Name": "Öztürk",
        "Company": "Öztürk Tekstil A.Ş.",
        "Job Title": "Satın Alma Müdürü",
        "E-mail - Label": "work ::: home",
        "E-mail - Value": "ayse.ozturk@ozturk-tekstil.com.tr ::: ayse.ozturk@gmail.com",
        "Phone - Label": "mobile ::: work",
        "Phone - Value": "+90 532 123 45 67 ::: +90 212 555 01 01",
        "Notes": "Hannover Messe 2026, Halle 7 – wants spare parts",
    }
    # PREF marks the preferred number with Google's "* "
    assert (cards[1]["Phone - Label"], cards[1]["Phone - Value"]) == (
        "* mobile",
        "+46 70 555 01 02",
    )
    assert cards[2] == {
        "Full Name": "Dr. Jürgen Weißmann",
        "Name Prefix": "Dr.",
        "First Name": "Jürgen",
        "Last Name": "Weißmann",
        "Company": "Weißmann Maschinenbau GmbH",
        "Department": "Einkauf",
        "E-mail - Label": "other",
        "E-mail - Value": "j.weissmann@weissmann-maschinenbau.de",
        "Phone - Label": "work",
        "Phone - Value": "+49 511 1234567",
    }
    # the photo is not kept, and the report says so for its card
    stream = table.rows()
    list(stream)
    assert take_warnings(stream) == [(1, "photo not imported (Winnow keeps no pictures or files)")]


def test_apple_vcard_30_groups_org_department_and_photo(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "contacts.vcf", ef.apple_vcard_30()))
    cards = vcard_rows(table)
    assert cards[0] == {
        "Full Name": "Françoise Lefèvre",
        "First Name": "Françoise",
        "Last Name": "Lefèvre",
        "Company": "Lefèvre & Fils SARL",
        "Department": "Direction commerciale",
        "Job Title": "Directrice commerciale",
        "E-mail - Label": "* Work ::: privé",
        "E-mail - Value": "francoise.lefevre@lefevre-fils.fr ::: f.lefevre@orange.fr",
        "Phone - Label": "* mobile ::: work",
        "Phone - Value": "+33 6 12 34 56 78 ::: +33 4 72 10 20 30",
        "Address - Label": "* work",
        "Address - Street": "12 Rue de la République",
        "Address - Postal Code": "69002",
        "Address - City": "Lyon",
        "Address - Country": "France",
        "Website - Label": "* HomePage",
        "Website - Value": "https://www.lefevre-fils.fr",
        "Categories": "Hannover 2026, Kunde",
        "Notes": "Rencontrée au salon, stand B12\nRappeler en mai",
    }
    # a company's own card: no person's name
    assert cards[1] == {
        "Company": "Öztürk Tekstil A.Ş.",
        "E-mail - Label": "work",
        "E-mail - Value": "info@ozturk-tekstil.com.tr",
    }


def test_vcard_40_uri_phones_and_quoted_parameters(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "sven.vcf", ef.vcard_40()))
    [card] = vcard_rows(table)
    assert card["Phone - Value"] == "+46-8-555-0101 ::: +46-70-555-0102"
    assert card["Phone - Label"] == "* work ::: mobile"
    assert card["E-mail - Value"] == "sven.lindqvist@nordicpumps.se ::: sven@lindqvist.se"
    assert card["Department"] == "Sales, Export"
    assert (card["Address - Street"], card["Address - City"], card["Address - Country"]) == (
        "Industrigatan 4",
        "Stockholm",
        "Sweden",
    )


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_outlook_vcard_in_utf16(tmp_path: Path, encoding: str) -> None:
    table = open_table(write(tmp_path, "Jürgen Weißmann.vcf", ef.outlook_vcard(encoding)))
    assert table.encoding == "utf-16"
    [card] = vcard_rows(table)
    assert card["First Name"] == "Jürgen"
    assert card["Last Name"] == "Weißmann"
    assert card["Company"] == "Weißmann Maschinenbau GmbH"
    assert card["Department"] == "Einkauf"
    assert card["Address - Street"] == "Hauptstraße 5"
    assert card["E-mail - Value"] == "j.weissmann@weissmann-maschinenbau.de"


def test_many_cards_in_one_file(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "all.vcf", ef.many_vcards(2000)))
    cards = vcard_rows(table)
    assert table.row_estimate == len(cards) == 2000
    assert cards[1999]["Last Name"] == "Öztürk1999"
    assert cards[1999]["E-mail - Value"] == "ayse1999@ozturk-tekstil.com.tr"


def test_vcard_without_end_and_with_garbage_lines(tmp_path: Path) -> None:
    text = (
        "some text before\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jürgen Weißmann\r\n"
        "this line has no colon\r\n;;;:\r\nBEGIN:VCARD\r\nFN:Ayşe Öztürk\r\n"
    )
    table = open_table(write(tmp_path, "x.vcf", text.encode()))
    assert [c["Full Name"] for c in vcard_rows(table)] == ["Jürgen Weißmann", "Ayşe Öztürk"]


def test_vcard_content_is_found_whatever_the_extension(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "contacts.txt", ef.vcard_40()))
    assert table.format == "vcf"


# --- not a table ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "is empty"),
        ("blank.csv", b"\r\n\r\n  \r\n", "is empty"),
        ("bom.csv", b"\xef\xbb\xbf", "is empty"),
        ("semicolons.csv", b";;;\r\n;;;\r\n", "every line is empty"),
        ("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(100), "is an image"),
        ("report.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "is a PDF"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "Office 97-2003"),
        ("random.csv", bytes(range(256)) * 4, "binary data"),
        ("page.csv", b"<!DOCTYPE html><html><body><table></table></body></html>", "HTML"),
        ("data.csv", b'[{"name": "J\xc3\xbcrgen"}]', "JSON"),
        ("fake.xlsx", b"First Name,Last Name\r\n", "not a valid Excel"),
        ("zip.xlsx", b"PK\x03\x04" + bytes(50), "damaged ZIP"),
        ("none.vcf", b"First Name,Last Name\r\nJ,W\r\n", "no vCard"),
    ],
)
def test_not_a_table_fails_with_one_clear_message(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    with pytest.raises(ImportFileError, match=message):
        open_table(write(tmp_path, name, data))


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="does not exist"):
        open_table(tmp_path / "nothing.csv")
    with pytest.raises(ImportFileError, match="is a folder"):
        open_table(tmp_path)


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "contacts.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("contacts.csv", "Name\nJ\n")
    with pytest.raises(ImportFileError, match="ZIP archive"):
        open_table(path)


# --- encoding detection -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"\xef\xbb\xbfName\r\n", "utf-8-sig"),
        (b"\xff\xfeN\x00a\x00", "utf-16"),
        (b"\xfe\xff\x00N\x00a", "utf-16"),
        (b"\xff\xfe\x00\x00N\x00\x00\x00", "utf-32"),
        ("Jürgen Weißmann".encode(), "utf-8"),
        (b"plain ascii", "utf-8"),
        ("Françoise Lefèvre;Besançon".encode("cp1252"), "cp1252"),
        ("Jürgen Weißmann;Größe;Straße".encode("cp1252"), "cp1252"),
        ("Привет, как дела? Иван Петров, Москва".encode("cp1251"), "cp1251"),
        ("Ayşe Öztürk;Satın Alma Müdürü;İstanbul;Şişli".encode("cp1254"), "cp1254"),
        ("Wałęsa;Łódź;Gdańsk;Kraków;Źdźbło".encode("cp1250"), "cp1250"),
        ("Mehmet Yılmaz;Özdemir Makina;Türkiye;Lefèvre".encode("cp1254"), "cp1254"),
        ("Ελληνικά κείμενα, Θεσσαλονίκη".encode("cp1253"), "cp1253"),
        ("Jānis Bērziņš;Rīga".encode("cp1257"), "cp1257"),
        ("Gaël".encode("cp1252"), "cp1252"),
        ("Søren Kierkegaard; København; Ærø; Ålborg".encode("cp1252"), "cp1252"),
        ("São Paulo; Conceição; João".encode("cp1252"), "cp1252"),
        ("Café crème, 25 €; 3° étage; «très» bien – merci".encode("cp1252"), "cp1252"),
        ("Hôtel Genève; Zürich; Köln; Kraków".encode("cp1252"), "cp1252"),
    ],
)
def test_detect_encoding(raw: bytes, expected: str) -> None:
    assert detect_encoding(raw) == expected


def test_cut_in_the_middle_of_a_character_is_still_utf8() -> None:
    raw = ("Jürgen Weißmann " * 10).encode()
    assert detect_encoding(raw[: raw.index("ß".encode()) + 1]) == "utf-8"


def test_file_without_a_header_row(tmp_path: Path) -> None:
    text = "j.weissmann@weissmann-maschinenbau.de;Jürgen Weißmann\r\nayse@ozturk.com.tr;Ayşe Öztürk\r\n"
    table = open_table(write(tmp_path, "list.csv", text.encode()))
    assert table.header_row == 0
    assert table.headers == ["E-mail", "Column 2"]
    assert rows(table) == [
        (1, ["j.weissmann@weissmann-maschinenbau.de", "Jürgen Weißmann"]),
        (2, ["ayse@ozturk.com.tr", "Ayşe Öztürk"]),
    ]


def test_single_column_of_addresses(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "list.txt", b"a@firma.de\nb@firma.de\n\nc@firma.de\n"))
    assert table.headers == ["E-mail"]
    assert [cells for _n, cells in table.rows()] == [["a@firma.de"], ["b@firma.de"], ["c@firma.de"]]
