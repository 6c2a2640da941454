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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.errors import UsageError, WinnowError
from app.importing.headers import header_rank, lookup_header, normalize_header
from app.importing.values import (
    MULTI_SEPARATOR,
    PLAIN_COUNT,
    addresses,
    consent_hint,
    email_problem,
    join_tags,
    one_line,
    whole_number,
)
from app.names import split_name

FIELDS: dict[str, str] = {
    "first_name": "First name",
    "last_name": "Last name",
    "name": "Full name (split into first and last)",
    "email": "E-mail",
    "email_2": "Additional e-mail (kept)",
    "phone": "Phone",
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
    "linkedin": 'LinkedIn profile (kept as extra field "LinkedIn")',
    "skip": "Do not import",
    "": "Keep as extra field",
}

# MappedRow.values keys: the contact's editable fields an import fills, plus the two hints
VALUE_FIELDS = (
    "first_name", "last_name", "email", "phone", "company", "title", "website", "city",
    "country", "industry", "company_size", "source", "notes", "tags", "stage", "consent",
)  # fmt: skip

LINKEDIN_EXTRA = "LinkedIn"
_SINGLE_FIELDS = (
    "first_name", "last_name", "name", "company", "title", "website", "city", "country",
    "industry", "company_size", "source", "stage", "consent",
)  # fmt: skip

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


# --- guessing ---------------------------------------------------------------------------------


def guess_mapping(headers: Sequence[str]) -> dict[str, str | None]:
    """Header -> field key for every header (None = keep as extra field)."""
    keys = [normalize_header(h) for h in headers]
    found = {lookup_header(k) for k in keys}
    linkedin_export = "connectedon" in keys
    mapping: dict[str, str | None] = {}
    for header, key in zip(headers, keys, strict=True):
        guess = lookup_header(key)
        if guess is None:
            if key == "title":
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


class RowMapper:
    """A mapping compiled for one header list; call it with each row's cells."""

    def __init__(self, headers: Sequence[str], mapping: Mapping[str, str | None]) -> None:
        self.headers = list(headers)
        columns: dict[str, list[tuple[int, int, str]]] = {}
        self.extra_columns: list[tuple[int, str, str]] = []
        self.linkedin_columns: list[int] = []
        for index, header in enumerate(self.headers):
            target = mapping.get(header) or ""
            if target == "skip":
                continue
            if target == "linkedin":
                self.linkedin_columns.append(index)
            elif target in ("", "department") or target not in FIELDS:
                noise = _OUTLOOK_DEFAULTS.get(normalize_header(header), "")
                self.extra_columns.append((index, header, noise))
            else:
                rank = header_rank(normalize_header(header))
                columns.setdefault(target, []).append((rank, index, header))
        self.single = {
            f: sorted(cols) for f, cols in columns.items() if f in _SINGLE_FIELDS and cols
        }
        self.email_columns = [(i, h) for _r, i, h in columns.get("email", [])] + [
            (i, h) for _r, i, h in columns.get("email_2", [])
        ]
        self.notes_columns = [(i, h) for _r, i, h in columns.get("notes", [])]
        self.tags_columns = [i for _r, i, _h in columns.get("tags", [])]
        self.phone_columns = [
            (i, h, self._label_column(h), False) for _r, i, h in sorted(columns.get("phone", []))
        ] + [(i, h, None, True) for _r, i, h in sorted(columns.get("mobile", []))]

    def _label_column(self, header: str) -> int | None:
        """Google's "Phone 1 - Label" beside "Phone 1 - Value" ("Mobile" makes it a mobile)."""
        key = normalize_header(header)
        if not key.endswith("value"):
            return None
        for suffix in ("label", "type"):
            sibling = key[: -len("value")] + suffix
            for index, other in enumerate(self.headers):
                if normalize_header(other) == sibling:
                    return index
        return None

    def __call__(self, cells: Sequence[str]) -> MappedRow:
        width = len(cells)
        values: dict[str, str] = {}
        extra: dict[str, str] = {}
        warnings: list[str] = []
        hints: dict[str, str] = {}

        def cell(index: int) -> str:
            if index >= width:
                return ""
            value = cells[index].strip()
            if value[:2] == '="' and value[-1:] == '"':
                value = value[2:-1].strip()  # Excel's ="0049…": text that keeps its zeros
            return value

        for index, header, noise in self.extra_columns:
            value = cell(index)
            if value and value.casefold() != noise:
                extra[header] = value.replace("\r\n", "\n")
        for index in self.linkedin_columns:
            value = cell(index)
            if value and LINKEDIN_EXTRA not in extra:
                extra[LINKEDIN_EXTRA] = value

        for target, columns in self.single.items():
            chosen: str | None = None
            for _rank, index, header in columns:
                value = cell(index)
                if not value:
                    continue
                if MULTI_SEPARATOR in value:
                    first, _, rest = value.partition(MULTI_SEPARATOR)
                    value = first.strip()
                    if rest.strip():
                        extra[header] = rest.strip()
                    if not value:
                        continue
                value = one_line(value)
                if chosen is not None:
                    if value.casefold() != chosen.casefold():
                        extra[header] = value
                elif target == "consent":
                    hint = consent_hint(header, value)
                    if hint:
                        chosen = hints["consent"] = hint
                    else:
                        extra[header] = value  # not clear enough to set consent: keep it
                elif target == "company_size":
                    number = whole_number(value)
                    if number is None:
                        warnings.append(f"company size {value!r} is not a number")
                        extra[header] = value
                    else:
                        if not PLAIN_COUNT.fullmatch(value):
                            extra[header] = value  # "50-200": keep what was written
                        chosen = number
                else:
                    chosen = value
            if chosen is None:
                continue
            values[target] = chosen
            if target == "stage":
                hints["stage"] = chosen

        full_name = values.pop("name", None)
        if full_name and "first_name" not in values and "last_name" not in values:
            first, last = split_name(full_name)
            if first:
                values["first_name"] = first
            if last:
                values["last_name"] = last

        self._phones(cell, values, extra)
        other_emails = self._emails(cell, values, extra, warnings)

        if self.notes_columns:
            notes = [cell(i).replace("\r\n", "\n") for i, _h in self.notes_columns]
            text = "\n".join(n for n in notes if n)
            if text:
                values["notes"] = text
        if self.tags_columns:
            tags = join_tags([cell(i) for i in self.tags_columns])
            if tags:
                values["tags"] = tags
        return MappedRow(values, other_emails, extra, warnings, hints)

    def _phones(
        self, cell: Callable[[int], str], values: dict[str, str], extra: dict[str, str]
    ) -> None:
        phone: str | None = None
        mobile: str | None = None
        mobile_header = ""
        for index, header, label_index, is_mobile in self.phone_columns:
            value = cell(index)
            if not value:
                continue
            numbers = [p.strip() for p in value.split(MULTI_SEPARATOR) if p.strip()]
            if not numbers:
                continue
            if label_index is not None:
                label = cell(label_index).casefold()
                is_mobile = "mobil" in label or "cell" in label or "handy" in label
            first, rest = one_line(numbers[0]), numbers[1:]
            if rest:
                extra[header] = MULTI_SEPARATOR.join(rest)
            if is_mobile:
                if mobile is None:
                    mobile = first
                    mobile_header = header
                    continue
            elif phone is None:
                phone = first
                continue
            if first != phone and first != mobile:
                extra[header] = MULTI_SEPARATOR.join([first, *rest])
        if phone is not None:
            values["phone"] = phone
            if mobile is not None and mobile != phone:
                extra.setdefault(mobile_header, mobile)
        elif mobile is not None:
            values["phone"] = mobile

    def _emails(
        self,
        cell: Callable[[int], str],
        values: dict[str, str],
        extra: dict[str, str],
        warnings: list[str],
    ) -> list[str]:
        primary: str | None = None
        others: list[str] = []
        seen: set[str] = set()
        for index, header in self.email_columns:
            raw = cell(index)
            if not raw:
                continue
            invalid: list[str] = []
            for address in addresses(raw):
                problem = email_problem(address)
                if problem is not None:
                    warnings.append(f"invalid e-mail address {address!r}: {problem}")
                    invalid.append(address)
                    continue
                key = address.casefold()
                if key in seen:
                    continue
                seen.add(key)
                if primary is None:
                    primary = address
                else:
                    others.append(address)
            if invalid:
                extra[header] = MULTI_SEPARATOR.join(invalid)
        if primary is not None:
            values["email"] = primary
        return others


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
