"""The scoring rules table and the pure function that explains a score.

Score = fit points (who the contact is) + engagement points (what they did, fading with age)
+ qualification points (BANT answers, consent). The table is data, stored in the settings
(key ``scoring.rules``) as ``{"points": {rule: n}, "half_life_days": {activity rule: days}}``;
rules missing there take their default. Nothing here touches the database.
"""

from __future__ import annotations

import importlib
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Any, NamedTuple

RULES_SETTING = "scoring.rules"


@dataclass(frozen=True)
class RuleDefault:
    """One row of the rules table: its key, what it means for the user, default points."""

    key: str
    label: str
    points: float
    half_life_days: float | None = None  # activities only; None: the points never fade
    group: str = "fit"  # fit | engagement | qualification


# The documented defaults (README "Scoring rules"). Activity rules count once per activity.
DEFAULT_RULES: tuple[RuleDefault, ...] = (
    RuleDefault("domain.branded", "Branded company address", 15),
    RuleDefault("domain.free", "Free-mail address", 0),
    RuleDefault("domain.disposable", "Disposable address", -20),
    RuleDefault("domain.invalid", "Invalid e-mail address", -25),
    RuleDefault("role-address", "Role address (info@, sales@…)", -5),
    RuleDefault("no-email", "No e-mail address", -10),
    RuleDefault("persona-fit", "Persona fit (points × fit, 0–100 %)", 20),
    RuleDefault("title.c-level", "Job title: C-level / owner", 15),
    RuleDefault("title.director", "Job title: director / head / VP", 12),
    RuleDefault("title.manager", "Job title: manager / lead", 8),
    RuleDefault("title.senior", "Job title: senior / specialist / engineer", 4),
    RuleDefault("title.junior", "Job title: assistant / student / intern", -5),
    RuleDefault("activity.inquiry-received", "Inquiry received", 10, 90, "engagement"),
    RuleDefault("activity.content-downloaded", "Content downloaded", 5, 60, "engagement"),
    RuleDefault("activity.webinar-attended", "Webinar attended", 10, 60, "engagement"),
    RuleDefault("activity.demo-requested", "Demo requested", 20, 90, "engagement"),
    RuleDefault("activity.asked-for-sales", "Asked for sales contact", 25, None, "engagement"),
    RuleDefault("activity.email-sent", "E-mail sent (by us)", 0, None, "engagement"),
    RuleDefault("activity.call", "Call", 3, 90, "engagement"),
    RuleDefault("activity.meeting", "Meeting", 10, 90, "engagement"),
    RuleDefault("activity.note", "Note", 0, None, "engagement"),
    RuleDefault("bant.yes", "BANT criterion answered yes (each)", 10, None, "qualification"),
    RuleDefault("bant.no", "BANT criterion answered no (each)", -10, None, "qualification"),
    RuleDefault("consent.granted", "Consent to marketing granted", 5, None, "qualification"),
    RuleDefault("consent.withdrawn", "Consent to marketing withdrawn", -30, None, "qualification"),
)

DEFAULTS_BY_KEY: dict[str, RuleDefault] = {r.key: r for r in DEFAULT_RULES}


@dataclass(frozen=True)
class ScoringRules:
    """The effective table: points per rule and half-lives for activity rules."""

    points: Mapping[str, float]
    half_life_days: Mapping[str, float | None]

    @classmethod
    def defaults(cls) -> ScoringRules:
        return cls(
            {r.key: r.points for r in DEFAULT_RULES},
            {r.key: r.half_life_days for r in DEFAULT_RULES if r.key.startswith("activity.")},
        )

    @classmethod
    def from_setting(cls, value: Any) -> ScoringRules:
        """The stored JSON over the defaults; unknown keys and bad values are ignored."""
        base = cls.defaults()
        points = dict(base.points)
        halves = dict(base.half_life_days)
        if isinstance(value, Mapping):
            for key, n in dict(value.get("points") or {}).items():
                if isinstance(n, int | float) and not isinstance(n, bool) and math.isfinite(n):
                    points[str(key)] = float(n)
            for key, days in dict(value.get("half_life_days") or {}).items():
                if days is None or (isinstance(days, int | float) and not isinstance(days, bool)):
                    halves[str(key)] = float(days) if days else None
        return cls(points, halves)

    def to_setting(self) -> dict[str, Any]:
        return {"points": dict(self.points), "half_life_days": dict(self.half_life_days)}

    def get(self, key: str) -> float:
        return float(self.points.get(key, 0.0))


class ScoreItem(NamedTuple):
    """One line of a score's explanation."""

    rule: str  # what the user reads, e.g. "Branded company address (acme.de)"
    points: int

    def as_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "points": self.points}


@dataclass(frozen=True)
class ScoreInputs:
    """Everything the score depends on, as plain values."""

    email: str | None = None
    domain: str | None = None
    domain_class: str | None = None
    title: str | None = None
    persona_name: str | None = None
    persona_fit: float | None = None
    consent: str = "unknown"
    activities: Sequence[tuple[str, datetime]] = ()  # (type, at)
    bant: Sequence[tuple[str, str]] = ()  # (criterion name, yes|no|unknown), in display order
    labels: Mapping[str, str] = field(default_factory=dict)  # activity type -> label


# --- job title seniority ---------------------------------------------------------------

# phrases first (so "managing director" is an owner, not a director), then single words
_SENIORITY: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "c-level",
        (
            "managing director",
            "general manager",
            "chief",
            "ceo",
            "cto",
            "cfo",
            "coo",
            "cio",
            "cmo",
            "cso",
            "owner",
            "founder",
            "co-founder",
            "cofounder",
            "president",
            "proprietor",
            "geschäftsführer",
            "geschaftsfuhrer",
            "geschäftsführerin",
            "inhaber",
            "inhaberin",
            "vorstand",
            "pdg",
            "gérant",
            "gerant",
            "directeur général",
            "directeur general",
            "director general",
            "director gerente",
            "gerente general",
            "amministratore delegato",
            "eigenaar",
            "directeur-generaal",
        ),
    ),
    (
        "director",
        (
            "director",
            "directeur",
            "direktor",
            "direttore",
            "head",
            "vp",
            "vice president",
            "vice-president",
            "leiter",
            "leiterin",
            "bereichsleiter",
            "jefe",
            "responsable de",
            "prokurist",
        ),
    ),
    (
        "manager",
        (
            "manager",
            "lead",
            "leader",
            "supervisor",
            "team lead",
            "teamleiter",
            "gerente",
            "responsable",
            "meister",
            "foreman",
            "coordinator",
            "koordinator",
        ),
    ),
    (
        "senior",
        (
            "senior",
            "principal",
            "specialist",
            "engineer",
            "ingenieur",
            "expert",
            "architect",
            "buyer",
            "einkäufer",
            "planner",
            "analyst",
            "consultant",
            "technician",
            "techniker",
        ),
    ),
    (
        "junior",
        (
            "assistant",
            "assistent",
            "assistentin",
            "student",
            "studentin",
            "intern",
            "trainee",
            "apprentice",
            "auszubildender",
            "azubi",
            "praktikant",
            "praktikantin",
            "stagiaire",
            "werkstudent",
            "junior",
            "clerk",
        ),
    ),
)

SENIORITY_LABELS = {
    "c-level": "C-level / owner",
    "director": "director / head / VP",
    "manager": "manager / lead",
    "senior": "senior / specialist",
    "junior": "assistant / student / intern",
}

_WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)


@lru_cache(maxsize=4096)
def title_seniority(title: str | None) -> str | None:
    """The seniority tier of a job title (``c-level``, ``director``, ``manager``, ``senior``,
    ``junior``) or None when the title says nothing about it."""
    if not title:
        return None
    words = _WORD_RE.findall(title.casefold())
    if not words:
        return None
    text = " " + " ".join(words) + " "
    for tier, phrases in _SENIORITY:
        for phrase in phrases:
            if f" {phrase} " in text:
                return tier
    return None


# --- role addresses ----------------------------------------------------------------------

_FALLBACK_ROLES = frozenset(
    {
        "info",
        "sales",
        "office",
        "contact",
        "kontakt",
        "vertrieb",
        "support",
        "admin",
        "hello",
        "mail",
        "service",
        "team",
        "marketing",
        "noreply",
        "no-reply",
        "enquiries",
        "inquiries",
        "webmaster",
        "postmaster",
        "einkauf",
        "buchhaltung",
        "verkauf",
        "bureau",
        "ventas",
    }
)


@lru_cache(maxsize=1)
def _golook_role_check() -> Callable[[str], bool] | None:
    try:
        module = importlib.import_module("app.golook.classify")
    except ImportError:
        return None
    fn = getattr(module, "is_role_local_part", None)
    return fn if callable(fn) else None


@lru_cache(maxsize=1)
def _golook_role_prefilter() -> Callable[[str], bool] | None:
    """go-look's quick test that a (case-folded) local part is no role's for sure, used
    before the full check it belongs to; None when go-look's check is not the one used."""
    if _golook_role_check() is None:
        return None
    module = importlib.import_module("app.golook.classify")
    fn = getattr(module, "may_be_role_local_part", None)
    return fn if callable(fn) else None


def is_role_address(email: str | None) -> bool:
    """info@, sales@, kontakt@…: an address of a function, not of a person."""
    if not email or email.count("@") != 1:
        return False
    return _is_role_local(email.strip().rsplit("@", 1)[0].casefold())


@lru_cache(maxsize=16384)
def _is_role_local(local: str) -> bool:
    if not local:
        return False
    check = _golook_role_check()
    if check is not None:
        return bool(check(local))
    return local.split("+", 1)[0] in _FALLBACK_ROLES


# --- the explanation -------------------------------------------------------------------


def decayed(points: float, age_days: float, half_life_days: float | None) -> float:
    """Points of an activity ``age_days`` old: halved every half-life (never for None/0)."""
    if not half_life_days or half_life_days <= 0:
        return points
    return points * 0.5 ** (max(0.0, age_days) / half_life_days)


def _round(x: float) -> int:
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def explain_score(inputs: ScoreInputs, rules: ScoringRules, now: datetime) -> list[ScoreItem]:
    """The score's lines, in reading order; zero-point lines are left out.

    The score is the sum of the lines' (rounded) points, so the explanation always adds up.
    """
    return explain_values(
        inputs.email,
        inputs.domain,
        inputs.domain_class,
        inputs.title,
        inputs.persona_name,
        inputs.persona_fit,
        inputs.consent,
        inputs.activities,
        inputs.bant,
        inputs.labels,
        rules,
        now,
    )


def explain_values(
    email: str | None,
    domain: str | None,
    domain_class: str | None,
    title: str | None,
    persona_name: str | None,
    persona_fit: float | None,
    consent: str,
    activities: Sequence[tuple[str, datetime]],
    bant: Sequence[tuple[str, str]],
    labels: Mapping[str, str],
    rules: ScoringRules,
    now: datetime,
) -> list[ScoreItem]:
    """:func:`explain_score` on the plain values of :class:`ScoreInputs` (for rescoring
    thousands of contacts without building an inputs object for each)."""
    pts = rules.points
    raw: list[tuple[str, float]] = []
    add = raw.append
    email = (email or "").strip()
    if not email:
        add(("No e-mail address", pts.get("no-email", 0.0)))
    else:
        cls = domain_class
        where = f" ({domain})" if domain else ""
        if cls == "branded":
            add((f"Branded company address{where}", pts.get("domain.branded", 0.0)))
        elif cls == "free":
            add((f"Free-mail address{where}", pts.get("domain.free", 0.0)))
        elif cls == "disposable":
            add((f"Disposable address{where}", pts.get("domain.disposable", 0.0)))
        elif cls == "invalid":
            add(("Invalid e-mail address", pts.get("domain.invalid", 0.0)))
        if cls != "invalid" and pts.get("role-address") and is_role_address(email):
            local = email.rsplit("@", 1)[0]
            add((f"Role address ({local}@)", pts["role-address"]))
    fit = persona_fit
    if fit is not None and math.isfinite(fit) and pts.get("persona-fit"):
        fraction = min(1.0, max(0.0, fit / 100.0 if fit > 1.0 else fit))
        who = f" ({persona_name})" if persona_name else ""
        add((f"Persona fit {round(fraction * 100)} %{who}", pts["persona-fit"] * fraction))
    tier = title_seniority(title)
    if tier is not None:
        add((f"Job title: {SENIORITY_LABELS[tier]} ({title})", pts.get(f"title.{tier}", 0)))
    if activities:
        raw.extend(_activity_lines(activities, labels, rules, now))
    for name, answer in bant:
        if answer == "yes" or answer == "no":
            add((f"{name}: {answer}", pts.get(f"bant.{answer}", 0.0)))
    if consent == "granted":
        add(("Consent to marketing granted", pts.get("consent.granted", 0.0)))
    elif consent == "withdrawn":
        add(("Consent to marketing withdrawn", pts.get("consent.withdrawn", 0.0)))
    out = []
    for rule, points in raw:
        n = _round(points)
        if n:
            out.append(ScoreItem(rule, n))
    return out


class ScoreTotal:
    """The score :func:`explain_values` adds up to (``total_score`` of its lines), without
    the lines: for rescoring every contact after a rule change. The rules are read once; the
    points of a contact's fields (e-mail class, role address, persona fit, job title,
    consent) are remembered per distinct fields, which contacts share; an activity's fading
    is worked out only where its rule gives points. Each line is rounded as
    :func:`explain_values` rounds it and the same arithmetic gives each line's points, so the
    total is exactly its total (tests compare the two on random contacts and rules)."""

    _MEMO_MAX = 65536  # distinct fields remembered (then forgotten, and remembered anew)
    _ROLES_MAX = 262144  # local parts of addresses remembered as role or not (the same)

    def __init__(self, rules: ScoringRules) -> None:
        self.rules = rules
        pts = rules.points
        self._pts = pts
        self._role = bool(pts.get("role-address"))
        acts: dict[str, tuple[float, float | None]] = {}
        for key, base in pts.items():
            if key.startswith("activity.") and base:
                half = rules.half_life_days.get(key)
                acts[key[len("activity.") :]] = (base, half if half and half > 0 else None)
        self._acts = acts
        self._yes = _round(pts.get("bant.yes", 0.0))
        self._no = _round(pts.get("bant.no", 0.0))
        self._fields: dict[tuple[Any, ...], int] = {}
        self._roles: dict[str, bool] = {}

    def _fields_points(
        self,
        has_email: bool,
        domain_class: str | None,
        role: bool,
        persona_fit: float | None,
        title: str | None,
        consent: str | None,
    ) -> int:
        """The rounded points of every line of :func:`explain_values` but activities and
        answers, in its order."""
        pts = self._pts
        lines: list[float] = []
        if not has_email:
            lines.append(pts.get("no-email", 0.0))
        else:
            key = _CLASS_RULES.get(domain_class or "")
            if key is not None:
                lines.append(pts.get(key, 0.0))
            if role:
                lines.append(pts["role-address"])
        fit = persona_fit
        if fit is not None and math.isfinite(fit) and pts.get("persona-fit"):
            fraction = min(1.0, max(0.0, fit / 100.0 if fit > 1.0 else fit))
            lines.append(pts["persona-fit"] * fraction)
        tier = title_seniority(title)
        if tier is not None:
            lines.append(pts.get(f"title.{tier}", 0))
        if consent == "granted":
            lines.append(pts.get("consent.granted", 0.0))
        elif consent == "withdrawn":
            lines.append(pts.get("consent.withdrawn", 0.0))
        return sum(_round(x) for x in lines)

    def fields_total(
        self,
        email: str | None,
        domain_class: str | None,
        title: str | None,
        persona_fit: float | None,
        consent: str | None,
    ) -> int:
        """The rounded points of the lines of the contact's fields: every line of
        :func:`explain_values` but activities and answers (remembered per distinct fields)."""
        address = email.strip() if email else ""
        role = False
        if address and self._role and domain_class != "invalid":
            # is_role_address(address), remembered per local part (its only input but the
            # number of @): at a million contacts some 65,000 distinct ones, four times
            # what its own cache keeps
            local, at, domain = address.partition("@")
            maybe = _golook_role_prefilter()
            if at and "@" not in domain and (maybe is None or maybe(local.casefold())):
                roles = self._roles
                known = roles.get(local)
                if known is None:
                    known = is_role_address(address)
                    if len(roles) >= self._ROLES_MAX:
                        roles.clear()
                    roles[local] = known
                role = known
        key = (bool(address), domain_class, role, persona_fit, title, consent)
        memo = self._fields
        total = memo.get(key)
        if total is None:
            total = self._fields_points(*key)
            if len(memo) >= self._MEMO_MAX:
                memo.clear()
            memo[key] = total
        return total

    @property
    def activity_rules(self) -> Mapping[str, tuple[float, float | None]]:
        """Activity type → (points, half-life in days or None: no fading), for the types
        whose rule gives points (the others add no line)."""
        return self._acts

    @property
    def answer_points(self) -> tuple[int, int]:
        """The rounded points of a BANT answer yes, and of one answered no."""
        return self._yes, self._no

    def score(
        self,
        email: str | None,
        domain_class: str | None,
        title: str | None,
        persona_fit: float | None,
        consent: str | None,
        activities: Sequence[tuple[str, datetime]],
        bant: Sequence[tuple[str, str]],
        now: datetime,
    ) -> int:
        """``total_score(explain_values(email, …, consent or "unknown", activities, bant,
        labels, rules, now))`` (the persona's name and the labels name lines only)."""
        total = self.fields_total(email, domain_class, title, persona_fit, consent)
        if activities:
            acts = self._acts
            if len(activities) == 1:
                kind, at = activities[0]
                rule = acts.get(kind)
                if rule is not None:
                    base, half = rule
                    if half is None:
                        total += _round(base)
                    else:
                        age = max(0.0, (now - at).total_seconds())
                        total += _round(base * 0.5 ** (age / 86400.0 / half))
            else:
                by_type: dict[str, list[datetime]] = {}
                for kind, at in activities:
                    if kind in acts:
                        if kind in by_type:
                            by_type[kind].append(at)
                        else:
                            by_type[kind] = [at]
                for kind, times in by_type.items():
                    base, half = acts[kind]
                    if half is None:
                        total += _round(base * len(times))
                    else:
                        total += _round(
                            sum(
                                [
                                    base
                                    * 0.5 ** (max(0.0, (now - at).total_seconds()) / 86400.0 / half)
                                    for at in times
                                ]
                            )
                        )
        for _name, answer in bant:
            if answer == "yes":
                total += self._yes
            elif answer == "no":
                total += self._no
        return total


# the rule of each domain class's line (explain_values)
_CLASS_RULES = {
    "branded": "domain.branded",
    "free": "domain.free",
    "disposable": "domain.disposable",
    "invalid": "domain.invalid",
}


def _activity_lines(
    activities: Sequence[tuple[str, datetime]],
    labels: Mapping[str, str],
    rules: ScoringRules,
    now: datetime,
) -> list[tuple[str, float]]:
    by_type: dict[str, list[datetime]] = {}
    for kind, at in activities:
        if kind in by_type:
            by_type[kind].append(at)
        else:
            by_type[kind] = [at]
    lines = []
    for kind, times in by_type.items():
        key = "activity." + kind
        base = rules.points.get(key)
        if not base:
            continue
        half = rules.half_life_days.get(key)
        if half and half > 0:
            total = sum(
                base * 0.5 ** (max(0.0, (now - at).total_seconds()) / 86400.0 / half)
                for at in times
            )
        else:
            total = base * len(times)
        label = labels.get(kind) or (DEFAULTS_BY_KEY[key].label if key in DEFAULTS_BY_KEY else kind)
        count = f" ×{len(times)}" if len(times) > 1 else ""
        fading = (
            f", fading (half-life {half:g} d)"
            if half and _round(total) != _round(base * len(times))
            else ""
        )
        lines.append((f"{label}{count}{fading}", total))
    return lines


def total_score(items: Iterable[ScoreItem]) -> int:
    return sum(item.points for item in items)


# --- the explanation of a stored score ---------------------------------------------------

# the line that makes up the difference when no time explains a stored score with the rules
# in force (the rules changed and the recompute has not reached the contact yet)
EARLIER_RULES = "Scored under earlier rules (recompute pending)"
# how far past now a stored score's time may lie (another computer's clock ahead)
_AHEAD = timedelta(days=2)


def explain_stored(
    score: int | None,
    explain_at: Callable[[datetime], list[ScoreItem]],
    activities: Sequence[tuple[str, datetime]],
    rules: ScoringRules,
    now: datetime,
) -> list[ScoreItem]:
    """The lines of a stored ``score``, as its rescore wrote them (the explanation is not
    stored: it follows from the contact's fields, activities and answers, the rules, and the
    time the score was worked out, which only the fading activity points depend on).

    ``explain_at(t)``: :func:`explain_values` of the contact at time ``t``. The score was
    worked out at a whole second (``app.timeutil.utcnow``) at or before now, and written
    again whenever its explanation changed; each fading line's rounded points only fall (or,
    for negative points, only rise) as time passes, so where the lines add up to the stored
    score they are the lines stored then. Found by bisection over whole seconds between the
    earliest fading activity and now (a couple of days past it for a clock ahead): some 30
    explanations for the oldest history. When no time gives the score (the rules changed
    and the recompute has not reached the contact), the lines of now and one line of the
    difference (:data:`EARLIER_RULES`)."""
    if score is None:
        return []  # never scored
    items = explain_at(now)
    found = sum(i.points for i in items)
    if found == score:
        return items
    fading = [
        at
        for kind, at in activities
        if rules.half_life_days.get("activity." + kind) and rules.points.get("activity." + kind)
    ]
    if fading:
        cache: dict[datetime, list[ScoreItem]] = {now: items}

        def off(t: datetime) -> int:  # how far the lines at t are from the score
            if t not in cache:
                cache[t] = explain_at(t)
            return sum(i.points for i in cache[t]) - score

        first = min(fading).replace(microsecond=0) - timedelta(seconds=1)
        ends = [first, now, now + _AHEAD]
        for lo, hi in pairwise(ends):
            if lo >= hi:
                continue
            at = _bisect(off, lo, hi)
            if at is not None:
                return cache[at]
    return [*items, ScoreItem(EARLIER_RULES, score - found)]


def _bisect(off: Callable[[datetime], int], lo: datetime, hi: datetime) -> datetime | None:
    """A whole second in [lo, hi] where ``off`` is 0, when its sign differs at the ends."""
    a, b = off(lo), off(hi)
    if a == 0:
        return lo
    if b == 0:
        return hi
    if (a > 0) == (b > 0):
        return None
    while (hi - lo).total_seconds() > 1:
        mid = lo + timedelta(seconds=(hi - lo).total_seconds() // 2)
        m = off(mid)
        if m == 0:
            return mid
        if (m > 0) == (a > 0):
            lo, a = mid, m
        else:
            hi = mid
    return None
