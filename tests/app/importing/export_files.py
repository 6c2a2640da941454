"""Contact exports written byte for byte as the real programs write them (FORMATS.md).

Each builder returns the file's bytes; tests write them to a temporary folder. The people are
the same across formats so the tests can assert every name, company and e-mail exactly.
"""

from __future__ import annotations

import base64
import csv
import io
from datetime import datetime
from pathlib import Path

CRLF = "\r\n"

# --- Google Contacts ---------------------------------------------------------------------------

GOOGLE_CURRENT_HEADER = (
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,"
    "Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,"
    "Organization Title,Organization Department,Birthday,Notes,Photo,Labels,E-mail 1 - Label,"
    "E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value,Address 1 - Label,Address 1 - Formatted,"
    "Address 1 - Street,Address 1 - City,Address 1 - PO Box,Address 1 - Region,"
    "Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address,Website 1 - Label,"
    "Website 1 - Value,Event 1 - Label,Event 1 - Value,Custom Field 1 - Label,"
    "Custom Field 1 - Value"
)


def _csv_text(rows: list[list[str]], delimiter: str = ",", quote_all: bool = False) -> str:
    out = io.StringIO()
    writer = csv.writer(
        out,
        delimiter=delimiter,
        lineterminator=CRLF,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerows(rows)
    return out.getvalue()


def _google_row(**values: str) -> list[str]:
    headers = GOOGLE_CURRENT_HEADER.split(",")
    return [values.get(h, "") for h in headers]


def google_current() -> bytes:
    """Google Contacts export: UTF-8 with BOM, CRLF, ' ::: ' joined values, a multi-line cell."""
    rows = [
        GOOGLE_CURRENT_HEADER.split(","),
        _google_row(
            **{
                "First Name": "Jürgen",
                "Last Name": "Weißmann",
                "Organization Name": "Weißmann Maschinenbau GmbH",
                "Organization Title": "Leiter Einkauf",
                "Organization Department": "Einkauf",
                "Labels": "* myContacts ::: Hannover 2026",
                "E-mail 1 - Label": "* Work ::: Home",
                "E-mail 1 - Value": "j.weissmann@weissmann-maschinenbau.de ::: "
                "juergen.weissmann@web.de",
                "Phone 1 - Label": "Work",
                "Phone 1 - Value": "+49 511 1234567",
                "Address 1 - Label": "Work",
                "Address 1 - Formatted": "Hauptstraße 5\n30159 Hannover\nDeutschland",
                "Address 1 - Street": "Hauptstraße 5",
                "Address 1 - City": "Hannover",
                "Address 1 - Postal Code": "30159",
                "Address 1 - Country": "Deutschland",
                "Website 1 - Label": "Work",
                "Website 1 - Value": "https://www.weissmann-maschinenbau.de",
                "Notes": 'Stand B12, wants the "Ersatzteil" catalogue',
            }
        ),
        _google_row(
            **{
                "First Name": "Françoise",
                "Last Name": "Lefèvre",
                "Organization Name": "Lefèvre & Fils SARL",
                "Organization Title": "Directrice commerciale",
                "Labels": "* myContacts ::: * starred ::: Hannover 2026",
                "E-mail 1 - Label": "* Work",
                "E-mail 1 - Value": "francoise.lefevre@lefevre-fils.fr",
                "Phone 1 - Label": "Mobile",
                "Phone 1 - Value": "+33 6 12 34 56 78",
                "Address 1 - City": "Lyon",
                "Address 1 - Country": "France",
            }
        ),
        _google_row(
            **{
                "First Name": "Ayşe",
                "Last Name": "Öztürk",
                "Organization Name": "Öztürk Tekstil A.Ş.",
                "Organization Title": "Satın Alma Müdürü",
                "Labels": "* myContacts",
                "E-mail 1 - Value": "ayse.ozturk@ozturk-tekstil.com.tr",
                "Address 1 - City": "İstanbul",
                "Address 1 - Country": "Türkiye",
                "Custom Field 1 - Label": "Interest",
                "Custom Field 1 - Value": "Ersatzteile",
            }
        ),
    ]
    return b"\xef\xbb\xbf" + _csv_text(rows).encode("utf-8")


GOOGLE_LEGACY_HEADER = (
    "Name,Given Name,Additional Name,Family Name,Yomi Name,Given Name Yomi,Additional Name Yomi,"
    "Family Name Yomi,Name Prefix,Name Suffix,Initials,Nickname,Short Name,Maiden Name,Birthday,"
    "Gender,Location,Billing Information,Directory Server,Mileage,Occupation,Hobby,Sensitivity,"
    "Priority,Subject,Notes,Language,Photo,Group Membership,E-mail 1 - Type,E-mail 1 - Value,"
    "Phone 1 - Type,Phone 1 - Value,Address 1 - Type,Address 1 - Formatted,Address 1 - Street,"
    "Address 1 - City,Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,"
    "Address 1 - Country,Address 1 - Extended Address,Organization 1 - Type,"
    "Organization 1 - Name,Organization 1 - Yomi Name,Organization 1 - Title,"
    "Organization 1 - Department,Organization 1 - Symbol,Organization 1 - Location,"
    "Organization 1 - Job Description,Website 1 - Type,Website 1 - Value"
)


def google_legacy() -> bytes:
    headers = GOOGLE_LEGACY_HEADER.split(",")

    def row(**values: str) -> list[str]:
        return [values.get(h, "") for h in headers]

    rows = [
        headers,
        row(
            **{
                "Name": "Ayşe Öztürk",
                "Given Name": "Ayşe",
                "Family Name": "Öztürk",
                "Group Membership": "* My Contacts ::: Hannover 2026",
                "E-mail 1 - Type": "* Work",
                "E-mail 1 - Value": "ayse.ozturk@ozturk-tekstil.com.tr",
                "Phone 1 - Type": "Mobile",
                "Phone 1 - Value": "+90 532 123 45 67",
                "Organization 1 - Name": "Öztürk Tekstil A.Ş.",
                "Organization 1 - Title": "Satın Alma Müdürü",
                "Organization 1 - Department": "Satın Alma",
            }
        ),
        row(
            **{
                "Name": "Sven Lindqvist",
                "E-mail 1 - Value": "sven.lindqvist@nordicpumps.se",
                "Organization 1 - Name": "Nordic Pumps AB",
            }
        ),
    ]
    return b"\xef\xbb\xbf" + _csv_text(rows).encode("utf-8")


# --- Outlook ------------------------------------------------------------------------------------

OUTLOOK_COM_HEADER = (
    "First Name,Middle Name,Last Name,Title,Suffix,Nickname,Given Yomi,Surname Yomi,"
    "E-mail Address,E-mail 2 Address,E-mail 3 Address,Home Phone,Home Phone 2,Business Phone,"
    "Business Phone 2,Mobile Phone,Car Phone,Other Phone,Primary Phone,Pager,Business Fax,"
    "Home Fax,Other Fax,Company Main Phone,Callback,Radio Phone,Telex,TTY/TDD Phone,IMAddress,"
    "Job Title,Department,Company,Office Location,Manager's Name,Assistant's Name,"
    "Assistant's Phone,Company Yomi,Business Street,Business City,Business State,"
    "Business Postal Code,Business Country/Region,Home Street,Home City,Home State,"
    "Home Postal Code,Home Country/Region,Other Street,Other City,Other State,Other Postal Code,"
    "Other Country/Region,Personal Web Page,Spouse,Schools,Hobby,Location,Web Page,Birthday,"
    "Anniversary,Notes"
)


def outlook_com_cp1252() -> bytes:
    """Outlook.com's 61 columns, re-saved by Excel on Windows: Windows-1252, CRLF, no BOM."""
    headers = OUTLOOK_COM_HEADER.split(",")

    def row(**values: str) -> list[str]:
        return [values.get(h, "") for h in headers]

    rows = [
        headers,
        row(
            **{
                "First Name": "Françoise",
                "Last Name": "Lefèvre",
                "Title": "Mme",
                "E-mail Address": "francoise.lefevre@lefevre-fils.fr",
                "E-mail 2 Address": "f.lefevre@orange.fr",
                "Home Phone": "+33 4 78 00 00 00",
                "Business Phone": "+33 4 72 10 20 30",
                "Mobile Phone": "+33 6 12 34 56 78",
                "Job Title": "Directrice commerciale",
                "Department": "Ventes",
                "Company": "Lefèvre & Fils SARL",
                "Business City": "Lyon",
                "Business Country/Region": "France",
                "Home City": "Villeurbanne",
                "Web Page": "www.lefevre-fils.fr",
                "Notes": "Rencontrée à Hanovre; rappeler en mai",
            }
        ),
        row(
            **{
                "First Name": "José",
                "Last Name": "Núñez García",
                "Title": "Sr.",
                "E-mail Address": "jose.nunez@construcciones-nunez.es",
                "Mobile Phone": "+34 612 345 678",
                "Job Title": "Jefe de Compras",
                "Company": "Construcciones Núñez S.L.",
                "Business City": "Málaga",
                "Business Country/Region": "España",
            }
        ),
        row(
            **{
                "First Name": "Jürgen",
                "Last Name": "Weißmann",
                "Title": "Dr.",
                "E-mail Address": "j.weissmann@weissmann-maschinenbau.de",
                "Business Phone": "+49 511 1234567",
                "Job Title": "Leiter Einkauf",
                "Company": "Weißmann Maschinenbau GmbH",
                "Business City": "Hannover",
                "Business Country/Region": "Deutschland",
                "Notes": "Größere Bestellung für Q3 geplant – Angebot schicken",
            }
        ),
    ]
    return _csv_text(rows).encode("cp1252")


OUTLOOK_DESKTOP_HEADER = (
    "Title,First Name,Middle Name,Last Name,Suffix,Company,Department,Job Title,Business Street,"
    "Business Street 2,Business Street 3,Business City,Business State,Business Postal Code,"
    "Business Country/Region,Home Street,Home Street 2,Home Street 3,Home City,Home State,"
    "Home Postal Code,Home Country/Region,Other Street,Other Street 2,Other Street 3,Other City,"
    "Other State,Other Postal Code,Other Country/Region,Assistant's Phone,Business Fax,"
    "Business Phone,Business Phone 2,Callback,Car Phone,Company Main Phone,Home Fax,Home Phone,"
    "Home Phone 2,ISDN,Mobile Phone,Other Fax,Other Phone,Pager,Primary Phone,Radio Phone,"
    "TTY/TDD Phone,Telex,Account,Anniversary,Assistant's Name,Billing Information,Birthday,"
    "Business Address PO Box,Categories,Children,Directory Server,E-mail Address,E-mail Type,"
    "E-mail Display Name,E-mail 2 Address,E-mail 2 Type,E-mail 2 Display Name,E-mail 3 Address,"
    "E-mail 3 Type,E-mail 3 Display Name,Gender,Government ID Number,Hobby,Home Address PO Box,"
    "Initials,Internet Free Busy,Keywords,Language,Location,Manager's Name,Mileage,Notes,"
    "Office Location,Organizational ID Number,Other Address PO Box,Priority,Private,Profession,"
    "Referred By,Sensitivity,Spouse,User 1,User 2,User 3,User 4,Web Page"
)


def outlook_desktop() -> bytes:
    """Classic Outlook export (92 columns): every field quoted, Windows-1252, CRLF."""
    headers = OUTLOOK_DESKTOP_HEADER.split(",")

    def row(**values: str) -> list[str]:
        base = dict.fromkeys(headers, "")
        base.update({"Gender": "Unspecified", "Priority": "Normal", "Private": "False"})
        base["Sensitivity"] = "Normal"
        base.update(values)
        return [base[h] for h in headers]

    rows = [
        headers,
        row(
            **{
                "Title": "Herr",
                "First Name": "Jürgen",
                "Last Name": "Weißmann",
                "Company": "Weißmann Maschinenbau GmbH",
                "Department": "Einkauf",
                "Job Title": "Leiter Einkauf",
                "Business City": "Hannover",
                "Business Country/Region": "Deutschland",
                "Business Phone": "+49 (511) 1234567",
                "Mobile Phone": "+49 (171) 2345678",
                "Categories": "Hannover 2026;Kunde",
                "E-mail Address": "j.weissmann@weissmann-maschinenbau.de",
                "E-mail Type": "SMTP",
                "E-mail Display Name": "Jürgen Weißmann (j.weissmann@weissmann-maschinenbau.de)",
                "Web Page": "http://www.weissmann-maschinenbau.de/",
            }
        ),
    ]
    return _csv_text(rows, quote_all=True).encode("cp1252")


# --- LinkedIn -----------------------------------------------------------------------------------


def linkedin_connections() -> bytes:
    """Connections.csv: UTF-8 BOM, 'Notes:' preamble, a blank line, then the header."""
    text = (
        "Notes:\n"
        '"When exporting your connection data, you may notice that some of the email '
        "addresses are missing. You will only see email addresses for connections who have "
        "allowed their connections to see or download their email address using this setting "
        "https://www.linkedin.com/psettings/privacy/email. You can learn more here "
        'https://www.linkedin.com/help/linkedin/answer/261"\n'
        "\n"
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Jürgen,Weißmann,https://www.linkedin.com/in/juergen-weissmann,,"
        "Weißmann Maschinenbau GmbH,Leiter Einkauf,12 Mar 2024\n"
        "Françoise,Lefèvre,https://www.linkedin.com/in/francoise-lefevre-0a1b2c,"
        "francoise.lefevre@lefevre-fils.fr,Lefèvre & Fils SARL,Directrice commerciale,"
        "03 Jan 2025\n"
        'Ayşe,Öztürk,https://www.linkedin.com/in/ayseozturk,,"Öztürk Tekstil A.Ş.",'
        '"Satın Alma Müdürü, Tekstil",21 Apr 2026\n'
    )
    return b"\xef\xbb\xbf" + text.encode("utf-8")


# --- Badge scanners and European Excel ----------------------------------------------------------


def badge_scanner_de() -> bytes:
    """A lead-retrieval export opened and re-saved by German Excel: ';', Windows-1252, CRLF,
    title rows above the header, numbers like 25.000,00."""
    lines = [
        "Hannover Messe 2026 – Leadexport Halle 7 Stand B12;;;;;;;;;;;;;;",
        "Exportiert am 24.04.2026 17:32 von messe-scan.de;;;;;;;;;;;;;;",
        ";;;;;;;;;;;;;;",
        "Anrede;Titel;Vorname;Nachname;Firma;Position;Abteilung;Straße;PLZ;Ort;Land;Telefon;"
        "E-Mail;Umsatz;Notizen",
        "Herr;Dr.;Jürgen;Weißmann;Weißmann Maschinenbau GmbH;Leiter Einkauf;Einkauf;"
        "Hauptstraße 5;30159;Hannover;Deutschland;+49 511 1234567;"
        "j.weissmann@weissmann-maschinenbau.de;25.000,00;Interesse an Ersatzteilen",
        "Frau;;Françoise;Lefèvre;Lefèvre & Fils SARL;Directrice commerciale;;;69002;Lyon;"
        "Frankreich;+33 4 72 10 20 30;francoise.lefevre@lefevre-fils.fr;1.250.000,50;"
        '"Rückruf erbeten; spricht Deutsch"',
        ";;;;;;;;;;;;;;",
        "Herr;;José;Núñez García;Construcciones Núñez S.L.;Jefe de Compras;;;29001;Málaga;"
        "Spanien;+34 612 345 678;jose.nunez@construcciones-nunez.es;;",
    ]
    return (CRLF.join(lines) + CRLF).encode("cp1252")


def french_excel_short() -> bytes:
    """A short French Excel CSV: the kind encoding guessers get wrong."""
    lines = [
        "Civilité;Prénom;Nom;Société;Fonction;Courriel;Téléphone;Ville;Pays",
        "Mme;Françoise;Lefèvre;Lefèvre & Fils;Directrice;f.lefevre@lefevre-fils.fr;"
        "04 72 10 20 30;Lyon;France",
        "M.;Frédéric;Gaël;Boulangerie Gaël;Gérant;contact@boulangerie-gael.fr;;Besançon;France",
    ]
    return (CRLF.join(lines) + CRLF).encode("cp1252")


def spanish_excel() -> bytes:
    lines = [
        "Nombre;Apellidos;Empresa;Cargo;Correo electrónico;Teléfono;Ciudad;País",
        "José;Núñez García;Construcciones Núñez S.L.;Jefe de Compras;"
        "jose.nunez@construcciones-nunez.es;+34 612 345 678;Málaga;España",
        "María;Peña Ibáñez;Hostelería Peña;Gerente;maria@hosteleria-pena.es;;Logroño;España",
    ]
    return (CRLF.join(lines) + CRLF).encode("cp1252")


def utf8_with_stray_byte() -> bytes:
    """UTF-8 text with one Windows-1252 byte (0xA0, a non-breaking space) pasted in."""
    good = (
        "Vorname,Nachname,Firma,E-Mail\r\n"
        "Jürgen,Weißmann,Weißmann Maschinenbau GmbH,j.weissmann@weissmann-maschinenbau.de\r\n"
        "Françoise,Lefèvre,Lefèvre & Fils SARL,francoise.lefevre@lefevre-fils.fr\r\n"
    ).encode()
    stray = b"Ay\xc5\x9fe,\xc3\x96zt\xc3\xbcrk,\xc3\x96zt\xc3\xbcrk\xa0Tekstil,ayse@ozturk-tekstil.com.tr\r\n"
    rest = "Zoë,Ångström,Ångström Optik AB,zoe@angstrom-optik.se\r\n".encode()
    return good + stray + rest


def excel_unicode_text() -> bytes:
    """Excel's "Unicode Text (*.txt)": UTF-16LE with BOM, tab-separated, CRLF."""
    text = (
        "First Name\tLast Name\tCompany\tEmail\r\n"
        "Ayşe\tÖztürk\tÖztürk Tekstil A.Ş.\tayse.ozturk@ozturk-tekstil.com.tr\r\n"
        "Jürgen\tWeißmann\tWeißmann Maschinenbau GmbH\tj.weissmann@weissmann-maschinenbau.de\r\n"
    )
    return b"\xff\xfe" + text.encode("utf-16-le")


# --- Excel workbook -----------------------------------------------------------------------------


def scanner_workbook(path: Path) -> None:
    """An .xlsx with title rows, a date cell, a phone stored as a number, a second sheet."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Leads"
    sheet.append(["Hannover Messe 2026 – Besucherliste"])
    sheet.append(["Stand B12, Halle 7", None, None, datetime(2026, 4, 24, 17, 32)])
    sheet.append([])
    sheet.append(
        ["Vorname", "Nachname", "Firma", "E-Mail", "Telefon", "Mitarbeiter", "Besucht am",
         "Umsatz"]
    )  # fmt: skip
    sheet.append(
        ["Jürgen", "Weißmann", "Weißmann Maschinenbau GmbH",
         "j.weissmann@weissmann-maschinenbau.de", 495111234567, 250.0, datetime(2026, 4, 21),
         25000.5]
    )  # fmt: skip
    sheet.append([])
    sheet.append(
        ["Ayşe", "Öztürk", "Öztürk Tekstil A.Ş.", "ayse.ozturk@ozturk-tekstil.com.tr",
         "+90 532 123 45 67", 1200, datetime(2026, 4, 22, 10, 15), None]
    )  # fmt: skip
    other = workbook.create_sheet("Leads 2")
    other.append(["Name", "Company", "Email"])
    other.append(["Françoise Lefèvre", "Lefèvre & Fils SARL", "francoise.lefevre@lefevre-fils.fr"])
    workbook.save(path)


# --- vCard --------------------------------------------------------------------------------------


def android_qp(text: str) -> str:
    """Quoted-printable the way Android's VCardBuilder writes it: every byte as =XX, a soft
    line break ('=' CRLF, next line without indent) after every 22 bytes."""
    out: list[str] = []
    for i, byte in enumerate(text.encode("utf-8")):
        if i and i % 22 == 0:
            out.append("=" + CRLF)
        out.append(f"={byte:02X}")
    return "".join(out)


def android_vcard_21() -> bytes:
    """An Android phone's contacts export: vCard 2.1, QP with CHARSET and soft breaks."""
    qp = "CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE"
    cards = [
        [
            "BEGIN:VCARD",
            "VERSION:2.1",
            f"N;{qp}:{android_qp('Öztürk')};{android_qp('Ayşe')};;;",
            f"FN;{qp}:{android_qp('Ayşe Öztürk')}",
            "TEL;CELL:+90 532 123 45 67",
            "TEL;WORK:+90 212 555 01 01",
            "EMAIL;WORK:ayse.ozturk@ozturk-tekstil.com.tr",
            "EMAIL;HOME:ayse.ozturk@gmail.com",
            f"ORG;{qp}:{android_qp('Öztürk Tekstil A.Ş.')}",
            f"TITLE;{qp}:{android_qp('Satın Alma Müdürü')}",
            f"NOTE;{qp}:{android_qp('Hannover Messe 2026, Halle 7 – wants spare parts')}",
            "PHOTO;ENCODING=BASE64;JPEG:" + base64.b64encode(bytes(range(256)) * 3).decode()[:60],
            " " + base64.b64encode(bytes(range(200))).decode()[:76],
            " " + base64.b64encode(bytes(range(100))).decode()[:40],
            "",
            "END:VCARD",
        ],
        [
            "BEGIN:VCARD",
            "VERSION:2.1",
            "N:Lindqvist;Sven;;;",
            "FN:Sven Lindqvist",
            "TEL;CELL;PREF:+46 70 555 01 02",
            "EMAIL;WORK:sven.lindqvist@nordicpumps.se",
            "ORG:Nordic Pumps AB",
            "END:VCARD",
        ],
        [
            "BEGIN:VCARD",
            "VERSION:2.1",
            f"N;{qp}:{android_qp('Weißmann')};{android_qp('Jürgen')};;{android_qp('Dr.')};",
            f"FN;{qp}:{android_qp('Dr. Jürgen Weißmann')}",
            "TEL;WORK:+49 511 1234567",
            "EMAIL;INTERNET:j.weissmann@weissmann-maschinenbau.de",
            f"ORG;{qp}:{android_qp('Weißmann Maschinenbau GmbH')};{android_qp('Einkauf')}",
            "END:VCARD",
        ],
    ]
    return (CRLF.join(CRLF.join(card) for card in cards) + CRLF).encode("ascii")


def apple_vcard_30() -> bytes:
    """An iPhone/macOS export: vCard 3.0, grouped properties, ORG with department, a folded
    base64 PHOTO."""
    photo = base64.b64encode(bytes(range(256)) * 8).decode()
    folded = [photo[:60]] + [" " + photo[i : i + 74] for i in range(60, len(photo), 74)]
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        "PRODID:-//Apple Inc.//iPhone OS 17.4//EN",
        "N:Lefèvre;Françoise;;;",
        "FN:Françoise Lefèvre",
        "ORG:Lefèvre & Fils SARL;Direction commerciale",
        "TITLE:Directrice commerciale",
        "item1.EMAIL;type=INTERNET;type=pref:francoise.lefevre@lefevre-fils.fr",
        "item1.X-ABLabel:_$!<Work>!$_",
        "item2.EMAIL;type=INTERNET:f.lefevre@orange.fr",
        "item2.X-ABLabel:privé",
        "TEL;type=CELL;type=VOICE;type=pref:+33 6 12 34 56 78",
        "TEL;type=WORK;type=VOICE:+33 4 72 10 20 30",
        "item3.ADR;type=WORK;type=pref:;;12 Rue de la République;Lyon;;69002;France",
        "item3.X-ABADR:fr",
        "item4.URL;type=pref:https://www.lefevre-fils.fr",
        "item4.X-ABLabel:_$!<HomePage>!$_",
        "NOTE:Rencontrée au salon\\, stand B12\\nRappeler en mai",
        "PHOTO;ENCODING=b;TYPE=JPEG:" + folded[0],
        *folded[1:],
        "CATEGORIES:Hannover 2026,Kunde",
        "END:VCARD",
        "BEGIN:VCARD",
        "VERSION:3.0",
        "FN:Öztürk Tekstil A.Ş.",
        "ORG:Öztürk Tekstil A.Ş.;",
        "item1.EMAIL;type=INTERNET;type=WORK:info@ozturk-tekstil.com.tr",
        "X-ABShowAs:COMPANY",
        "END:VCARD",
    ]
    return (CRLF.join(lines) + CRLF).encode("utf-8")


def vcard_40() -> bytes:
    lines = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        "KIND:individual",
        "FN:Sven Lindqvist",
        "N:Lindqvist;Sven;;;",
        "ORG:Nordic Pumps AB;Sales;Export",
        'TEL;VALUE=uri;TYPE="work,voice";PREF=1:tel:+46-8-555-0101',
        "TEL;VALUE=uri;TYPE=cell:tel:+46-70-555-0102",
        "EMAIL;TYPE=work;PREF=1:sven.lindqvist@nordicpumps.se",
        "EMAIL;TYPE=home:sven@lindqvist.se",
        'ADR;TYPE=work;LABEL="Industrigatan 4\\n112 46 Stockholm":;;Industrigatan 4;'
        "Stockholm;;112 46;Sweden",
        "END:VCARD",
    ]
    return (CRLF.join(lines) + CRLF).encode("utf-8")


def outlook_vcard(encoding: str) -> bytes:
    """Outlook's .vcf: vCard 2.1 in UTF-16 with a BOM ("utf-16-le" or "utf-16-be"), with a
    QP LABEL in Windows-1252 bytes and no CHARSET."""
    lines = [
        "BEGIN:VCARD",
        "VERSION:2.1",
        "N;LANGUAGE=de-de:Weißmann;Jürgen",
        "FN:Jürgen Weißmann",
        "ORG:Weißmann Maschinenbau GmbH;Einkauf",
        "TITLE:Leiter Einkauf",
        "TEL;WORK;VOICE:+49 511 1234567",
        "TEL;CELL;VOICE:+49 171 2345678",
        "ADR;WORK;PREF:;;Hauptstraße 5;Hannover;;30159;Deutschland",
        "LABEL;WORK;PREF;ENCODING=QUOTED-PRINTABLE:Hauptstra=DFe 5=0D=0A=",
        "30159 Hannover",
        "URL;WORK:http://www.weissmann-maschinenbau.de",
        "EMAIL;PREF;INTERNET:j.weissmann@weissmann-maschinenbau.de",
        "X-MS-OL-DEFAULT-POSTAL-ADDRESS:2",
        "REV:20260424T153200Z",
        "END:VCARD",
    ]
    bom = b"\xff\xfe" if encoding == "utf-16-le" else b"\xfe\xff"
    return bom + (CRLF.join(lines) + CRLF).encode(encoding)


def many_vcards(count: int) -> bytes:
    cards = []
    for i in range(count):
        cards.append(
            CRLF.join(
                [
                    "BEGIN:VCARD",
                    "VERSION:3.0",
                    f"N:Öztürk{i};Ayşe;;;",
                    f"FN:Ayşe Öztürk{i}",
                    f"EMAIL;type=INTERNET:ayse{i}@ozturk-tekstil.com.tr",
                    "END:VCARD",
                ]
            )
        )
    return (CRLF.join(cards) + CRLF).encode("utf-8")
