"""How one contact is written: spreadsheet-safe CSV cells and vCard 3.0 cards.

A :class:`~app.exporting.records.LongText` note is written a piece at a time
(:func:`write_csv_row`, :func:`write_vcard`), byte for byte as the ordinary writers would
write the same text.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from app.exporting.records import ExportRecord, LongText, _json_list, _Reader, _same
from app.points import ADDRESS, ADDRESS_PARTS, EMAIL, PHONE, Point
from app.timeutil import local_text
from db.times import from_stored

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


def safe_cells(cells: list[object]) -> list[object]:
    """``safe_cell`` of every cell, fast for texts (most cells): one that is safe goes through
    as it is; None is left for the csv module (an empty cell)."""
    return [
        ("'" + v if v and v[0] in _FORMULA_CHARS else v)  # type: ignore[index]
        if v.__class__ is str
        else (v if v is None else safe_cell(v))
        for v in cells
    ]


_FORMULA_CHARS = "".join(FORMULA_STARTS)


# --- a row with a long note, written in pieces ------------------------------------------------
# Python's csv module (QUOTE_MINIMAL, "\r\n" records) quotes a cell holding any of these and
# doubles its quotes; a row of one empty cell is written as "" (never the case here: rows
# have many cells)
_CSV_SPECIAL = (",", '"', "\r", "\n")
_CSV_SPECIAL_BYTES = tuple(c.encode() for c in _CSV_SPECIAL)
_FORMULA_START_BYTES = tuple(c.encode() for c in FORMULA_STARTS)


def csv_field(text: str) -> str:
    """One cell as the csv module writes it (quoted when it must be)."""
    if any(c in text for c in _CSV_SPECIAL):
        return '"' + text.replace('"', '""') + '"'
    return text


def _long_csv_field(long: LongText) -> Iterator[bytes]:
    """A long note as one CSV cell, a piece at a time (two passes: is it to be quoted?)."""
    pieces = long.pieces()
    first = next(pieces, b"")
    pieces.close()  # type: ignore[attr-defined]
    quoted = any(any(c in piece for c in _CSV_SPECIAL_BYTES) for piece in long.pieces())
    if quoted:
        yield b'"'
    if first.startswith(_FORMULA_START_BYTES):
        yield b"'"
    for piece in long.pieces():
        yield piece.replace(b'"', b'""') if quoted else piece
    if quoted:
        yield b'"'


def write_csv_row(fh: IO[str], cells: list[object]) -> None:
    """One CSV record whose cells may include a :class:`LongText`, written to the text file
    ``fh`` (UTF-8) exactly as ``csv.writer(fh, lineterminator="\r\n")`` would write the text,
    without holding it."""
    for i, value in enumerate(cells):
        if i:
            fh.write(",")
        if isinstance(value, LongText):
            fh.flush()
            for piece in _long_csv_field(value):
                fh.buffer.write(piece)  # type: ignore[attr-defined]
        else:
            fh.write(csv_field(str(safe_cell(value))))
    fh.write("\r\n")


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
    # the labelled extra values, "Label: value" entries a blank line apart (as the import of
    # address books writes them: app.importing.cards.MORE_FIELDS, read back the same way)
    "More Fields",
)


class LocalTimes:
    """``local_text`` for many stored times: the local zone's offset is looked up once per
    quarter hour of UTC time (zones change offset on quarter hours), not once per value."""

    def __init__(self) -> None:
        self.offsets: dict[tuple[int, int, int, int, int], timedelta | None] = {}
        # per quarter hour since 1970 (UTC): its local text up to the minutes and its first
        # minute (None: written through a datetime)
        self.quarters: dict[int, tuple[str, int] | None] = {}

    def __call__(self, value: datetime | None) -> str:
        if value is None:
            return ""
        key = (value.year, value.month, value.day, value.hour, value.minute // 15)
        offset = self.offsets.get(key)
        if offset is None:
            offset = self.offsets[key] = value.replace(tzinfo=UTC).astimezone().utcoffset()
        if offset is None:  # pragma: no cover - astimezone() always has an offset
            return local_text(value)
        return (value + offset).strftime("%Y-%m-%d %H:%M")

    def stored(self, value: object) -> str:
        """The same for a time as SQLite stores it (:mod:`db.times`): a whole number of
        seconds since 1970 is written from its quarter hour's text, without a datetime."""
        if value.__class__ is int:
            quarter = value // 900  # type: ignore[operator]
            try:
                known = self.quarters[quarter]
            except KeyError:
                known = self.quarters[quarter] = self._quarter(quarter)
            if known is not None:
                return known[0] + _MINUTES[known[1] + value % 900 // 60]  # type: ignore[operator]
        return self(from_stored(value))

    def _quarter(self, quarter: int) -> tuple[str, int] | None:
        """The local text of a quarter hour's start without its minutes, and its minute,
        when the zone's offset then is whole quarter hours (the quarter's minutes stay in one
        local hour), as ``__call__`` writes them."""
        start = from_stored(quarter * 900)
        offset = start.replace(tzinfo=UTC).astimezone().utcoffset()
        if offset is None or offset.microseconds or (offset.days * 86400 + offset.seconds) % 900:
            return None  # pragma: no cover - local mean times before the 1900s
        local = start + offset
        if not 1000 <= local.year <= 9999:
            return None
        # what __call__ writes of start, without its minutes (the offset is the one it finds)
        return local.strftime("%Y-%m-%d %H:"), local.minute


_MINUTES = tuple(f"{m:02d}" for m in range(60))


def csv_values(
    r: ExportRecord, local: Callable[[datetime | None], str] = local_text
) -> list[object]:
    """The cells of one contact in ``CSV_HEADERS`` order (not yet made safe); ``local``
    writes a time (a :class:`LocalTimes` for many)."""
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
        local(r.created_at),
        more_fields(r.extra),
    ]


def extra_values(raw: str | None) -> list[tuple[str, str]]:
    """The stored extra values (JSON ``{label: value}``) as (label, value) pairs."""
    if not raw:
        return []
    try:
        data = json.loads(raw)
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    return [(str(k), str(v)) for k, v in data.items() if v is not None and str(v).strip()]


def _entry_label(label: str) -> str:
    # ": " ends the label of an entry and a blank line ends the entry: neither in a label
    return " ".join(label.replace(": ", " - ").split()) or "Other"


def more_fields(raw: str | None) -> str:
    """The extra values as one cell: "Label: value" entries a blank line apart (a blank line
    inside a value is written as one line break)."""
    entries = []
    for label, value in extra_values(raw):
        text = value.replace("\r\n", "\n").strip()
        while "\n\n" in text:
            text = text.replace("\n\n", "\n")
        entries.append(f"{_entry_label(label)}: {text}")
    return "\n\n".join(entries)


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
    lists = r.points
    for what, points in ((EMAIL, lists.emails), (PHONE, lists.phones), (ADDRESS, lists.addresses)):
        wanted = counts.get(what, 0)
        if not wanted:
            continue
        address = what == ADDRESS
        for p in points[:wanted]:
            out.append(_type(p))
            if address:
                out.extend([p.street, p.po_box, p.city, p.region, p.postcode, p.country])
            else:
                out.append(p.value)
        missing = wanted - len(points)
        if missing > 0:
            out.extend([""] * (missing * (len(ADDRESS_PARTS) + 1 if address else 2)))
    return out


class _Lines:
    """A file for ``csv.writer`` that keeps the lines it is given (in a list)."""

    def __init__(self, lines: list[str]) -> None:
        self.write = lines.append


# a cell that starts a formula, found by the comma before it (on a line whose every comma
# starts a cell); "\r" is not here: a line holding one is written by the csv module
_FORMULA_CELL = re.compile(
    ",(?=[" + re.escape("".join(c for c in FORMULA_STARTS if c not in _CSV_SPECIAL)) + "])"
)
_MARKED = ",'"


def write_csv_page(
    fh: IO[str], reader: _Reader, rows: Sequence[Any], local: LocalTimes, counts: dict[str, int]
) -> int:
    """Write the contacts of a page of ``rows`` (:func:`app.exporting.records.iter_pages`) to
    ``fh``, each as ``csv.writer(fh, lineterminator="\r\n")`` writes
    ``safe_cells([*csv_values(r, local), *list_values(r, counts)])`` of its record ``r``, byte
    for byte; how many.

    A contact with nothing in ``contact_points`` and a note of ordinary length (most contacts)
    is written from its row as the driver returned it, without a record or Point objects; when
    its cells are all text that needs no quotes (no comma, quote or line break: most rows),
    they are joined as they are and the formula-like ones marked on the joined line, where
    every comma starts a cell (the work of ``safe_cells`` and the csv module in a few calls
    per row, not a few per cell). Any other row goes through ``safe_cells`` and the csv
    module."""
    lines: list[str] = []  # the page's text, written at once (or every _HELD_CHARS)
    held = 0  # characters in lines
    general = csv.writer(_Lines(lines), lineterminator="\r\n")

    def write_held() -> None:
        nonlocal held
        fh.write("".join(lines))
        lines.clear()
        held = 0

    def write_cells(cells: list[object]) -> None:
        nonlocal held
        if cells[_NOTES_CELL].__class__ is LongText:
            write_held()
            write_csv_row(fh, cells)
        else:
            general.writerow(safe_cells(cells))
            held += len(lines[-1])
            if held > _HELD_CHARS:
                write_held()

    lists = reader.lists(rows)
    if not reader.stored_times:
        for record in reader.records(rows, lists):
            write_cells([*csv_values(record, local), *list_values(record, counts)])
        write_held()
        return len(rows)
    commas = len(CSV_HEADERS) + len(list_headers(counts)) - 1
    n_emails, n_phones, n_addresses = (counts.get(k, 0) for k in (EMAIL, PHONE, ADDRESS))
    address_width = len(ADDRESS_PARTS) + 1
    no_emails = [""] * (2 * n_emails)
    no_phones = [""] * (2 * n_phones)
    no_addresses = [""] * (address_width * n_addresses)
    more_emails = no_emails[2:]
    more_phones = no_phones[2:]
    more_addresses = no_addresses[address_width:]
    stored = local.stored
    marked = _FORMULA_CELL.sub
    long_at = len(reader.columns) - 1 if reader.raw is not None else 0
    for r in rows:
        if r[0] in lists or (long_at and r[long_at]):
            for record in reader.records([r], lists):
                write_cells([*csv_values(record, local), *list_values(record, counts)])
            continue
        (_id, name, first, last, email, other_emails, phone, company, title, website, city,
         country, industry, _key, stage, _changed, source, score, consent, tags, notes, _next,
         created, extra) = r[:24]  # fmt: skip
        others = _json_list(other_emails) if other_emails else []
        tail: list[object] = [
            consent or "unknown",
            tags,
            notes,
            stored(created) if created is not None else "",
            more_fields(extra) if extra else "",
        ]
        if not n_emails:
            pass
        elif others:  # as _row_points makes them: the row's e-mail first, then the others
            emails = [email] if email else []
            for value in others:
                if value:
                    other = str(value)
                    if not any(_same(e, other) for e in emails):
                        emails.append(other)
            for i, value in enumerate(emails[:n_emails]):
                tail.append("* other" if not i and email else "other")
                tail.append(value)
            if len(emails) < n_emails:
                tail.extend(_BLANK * (2 * (n_emails - len(emails))))
        elif email:
            tail += ("* other", email)
            tail += more_emails
        else:
            tail += no_emails
        if n_phones:
            if phone:
                tail += ("* other", phone)
                tail += more_phones
            else:
                tail += no_phones
        if n_addresses:
            if city or country:
                tail += ("* other", "", "", city or "", "", "", country or "")
                tail += more_addresses
            else:
                tail += no_addresses
        head = (
            name,
            first,
            last,
            email,
            ", ".join([str(v) for v in others]) if others else "",
            phone,
            company,
            title,
            website,
            city,
            country,
            industry,
            stage,
            source,
        )
        if score is None or score.__class__ is int:
            try:
                before = ",".join(head)  # type: ignore[arg-type]
                after = ",".join(tail)  # type: ignore[arg-type]
            except TypeError:  # a value that is not text (None, a blob): the csv module's
                pass
            else:
                line = f"{before},{'' if score is None else score},{after}"
                if (
                    line.count(",") == commas
                    and '"' not in line
                    and "\n" not in line
                    and "\r" not in line
                ):
                    if score is not None and score < 0:  # type: ignore[operator]
                        # a negative score is not a formula: mark the texts around it
                        after = marked(_MARKED, after)
                        if after.startswith(FORMULA_STARTS):
                            after = "'" + after
                        line = f"{marked(_MARKED, before)},{score},{after}"
                    else:
                        line = marked(_MARKED, line)
                    if line.startswith(FORMULA_STARTS):
                        line = "'" + line
                    line += "\r\n"
                    lines.append(line)
                    held += len(line)
                    if held > _HELD_CHARS:
                        write_held()
                    continue
        write_cells([*head, score, *tail])
    write_held()
    return len(rows)


_BLANK = [""]
_NOTES_CELL = CSV_HEADERS.index("Notes")
# at most about this many characters of lines are held before they are written (a page of
# notes just short of LONG_TEXT is not held twice)
_HELD_CHARS = 1 << 20


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


class _Folder:
    """``fold_line`` for a line given in pieces (UTF-8 bytes): at most 75 octets on the first
    line, 74 after the leading space of each continuation, never inside a character."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.pending = b""
        self.limit = 75
        self.started = False

    def feed(self, data: bytes) -> None:
        buf = self.pending + data if self.pending else data
        start = 0
        # a line is cut only once more follows it (the last part ends the line)
        while len(buf) - start > self.limit:
            cut = start + self.limit
            while buf[cut] & 0xC0 == 0x80:  # inside a character: cut before it
                cut -= 1
            self._emit(buf[start:cut])
            start = cut
        self.pending = buf[start:]

    def _emit(self, part: bytes) -> None:
        if self.started:
            self.out.write(b"\r\n ")
        self.out.write(part)
        self.started = True
        self.limit = 74

    def close(self) -> None:
        self._emit(self.pending)
        self.pending = b""
        self.out.write(b"\r\n")


def _escaped_pieces(long: LongText) -> Iterator[bytes]:
    """``vcard_escape`` of a long text, a piece at a time (a CR at a piece's end waits for
    the next piece: CR LF is one line break)."""
    carry = b""
    for piece in long.pieces():
        data = carry + piece
        carry = b""
        if data.endswith(b"\r"):
            data, carry = data[:-1], b"\r"
        yield _escape_bytes(data)
    if carry:
        yield _escape_bytes(carry)


def _escape_bytes(data: bytes) -> bytes:
    return (
        data.replace(b"\\", b"\\\\")
        .replace(b"\r\n", b"\n")
        .replace(b"\r", b"\n")
        .replace(b"\n", b"\\n")
        .replace(b",", b"\\,")
        .replace(b";", b"\\;")
    )


def write_vcard(fh: IO[str], r: ExportRecord) -> None:
    """``vcard(r)`` written to the text file ``fh`` (UTF-8), its note streamed when it is a
    :class:`LongText`."""
    if not isinstance(r.notes, LongText):
        fh.write(vcard(r))
        return
    head, tail = vcard(r, note=False).split(_NOTE_HERE)
    fh.write(head)
    fh.flush()
    folder = _Folder(fh.buffer)  # type: ignore[attr-defined]
    folder.feed(b"NOTE:")
    for piece in _escaped_pieces(r.notes):
        folder.feed(piece)
    folder.close()
    fh.flush()
    fh.write(tail)


_NOTE_HERE = "\x00NOTE\x00"


def _single_line(value: str) -> str:
    return " ".join(value.split())


def vcard(r: ExportRecord, note: bool = True) -> str:
    """One contact as a vCard 3.0 card (CRLF line endings, folded). ``note=False``: a marker
    line where the note goes (``write_vcard`` streams a long one there)."""
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
    groups = 0

    def grouped(line: str, label: str) -> None:
        """A property, with the file's own label for it as Apple writes one (a group and its
        ``X-ABLabel``), which Winnow's import reads back as the kind."""
        nonlocal groups
        if not label:
            lines.append(line)
            return
        groups += 1
        lines.append(f"item{groups}.{line}")
        lines.append(f"item{groups}.X-ABLabel:{vcard_escape(_single_line(label))}")

    for p in r.points.emails:
        types = ",".join(["INTERNET", *_vcard_types(p, EMAIL)])
        line = f"EMAIL;TYPE={types}:{vcard_escape(_single_line(p.value))}"
        grouped(line, _own_label(p))
    for p in r.points.phones:
        types = ",".join(_vcard_types(p, PHONE) or ["VOICE"])
        grouped(f"TEL;TYPE={types}:{vcard_escape(p.value)}", _own_label(p))
    if r.website:
        lines.append(f"URL:{_single_line(r.website)}")
    for p in r.points.addresses:
        parts = ";".join(
            vcard_escape(v)
            for v in (p.po_box, "", p.street, p.city, p.region, p.postcode, p.country)
        )
        types = ",".join(_vcard_types(p, ADDRESS))
        grouped(f"ADR;TYPE={types}:{parts}" if types else f"ADR:{parts}", _own_label(p))
    if r.tags:
        tags = [t.strip() for t in r.tags.split(",") if t.strip()]
        if tags:
            lines.append("CATEGORIES:" + ",".join(vcard_escape(t) for t in tags))
    if r.notes and not note:
        lines.append(_NOTE_HERE)
    elif r.notes:
        lines.append(f"NOTE:{vcard_escape(str(r.notes))}")
    if r.source:
        lines.append(f"X-WINNOW-SOURCE:{vcard_escape(r.source)}")
    for label, value in extra_values(r.extra):
        # each extra value under its own label (read back by Winnow's import as that label)
        grouped(f"{EXTRA_PROPERTY}:{vcard_escape(value)}", _entry_label(label))
    lines.append(f"UID:winnow-contact-{r.id}")
    lines.append("END:VCARD")
    return "".join(line if line is _NOTE_HERE else fold_line(line) for line in lines)


# the property an extra value goes out as, its label in the group's X-ABLabel
EXTRA_PROPERTY = "X-WINNOW-FIELD"
# vCard 3.0's TYPE values for the kinds Winnow knows; a file's own label goes out as the
# group's X-ABLabel (see _own_label)
_VCARD_TYPES = {
    "work": "WORK", "home": "HOME", "mobile": "CELL", "fax": "FAX", "pager": "PAGER",
    "main": "MAIN",
}  # fmt: skip
_NO_TYPE = ("", "other")


def _own_label(p: Point) -> str:
    """The kind when vCard's types cannot say it ("Assistant", "Antiguo"), else ""."""
    words = (p.kind or "").casefold().split()
    if " ".join(words) in _NO_TYPE or all(w in _VCARD_TYPES for w in words):
        return ""
    return p.kind or ""


def _vcard_types(p: Point, what: str) -> list[str]:
    words = (p.kind or "").casefold().split()
    types = [_VCARD_TYPES[w] for w in words] if all(w in _VCARD_TYPES for w in words) else []
    if what == PHONE and types and types[0] in ("WORK", "HOME") and "FAX" not in types:
        types.append("VOICE")
    if p.primary:
        types.append("PREF")
    return types
