"""How one contact is written: spreadsheet-safe CSV cells and vCard 3.0 cards."""

from __future__ import annotations

from app.exporting.records import ExportRecord
from app.points import ADDRESS, ADDRESS_PARTS, EMAIL, PHONE, Point
from app.timeutil import local_text

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The text of one CSV cell, with a leading apostrophe when a spreadsheet would run it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)  # our own numbers: a negative score is not a formula
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


CSV_HEADERS = (
    "Name",
    "First name",
    "Last name",
    "E-mail",
    "Other e-mails",
    "Phone",
    "Company",
    "Job title",
    "Website",
    "City",
    "Country",
    "Industry",
    "Stage",
    "Source",
    "Score",
    "Marketing consent",
    "Tags",
    "Notes",
    "Created",
)


def csv_values(r: ExportRecord) -> list[object]:
    """The cells of one contact in ``CSV_HEADERS`` order (not yet made safe)."""
    return [
        r.name,
        r.first_name,
        r.last_name,
        r.email,
        ", ".join(r.other_emails),
        r.phone,
        r.company,
        r.title,
        r.website,
        r.city,
        r.country,
        r.industry,
        r.stage_name,
        r.source,
        r.score,
        r.consent,
        r.tags,
        r.notes,
        local_text(r.created_at),
    ]


# Every e-mail, phone and address after the fixed columns, numbered as Google's CSV numbers
# them (``E-mail 2 - Value``), so that the file imports back into Winnow, Google and Outlook
_LIST_COLUMNS = {
    EMAIL: ("E-mail", ("Value",)),
    PHONE: ("Phone", ("Value",)),
    ADDRESS: (
        "Address",
        ("Street", "PO Box", "City", "Region", "Postal Code", "Country"),
    ),
}


def list_headers(counts: dict[str, int]) -> list[str]:
    """The numbered columns for up to ``counts[kind]`` values of each kind."""
    out: list[str] = []
    for what, (title, parts) in _LIST_COLUMNS.items():
        for n in range(1, counts.get(what, 0) + 1):
            out.append(f"{title} {n} - Type")
            out.extend(f"{title} {n} - {part}" for part in parts)
    return out


def _type(p: Point) -> str:
    """Google's label: the kind, "* " before it on the primary one."""
    kind = p.kind or "other"
    return f"* {kind}" if p.primary else kind


def list_values(r: ExportRecord, counts: dict[str, int]) -> list[object]:
    """The cells under ``list_headers(counts)`` for one contact."""
    out: list[object] = []
    for what, (_title, parts) in _LIST_COLUMNS.items():
        points = r.points.of(what)
        for n in range(counts.get(what, 0)):
            if n >= len(points):
                out.extend([""] * (len(parts) + 1))
                continue
            p = points[n]
            out.append(_type(p))
            if what == ADDRESS:
                out.extend(getattr(p, part) for part in ADDRESS_PARTS)
            else:
                out.append(p.value)
    return out


# --- vCard 3.0 (RFC 2426) --------------------------------------------------------------------


def vcard_escape(value: str) -> str:
    """Escape a text value: backslash, newline, comma and semicolon."""
    return (
        value.replace("\\", "\\\\")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
        .replace(",", "\\,")
        .replace(";", "\\;")
    )


def fold_line(line: str) -> str:
    """Fold a content line at 75 octets (UTF-8), never inside a character; CRLF endings."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line + "\r\n"
    parts: list[str] = []
    current = ""
    size = 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            parts.append(current)
            current = ""
            size = 0
            limit = 74  # continuation lines start with one space
        current += ch
        size += n
    parts.append(current)
    return "\r\n ".join(parts) + "\r\n"


def _single_line(value: str) -> str:
    return " ".join(value.split())


def vcard(r: ExportRecord) -> str:
    """One contact as a vCard 3.0 card (CRLF line endings, folded)."""
    first = r.first_name or ""
    last = r.last_name or ""
    full = r.name or r.company or r.email or "(no name)"
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"N:{vcard_escape(last)};{vcard_escape(first)};;;",
        f"FN:{vcard_escape(full)}",
    ]
    if r.company:
        lines.append(f"ORG:{vcard_escape(r.company)}")
    if r.title:
        lines.append(f"TITLE:{vcard_escape(r.title)}")
    for p in r.points.emails:
        types = ",".join(["INTERNET", *_vcard_types(p, EMAIL)])
        lines.append(f"EMAIL;TYPE={types}:{vcard_escape(_single_line(p.value))}")
    for p in r.points.phones:
        types = ",".join(_vcard_types(p, PHONE) or ["VOICE"])
        lines.append(f"TEL;TYPE={types}:{vcard_escape(p.value)}")
    if r.website:
        lines.append(f"URL:{_single_line(r.website)}")
    for p in r.points.addresses:
        parts = ";".join(
            vcard_escape(v)
            for v in (p.po_box, "", p.street, p.city, p.region, p.postcode, p.country)
        )
        types = ",".join(_vcard_types(p, ADDRESS))
        lines.append(f"ADR;TYPE={types}:{parts}" if types else f"ADR:{parts}")
    if r.tags:
        tags = [t.strip() for t in r.tags.split(",") if t.strip()]
        if tags:
            lines.append("CATEGORIES:" + ",".join(vcard_escape(t) for t in tags))
    if r.notes:
        lines.append(f"NOTE:{vcard_escape(r.notes)}")
    if r.source:
        lines.append(f"X-WINNOW-SOURCE:{vcard_escape(r.source)}")
    lines.append(f"UID:winnow-contact-{r.id}")
    lines.append("END:VCARD")
    return "".join(fold_line(line) for line in lines)


# vCard 3.0's TYPE values for the kinds Winnow knows; a file's own label goes out as X-LABEL
_VCARD_TYPES = {"work": "WORK", "home": "HOME", "mobile": "CELL", "fax": "FAX", "pager": "PAGER"}


def _vcard_types(p: Point, what: str) -> list[str]:
    kind = (p.kind or "").casefold()
    types = [_VCARD_TYPES[kind]] if kind in _VCARD_TYPES else []
    if what == PHONE and types and types[0] in ("WORK", "HOME"):
        types.append("VOICE")
    if p.primary:
        types.append("PREF")
    return types
