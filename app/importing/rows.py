"""One mapped row made ready to store: values cleaned the way Winnow stores them, plus the
row's warnings — or the reason it is rejected.

Every contact field goes through :func:`app.fields.clean_value`, the rule the edit form uses.
Nothing here raises: a value that rule refuses is left out of its field and reported as a
warning for the row (kept as an extra value, except a website), and an e-mail address that has
an address's shape but is not valid is stored and reported (go-look classes it ``invalid``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

from app.fields import (
    EDITABLE_FIELDS,
    FIELD_LABELS,
    ONE_LINE_TEXT_FIELDS,
    ValidationError,
    clean_value,
)
from app.golook.classify import address_verdict
from app.importing.phones import locale_region, national_phone, phone_region
from app.importing.phones import settled as settled_phone
from app.importing.points import ContactPoint, PostalAddress
from app.importing.values import plain_address
from app.names import display_name, normalize_email, sort_key, split_name
from app.points import says_more

if TYPE_CHECKING:
    from app.importing.derive import Derivation, Derived

# Contact columns an import row may set (the rest of a row goes to ``extra``).
ROW_COLUMNS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "title",
    "website",
    "city",
    "country",
    "industry",
    "company_size",
    "source",
    "tags",
    "notes",
    "consent",
    "received_at",  # the inquiry date: a Suspect with one becomes an Inquiry (app.scoring)
)
MULTILINE = {"notes"}
# the contact's own fields among them: cleaned by app.fields, as the edit form cleans them
_CONTACT_FIELDS = frozenset(ROW_COLUMNS) & EDITABLE_FIELDS.keys()
# ... those of them that clean_value only makes one line of (names, company, title, city…):
# cleaned here in line, without its call (six of a typical row's eight fields)
_ONE_LINE_FIELDS = _CONTACT_FIELDS & ONE_LINE_TEXT_FIELDS

CONSENT_WORDS = {
    "granted": {
        "granted",
        "yes",
        "y",
        "true",
        "1",
        "x",
        "opt-in",
        "opted in",
        "opt in",
        "subscribed",
        "ja",
        "oui",
        "sí",
        "si",
        "tak",
        "evet",
        "consent",
        "double opt-in",
    },
    "withdrawn": {
        "withdrawn",
        "no",
        "n",
        "false",
        "0",
        "opt-out",
        "opted out",
        "opt out",
        "unsubscribed",
        "nein",
        "non",
        "nie",
        "hayır",
        "revoked",
    },
    "unknown": {"unknown", "", "?", "n/a", "-"},
}

# Lifecycle names other tools export (HubSpot "Lifecycle Stage", Salesforce "Lead Status").
STAGE_SYNONYMS = {
    "subscriber": "suspect",
    "lead": "inquiry",
    "new": "inquiry",
    "open": "inquiry",
    "marketing qualified lead": "mql",
    "marketingqualifiedlead": "mql",
    "sales qualified lead": "sql",
    "salesqualifiedlead": "sql",
    "qualified": "sql",
    "opportunity": "opportunity",
    "customer": "customer",
    "closed won": "customer",
    "unqualified": "disqualified",
    "closed lost": "disqualified",
}


def email_problem(address: str) -> str | None:
    """Why ``address`` is not a valid e-mail address (email-validator's words), or None."""
    valid, reason, _registrable, _class = address_verdict(address)
    return None if valid else (reason or "not a valid e-mail address")


@dataclass
class PreparedRow:
    """A row ready to store. ``values`` holds only the contact columns the row fills."""

    row: int
    values: dict[str, Any]
    extra: dict[str, str] = field(default_factory=dict)
    other_emails: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stage_key: str | None = None
    # go-look's offline verdict on the e-mail address, as derived_values would store it
    domain: str | None = None
    domain_class: str | None = None
    # every e-mail address, phone number (normalised) and postal address of the row, the
    # primary one first (``primary`` set); the primary e-mail and phone are also in ``values``
    emails: list[ContactPoint] = field(default_factory=list)
    phones: list[ContactPoint] = field(default_factory=list)
    addresses: list[PostalAddress] = field(default_factory=list)
    # the file's name for the person when it is not just first + last name
    full_name: str | None = None
    # keys of ``extra`` that only repeat ``phones``, ``addresses`` or ``full_name`` (so that
    # nothing is lost where the contact has no place for them yet); a writer that stores the
    # lists can leave these keys out
    mirrored_extra: set[str] = field(default_factory=set)
    # what the contact row stores, worked out ahead (where the file is read, see
    # :func:`stored_values`); None when not, or no longer right (the row took in another)
    stored: Stored | None = None

    @cached_property
    def email_key(self) -> str | None:
        return normalize_email(self.values.get("email"))

    @property
    def display_name(self) -> str:
        first = self.values.get("first_name") or ""
        last = self.values.get("last_name") or ""
        return " ".join(p for p in (first, last) if p)

    @cached_property
    def name_key(self) -> tuple[str, str] | None:
        """(normalised name, normalised company) for likely duplicates; None without a name."""
        name = sort_key(self.display_name)
        if not name:
            return None
        return name, sort_key(self.values.get("company") or "")


class Stored(NamedTuple):
    """Columns of a new contact that follow from its row alone (:func:`stored_values`)."""

    name: str
    sort_name: str
    extra: str | None  # JSON
    other_emails: str | None  # JSON
    says_more: bool  # its e-mails, phones and addresses go to contact_points too
    # the go-look columns and the score the hooks would give it (app.importing.derive)
    derived: Derived | None = None


def stored_values(row: PreparedRow, derivation: Derivation | None = None) -> Stored:
    """The name, sort key, extra values and other e-mail addresses a new contact stores for
    ``row`` (as :func:`app.contacts.derived_values` would, without classifying the address
    again), and whether its points say more than those columns (:func:`app.points.says_more`);
    with a ``derivation``, its go-look columns and score too. Worked out where the file is
    read, so that the writing process does not."""
    given = row.values
    first, last = given.get("first_name"), given.get("last_name")
    if first and last:  # display_name(first, last) in line (most rows have both)
        first, last = first.strip(), last.strip()
        name = f"{first} {last}" if first and last else first or last
    else:
        name = display_name(first, last)
    name = name or given.get("company") or given.get("email") or ""
    return Stored(
        name,
        quick_sort_key(name),
        _dump(_unmirrored(row)),
        _dump(row.other_emails),
        # (the writing process gets empty lists where the row's columns hold all they say:
        # pipeline._for_the_writer; no call for those)
        bool(row.emails or row.phones or row.addresses)
        and says_more(row.emails, row.phones, row.addresses),
        None if derivation is None else derivation.derive(given, row.domain, row.domain_class),
    )


def _dump(value: Any) -> str | None:
    return _json(value) if value else None


# json.dumps(value, ensure_ascii=False): the same encoder, made once (dumps makes one a call
# when given an option)
_json = json.JSONEncoder(ensure_ascii=False).encode


def _unmirrored(row: PreparedRow) -> dict[str, str]:
    """The row's extra values without those that only repeat its phones and addresses: the
    contact's columns and its points (``contact_points``) hold them. The file's display name
    stays an extra value."""
    mirrored, extra = row.mirrored_extra, row.extra
    if not mirrored:
        return extra
    if "Display name" not in mirrored and extra.keys() <= mirrored:
        return {}  # only repeats (a row's one address, "City, Country": most rows that have any)
    gone = mirrored - {"Display name"}
    return {k: v for k, v in extra.items() if k not in gone}


def quick_sort_key(name: str) -> str:
    """:func:`app.names.sort_key`, quicker: an ASCII name needs no decomposition (NFKD leaves
    ASCII as it is and none of it is a combining mark), and names repeat in a list."""
    if name.isascii():
        return name.lower().strip()
    key = _SORT_KEYS.get(name)
    if key is None:
        if len(_SORT_KEYS) >= _SORT_KEYS_MAX:
            _SORT_KEYS.clear()
        key = _SORT_KEYS[name] = sort_key(name)
    return key


_SORT_KEYS: dict[str, str] = {}
_SORT_KEYS_MAX = 65_536


def _text(value: str, multiline: bool = False) -> str:
    if multiline:
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return " ".join(value.split())


class RowPreparer:
    """Cleans mapped rows. ``stages`` maps stage keys to their display names."""

    def __init__(
        self,
        stages: Mapping[str, str],
        region: str | None = None,
        derivation: Derivation | None = None,
    ) -> None:
        """``region``: where national phone numbers are from when the row names no country
        (the default region of Settings); the system locale's when None. ``derivation``:
        the go-look columns and score of new contacts are worked out too (:func:`stored_values`)."""
        self.region = region or locale_region()
        self.derivation = derivation
        self.stage_by_word: dict[str, str] = {}
        for key, name in stages.items():
            self.stage_by_word[key.casefold()] = key
            self.stage_by_word[name.casefold()] = key
        for word, key in STAGE_SYNONYMS.items():
            if key in stages:
                self.stage_by_word.setdefault(word, key)

    def prepare(
        self,
        row: int,
        values: Mapping[str, str],
        other_emails: Iterable[str] = (),
        extra: Mapping[str, str] | None = None,
        warnings: Iterable[str] = (),
        *,
        emails: Iterable[ContactPoint] = (),
        phones: Iterable[ContactPoint] = (),
        addresses: Iterable[PostalAddress] = (),
    ) -> PreparedRow | str:
        """A :class:`PreparedRow`, or the reason the row is rejected (a str)."""
        out = PreparedRow(
            row=row,
            values={},
            extra=dict(extra or {}),
            warnings=list(dict.fromkeys(w for w in warnings if w)) if warnings else [],
        )
        raw = {k: v for k, v in values.items() if v is not None and str(v).strip()}
        region = phone_region(raw.get("country")) or self.region
        self._many(out, raw, region, list(emails), list(phones), list(addresses))
        if "name" in raw and not raw.get("first_name") and not raw.get("last_name"):
            raw["first_name"], raw["last_name"] = split_name(raw["name"])
        raw.pop("name", None)
        others = [_text(e) for e in other_emails if e and e.strip()]
        if raw.get("email_2"):
            others.insert(0, _text(raw.pop("email_2")))
        if raw.get("mobile"):
            mobile = raw.pop("mobile")
            if raw.get("phone"):
                out.extra.setdefault("Mobile", mobile)
            else:
                raw["phone"] = mobile
        cleaned = out.values
        for key, value in raw.items():
            if key in _ONE_LINE_FIELDS:
                text = " ".join(str(value).split())  # clean_value's rule for these fields
                if text:
                    cleaned[key] = text
            elif key in _CONTACT_FIELDS:
                self._field(out, key, value)
            else:
                self._clean(out, key, str(value))
        primary = normalize_email(cleaned.get("email"))
        out.__dict__["email_key"] = primary  # the cached property, already worked out
        seen = {primary} if primary else set()
        for address in others:
            address_key = normalize_email(address)
            if address_key and address_key not in seen:
                seen.add(address_key)
                out.other_emails.append(address)
        if not (
            cleaned.get("first_name")
            or cleaned.get("last_name")
            or cleaned.get("email")
            or cleaned.get("company")
        ):
            return _rejected_reason(out)
        return out

    def _many(
        self,
        out: PreparedRow,
        raw: dict[str, Any],
        region: str | None,
        emails: list[ContactPoint],
        phones: list[ContactPoint],
        addresses: list[PostalAddress],
    ) -> None:
        """The row's display name, phones and addresses: kept on the prepared row, and as
        labelled extra values where the contact has no column for them."""
        full = raw.pop("display_name", None)
        if full and str(full).strip():
            out.full_name = _text(str(full))
            _keep(out, "Display name", out.full_name)
        for point in phones:
            point.value = national_phone(point.value, region)
        if phones:
            if phones[0].primary:
                raw["phone"] = phones[0].value
            for point in phones[1:] if phones[0].primary else phones:
                _keep(out, point.title("Phone"), point.value)
        elif raw.get("phone"):
            raw["phone"] = national_phone(str(raw["phone"]), region)
        for address in addresses:
            _keep(out, address.title(), address.one_line())
        out.emails, out.phones, out.addresses = emails, phones, addresses

    def _field(self, out: PreparedRow, key: str, value: Any) -> None:
        """One contact field by the edit form's rule; a refusal becomes the row's warning."""
        if key == "phone" and settled_phone(value):
            out.values["phone"] = value  # what clean_value gives: the number as it is
            return
        try:
            # a plain address is what clean_value makes of it (no space, mailto: or <>)
            plain = key == "email" and isinstance(value, str) and plain_address(value)
            cleaned = value if plain else clean_value(key, value)
        except ValidationError as exc:
            text = _text(str(value), key in MULTILINE)
            what = "invalid e-mail address" if key == "email" else FIELD_LABELS[key].lower()
            said = f"{what} {text!r}"
            if not any(w.startswith(said) for w in out.warnings):
                left = "" if key == "email" else " left empty"
                out.warnings.append(f"{said}{left}: {exc.reason}")
            if key != "website":  # a refused link is not kept anywhere
                out.extra.setdefault(FIELD_LABELS[key], text)
            return
        if cleaned is None:
            return
        out.values[key] = cleaned
        if key == "email":
            verdict = plain_verdict(cleaned) if plain else address_verdict(cleaned)
            valid, reason, registrable, domain_class = verdict
            if not valid:
                said = f"invalid e-mail address {cleaned!r}"
                if not any(w.startswith(said) for w in out.warnings):
                    out.warnings.append(f"{said}: {reason or 'not a valid e-mail address'}")
            out.domain, out.domain_class = registrable, domain_class

    def _clean(self, out: PreparedRow, key: str, value: str) -> None:
        if key == "consent":
            word = _text(value).casefold()
            for consent, words in CONSENT_WORDS.items():
                if word in words:
                    out.values["consent"] = consent
                    break
            else:
                out.warnings.append(f"consent {value.strip()!r} not understood; left unknown")
                out.extra.setdefault("Consent", _text(value))
        elif key == "stage":
            word = _text(value).casefold()
            stage = self.stage_by_word.get(word)
            if stage is None:
                out.warnings.append(f"stage {value.strip()!r} is not a Winnow stage")
                out.extra.setdefault("Stage", _text(value))
            else:
                out.stage_key = stage
        elif key == "department":
            out.extra.setdefault("Department", _text(value))
        elif key in ROW_COLUMNS:
            out.values[key] = _text(value, key in MULTILINE)
        else:
            out.extra.setdefault(key, _text(value, True))


def plain_verdict(address: str) -> tuple[bool, str | None, str | None, str | None]:
    """:func:`address_verdict` of an address :func:`plain_address` found plain, remembered
    by its domain when valid: a plain address's local part passes every check of go-look's
    quick parse (letters, digits, ``_+-`` and dots; within the lengths, its host a plain ASCII
    name that stays as long once lower-cased), so a valid verdict is its domain's alone —
    (True, None, registrable domain, class). An import's rows share their domains; the
    parse of the whole address again was ~3 µs a row. An invalid verdict (its reason may
    name the address) is worked out each time."""
    domain = address.rpartition("@")[2]
    verdict = _PLAIN_VERDICTS.get(domain)
    if verdict is None:
        verdict = address_verdict(address)
        if verdict[0]:
            if len(_PLAIN_VERDICTS) >= _PLAIN_VERDICTS_MAX:
                _PLAIN_VERDICTS.clear()
            _PLAIN_VERDICTS[domain] = verdict
    return verdict


_PLAIN_VERDICTS: dict[str, tuple[bool, str | None, str | None, str | None]] = {}
_PLAIN_VERDICTS_MAX = 65_536


def _keep(out: PreparedRow, key: str, value: str) -> None:
    """A value with no column of its own, as a labelled extra value (a second one under the
    same label is added to it, not lost)."""
    if not value:
        return
    current = out.extra.get(key)
    if current and value.casefold() in (v.strip().casefold() for v in current.split(":::")):
        return
    out.extra[key] = f"{current} ::: {value}" if current else value
    out.mirrored_extra.add(key)


def _rejected_reason(out: PreparedRow) -> str:
    """Why a row is not imported (the report names the row)."""
    return "no name, e-mail address or company"
