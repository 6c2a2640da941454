"""How one contact is written: spreadsheet-safe CSV cells and vCard 3.0 cards."""

from __future__ import annotations

from app.exporting.records import ExportRecord
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
    if r.email:
        lines.append(f"EMAIL;TYPE=INTERNET,PREF:{vcard_escape(_single_line(r.email))}")
    for other in r.other_emails:
        lines.append(f"EMAIL;TYPE=INTERNET:{vcard_escape(_single_line(other))}")
    if r.phone:
        lines.append(f"TEL;TYPE=WORK,VOICE:{vcard_escape(r.phone)}")
    if r.website:
        lines.append(f"URL:{_single_line(r.website)}")
    if r.city or r.country:
        city = vcard_escape(r.city or "")
        country = vcard_escape(r.country or "")
        lines.append(f"ADR;TYPE=WORK:;;;{city};;;{country}")
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
