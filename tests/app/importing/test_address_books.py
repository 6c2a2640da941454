"""Address books as real programs export them (written by hand after their formats): nothing
is dropped without a word, many e-mails/phones/addresses are kept with kind and PREF, and
hostile files stay bounded and name what they cost."""

from __future__ import annotations

import base64
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.importing.mapping import apply_mapping, guess_mapping
from app.importing.pipeline import prepare_chunks
from app.importing.readers import ImportFileError, open_table
from app.importing.rows import PreparedRow, RowPreparer
from app.importing.rowstream import take_warnings

CRLF = "\r\n"
STAGES = {"suspect": "Suspect", "inquiry": "Inquiry"}


def prepared(path: Path) -> tuple[list[PreparedRow], list[tuple[int, str]], list[tuple[int, str]]]:
    """(rows as they would be stored, warnings, rejected) for a file, as the import does it."""
    table = open_table(path)
    mapping = guess_mapping(table.headers)
    rows: list[PreparedRow] = []
    warnings: list[tuple[int, str]] = []
    rejected: list[tuple[int, str]] = []
    for chunk in prepare_chunks(table.rows(), table.headers, mapping, RowPreparer(STAGES), 50):
        rows += chunk.rows
        warnings += [(w.row, w.reason) for w in chunk.warnings]
        rejected += [(r.row, r.reason) for r in chunk.rejected]
    return rows, warnings, rejected


def stored_text(row: PreparedRow) -> str:
    """Everything a contact keeps of a row, as one text to search in."""
    parts = [str(v) for v in row.values.values()]
    parts += row.other_emails
    parts += [f"{k}: {v}" for k, v in row.extra.items()]
    return "\n".join(parts)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- iPhone / macOS vCard 3.0 -------------------------------------------------------------------

IPHONE = CRLF.join(
    [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "PRODID:-//Apple Inc.//iPhone OS 17.4//EN",
        "N:Lefèvre;Françoise;Marie;;",
        "FN:Françoise Lefèvre",
        "X-PHONETIC-FIRST-NAME:Fransoaz",
        "ORG:Lefèvre & Fils SARL;Ventes",
        "TITLE:Directrice commerciale",
        "item1.EMAIL;type=INTERNET;type=pref:francoise@lefevre-fils.fr",
        "item1.X-ABLabel:_$!<Work>!$_",
        "item2.EMAIL;type=INTERNET:f.lefevre@orange.fr",
        "item2.X-ABLabel:_$!<Home>!$_",
        "TEL;type=CELL;type=VOICE:+33 6 12 34 56 78",
        "TEL;type=CELL;type=VOICE;type=pref:+33 6 99 88 77 66",
        "TEL;type=WORK;type=VOICE:+33 4 72 10 20 30",
        "item3.TEL:+33 4 72 10 20 99",
        "item3.X-ABLabel:Assistante",
        "item4.ADR;type=WORK;type=pref:;;12 Rue de la République;Lyon;;69002;France",
        "item4.X-ABADR:fr",
        "item5.ADR;type=HOME:;;3 Chemin des Vignes;Villeurbanne;;69100;France",
        "item6.ADR;type=HOME:BP 42;;;Annecy;;74000;France",
        "X-AIM;type=HOME:flefevre",
        "IMPP;X-SERVICE-TYPE=Skype;type=HOME:skype:francoise.lefevre",
        "item7.X-ABRELATEDNAMES:Paul Lefèvre",
        "item7.X-ABLabel:_$!<Spouse>!$_",
        "item8.X-ABDATE;type=pref:2004-06-12",
        "item8.X-ABLabel:_$!<Anniversary>!$_",
        "X-CUSTOM-FIELD:stand B12",
        "GEO:45.7640;4.8357",
        "END:VCARD",
    ]
)


def test_iphone_card_keeps_every_value(tmp_path: Path) -> None:
    [row], warnings, rejected = prepared(write(tmp_path, "iphone.vcf", (IPHONE + CRLF).encode()))
    assert rejected == [] and warnings == []
    assert row.values["email"] == "francoise@lefevre-fils.fr"
    assert row.other_emails == ["f.lefevre@orange.fr"]
    # PREF decides the primary phone, even among two mobiles and a landline
    assert row.values["phone"] == "+33 6 99 88 77 66"
    assert [(p.value, p.kind, p.label) for p in row.phones] == [
        ("+33 6 99 88 77 66", "mobile", ""),
        ("+33 4 72 10 20 30", "work", ""),
        ("+33 4 72 10 20 99", "", "Assistante"),
        ("+33 6 12 34 56 78", "mobile", ""),
    ]
    assert [(a.kind, a.primary, a.city, a.po_box) for a in row.addresses] == [
        ("work", True, "Lyon", ""),
        ("home", False, "Villeurbanne", ""),
        ("home", False, "Annecy", "BP 42"),
    ]
    assert row.values["city"] == "Lyon"
    assert row.extra["Address (work)"] == "12 Rue de la République, 69002 Lyon, France"
    assert row.extra["Address (home)"] == (
        "3 Chemin des Vignes, 69100 Villeurbanne, France ::: BP 42, 74000 Annecy, France"
    )
    assert row.extra["Phone (Assistante)"] == "+33 4 72 10 20 99"
    assert row.extra["IM (AIM) (home)"] == "flefevre"
    assert row.extra["IM (Skype)"] == "francoise.lefevre"
    assert row.extra["Related (Spouse)"] == "Paul Lefèvre"
    assert row.extra["Date (Anniversary)"] == "2004-06-12"
    assert row.extra["Phonetic first name"] == "Fransoaz"
    assert row.extra["Custom field"] == "stand B12"
    assert row.extra["Geo position"] == "45.7640;4.8357"
    assert row.extra["Middle Name"] == "Marie"


# --- vCard syntax -------------------------------------------------------------------------------


def test_groups_on_begin_any_case_and_qp_that_ends_in_equals(tmp_path: Path) -> None:
    text = CRLF.join(
        [
            "home.begin:vcard",
            "version:2.1",
            "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=96zt=C3=BCrk;Ay=C5=9Fe;;;",
            # the value ends in "=" (a soft break with nothing after it): the next line is a
            # property of its own and must not be swallowed
            "NOTE;ENCODING=QUOTED-PRINTABLE:Messe Hannover=",
            "EMAIL;INTERNET:ayse@ozturk.com.tr",
            "home.end:vcard",
            "BEGIN:VCARD",
            "VERSION:2.1",
            "N:Doe\\, Jr.;John;;;",
            "NOTE;ENCODING=QUOTED-PRINTABLE:first line=0D=0A=",
            "second line",
            "EMAIL:john@example.com",
            "END:VCARD",
        ]
    )
    rows, warnings, _rejected = prepared(write(tmp_path, "x.vcf", (text + CRLF).encode()))
    ayse, john = rows
    assert (ayse.values["first_name"], ayse.values["last_name"]) == ("Ayşe", "Öztürk")
    assert ayse.values["email"] == "ayse@ozturk.com.tr"
    assert ayse.values["notes"] == "Messe Hannover"
    assert john.values["last_name"] == "Doe, Jr."  # an escaped comma stays a comma
    assert john.values["notes"] == "first line\r\nsecond line".replace("\r\n", "\n")
    assert john.values["email"] == "john@example.com"
    assert warnings == []


def test_company_card_and_display_name_kept(tmp_path: Path) -> None:
    text = CRLF.join(
        [
            "BEGIN:VCARD", "VERSION:3.0", "N:;;;;", "FN:Acer America", "ORG:Acer America;",
            "EMAIL:info@acer.example", "END:VCARD",
            "BEGIN:VCARD", "VERSION:3.0", "N:one;contact;;;", "FN:contact number one",
            "EMAIL:one@example.com", "END:VCARD",
        ]
    )  # fmt: skip
    company, person = prepared(write(tmp_path, "x.vcf", (text + CRLF).encode()))[0]
    assert "first_name" not in company.values and "last_name" not in company.values
    assert company.values["company"] == "Acer America"
    assert person.full_name == "contact number one"
    assert person.extra["Display name"] == "contact number one"


# --- LDIF -----------------------------------------------------------------------------------------

THUNDERBIRD_LDIF = "\n".join(
    [
        "dn: cn=Jürgen Weißmann,mail=j.weissmann@weissmann-maschinenbau.de",
        "objectclass: top",
        "objectclass: person",
        "objectclass: organizationalPerson",
        "objectclass: inetOrgPerson",
        "objectclass: mozillaAbPersonAlpha",
        "givenName: Jürgen",
        "sn:: " + base64.b64encode("Weißmann".encode()).decode(),
        "cn: Jürgen Weißmann",
        "mozillaNickname: Jogi",
        "mail: j.weissmann@weissmann-maschinenbau.de",
        "mozillaSecondEmail: juergen@web.de",
        "nsAIMid: jweiss",
        "modifytimestamp: 0Z",
        "telephoneNumber: +49 511 1234567",
        "homePhone: +49 511 7654321",
        "facsimiletelephonenumber: +49 511 1234568",
        "mobile: +49 171 2345678",
        "mozillaHomeStreet: Gartenweg 3",
        "mozillaHomeLocalityName: Hannover",
        "mozillaHomePostalCode: 30161",
        "mozillaHomeCountryName: Deutschland",
        "street: Hauptstraße 5",
        "mozillaWorkStreet2: Halle 7",
        "l: Hannover",
        "st: Niedersachsen",
        "postalCode: 30159",
        "c: Deutschland",
        "title: Leiter Einkauf",
        "department: Einkauf",
        "company: Weißmann Maschinenbau GmbH",
        "mozillaWorkUrl: https://www.weissmann-maschinenbau.de",
        "birthyear: 1970",
        "birthmonth: 3",
        "birthday: 9",
        "mozillaCustom1: Kunde seit 2019",
        "description: Rückruf erbeten;",
        "  spricht Deutsch",
        "jpegPhoto:: " + base64.b64encode(b"\xff\xd8\xff" + bytes(50)).decode(),
        "",
        "dn: cn=Einkauf",
        "objectclass: top",
        "objectclass: groupOfNames",
        "cn: Einkauf",
        "member: cn=Jürgen Weißmann,mail=j.weissmann@weissmann-maschinenbau.de",
        "",
    ]
)


def test_thunderbird_ldif(tmp_path: Path) -> None:
    path = write(tmp_path, "abook.ldif", THUNDERBIRD_LDIF.encode())
    table = open_table(path)
    assert table.format == "ldif"
    [jurgen], warnings, rejected = prepared(path)
    assert rejected == []
    assert jurgen.values["first_name"] == "Jürgen"
    assert jurgen.values["last_name"] == "Weißmann"
    assert jurgen.values["email"] == "j.weissmann@weissmann-maschinenbau.de"
    assert jurgen.other_emails == ["juergen@web.de"]
    assert jurgen.values["phone"] == "+49 511 1234567"
    assert jurgen.values["company"] == "Weißmann Maschinenbau GmbH"
    assert jurgen.values["title"] == "Leiter Einkauf"
    assert jurgen.values["notes"] == "Rückruf erbeten; spricht Deutsch"
    assert jurgen.extra["Address (work)"] == (
        "Hauptstraße 5, Halle 7, 30159 Hannover, Niedersachsen, Deutschland"
    )
    assert jurgen.extra["Address (home)"] == "Gartenweg 3, 30161 Hannover, Deutschland"
    assert jurgen.extra["Phone (mobile)"] == "+49 171 2345678"
    assert jurgen.extra["Phone (fax)"] == "+49 511 1234568"
    assert jurgen.extra["IM (AIM)"] == "jweiss"
    assert jurgen.extra["Birthday"] == "1970-03-09"
    assert jurgen.extra["Custom 1"] == "Kunde seit 2019"
    assert jurgen.extra["Nickname"] == "Jogi"
    assert (1, "jpegPhoto not imported (Winnow keeps no pictures or files)") in warnings
    assert any(n == 2 and "mailing list 'Einkauf'" in text for n, text in warnings)


def test_ldif_is_not_read_as_csv_whatever_its_name(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "export.txt", THUNDERBIRD_LDIF.encode()))
    assert table.format == "ldif"


# --- encodings ----------------------------------------------------------------------------------

JAPANESE = "姓,名,会社,メールアドレス\r\n山田,太郎,株式会社サンプル,taro@example.jp\r\n佐藤,花子,東京電機工業,hanako@example.jp\r\n"


@pytest.mark.parametrize(
    ("text", "codec", "expected"),
    [
        (JAPANESE, "cp932", "cp932"),
        (JAPANESE, "euc_jp", "euc_jp"),
        ("이름,회사,이메일\r\n김민수,서울전자주식회사,kim@example.kr\r\n", "euc_kr", "euc_kr"),
        ("Имя,Фамилия,Компания\r\nИван,Петров,ООО Ромашка\r\nМария,Иванова,Завод\r\n",
         "cp1251", "cp1251"),
        ("Имя,Фамилия,Компания\r\nИван,Петров,ООО Ромашка\r\nМария,Иванова,Завод\r\n",
         "koi8_r", "koi8_r"),
    ],
)  # fmt: skip
def test_cjk_and_cyrillic_code_pages(tmp_path: Path, text: str, codec: str, expected: str) -> None:
    table = open_table(write(tmp_path, "x.csv", text.encode(codec)))
    assert table.encoding == expected
    first = next(iter(table.rows()))[1]
    assert first == text.split("\r\n")[1].split(",")


def test_utf8_behind_a_utf16_bom_is_a_clear_error(tmp_path: Path) -> None:
    data = b"\xff\xfe" + "First Name,Email\r\nJürgen,j@x.de\r\n".encode()
    with pytest.raises(ImportFileError, match="byte-order mark but its text is UTF-8"):
        open_table(write(tmp_path, "x.csv", data))
    # told by hand, it reads
    table = open_table(tmp_path / "x.csv", encoding="utf-8")
    assert table.headers[0].endswith("First Name")


def test_half_invalid_utf8_is_read_and_said(tmp_path: Path) -> None:
    data = "Name,Email\r\nJürgen Weißmann,j@x.de\r\nMüller,m@x.de\r\n".encode() + (
        "Françoise,f@x.fr\r\nJosé,j@x.es\r\nRené,r@x.fr\r\nAndré,a@x.fr\r\n".encode("cp1252")
    )
    table = open_table(write(tmp_path, "x.csv", data))
    assert table.encoding_confidence == "weak"
    names = [cells[0] for _n, cells in table.rows()]
    assert names == ["Jürgen Weißmann", "Müller", "Françoise", "José", "René", "André"]
    stream = table.rows()
    list(stream)
    assert any(n == 0 and "mixes UTF-8" in text for n, text in take_warnings(stream))


# --- headers in other languages -----------------------------------------------------------------

THUNDERBIRD_NL = (
    "Voornaam,Achternaam,Weergavenaam,Bijnaam,Primair e-mailadres,Secundair e-mailadres,"
    "Telefoon werk,Telefoon thuis,Faxnummer,Piepernummer,Mobiel nummer,Adres,Adres 2,"
    "Woonplaats,Provincie,Postcode,Land,Werkadres,Werkadres 2,Werklocatie,Werkprovincie,"
    "Werkpostcode,Werkland,Werktitel,Afdeling,Organisatie,Webpagina 1,Webpagina 2,"
    "Geboortejaar,Geboortemaand,Geboortedag,Overig 1,Overig 2,Overig 3,Overig 4,Aantekeningen"
)


def test_thunderbird_csv_in_dutch(tmp_path: Path) -> None:
    row = (
        "Jan,de Vries,Jan de Vries,,jan@devries.nl,jan.devries@gmail.com,+31 20 123 4567,"
        "+31 20 765 4321,,,+31 6 12345678,Thuisstraat 1,,Amsterdam,NH,1011 AB,Nederland,"
        "Werkweg 9,Gebouw B,Utrecht,UT,3511 AA,Nederland,Inkoper,Inkoop,De Vries BV,"
        "https://devries.nl,https://jan.example,1980,5,17,VIP,,,,Beurs 2026"
    )
    path = write(tmp_path, "adresboek.csv", (THUNDERBIRD_NL + "\r\n" + row + "\r\n").encode())
    mapping = guess_mapping(open_table(path).headers)
    assert mapping["Werktitel"] == "title"
    assert mapping["Webpagina 1"] == "website"
    assert mapping["Aantekeningen"] == "notes"
    assert mapping["Primair e-mailadres"] == "email"
    [jan], warnings, _rejected = prepared(path)
    assert jan.values["title"] == "Inkoper"
    assert jan.values["website"] == "https://devries.nl"
    assert jan.values["notes"] == "Beurs 2026"
    assert jan.other_emails == ["jan.devries@gmail.com"]
    assert jan.extra["Address (work)"] == "Werkweg 9, Gebouw B, 3511 AA Utrecht, UT, Nederland"
    assert jan.extra["Address"] == "Thuisstraat 1, 1011 AB Amsterdam, NH, Nederland"
    assert "https://jan.example" in stored_text(jan)
    assert warnings == []


# --- hostile inputs -----------------------------------------------------------------------------


def _bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", "<sst>" + "A" * (80 << 20) + "</sst>")
    return path


@pytest.mark.parametrize(
    ("name", "data", "check"),
    [
        ("nul.csv", b"First Name,Email\r\nJ\x00rgen,j@x.de\r\nAnna,a@x.de\r\n", "NUL"),
        ("wide.csv", b"First Name,Email\r\n" + b"P,p@x.de\r\n" * 300 + b"Z,z@x.de,more,cells\r\n",
         "Column 3"),
        ("bigcell.csv", b'First Name,Notes,Email\r\nJ,"' + b"x" * (3 << 20) + b'",j@x.de\r\n'
         b"K,short,k@x.de\r\n", "1 MB"),
        ("bigline.csv", b"First Name,Notes,Email\r\nJ," + b"y" * (3 << 20) + b",j@x.de\r\n"
         b"K,short,k@x.de\r\n", "1 MB"),
        ("longheader.csv", (",".join(f"Spalte {i}" for i in range(8000)) + ",Email\r\n"
         + "x," * 8000 + "a@x.de\r\n").encode(), "header"),
        ("bigvcard.vcf", b"BEGIN:VCARD\r\nFN:Big\r\nNOTE:" + b"n" * (3 << 20)
         + b"\r\nEMAIL:big@x.de\r\nEND:VCARD\r\n", "1 MB"),
    ],
)  # fmt: skip
def test_hostile_files_import_what_they_can_and_say_the_rest(
    tmp_path: Path, name: str, data: bytes, check: str
) -> None:
    rows, warnings, _rejected = prepared(write(tmp_path, name, data))
    text = "\n".join(stored_text(r) for r in rows)
    said = "\n".join(t for _n, t in warnings)
    assert "@x.de" in text  # the e-mail after the oversized value survives
    if check == "Column 3":
        assert rows[-1].extra == {"Column 3": "more", "Column 4": "cells"}
    elif check == "header":
        assert rows[0].values["email"] == "a@x.de"
    else:
        assert check in said
    assert all(len(v) <= (1 << 20) for r in rows for v in map(str, r.values.values()))


def test_zip_bomb_workbook_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="unpacks to"):
        open_table(_bomb(tmp_path / "bomb.xlsx"))


# --- the invariant: every value is stored or named ------------------------------------------------

_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüßéèçñ", min_size=3, max_size=10)
_phone = st.integers(min_value=1_000_000, max_value=9_999_999).map(lambda n: f"+49 30 {n}")
_email = st.tuples(_word, _word).map(
    lambda t: f"{t[0]}@{t[1].encode('ascii', 'ignore').decode() or 'x'}example.de"
)
_kind = st.sampled_from(["WORK", "HOME", "CELL", "FAX", "PAGER", "OTHER", "WORK;PREF", ""])
_extra_prop = st.sampled_from(
    ["X-AIM", "X-JABBER", "X-SPOUSE", "X-MANAGER", "X-ASSISTANT", "X-PHONETIC-LAST-NAME",
     "ANNIVERSARY", "X-CUSTOM1", "X-ANYTHING-ELSE", "GEO", "TZ", "X-MS-IMADDRESS"]
)  # fmt: skip


@st.composite
def _cards(draw: st.DrawFn) -> tuple[str, list[str]]:
    values: list[str] = []
    lines = ["BEGIN:VCARD", "VERSION:3.0"]
    first, last = draw(_word), draw(_word)
    lines += [f"N:{last};{first};;;", f"FN:{first} {last}"]
    values += [first, last]
    for _ in range(draw(st.integers(0, 3))):
        address = draw(_email)
        lines.append(f"EMAIL;TYPE={draw(_kind) or 'INTERNET'}:{address}")
        values.append(address)
    for _ in range(draw(st.integers(0, 4))):
        number = draw(_phone)
        kind = draw(_kind)
        lines.append(f"TEL;TYPE={kind}:{number}" if kind else f"TEL:{number}")
        values.append(number)
    for _ in range(draw(st.integers(0, 3))):
        street, city = draw(_word), draw(_word)
        lines.append(f"ADR;TYPE={draw(_kind) or 'HOME'}:;;{street} 1;{city};;12345;")
        values += [f"{street} 1", city]
    for _ in range(draw(st.integers(0, 2))):
        company, title = draw(_word), draw(_word)
        lines += [f"ORG:{company}", f"TITLE:{title}"]
        values += [company, title]
    for _ in range(draw(st.integers(0, 4))):
        value = draw(_word)
        lines.append(f"{draw(_extra_prop)}:{value}")
        values.append(value)
    lines.append("END:VCARD")
    return CRLF.join(lines) + CRLF, values


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cards=st.lists(_cards(), min_size=1, max_size=4))
def test_no_value_of_a_vcard_is_lost_without_a_word(
    tmp_path_factory: pytest.TempPathFactory, cards: list[tuple[str, list[str]]]
) -> None:
    folder = tmp_path_factory.mktemp("prop")
    path = write(folder, "cards.vcf", "".join(text for text, _v in cards).encode())
    rows, warnings, rejected = prepared(path)
    assert not rejected
    said = "\n".join(t for _n, t in warnings)
    for row, (_text, values) in zip(rows, cards, strict=True):
        kept = stored_text(row)
        for value in values:
            assert value in kept or value in said, (value, kept)


def test_mapping_keeps_cells_of_unknown_columns_and_wide_rows() -> None:
    headers = ["Vorname", "Lieblingsfarbe"]
    row = apply_mapping(headers, ["Jürgen", "blau", "überzählig"], guess_mapping(headers))
    assert row.extra == {"Lieblingsfarbe": "blau", "Column 3": "überzählig"}
