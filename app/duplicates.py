"""Likely duplicates: the same person twice (issue 12, item 6).

Two contacts are a likely pair when they share an e-mail address (any of their addresses),
a phone number, or a name and a company. Names and companies are compared folded: case and
accents don't matter, and the usual transliterations are the same letters — ü = ue, ö = oe,
ä = ae, ß = ss, ø = oe, å = aa (German and Scandinavian spelling without the letters), then
any other script or accent through ``anyascii``; a name also matches with first and last name
transposed, or with an initial for the first name ("J. Weissmann"). Company names are compared
without their legal form (GmbH, AG, Ltd, SARL, …). "Jürgen Weißmann, Weißmann Maschinenbau
GmbH" and "Juergen Weissmann, Weissmann Maschinenbau" are one person.

Each pair comes with its evidence and a score (0–100): the chance that at least one piece of
evidence is right, with e-mail 0.95, name and company 0.85 (0.7 with an initial or transposed
names), phone 0.7.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from anyascii import anyascii
from sqlalchemy import select

from app.names import normalize_email, split_name
from db.engine import Database
from db.models import Contact, ImportChange

# German and Scandinavian letters written out (before anyascii, which would drop the e)
_SPELLED_OUT = str.maketrans(
    {
        "ü": "ue",
        "ö": "oe",
        "ä": "ae",
        "ß": "ss",
        "ẞ": "ss",
        "ø": "oe",
        "å": "aa",
        "æ": "ae",
        "œ": "oe",
    }
)
_NOT_WORD = re.compile(r"[^a-z0-9]+")

# legal forms and filler words left out of company names
_LEGAL_WORDS = """gmbh mbh ag kg kgaa ohg gbr ug haftungsbeschraenkt ev e v se co und and
    ltd limited llc llp inc incorporated corp corporation plc company
    sa sas sarl sarlu eurl srl spa sl slu bv nv vof ab as asa aps oy oyj kft zrt sro spzoo
    sp zoo z o o oo pty pvt lda ltda the"""
LEGAL_FORMS = frozenset(_LEGAL_WORDS.split())

SCORES = {"email": 0.95, "name": 0.85, "name-variant": 0.7, "phone": 0.7}


@lru_cache(maxsize=65536)
def fold(text: str | None, spelled_out: bool = True) -> str:
    """Lower-case ASCII words: "Jürgen" → "juergen" (``spelled_out``) or "jurgen"."""
    if not text:
        return ""
    value = text.casefold()
    if spelled_out:
        value = value.translate(_SPELLED_OUT)
    return " ".join(_NOT_WORD.sub(" ", anyascii(value).lower()).split())


_COLLAPSE = re.compile(r"(?<=[aou])e")


def folds(text: str | None) -> frozenset[str]:
    """The spellings a name may have been typed in: ü written ue ("juergen"), plain
    ("jurgen"), and ue written back as u (so "Juergen" meets "Jurgen")."""
    spelled = fold(text, True)
    collapsed = _COLLAPSE.sub("", spelled)
    return frozenset(v for v in (spelled, fold(text, False), collapsed) if v)


def company_keys(company: str | None) -> frozenset[str]:
    out = set()
    for variant in folds(company):
        words = [w for w in variant.split() if w not in LEGAL_FORMS]
        if words:
            out.add(" ".join(words))
    return frozenset(out)


def phone_key(phone: str | None) -> str | None:
    digits = re.sub(r"\D", "", phone or "")
    return digits[-10:] if len(digits) >= 7 else None  # national and +49 forms alike


@dataclass(frozen=True)
class Person:
    """What matching looks at, folded once per contact."""

    id: int
    name: str
    company: str | None
    first: frozenset[str]
    last: frozenset[str]
    companies: frozenset[str]
    emails: frozenset[str]
    phone: str | None

    @classmethod
    def of(
        cls,
        contact_id: int,
        first_name: str | None,
        last_name: str | None,
        name: str | None,
        email: str | None,
        other_emails: Iterable[str],
        phone: str | None,
        company: str | None,
    ) -> Person:
        if not first_name and not last_name and name:
            first_name, last_name = split_name(name)
        emails = {e for e in (normalize_email(x) for x in (email, *other_emails)) if e}
        return cls(
            contact_id,
            name or " ".join(x for x in (first_name, last_name) if x),
            company,
            folds(first_name),
            folds(last_name),
            company_keys(company),
            frozenset(emails),
            phone_key(phone),
        )


@dataclass(frozen=True)
class DuplicatePair:
    ids: tuple[int, int]
    reasons: tuple[str, ...]
    score: int
    names: tuple[str, str] = ("", "")
    kinds: frozenset[str] = field(default_factory=frozenset)

    def as_json(self) -> dict[str, Any]:
        return {"ids": list(self.ids), "reasons": list(self.reasons), "score": self.score}


def _initial_match(a: frozenset[str], b: frozenset[str]) -> bool:
    """One first name is the other's initial ("j" / "juergen")."""
    for x in a:
        for y in b:
            short, long_ = (x, y) if len(x) <= len(y) else (y, x)
            if len(short) == 1 and long_.startswith(short) and len(long_) > 1:
                return True
    return False


def _name_evidence(p: Person, q: Person) -> tuple[str, str] | None:
    """(kind, reason) when the two have the same name and company, or None."""
    if not (p.companies & q.companies) or not p.last or not q.last:
        return None
    company = q.company or p.company or ""
    if p.last & q.last:
        if p.first & q.first or (not p.first and not q.first):
            return "name", f"same name and company ({p.name} / {q.name}, {company})"
        if _initial_match(p.first, q.first):
            return "name-variant", f"same name with an initial, same company ({p.name} / {q.name})"
    if p.first and q.first and p.first & q.last and p.last & q.first:
        return "name-variant", f"first and last name transposed, same company ({p.name} / {q.name})"
    return None


def compare(p: Person, q: Person) -> DuplicatePair | None:
    """The evidence that p and q are one person (None: none)."""
    kinds: list[str] = []
    reasons: list[str] = []
    shared = sorted(p.emails & q.emails)
    if shared:
        kinds.append("email")
        reasons.append(f"same e-mail address ({shared[0]})")
    named = _name_evidence(p, q)
    if named is not None:
        kinds.append(named[0])
        reasons.append(named[1])
    if p.phone and p.phone == q.phone:
        kinds.append("phone")
        reasons.append("same phone number")
    if not kinds:
        return None
    doubt = 1.0
    for kind in kinds:
        doubt *= 1.0 - SCORES[kind]
    a, b = (p, q) if p.id < q.id else (q, p)
    return DuplicatePair(
        (a.id, b.id), tuple(reasons), round(100 * (1 - doubt)), (a.name, b.name), frozenset(kinds)
    )


def _blocks(people: Sequence[Person]) -> Iterable[list[Person]]:
    """Groups in which pairs are looked for: same e-mail, same phone, same last name and
    company, or one's first name and company equal to the other's last name."""
    index: dict[tuple[str, str], list[Person]] = {}
    for p in people:
        for e in p.emails:
            index.setdefault(("e", e), []).append(p)
        if p.phone:
            index.setdefault(("p", p.phone), []).append(p)
        for c in p.companies:
            for last in p.last:
                index.setdefault(("n", f"{last}|{c}"), []).append(p)
            for first in p.first:
                # transposed names meet the other's last-name block
                index.setdefault(("n", f"{first}|{c}"), []).append(p)
    for group in index.values():
        if 1 < len(group) <= 200:  # a shared role address or switchboard: not one person
            yield group


def find_pairs(people: Sequence[Person]) -> list[DuplicatePair]:
    """Every likely pair among ``people``, best first."""
    seen: set[tuple[int, int]] = set()
    pairs: list[DuplicatePair] = []
    for group in _blocks(people):
        for i, p in enumerate(group):
            for q in group[i + 1 :]:
                if p.id == q.id:
                    continue
                key = (min(p.id, q.id), max(p.id, q.id))
                if key in seen:
                    continue
                seen.add(key)
                pair = compare(p, q)
                if pair is not None:
                    pairs.append(pair)
    pairs.sort(key=lambda x: (-x.score, x.ids))
    return pairs


def _other_emails(raw: str | None) -> list[str]:
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


_COLUMNS = (
    Contact.id,
    Contact.first_name,
    Contact.last_name,
    Contact.name,
    Contact.email,
    Contact.other_emails,
    Contact.phone,
    Contact.company,
)


def load_people(db: Database, ids: Sequence[int] | None = None) -> list[Person]:
    stmt = select(*_COLUMNS)
    if ids is not None:
        stmt = stmt.where(Contact.id.in_(list(ids)))
    with db.session() as s:
        rows = s.execute(stmt).all()
    return [
        Person.of(cid, first, last, name, email, _other_emails(others), phone, company)
        for cid, first, last, name, email, others, phone, company in rows
    ]


def find_duplicates(db: Database) -> list[DuplicatePair]:
    """Likely pairs among all contacts, best first (run it on a worker: it reads them all)."""
    return find_pairs(load_people(db))


def likely_duplicates_of(db: Database, values: Mapping[str, Any]) -> list[DuplicatePair]:
    """Existing contacts the given new contact's values match (the new-contact form and the
    import warn with these); the pairs' first id is the existing contact, the second 0."""
    new = Person.of(
        0,
        values.get("first_name"),
        values.get("last_name"),
        values.get("name"),
        values.get("email"),
        values.get("other_emails") or (),
        values.get("phone"),
        values.get("company"),
    )
    found = []
    for p in load_people(db):
        pair = compare(new, p)
        if pair is not None:
            found.append(
                DuplicatePair((p.id, 0), pair.reasons, pair.score, (p.name, new.name), pair.kinds)
            )
    found.sort(key=lambda x: (-x.score, x.ids))
    return found


def duplicates_of_batch(db: Database, batch_id: int) -> list[DuplicatePair]:
    """Likely pairs that involve a contact an import batch created or updated (the import's
    summary lists them; run it on a worker: it reads every contact). The batch's contact is
    the pair's second id where the other one was there before."""
    with db.session() as s:
        mine = set(
            s.scalars(select(ImportChange.contact_id).where(ImportChange.batch_id == batch_id))
        )
    if not mine:
        return []
    out = []
    for p in find_pairs(load_people(db)):
        a, b = p.ids
        if a not in mine and b not in mine:
            continue
        if a in mine and b not in mine:  # the one already there first
            p = replace(p, ids=(b, a), names=(p.names[1], p.names[0]))
        out.append(p)
    out.sort(key=lambda x: (-x.score, x.ids))
    return out
