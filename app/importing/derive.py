"""What a new contact derives from its own values — the go-look columns (domain class, persona
fit) and the score — worked out where the file is read, so that the writing process inserts
each row once, complete, instead of inserting it and then updating it twice (the hooks of
:mod:`app.hooks`: a read of the chunk and an UPDATE for each, ~40 µs a row).

Only what the hooks would write for a contact that has nothing but its row: no activities, no
BANT answers, no inquiry date and no move into Inquiry (a row with an inquiry date, or imported
into Inquiry, gets its follow-up times and moves from the hooks as before). The values come
from the same functions the hooks call (:func:`app.golook.personas.best_name_and_fit`,
:func:`app.scoring_rules.explain_values`), with the personas, domain overrides and scoring
rules read when the import starts; the writer compares those with the ones in force for
every chunk it writes and falls back to the hooks when they differ (someone changed the rules
meanwhile)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.golook.classify import OVERRIDES_SETTING, quick_domain_class
from app.golook.derived import domain_overrides_in
from app.golook.persona_store import SEEDED_SETTING, ensure_default_personas_in, personas_in
from app.golook.personas import DEFAULT_PERSONAS, ContactFacts, PersonaCriteria, best_name_and_fit
from app.reference import reference_in
from app.scoring import settings_in
from app.scoring_rules import RULES_SETTING, ScoreTotal, ScoringRules
from db.models import Persona as PersonaRow
from db.models import Setting

if TYPE_CHECKING:
    from app.golook.personas import Persona

_MEMO_MAX = 65_536


class Derived(NamedTuple):
    """The columns the hooks would write on a new contact with nothing but its row."""

    domain_class: str | None
    persona_name: str | None
    persona_fit: float | None
    score: int


class _RowScores(ScoreTotal):
    """:class:`ScoreTotal` for a file's rows, remembering few local parts of addresses as
    role or not: a file's addresses hardly repeat (the benchmark's 1,000,000 are distinct),
    and the 262,144 a store's rescore keeps held ~27 MB in the reading process (its peak at
    300,000 rows 88 -> 114 MB)."""

    _ROLES_MAX = 4096


@dataclass
class Derivation:
    """The personas, domain overrides and scoring rules new contacts are derived with."""

    # (name, criteria) in the order personas are tried: what best_name_and_fit looks at
    personas: tuple[tuple[str, PersonaCriteria], ...]
    overrides: dict[str, str]
    rules: ScoringRules
    # verdicts worked out so far (an import's rows share titles, domains and countries)
    _fits: dict[tuple[Any, ...], tuple[str | None, float | None]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _total: _RowScores | None = field(default=None, compare=False, repr=False)
    _persona_list: list[Persona] | None = field(default=None, compare=False, repr=False)

    def __getstate__(self) -> dict[str, Any]:  # sent to the reading process without memos
        return {
            "personas": self.personas,
            "overrides": self.overrides,
            "rules": self.rules,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def same_as(self, other: Derivation) -> bool:
        return (
            self.personas == other.personas
            and self.overrides == other.overrides
            and self.rules == other.rules
        )

    def derive(
        self, values: dict[str, Any], domain: str | None, domain_class: str | None
    ) -> Derived:
        """The hooks' columns for a new contact storing ``values`` (its contact columns),
        ``domain`` and ``domain_class`` (go-look's verdict on its address)."""
        email = values.get("email")
        # app.golook.derived.update_columns_in: with overrides the class is worked out again
        if self.overrides:
            cls = quick_domain_class(email)[1] if email else None
            if domain and domain in self.overrides and cls not in (None, "invalid"):
                cls = self.overrides[domain]
        else:
            cls = domain_class
        title = values.get("title")
        key = (
            title,
            values.get("industry"),
            values.get("company_size"),
            values.get("country"),
            cls,
        )
        verdict = self._fits.get(key)
        if verdict is None:
            if len(self._fits) >= _MEMO_MAX:
                self._fits.clear()
            verdict = self._fits[key] = best_name_and_fit(self._personas(), ContactFacts(*key))
        name, fit = verdict
        consent = values.get("consent") or "unknown"
        return Derived(cls, name, fit, self._score(email, cls, title, fit, consent))

    def _score(
        self,
        email: str | None,
        cls: str | None,
        title: str | None,
        fit: float | None,
        consent: str,
    ) -> int:
        # explain_values with no activities and no answers adds up to the points of the
        # contact's fields (ScoreTotal.fields_total, the same lines rounded alike; tests
        # compare the two): the domain and the role address's local part only name a line,
        # so they are left out of the memo's key (at 100,000 rows 31 % of the rows had a key
        # of their own by their domain, each worked out again)
        total = self._total
        if total is None:
            total = self._total = _RowScores(self.rules)
        return total.fields_total(email, cls, title, fit, consent)

    def _personas(self) -> list[Persona]:
        if self._persona_list is None:
            from app.golook.personas import Persona

            self._persona_list = [
                Persona(None, name, criteria, position)
                for position, (name, criteria) in enumerate(self.personas, start=1)
            ]
        return self._persona_list


def stored_state(s: Session) -> tuple[Any, ...]:
    """What a derivation is read from, as stored (the personas' rows, the settings): the
    same stored state gives the same derivation. For the check of every chunk (reading the
    derivation itself, with the personas as objects, took ~8 ms): from the reference data
    the chunk's transaction reads once for its hooks too (app.reference)."""
    ref = reference_in(s)
    personas = tuple((p.name, p.criteria) for p in ref.personas)
    keys = sorted((SEEDED_SETTING, OVERRIDES_SETTING, RULES_SETTING))
    return personas, tuple((k, ref.settings[k]) for k in keys if k in ref.settings)


def derivation_in(s: Session, *, writing: bool = False) -> Derivation:
    """The derivation in force. ``writing``: inside the import's write transaction, where
    the default personas are added if they never were (as the hooks do); otherwise (before
    the import starts) the defaults are assumed where they would be added."""
    if writing:
        ensure_default_personas_in(s)
        personas = [(p.name, p.criteria) for p in personas_in(s)]
    else:
        personas = [(p.name, p.criteria) for p in personas_in(s)]
        if (
            not personas
            and s.get(Setting, SEEDED_SETTING) is None
            and not s.scalar(select(func.count(PersonaRow.id)))
        ):
            # as ensure_default_personas_in will store them: through their JSON form
            personas = [
                (name, PersonaCriteria.from_json(json.loads(json.dumps(c.to_json()))))
                for name, c in DEFAULT_PERSONAS
            ]
    return Derivation(
        tuple(personas),
        domain_overrides_in(s),
        settings_in(s).rules,
    )
