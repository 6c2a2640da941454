"""The same small contact list as CSV, Excel, vCard and LDIF: three people, the second one
twice (same e-mail address), and one entry with nothing but a phone number (rejected)."""

from __future__ import annotations

from pathlib import Path

PEOPLE = [
    ("Jürgen", "Weißmann", "j.weissmann@acme-maschinen.de", "ACME Maschinen GmbH"),
    ("Françoise", "Lefèvre", "f.lefevre@exemple-industrie.fr", "Exemple Industrie"),
    ("Ayşe", "Öztürk", "ayse@ozturk-makina.com.tr", "Öztürk Makina"),
]
# file order: Jürgen, Françoise, Françoise again, the phone-only entry, Ayşe
ORDER = [0, 1, 1, None, 2]
PHONE_ONLY = "+49 30 1234567"
FORMATS = ("csv", "xlsx", "vcf", "ldif")


def _rows() -> list[tuple[str, str, str, str, str]]:
    return [PEOPLE[i] + ("",) if i is not None else ("", "", "", "", PHONE_ONLY) for i in ORDER]


def write_list(tmp_path: Path, fmt: str) -> Path:
    """The list in one format; returns its path."""
    path = tmp_path / f"contacts.{fmt}"
    header = ("First Name", "Last Name", "E-mail Address", "Company", "Phone")
    if fmt == "csv":
        lines = [",".join(header)] + [",".join(r) for r in _rows()]
        path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    elif fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(list(header))
        for r in _rows():
            sheet.append([c or None for c in r])
        book.save(path)
    elif fmt == "vcf":
        cards = []
        for first, last, email, company, phone in _rows():
            lines = ["BEGIN:VCARD", "VERSION:3.0"]
            if first or last:
                lines += [f"N:{last};{first};;;", f"FN:{first} {last}"]
            if email:
                lines.append(f"EMAIL;TYPE=INTERNET:{email}")
            if company:
                lines.append(f"ORG:{company}")
            if phone:
                lines.append(f"TEL;TYPE=CELL:{phone}")
            lines.append("END:VCARD")
            cards.append("\r\n".join(lines))
        path.write_text("\r\n".join(cards) + "\r\n", encoding="utf-8")
    elif fmt == "ldif":
        entries = []
        for n, (first, last, email, company, phone) in enumerate(_rows()):
            dn = f"cn={first} {last}" if first or last else f"uid=entry{n}"
            lines = [f"dn: {dn}", "objectclass: top", "objectclass: person"]
            if first or last:
                lines += [f"givenName: {first}", f"sn: {last}", f"cn: {first} {last}"]
            if email:
                lines.append(f"mail: {email}")
            if company:
                lines.append(f"o: {company}")
            if phone:
                lines.append(f"telephoneNumber: {phone}")
            entries.append("\n".join(lines))
        path.write_text("\n\n".join(entries) + "\n", encoding="utf-8")
    else:
        raise ValueError(fmt)
    return path
