"""Column mapping: which header feeds which Winnow field, and one row turned into field values.

Rules worth knowing (they decide what a user finds on the contact):
- Several columns for one field (Outlook's Business/Home/Other City): the best-known header
  with a value wins ("Business Phone" before "Home Phone"), the other values are kept as extra
  fields under their header. Google's " ::: " joined values: the first wins, the rest is kept.
- E-mail: every address in every e-mail column (``email`` columns first, then ``email_2``) is
  checked with email-validator (no DNS); the first valid one is the contact's address, the
  other valid ones go to ``other_emails``, an invalid one gives a warning and stays as extra.
- ``name`` (a full-name column) is split into first and last name only when the row has no
  first or last name of its own; otherwise it is dropped (it repeats them).
- ``mobile`` fills ``phone`` when the row has no phone, else it is kept as an extra field.
- ``department`` is kept as an extra field under its header (the job title stays clean for
  persona matching); ``linkedin`` is kept as the extra field "LinkedIn".
- ``stage`` goes to ``values["stage"]`` as written (the import service matches it to a Winnow
  stage). ``consent`` goes to ``values["consent"]`` only as "granted" or "withdrawn", when the
  cell says so clearly (an opt-*out* column inverts it: "Email Opt Out: true" is withdrawn);
  an unclear cell stays an extra field. Both are also in ``MappedRow.hints``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from app.errors import UsageError, WinnowError
from app.importing.cards import MORE_FIELDS, names_match, split_more, split_values
from app.importing.headers import header_rank, lookup_header, normalize_header
from app.importing.points import (
    ContactPoint,
    PostalAddress,
    kind_of,
    label_and_kind,
    split_label,
)
from app.importing.values import (
    MULTI_SEPARATOR,
    PLAIN_COUNT,
    addresses,
    consent_hint,
    email_problem,
    join_tags,
    one_line,
    plain_address,
    whole_number,
)
from app.names import split_name

FIELDS: dict[str, str] = {
    "first_name": "First name",
    "last_name": "Last name",
    "name": "Full name (split into first and last)",
    "email": "E-mail",
    "email_2": "Additional e-mail",
    "phone": "Phone (kind from the column name)",
    "mobile": "Mobile phone",
    "company": "Company",
    "title": "Job title",
    "department": "Department (kept as extra field)",
    "website": "Website",
    "city": "City",
    "country": "Country",
    "industry": "Industry",
    "company_size": "Company size",
    "source": "Source",
    "notes": "Notes",
    "tags": "Tags",
    "stage": "Lifecycle stage (hint)",
    "consent": "Marketing consent (hint)",
    "received_at": "Inquiry date (the contact becomes an Inquiry, answer due from then)",
    "linkedin": 'LinkedIn profile (kept as extra field "LinkedIn")',
    "fax": "Fax number",
    "street": "Address: street",
    "po_box": "Address: PO box",
    "postcode": "Address: postal code",
    "region": "Address: region / state",
    "address": "Address: whole address in one cell",
    "label": "Kind of the e-mail, phone or address beside it",
    "skip": "Do not import",
    "": "Keep as extra field",
}

# MappedRow.values keys: the contact's editable fields an import fills, plus the two hints
VALUE_FIELDS = (
    "first_name", "last_name", "email", "phone", "company", "title", "website", "city",
    "country", "industry", "company_size", "source", "notes", "tags", "stage", "consent",
    "received_at",
)  # fmt: skip
# MappedRow.values may also hold "display_name": the file's name for the person when it is
# not just first + last name.

LINKEDIN_EXTRA = "LinkedIn"
_SINGLE_FIELDS = (
    "first_name", "last_name", "name", "company", "title", "website", "industry",
    "company_size", "source", "stage", "consent", "received_at",
)  # fmt: skip
# single fields whose one value is taken as it is written (see RowMapper.__call__)
_PLAIN_SINGLE = frozenset(_SINGLE_FIELDS) - {"website", "stage", "consent", "company_size"}
ADDRESS_PARTS = ("street", "po_box", "city", "region", "postcode", "country", "address")

# Values Outlook writes into every contact (its defaults): not worth an extra field.
_OUTLOOK_DEFAULTS = {
    "gender": "unspecified",
    "priority": "normal",
    "sensitivity": "normal",
    "private": "false",
    "emailtype": "smtp",
    "email2type": "smtp",
    "email3type": "smtp",
}


class MappingFileError(UsageError):
    """A saved mapping file that cannot be read or does not hold a mapping."""


@dataclass
class MappedRow:
    """One row as Winnow sees it (see the module docstring for the rules)."""

    values: dict[str, str]  # VALUE_FIELDS: contact fields + stage/consent, trimmed, no empties
    other_emails: list[str]
    extra: dict[str, str]  # {header: value} of columns kept as extra fields
    warnings: list[str]
    # "stage": the cell's text; "consent": "granted" or "withdrawn"
    hints: dict[str, str] = field(default_factory=dict)
    # every e-mail address, phone and postal address of the row, the primary one first
    emails: list[ContactPoint] = field(default_factory=list)
    phones: list[ContactPoint] = field(default_factory=list)
    addresses: list[PostalAddress] = field(default_factory=list)


# --- guessing ---------------------------------------------------------------------------------


def guess_mapping(headers: Sequence[str]) -> dict[str, str | None]:
    """Header -> field key for every header (None = keep as extra field)."""
    keys = [normalize_header(h) for h in headers]
    found = {_lookup(h, k) for h, k in zip(headers, keys, strict=True)}
    linkedin_export = "connectedon" in keys
    # French Outlook names the salutation and the job title both "Titre": the second is the job
    repeated_titre = "titre" in keys and "titre2" in keys
    mapping: dict[str, str | None] = {}
    for header, key in zip(headers, keys, strict=True):
        guess = _lookup(header, key)
        if guess is None:
            if repeated_titre and key in ("titre", "titre2"):
                guess = "title" if key == "titre2" and "title" not in found else None
            elif key in ("title", "titre"):
                # Outlook: "Title" is the salutation when a "Job Title" column exists
                guess = None if "title" in found else "title"
            elif key == "nom":
                guess = "last_name" if "first_name" in found else "name"
            elif key in ("nombre", "nome"):
                guess = "first_name" if "last_name" in found else "name"
            elif key == "url":
                guess = "linkedin" if linkedin_export else "website"
        elif (
            guess == "name"
            and key in ("name", "naam")
            and "first_name" in found
            and "last_name" not in found
        ):
            guess = "last_name"  # German "Vorname; Name": Name is the family name
        mapping[header] = guess
    return mapping


def _lookup(header: str, key: str) -> str | None:
    """The field a header names; a header whose qualifier in brackets says where ("番地
    (会社)", "Улица (раб. адрес)", "Rue (bureau)") is tried again without it — the qualifier
    still gives the kind (points.kind_of reads the whole header). A number in brackets
    ("Name (2)": a repeated header) is no qualifier."""
    guess = lookup_header(key)
    if guess is None and "(" in header:
        base, _, qualifier = header.partition("(")
        if base.strip() and not qualifier.strip(" )").isdigit():
            guess = lookup_header(normalize_header(base))
            if guess in _NAME_FIELDS:
                return None  # "姓 (フリガナ)", "Name (English)": another spelling of a name
    return guess


_NAME_FIELDS = ("first_name", "last_name", "name")


def load_mapping(path: str | os.PathLike[str]) -> dict[str, str | None]:
    """A mapping saved with ``save_mapping`` (JSON ``{header: field}``)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise MappingFileError(f"mapping file {path} does not exist") from None
    except (OSError, UnicodeError) as exc:
        raise MappingFileError(f"cannot read mapping file {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise MappingFileError(f"mapping file {path} is not valid JSON: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("mapping"), dict):
        data = data["mapping"]
    if not isinstance(data, dict):
        raise MappingFileError(f"mapping file {path} must hold an object {{header: field}}")
    mapping: dict[str, str | None] = {}
    for header, target in data.items():
        if target is not None and not isinstance(target, str):
            raise MappingFileError(f"mapping file {path}: {header!r} maps to {target!r}")
        target = (target or "").strip()
        if target not in FIELDS:
            raise MappingFileError(
                f"mapping file {path}: unknown field {target!r} for {header!r}; "
                f"fields: {', '.join(k for k in FIELDS if k)}"
            )
        mapping[str(header)] = target or None
    return mapping


def save_mapping(mapping: Mapping[str, str | None], path: str | os.PathLike[str]) -> None:
    path = Path(path)
    data = {header: (target or None) for header, target in mapping.items()}
    try:
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise WinnowError(f"cannot save mapping to {path}: {exc.strerror or exc}") from None


# --- applying ---------------------------------------------------------------------------------

# e-mail "types" that say nothing about the address (Outlook's "SMTP", vCard's "INTERNET")
_IGNORED_LABELS = frozenset({"smtp", "internet", "x400", "ex", "pref", "voice"})
# headers that say only "phone": no label worth keeping
_GENERIC_PHONE = frozenset(
    normalize_header(h)
    for h in (
        "Phone", "Phone Number", "Telephone", "Telephone Number", "Tel", "Phone Value",
        "Telefon", "Telefonnummer", "Téléphone", "Numéro de téléphone", "Teléfono",
        "Telefono", "Numero di telefono", "Telefoon", "Telefoonnummer", "Telefone",
        "電話番号", "電話", "电话", "전화", "전화번호", "Mobile", "Fax",
    )
)  # fmt: skip
_STEM_SUFFIXES = ("label", "type", "value", "address")
# what is not a letter or digit (str.isalnum): the re module's \w is isalnum() or "_"
_NOT_ALNUM = re.compile(r"[\W_]+")
# which number is the one to call when the file does not say: work, then mobile, then home
_PHONE_ORDER = {"main": 0, "work": 1, "": 2, "mobile": 3, "home": 4, "other": 5, "pager": 6}


def _stem(header: str) -> str:
    """What ties a label column to its values: "E-mail 1 - Label" and "E-mail 1 - Value" share
    "email1"; "Address 2 - City" and "Address 2 - Label" share "address2"."""
    if " - " in header:
        return normalize_header(header.rsplit(" - ", 1)[0])
    key = normalize_header(header)
    for suffix in _STEM_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


def _add(extra: dict[str, str], key: str, value: str) -> None:
    """Keep a value under ``key``; a second value for the same key is added, not lost."""
    value = value.replace("\r\n", "\n").strip()
    if not value:
        return
    current = extra.get(key)
    if not current:
        extra[key] = value
    elif value.casefold() not in (v.strip().casefold() for v in current.split(":::")):
        extra[key] = current + MULTI_SEPARATOR + value


def _label_at(labels: list[str], i: int) -> tuple[str, bool]:
    """The label of the i-th value of a cell: labels joined like the values, or one label
    for all of them (Google's "Phone 1 - Label"); the primary mark belongs to the first."""
    if i < len(labels):
        return split_label(labels[i])
    if len(labels) == 1:
        return split_label(labels[0])[0], False
    return "", False


def _label_and_kind(label: str, fallback: str) -> tuple[str, str]:
    """:func:`label_and_kind`: a label (and a header's kind) is the same one row after row."""
    if len(label) <= 200:
        return _label_and_kind_of(label, fallback)
    return label_and_kind(label, fallback)


_label_and_kind_of = lru_cache(maxsize=4096)(label_and_kind)


def _words(text: str) -> set[str]:
    return {w.casefold() for w in text.replace(",", " ").replace(".", ". ").split() if w.strip()}


@dataclass
class _AddressGroup:
    key: str
    kind: str
    order: int
    parts: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    labels: list[int] = field(default_factory=list)


class RowMapper:
    """A mapping compiled for one header list; call it with each row's cells."""

    def __init__(self, headers: Sequence[str], mapping: Mapping[str, str | None]) -> None:
        self.headers = list(headers)
        self.width = len(self.headers)
        columns: dict[str, list[tuple[int, int, str]]] = {}
        self.extra_columns: list[tuple[int, str, str]] = []
        self.linkedin_columns: list[int] = []
        self.groups: dict[str, _AddressGroup] = {}
        label_columns: list[tuple[int, str]] = []
        for index, header in enumerate(self.headers):
            target = mapping.get(header) or ""
            if target == "skip":
                continue
            if target == "linkedin":
                self.linkedin_columns.append(index)
            elif target in ("", "department") or target not in FIELDS:
                noise = _OUTLOOK_DEFAULTS.get(normalize_header(header), "")
                self.extra_columns.append((index, header, noise))
            elif target in ADDRESS_PARTS:
                key = _stem(header) if " - " in header else kind_of(header)
                group = self.groups.get(key)
                if group is None:
                    group = self.groups[key] = _AddressGroup(
                        key, kind_of(header), header_rank(normalize_header(header)) * 1000 + index
                    )
                group.parts.setdefault(target, []).append((index, header))
            elif target == "label":
                label_columns.append((index, header))
            else:
                rank = header_rank(normalize_header(header))
                columns.setdefault(target, []).append((rank, index, header))
        self.single = {
            f: sorted(cols) for f, cols in columns.items() if f in _SINGLE_FIELDS and cols
        }
        # the single fields but the website, in the same order, each with its column when
        # it has one and its value is taken as written (on one line): names, company, title…
        self.single_steps = [
            (f, cols, cols[0][1] if len(cols) == 1 and f in _PLAIN_SINGLE else None)
            for f, cols in self.single.items()
            if f != "website"
        ]
        # labels beside values: stem -> label column
        stems: dict[str, int] = {}
        for index, header in label_columns:
            stem = _stem(header)
            if stem in self.groups:
                self.groups[stem].labels.append(index)
            else:
                stems[stem] = index
        used_labels: set[int] = set()

        def label_for(header: str) -> int | None:
            found = stems.get(_stem(header))
            if found is not None:
                used_labels.add(found)
            return found

        self.email_columns = [(i, h, label_for(h)) for _r, i, h in columns.get("email", [])] + [
            (i, h, label_for(h)) for _r, i, h in columns.get("email_2", [])
        ]
        self.notes_columns = [(i, h) for _r, i, h in columns.get("notes", [])]
        self.tags_columns = [i for _r, i, _h in columns.get("tags", [])]
        # (rank, index, label column, kind from the mapping, kind from the mapping or the
        # header, the header as the label of a number with none)
        self.phone_columns: list[tuple[int, int, int | None, str, str, str]] = []
        for field_key, base in (("phone", 0), ("mobile", 500), ("fax", 900)):
            for rank, index, header in sorted(columns.get(field_key, [])):
                kind = "mobile" if field_key == "mobile" else "fax" if field_key == "fax" else ""
                header_kind = kind or kind_of(header)
                header_label = ""
                if not header_kind and normalize_header(header) not in _GENERIC_PHONE:
                    header_label = one_line(header)
                self.phone_columns.append(
                    (base + rank, index, label_for(header), kind, header_kind, header_label)
                )
        self.one_phone_column = len(self.phone_columns) == 1
        self.website_columns = bool(self.single.get("website"))
        self.website_label: int | None = None
        for _rank, _index, header in self.single.get("website", []):
            self.website_label = self.website_label or label_for(header)
        for group in self.groups.values():
            used_labels.update(group.labels)
        # a label column with nothing beside it to label stays an extra field
        for index, header in label_columns:
            if index not in used_labels:
                noise = _OUTLOOK_DEFAULTS.get(normalize_header(header), "")
                self.extra_columns.append((index, header, noise))
        self.extra_columns.sort()
        self.address_groups = sorted(self.groups.values(), key=lambda g: g.order)
        # groups of one column a part and no labels ("City", "Country"): a row has one
        # address there unless a cell holds several values (see _addresses)
        self.single_groups = {
            g.key for g in self.address_groups
            if not g.labels and all(len(cols) == 1 for cols in g.parts.values())
        }  # fmt: skip
        # their (part, column) pairs, in the order of their parts
        self.single_parts = {
            g.key: [(part, cols[0][0]) for part, cols in g.parts.items()]
            for g in self.address_groups
            if g.key in self.single_groups
        }

    def __call__(self, cells: Sequence[str]) -> MappedRow:
        width = len(cells)
        values: dict[str, str] = {}
        extra: dict[str, str] = {}
        warnings: list[str] = []
        hints: dict[str, str] = {}

        # a cell is an index into the cells as read (a call a cell was ~0.4 µs)
        cell = read_cells(cells, self.width).__getitem__

        for index, header, noise in self.extra_columns:
            value = cell(index)
            if not value or value.casefold() == noise:
                continue
            if header == MORE_FIELDS:
                for label, text in split_more(value):
                    _add(extra, label, text)
            else:
                _add(extra, header, value)
        for index in range(len(self.headers), width):  # cells beyond the header's width
            _add(extra, f"Column {index + 1}", cell(index))
        for index in self.linkedin_columns:
            value = cell(index)
            if value and LINKEDIN_EXTRA not in extra:
                extra[LINKEDIN_EXTRA] = value
            elif value:
                _add(extra, self.headers[index], value)

        for target, columns, only in self.single_steps:
            if only is not None:
                value = cell(only)
                if value and MULTI_SEPARATOR not in value:
                    values[target] = " ".join(value.split())  # as below, in fewer steps
                    continue
            chosen: str | None = None
            for _rank, index, header in columns:
                value = cell(index)
                if not value:
                    continue
                if MULTI_SEPARATOR in value:
                    first, _, rest = value.partition(MULTI_SEPARATOR)
                    value = first.strip()
                    if rest.strip():
                        _add(extra, header, rest.strip())
                    if not value:
                        continue
                value = " ".join(value.split())  # one_line(value)
                if chosen is not None:
                    if value.casefold() != chosen.casefold():
                        _add(extra, header, value)
                elif target == "consent":
                    hint = consent_hint(header, value)
                    if hint:
                        chosen = hints["consent"] = hint
                    else:
                        _add(extra, header, value)  # not clear enough to set consent: keep it
                elif target == "company_size":
                    number = whole_number(value)
                    if number is None:
                        warnings.append(f"company size {value!r} is not a number")
                        _add(extra, header, value)
                    else:
                        if not PLAIN_COUNT.fullmatch(value):
                            _add(extra, header, value)  # "50-200": keep what was written
                        chosen = number
                else:
                    chosen = value
            if chosen is None:
                continue
            values[target] = chosen
            if target == "stage":
                hints["stage"] = chosen

        if "name" in values:
            self._names(cells, values)
        if self.website_columns:
            self._website(cell, values, extra)
        phones = self._phones(cell)
        if phones and phones[0].primary:
            values["phone"] = phones[0].value
        emails = self._emails(cell, values, extra, warnings)
        addresses = self._addresses(cell, extra)
        if addresses:
            primary = addresses[0]
            for part in ("city", "country"):
                value = getattr(primary, part) or next(
                    (getattr(a, part) for a in addresses if getattr(a, part)), ""
                )
                if value:
                    values[part] = one_line(value)

        if self.notes_columns:
            notes = [cell(i).replace("\r\n", "\n") for i, _h in self.notes_columns]
            text = "\n".join(n for n in notes if n)
            if text:
                values["notes"] = text
        if self.tags_columns:
            tags = join_tags([cell(i) for i in self.tags_columns])
            if tags:
                values["tags"] = tags
        other_emails = [e.value for e in emails if not e.primary]
        return MappedRow(values, other_emails, extra, warnings, hints, emails, phones, addresses)

    # --- names ------------------------------------------------------------------------------

    def _names(self, cells: Sequence[str], values: dict[str, str]) -> None:
        """A full-name column: split into first and last name when the row has neither; kept
        as the display name when it says more than first + last; dropped when it only repeats
        them, or repeats the company (a company's own row gets no person's name)."""
        full_name = values.pop("name", None)
        if not full_name:
            return
        first, last = values.get("first_name", ""), values.get("last_name", "")
        company = values.get("company", "")
        if first or last:
            given = _words(f"{first} {last}")
            said = _words(full_name)
            if given <= said:
                rest = said - given
                if not rest:
                    return
                others: set[str] = set()
                for text in cells:
                    if text and len(text) < 200 and text != full_name:
                        others |= _words(text)
                others -= given
                if all(w in others or len(w.strip(".")) <= 3 for w in rest):
                    return  # "Dr. Jürgen Weißmann" with the prefix in its own column
            values["display_name"] = full_name
            return
        if company and (names_match(full_name, company) or _words(full_name) <= _words(company)):
            return
        first, last = split_name(full_name)
        if first:
            values["first_name"] = first
        if last:
            values["last_name"] = last

    # --- web addresses ----------------------------------------------------------------------

    def _website(
        self, cell: Callable[[int], str], values: dict[str, str], extra: dict[str, str]
    ) -> None:
        labels = split_values(cell(self.website_label)) if self.website_label is not None else []
        found: list[tuple[bool, str, str]] = []  # (primary, label, url)
        for _rank, index, header in self.single.get("website", []):
            raw = cell(index)
            if not raw:
                continue
            for i, url in enumerate(split_values(raw)):
                if not url:
                    continue
                label, primary = _label_at(labels, i)
                found.append((primary, label or ("" if not found else header), one_line(url)))
        if not found:
            return
        found.sort(key=lambda f: not f[0])
        values["website"] = found[0][2]
        for _primary, label, url in found[1:]:
            if url.casefold() != values["website"].casefold():
                _add(extra, f"Website ({label})" if label else "Website", url)

    # --- phones -----------------------------------------------------------------------------

    def _phones(self, cell: Callable[[int], str]) -> list[ContactPoint]:
        found: list[tuple[float, ContactPoint]] = []
        seen: dict[str, int] = {}  # value -> its index in found
        for rank, index, label_index, base_kind, header_kind, header_label in self.phone_columns:
            raw = cell(index)
            if not raw:
                continue
            labels = split_values(cell(label_index)) if label_index is not None else []
            # the row's one number (one column, one value): no other to be the same as
            lone = self.one_phone_column and ":::" not in raw
            for i, number in enumerate(split_values(raw)):
                number = one_line(number)
                if not number:
                    continue
                text, marked = _label_at(labels, i) if labels else ("", False)
                kind, label = _label_and_kind(text, header_kind)
                if not text:
                    label = header_label
                if base_kind == "mobile" and kind not in ("mobile", "fax", "pager"):
                    kind = "mobile"
                order = _PHONE_ORDER.get(kind, 5) * 10_000 + rank + i / 100
                if marked:
                    order = -1.0 + i / 100
                if kind == "fax":
                    order += 1_000_000  # a fax number is never the number to call
                if not lone:
                    key = number if number.isalnum() else _NOT_ALNUM.sub("", number)
                    if key in seen:  # the same number twice ("Phone" and "Phone 1 - Value")
                        _merge_point(found, seen[key], order, kind, label)
                        continue
                    seen[key] = len(found)
                found.append((order, ContactPoint(number, kind, label)))
        if len(found) > 1:
            found.sort(key=lambda f: f[0])
        points = [p for _o, p in found]
        if points and found[0][0] < 1_000_000:
            points[0].primary = True
        return points

    # --- e-mail addresses -------------------------------------------------------------------

    def _emails(
        self,
        cell: Callable[[int], str],
        values: dict[str, str],
        extra: dict[str, str],
        warnings: list[str],
    ) -> list[ContactPoint]:
        found: list[tuple[float, ContactPoint]] = []
        seen: dict[str, int] = {}  # value -> its index in found
        for position, (index, header, label_index) in enumerate(self.email_columns):
            raw = cell(index)
            if not raw:
                continue
            header_kind = kind_of(header)
            if label_index is None and plain_address(raw):
                # one valid address, no label: what the general way below makes of it
                # (addresses(raw) is [raw], email_problem(raw) None), checked once
                kind, label = _label_and_kind("", header_kind)
                key = raw.casefold()
                order = 10_000 + position * 100
                if key in seen:
                    _merge_point(found, seen[key], order, kind, label)
                else:
                    seen[key] = len(found)
                    found.append((order, ContactPoint(raw, kind, label)))
                continue
            labels = split_values(cell(label_index)) if label_index is not None else []
            invalid: list[str] = []
            parts = split_values(raw) if labels else [raw]
            for i, part in enumerate(parts):
                text, marked = _label_at(labels, i)
                if text.casefold() in _IGNORED_LABELS:
                    text = ""
                kind, label = _label_and_kind(text, header_kind)
                for address in addresses(part):
                    problem = email_problem(address)
                    if problem is not None:
                        warnings.append(f"invalid e-mail address {address!r}: {problem}")
                        invalid.append(address)
                        continue
                    key = address.casefold()
                    order = (0 if marked else 1) * 10_000 + position * 100 + i
                    if key in seen:
                        _merge_point(found, seen[key], order, kind, label)
                        continue
                    seen[key] = len(found)
                    found.append((order, ContactPoint(address, kind, label)))
            if invalid:
                _add(extra, header, MULTI_SEPARATOR.join(invalid))
        if len(found) > 1:
            found.sort(key=lambda f: f[0])
        points = [p for _o, p in found]
        if points:
            points[0].primary = True
            values["email"] = points[0].value
        return points

    # --- postal addresses -------------------------------------------------------------------

    def _addresses(self, cell: Callable[[int], str], extra: dict[str, str]) -> list[PostalAddress]:
        found: list[tuple[tuple[int, int, int], PostalAddress]] = []
        for group in self.address_groups:
            single = self.single_parts.get(group.key)
            if single is not None:  # one column a part: one cell each
                one = {part: cell(index) for part, index in single}
                joined = "".join(one.values())
                if not joined:
                    continue  # an empty group: no address
            else:
                texts = {part: [cell(i) for i, _h in cols] for part, cols in group.parts.items()}
                if not any(t for values in texts.values() for t in values):
                    continue  # an empty group (Outlook's three address blocks): no address
            # (":::" across two joined cells only sends the row the general way below)
            if single is not None and ":::" not in joined:
                # one value a part (the cells are stripped): what the general way below
                # makes of it, without splitting and joining
                address = PostalAddress(
                    street=one.get("street", ""),
                    po_box=one.get("po_box", ""),
                    city=one.get("city", ""),
                    region=one.get("region", ""),
                    postcode=one.get("postcode", ""),
                    country=one.get("country", ""),
                )
                self._place(group, address, one.get("address", ""), [], 0, cell, extra, found)
                continue
            if single is not None:
                texts = {part: [text] for part, text in one.items()}
            split: dict[str, list[list[str]]] = {
                part: [split_values(t) for t in values] for part, values in texts.items()
            }
            labels: list[str] = []
            for label_index in group.labels:
                labels = labels or split_values(cell(label_index))
            count = max((len(v) for lists in split.values() for v in lists), default=0)
            for i in range(count):

                def part(
                    name: str,
                    i: int = i,
                    joiner: str = "\n",
                    split: dict[str, list[list[str]]] = split,
                ) -> str:
                    texts = [v[i] for v in split.get(name, []) if i < len(v) and v[i]]
                    return joiner.join(texts)

                address = PostalAddress(
                    street=part("street"),
                    po_box=part("po_box", joiner=", "),
                    city=part("city", joiner=", "),
                    region=part("region", joiner=", "),
                    postcode=part("postcode", joiner=", "),
                    country=part("country", joiner=", "),
                )
                self._place(group, address, part("address"), labels, i, cell, extra, found)
        found.sort(key=lambda f: f[0])
        result = [a for _o, a in found]
        # an address whose every part another one holds too ("City" and "Country" columns
        # beside a whole "Address 1 - …" group) says nothing more: the fuller one stays
        if len(result) > 1:
            result = [
                a
                for i, a in enumerate(result)
                if not any(j != i and _within(a, b) and (not _within(b, a) or j < i)
                           for j, b in enumerate(result))
            ]  # fmt: skip
        if result:
            result[0].primary = True
        return result

    @staticmethod
    def _place(
        group: _AddressGroup,
        address: PostalAddress,
        whole: str,
        labels: list[str],
        i: int,
        cell: Callable[[int], str],
        extra: dict[str, str],
        found: list[tuple[tuple[int, int, int], PostalAddress]],
    ) -> None:
        """The i-th address of a group, with the group's whole-address text ``whole``: kept
        in ``found`` (with its kind and label) unless it is empty."""
        if whole:
            if not address.street:  # "Adresse", "Home Address": the street lines
                address.street = whole
            elif not _words(whole) <= _words(address.one_line() + " " + address.street):
                for index, header in group.parts.get("address", []):
                    if cell(index):
                        _add(extra, header, cell(index))
        if address.is_empty():
            return
        text, marked = _label_at(labels, i)
        address.kind, address.label = _label_and_kind(text, group.kind)
        found.append(((0 if marked else 1, group.order, i), address))


def read_cells(cells: Sequence[str], width: int) -> list[str]:
    """A row's cells as the mapping reads them, each once: stripped, Excel's ="0049…" (text
    that keeps its zeros) unwrapped, "" for each of the ``width`` columns of the header the
    row is too short to have."""
    clean = [text.strip() for text in cells]
    if '="' in "".join(cells):  # a cell that starts so contains it (rows seldom do)
        clean = [_excel_text(text) for text in clean]
    if len(clean) < width:
        clean += [""] * (width - len(clean))
    return clean


def _excel_text(value: str) -> str:
    if value.startswith('="') and value.endswith('"'):
        return value[2:-1].strip()
    return value


_last_mapper: tuple[list[str], dict[str, str | None], RowMapper] | None = None


def apply_mapping(
    headers: Sequence[str], cells: Sequence[str], mapping: Mapping[str, str | None]
) -> MappedRow:
    """One row's cells as Winnow field values (compiles the mapping once per header list)."""
    global _last_mapper
    cached = _last_mapper
    if cached is not None and cached[0] == headers and cached[1] == mapping:
        mapper = cached[2]
    else:
        mapper = RowMapper(headers, mapping)
        _last_mapper = (list(headers), dict(mapping), mapper)
    return mapper(cells)


def _merge_point(
    found: list[tuple[float, ContactPoint]], at: int, order: float, kind: str, label: str
) -> None:
    """The same e-mail address or number met again in another column: it keeps the better
    place (a primary mark wins) and the kind or label the other column gives it."""
    old_order, point = found[at]
    if not point.kind and kind:
        point.kind = kind
    if not point.label and label:
        point.label = label
    found[at] = (min(old_order, order), point)


def _within(a: PostalAddress, b: PostalAddress) -> bool:
    """Whether every part ``a`` has, ``b`` has too (the same, ignoring case)."""
    parts = ("street", "po_box", "city", "region", "postcode", "country")
    return all(
        not getattr(a, p) or getattr(a, p).casefold() == getattr(b, p).casefold() for p in parts
    )
