"""vCard files (2.1, 3.0, 4.0), read card by card with a tolerant parser of our own.

Why not vobject: Android's vCard 2.1 continues quoted-printable values on the next line without
a leading space (a QP "soft line break"), which vobject rejects, and a damaged card would stop
the whole file. This parser unfolds lines (RFC 6350 3.2), joins QP soft breaks, decodes
``ENCODING=QUOTED-PRINTABLE``/``BASE64`` with the property's ``CHARSET``, understands grouped
properties (``item1.EMAIL``), and skips photos without keeping them in memory.

Each card becomes one row under fixed headers (``VCARD_HEADERS``); several e-mails, phones or
web addresses share one cell joined by " ::: " (as Google's CSV does), preferred one first.
Row numbers are card numbers (1 = the first card); there is no header line (header_row 0).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from app.importing.encoding import FALLBACK_ERRORS, open_text, text_codec
from app.importing.errors import ImportFileError

RowIterator = Iterator[tuple[int, list[str]]]

MULTI_SEPARATOR = " ::: "

VCARD_HEADERS: list[str] = [
    "Full Name",
    "Name Prefix",
    "First Name",
    "Middle Name",
    "Last Name",
    "Name Suffix",
    "Nickname",
    "Company",
    "Department",
    "Job Title",
    "Role",
    "E-mail",
    "Phone",
    "Mobile",
    "Fax",
    "Street",
    "Postal Code",
    "City",
    "Region",
    "Country",
    "Website",
    "Birthday",
    "Categories",
    "Notes",
]
_COLUMN = {name: i for i, name in enumerate(VCARD_HEADERS)}

# Properties whose (possibly huge, folded) values are never used: not even kept in memory.
_SKIPPED = frozenset({"PHOTO", "LOGO", "SOUND", "KEY"})
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_PROPERTY_NAME = re.compile(r"^[A-Za-z0-9-]+$")


@dataclass
class _Property:
    name: str
    group: str
    types: set[str]
    params: dict[str, str]
    raw: str


@dataclass
class _Card:
    properties: list[_Property] = field(default_factory=list)


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return _ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def _split_unescaped(text: str, separator: str) -> list[str]:
    if "\\" not in text:
        return text.split(separator)
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for ch in text:
        if escaped:
            current.append("\\" + ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _split_outside_quotes(text: str, separator: str, maxsplit: int = -1) -> list[str]:
    if '"' not in text:
        return text.split(separator, maxsplit)
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
            current.append(ch)
        elif ch == separator and not quoted:
            parts.append("".join(current))
            current = []
            if maxsplit >= 0 and len(parts) >= maxsplit:
                parts.append(text[i + 1 :])
                return parts
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _parse_property(line: str) -> _Property | None:
    colon = line.find(":")
    if colon < 0:
        return None
    head = line[:colon]
    if '"' in head:
        pieces = _split_outside_quotes(line, ":", 1)
        if len(pieces) < 2:
            return None
        head, value = pieces[0], pieces[1]
    else:
        value = line[colon + 1 :]
    params_text = _split_outside_quotes(head, ";")
    group, _, name = params_text[0].strip().rpartition(".")
    name = name.upper()
    if not _PROPERTY_NAME.match(name):
        return None
    types: set[str] = set()
    params: dict[str, str] = {}
    for param in params_text[1:]:
        key, eq, val = param.partition("=")
        key = key.strip().upper()
        val = val.strip().strip('"')
        if not eq:  # vCard 2.1 bare parameter: "WORK", "CELL", "QUOTED-PRINTABLE"
            if key in ("QUOTED-PRINTABLE", "BASE64", "B", "8BIT"):
                params["ENCODING"] = key
            else:
                types.add(key)
        elif key == "TYPE":
            types.update(t.strip().upper() for t in val.split(",") if t.strip())
        else:
            params[key] = val
            if key == "PREF":
                types.add("PREF")
    return _Property(name, group.upper(), types, params, value)


def _decode(prop: _Property, text: str) -> str:
    """One raw value (or component) with its transfer encoding and charset undone."""
    encoding = prop.params.get("ENCODING", "").upper()
    if encoding in ("QUOTED-PRINTABLE", "BASE64", "B"):
        raw = text.encode("utf-8", "surrogateescape")
        try:
            data = binascii.a2b_qp(raw) if encoding == "QUOTED-PRINTABLE" else base64.b64decode(raw)
        except (binascii.Error, ValueError):
            return text
        name = text_codec(prop.params.get("CHARSET", "") or "utf-8") or "utf-8"
        errors = FALLBACK_ERRORS if name.startswith("utf-8") else "replace"
        try:
            return data.decode(name, errors=errors)
        except (UnicodeError, LookupError, ValueError):
            return data.decode("utf-8", errors=FALLBACK_ERRORS)
    return text


def _value(prop: _Property) -> str:
    return " ".join(_unescape(_decode(prop, prop.raw)).replace("\x00", "").split())


def _components(prop: _Property, count: int) -> list[str]:
    parts = [_unescape(_decode(prop, p)).strip() for p in _split_unescaped(prop.raw, ";")]
    return (parts + [""] * count)[:count]


def _logical_lines(lines: Iterable[str]) -> Iterator[str]:
    """Unfolded property lines: folded lines joined, QP soft breaks joined, photos dropped."""
    parts: list[str] = []
    skipping = False
    quoted_printable = False
    for physical in lines:
        line = physical.rstrip("\r\n")
        if parts or skipping:
            if (
                quoted_printable
                and parts
                and parts[-1].endswith("=")
                and not line.upper().startswith("END:VCARD")
            ):
                parts[-1] = parts[-1][:-1]  # a QP soft line break, with or without indent
                parts.append(line)
                continue
            if line[:1] in (" ", "\t"):
                if not skipping:
                    parts.append(line[1:])
                continue
            if parts:
                yield "".join(parts)
            parts = []
            skipping = False
        if not line.strip():
            continue
        head = line.split(":", 1)[0]
        name = head.split(";", 1)[0].rpartition(".")[2].strip().upper()
        if name in _SKIPPED:
            skipping = True
            quoted_printable = False
            continue
        quoted_printable = "QUOTED-PRINTABLE" in head.upper()
        parts = [line]
    if parts:
        yield "".join(parts)


def _cards(lines: Iterable[str]) -> Iterator[_Card]:
    card: _Card | None = None
    for line in _logical_lines(lines):
        upper = line[:12].upper()
        if upper.startswith("BEGIN:VCARD"):
            if card is not None and card.properties:
                yield card  # a card without END: the next BEGIN starts a new one
            card = _Card()
            continue
        if upper.startswith("END:VCARD"):
            if card is not None:
                yield card
            card = None
            continue
        if card is None:
            continue
        prop = _parse_property(line)
        if prop is not None:
            card.properties.append(prop)
    if card is not None and card.properties:
        yield card


def _ranked(values: list[tuple[bool, str]]) -> str:
    seen: set[str] = set()
    out: list[str] = []
    for _pref, value in sorted(values, key=lambda pv: not pv[0]):
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            out.append(value)
    return MULTI_SEPARATOR.join(out)


def card_cells(card: _Card) -> list[str]:
    """One card as cells under ``VCARD_HEADERS``."""
    cells = [""] * len(VCARD_HEADERS)

    def put(header: str, value: str) -> None:
        if value and not cells[_COLUMN[header]]:
            cells[_COLUMN[header]] = value

    emails: list[tuple[bool, str]] = []
    phones: list[tuple[bool, str]] = []
    mobiles: list[tuple[bool, str]] = []
    faxes: list[tuple[bool, str]] = []
    urls: list[tuple[bool, str]] = []
    address: list[str] | None = None
    address_preferred = False
    shows_company = False
    for prop in card.properties:
        name = prop.name
        preferred = "PREF" in prop.types
        if name == "FN":
            put("Full Name", _value(prop))
        elif name == "N":
            last, first, middle, prefix, suffix = _components(prop, 5)
            put("Last Name", last.replace(",", " ").strip())
            put("First Name", first.replace(",", " ").strip())
            put("Middle Name", middle.replace(",", " ").strip())
            put("Name Prefix", prefix.replace(",", " ").strip())
            put("Name Suffix", suffix.replace(",", " ").strip())
        elif name == "NICKNAME":
            put("Nickname", _value(prop))
        elif name == "ORG":
            parts = [p for p in _components(prop, 10) if p]
            if parts:
                put("Company", parts[0])
                put("Department", ", ".join(parts[1:]))
        elif name == "TITLE":
            put("Job Title", _value(prop))
        elif name == "ROLE":
            put("Role", _value(prop))
        elif name == "EMAIL":
            value = _value(prop)
            if value.lower().startswith("mailto:"):
                value = value[7:]
            emails.append((preferred, value))
        elif name == "TEL":
            value = _value(prop)
            if value.lower().startswith("tel:"):
                value = value[4:]
            if "FAX" in prop.types:
                faxes.append((preferred, value))
            elif "CELL" in prop.types or "MOBILE" in prop.types or "IPHONE" in prop.types:
                mobiles.append((preferred, value))
            else:
                phones.append((preferred, value))
        elif name == "ADR":
            better = preferred or "WORK" in prop.types
            if address is None or (better and not address_preferred):
                address = _components(prop, 7)
                address_preferred = better
        elif name == "URL":
            urls.append((preferred, _value(prop)))
        elif name == "BDAY":
            put("Birthday", _value(prop))
        elif name == "CATEGORIES":
            parts = [_unescape(p).strip() for p in _split_unescaped(_decode(prop, prop.raw), ",")]
            put("Categories", ", ".join(p for p in parts if p))
        elif name == "NOTE":
            put("Notes", _unescape(_decode(prop, prop.raw)).strip())
        elif name in ("X-ABSHOWAS", "X-EVOLUTION-SHOW-AS") or (name == "KIND" and prop.raw):
            shows_company = prop.raw.strip().upper() in ("COMPANY", "ORG")
    put("E-mail", _ranked(emails))
    put("Phone", _ranked(phones))
    put("Mobile", _ranked(mobiles))
    put("Fax", _ranked(faxes))
    put("Website", _ranked(urls))
    if address is not None:
        _pobox, extended, street, city, region, postal, country = address
        put("Street", ", ".join(p for p in (street, extended) if p))
        put("City", city)
        put("Region", region)
        put("Postal Code", postal)
        put("Country", country)
    has_n = any(cells[_COLUMN[h]] for h in ("First Name", "Last Name"))
    full = cells[_COLUMN["Full Name"]]
    if not has_n and full and (shows_company or full == cells[_COLUMN["Company"]]):
        cells[_COLUMN["Full Name"]] = ""  # a company's card: its name is not a person's
    return cells


@dataclass
class VcardLayout:
    headers: list[str]
    rows: Callable[[], RowIterator]


def layout_vcard(path: Path, sample: str, encoding: str) -> VcardLayout:
    if "BEGIN:VCARD" not in sample.upper():
        raise ImportFileError(f"{path.name} holds no vCard (no BEGIN:VCARD line)")

    def rows() -> RowIterator:
        return _stream_rows(path, encoding)

    return VcardLayout(list(VCARD_HEADERS), rows)


def _stream_rows(path: Path, encoding: str) -> RowIterator:
    try:
        stream = open_text(path, encoding)
    except OSError as exc:
        raise ImportFileError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    with stream:
        number = 0
        try:
            for card in _cards(stream):
                number += 1
                cells = card_cells(card)
                if "".join(cells).strip():
                    yield number, cells
        except OSError as exc:
            raise ImportFileError(f"cannot read {path.name}: {exc.strerror or exc}") from None
