"""Buyer personas and how well a contact fits one, criterion by criterion.

A persona's criteria (all optional): job-title keywords to include / exclude, seniority levels,
industries, a company-size range, countries, and "branded address required". Each criterion the
persona sets is judged ``pass``, ``fail`` or ``unknown`` (the contact lacks the data), with a
reason. **Fit = passes ÷ criteria the persona sets**: an unknown counts in the denominator, so
missing data lowers the fit instead of being ignored ("fits 3/4" with one unknown). A persona
that sets no criteria is never a fit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from app.errors import UsageError
from app.golook.titles import SENIORITY_LEVELS, country_key, first_keyword, fold, seniority_of

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"


@dataclass(frozen=True)
class PersonaCriteria:
    """What a persona asks of a contact; empty lists / None mean "not a criterion"."""

    title_include: tuple[str, ...] = ()
    title_exclude: tuple[str, ...] = ()
    seniority: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    company_size_min: int | None = None
    company_size_max: int | None = None
    countries: tuple[str, ...] = ()
    branded_required: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "title_include": list(self.title_include),
            "title_exclude": list(self.title_exclude),
            "seniority": list(self.seniority),
            "industries": list(self.industries),
            "company_size_min": self.company_size_min,
            "company_size_max": self.company_size_max,
            "countries": list(self.countries),
            "branded_required": self.branded_required,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PersonaCriteria:
        """Build from stored or imported JSON; raises :class:`UsageError` on bad values."""
        if not isinstance(data, Mapping):
            raise UsageError("persona criteria must be a JSON object")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise UsageError(f"unknown persona criteria: {', '.join(unknown)}")

        def words(key: str) -> tuple[str, ...]:
            value = data.get(key) or []
            if isinstance(value, str):
                value = [v for v in re.split(r"[,;\n]", value)]
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                raise UsageError(f"persona criterion {key!r} must be a list of texts")
            return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))

        def size(key: str) -> int | None:
            value = data.get(key)
            if value is None or value == "":
                return None
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise UsageError(f"persona criterion {key!r} must be a whole number ≥ 0")
            return value

        levels = words("seniority")
        bad = [lv for lv in levels if lv not in SENIORITY_LEVELS]
        if bad:
            raise UsageError(
                f"unknown seniority {', '.join(bad)}; known: {', '.join(SENIORITY_LEVELS)}"
            )
        lo, hi = size("company_size_min"), size("company_size_max")
        if lo is not None and hi is not None and lo > hi:
            raise UsageError("company size: the minimum is larger than the maximum")
        branded = data.get("branded_required", False)
        if not isinstance(branded, bool):
            raise UsageError("persona criterion 'branded_required' must be true or false")
        return cls(
            words("title_include"),
            words("title_exclude"),
            levels,
            words("industries"),
            lo,
            hi,
            words("countries"),
            branded,
        )

    @property
    def count(self) -> int:
        """How many criteria this persona sets (the denominator of the fit)."""
        return sum(
            (
                bool(self.title_include or self.title_exclude),
                bool(self.seniority),
                bool(self.industries),
                self.company_size_min is not None or self.company_size_max is not None,
                bool(self.countries),
                self.branded_required,
            )
        )


@dataclass(frozen=True)
class Persona:
    id: int | None
    name: str
    criteria: PersonaCriteria
    position: int = 0


@dataclass(frozen=True)
class ContactFacts:
    """The contact fields personas look at."""

    title: str | None = None
    industry: str | None = None
    company_size: int | None = None
    country: str | None = None
    domain_class: str | None = None  # branded | free | disposable | invalid | None


@dataclass(frozen=True)
class CriterionResult:
    criterion: str  # title | seniority | industry | company_size | country | branded
    label: str
    outcome: str  # pass | fail | unknown
    reason: str


@dataclass(frozen=True)
class PersonaFit:
    persona: str
    passed: int
    evaluated: int
    results: tuple[CriterionResult, ...] = ()

    @property
    def fit(self) -> float:
        return self.passed / self.evaluated if self.evaluated else 0.0

    @property
    def ratio_text(self) -> str:
        return f"{self.passed}/{self.evaluated}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.persona,
            "fit": round(self.fit, 3),
            "passed": self.passed,
            "evaluated": self.evaluated,
            "reasons": [
                {
                    "criterion": r.criterion,
                    "label": r.label,
                    "outcome": r.outcome,
                    "reason": r.reason,
                }
                for r in self.results
            ],
        }


def _outcomes(c: PersonaCriteria, f: ContactFacts) -> Iterable[tuple[str, str, str]]:
    """(criterion, outcome, reason) for each criterion the persona sets."""
    if c.title_include or c.title_exclude:
        if not f.title:
            yield "title", UNKNOWN, "no job title"
        elif (bad := first_keyword(c.title_exclude, f.title)) is not None:
            yield "title", FAIL, f"title {f.title!r} contains excluded {bad!r}"
        elif not c.title_include:
            yield "title", PASS, f"title {f.title!r} has no excluded word"
        elif (good := first_keyword(c.title_include, f.title)) is not None:
            yield "title", PASS, f"title {f.title!r} contains {good!r}"
        else:
            yield "title", FAIL, f"title {f.title!r} has none of {', '.join(c.title_include)}"
    if c.seniority:
        level = seniority_of(f.title)
        wanted = " or ".join(SENIORITY_LEVELS[lv] for lv in c.seniority)
        if not f.title:
            yield "seniority", UNKNOWN, "no job title to tell seniority from"
        elif level is None:
            yield "seniority", UNKNOWN, f"cannot tell seniority from {f.title!r}"
        elif level in c.seniority:
            yield "seniority", PASS, f"{f.title!r} is {SENIORITY_LEVELS[level]}"
        else:
            yield "seniority", FAIL, f"{f.title!r} is {SENIORITY_LEVELS[level]}, not {wanted}"
    if c.industries:
        if not f.industry:
            yield "industry", UNKNOWN, "no industry"
        elif (hit := _industry_match(c.industries, f.industry)) is not None:
            yield "industry", PASS, f"industry {f.industry!r} matches {hit!r}"
        else:
            yield "industry", FAIL, f"industry {f.industry!r} is not {', '.join(c.industries)}"
    if c.company_size_min is not None or c.company_size_max is not None:
        span = _size_text(c.company_size_min, c.company_size_max)
        if f.company_size is None:
            yield "company_size", UNKNOWN, "no company size"
        elif (c.company_size_min is None or f.company_size >= c.company_size_min) and (
            c.company_size_max is None or f.company_size <= c.company_size_max
        ):
            yield "company_size", PASS, f"{f.company_size:,} employees (wanted {span})"
        else:
            yield "company_size", FAIL, f"{f.company_size:,} employees, not {span}"
    if c.countries:
        if not f.country:
            yield "country", UNKNOWN, "no country"
        elif country_key(f.country) in {country_key(x) for x in c.countries}:
            yield "country", PASS, f"{f.country} is one of {', '.join(c.countries)}"
        else:
            yield "country", FAIL, f"{f.country} is not one of {', '.join(c.countries)}"
    if c.branded_required:
        if f.domain_class is None:
            yield "branded", UNKNOWN, "no e-mail address"
        elif f.domain_class == "branded":
            yield "branded", PASS, "company (branded) e-mail address"
        else:
            kind = {"free": "free-mail", "disposable": "disposable", "invalid": "invalid"}.get(
                f.domain_class, f.domain_class
            )
            yield "branded", FAIL, f"{kind} address, not a company one"


_LABELS = {
    "title": "Job title",
    "seniority": "Seniority",
    "industry": "Industry",
    "company_size": "Company size",
    "country": "Country",
    "branded": "Branded address",
}


@lru_cache(maxsize=16384)
def _industry_match(wanted: tuple[str, ...], industry: str) -> str | None:
    have = fold(industry)
    for w in wanted:
        fw = fold(w)
        if fw and (
            re.search(r"(?<!\w)" + re.escape(fw), have)
            or re.search(r"(?<!\w)" + re.escape(have), fw)
        ):
            return w
    return None


def _size_text(lo: int | None, hi: int | None) -> str:
    if lo is not None and hi is not None:
        return f"{lo:,}–{hi:,}"
    if lo is not None:
        return f"{lo:,} or more"
    return f"at most {hi:,}"


def evaluate(persona: Persona, facts: ContactFacts) -> PersonaFit:
    """The persona's verdict on each of its criteria, with reasons."""
    results = tuple(
        CriterionResult(key, _LABELS[key], outcome, reason)
        for key, outcome, reason in _outcomes(persona.criteria, facts)
    )
    return PersonaFit(persona.name, sum(r.outcome == PASS for r in results), len(results), results)


@lru_cache(maxsize=65536)
def count_passes(criteria: PersonaCriteria, facts: ContactFacts) -> int:
    """Just the number of passes (the set-based recompute needs no reasons)."""
    return sum(outcome == PASS for _key, outcome, _reason in _outcomes(criteria, facts))


def best_fit(personas: Sequence[Persona], facts: ContactFacts) -> PersonaFit | None:
    """The best-fitting persona (highest fit; on a tie, the earlier persona), or None when no
    persona passes a single criterion."""
    best: tuple[float, int] | None = None
    chosen: Persona | None = None
    for p in personas:
        n = p.criteria.count
        if not n:
            continue
        fit = count_passes(p.criteria, facts) / n
        if fit > 0 and (best is None or fit > best[0]):
            best, chosen = (fit, n), p
    return evaluate(chosen, facts) if chosen is not None else None


def best_name_and_fit(
    personas: Sequence[Persona], facts: ContactFacts
) -> tuple[str | None, float | None]:
    """(persona name, fit) to store on the contact row: (None, 0.0) when no persona fits at
    all, (None, None) when there are no personas with criteria."""
    best_fit_value = 0.0
    name: str | None = None
    any_persona = False
    for p in personas:
        n = p.criteria.count
        if not n:
            continue
        any_persona = True
        fit = count_passes(p.criteria, facts) / n
        if fit > best_fit_value:
            best_fit_value, name = fit, p.name
    if not any_persona:
        return None, None
    return name, round(best_fit_value, 4)


class FitsByFact:
    """:func:`best_name_and_fit` of the same personas for many contacts (the demo's, an
    import's), from each fact's passes counted once per value: every criterion reads one
    fact of the contact (the title both title and seniority) and is unknown, never a pass,
    without it, so a persona's passes for a contact are the sum of those for each of its
    facts alone. A contact with facts not seen together before costs five look-ups instead
    of every criterion of every persona."""

    def __init__(self, personas: Sequence[Persona]) -> None:
        # (name, number of criteria) of each persona that sets any, in the order tried
        self._counted = [(p.name, p.criteria.count) for p in personas if p.criteria.count]
        self._criteria = [p.criteria for p in personas if p.criteria.count]
        # per fact: value -> each counted persona's passes for that fact alone
        # (ContactFacts' fields: the title (title and seniority), industry, company size,
        # country, domain class (branded))
        self._passes: tuple[dict[Any, tuple[int, ...]], ...] = tuple({} for _ in range(5))

    def name_and_fit(self, facts: ContactFacts) -> tuple[str | None, float | None]:
        if not self._counted:
            return None, None
        totals = [0] * len(self._counted)
        values: tuple[Any, ...] = (
            facts.title,
            facts.industry,
            facts.company_size,
            facts.country,
            facts.domain_class,
        )
        for i, value in enumerate(values):
            found = self._passes[i].get(value)
            if found is None:
                alone = ContactFacts(*(value if j == i else None for j in range(len(values))))
                found = self._passes[i][value] = tuple(
                    count_passes(c, alone) for c in self._criteria
                )
            for k, passed in enumerate(found):
                totals[k] += passed
        best_fit_value = 0.0
        name: str | None = None
        for (persona, n), passed in zip(self._counted, totals, strict=True):
            fit = passed / n
            if fit > best_fit_value:
                best_fit_value, name = fit, persona
        return name, round(best_fit_value, 4)


# fmt: off
DEFAULT_PERSONAS: tuple[tuple[str, PersonaCriteria], ...] = (
    ("Plant buyer", PersonaCriteria(
        title_include=("buyer", "purchas", "procurement", "sourcing", "einkauf", "einkäufer",
                       "beschaffung", "acheteur", "achat", "compras", "comprador", "inkoop"),
        seniority=("specialist", "manager", "director"),
        company_size_min=20,
        branded_required=True,
    )),
    ("Maintenance lead", PersonaCriteria(
        title_include=("maintenance", "plant", "operations", "production", "engineering",
                       "technical", "instandhaltung", "wartung", "werk", "betrieb", "technik",
                       "mantenimiento", "onderhoud"),
        title_exclude=("student", "intern", "sales"),
        seniority=("manager", "director"),
        industries=("Machinery", "Automotive", "Food & beverage", "Chemicals", "Plastics",
                    "Packaging", "Energy", "Electronics", "Medical devices"),
        branded_required=True,
    )),
    ("Owner-manager", PersonaCriteria(
        seniority=("c-level",),
        company_size_max=250,
        branded_required=True,
    )),
)
# fmt: on


def criteria_summary(c: PersonaCriteria) -> list[str]:
    """The persona's criteria in words, one line each (for lists and the CLI)."""
    lines: list[str] = []
    if c.title_include:
        lines.append("Job title has: " + ", ".join(c.title_include))
    if c.title_exclude:
        lines.append("Job title has none of: " + ", ".join(c.title_exclude))
    if c.seniority:
        lines.append("Seniority: " + ", ".join(SENIORITY_LEVELS[s] for s in c.seniority))
    if c.industries:
        lines.append("Industry: " + ", ".join(c.industries))
    if c.company_size_min is not None or c.company_size_max is not None:
        lines.append("Company size: " + _size_text(c.company_size_min, c.company_size_max))
    if c.countries:
        lines.append("Country: " + ", ".join(c.countries))
    if c.branded_required:
        lines.append("Branded (company) e-mail address")
    return lines
