"""Reading job titles and countries: seniority from a title, country names and codes, folding.

Titles come in many languages (Einkaufsleiter, Directeur général, Jefe de compras), so matching
is on folded text (case- and accent-insensitive) and whole words, with German compounds allowed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

SENIORITY_LEVELS: dict[str, str] = {
    "c-level": "C-level / owner",
    "director": "Director / head",
    "manager": "Manager / team lead",
    "specialist": "Senior / specialist",
    "staff": "Staff / clerk",
    "student": "Student / trainee",
}

# fmt: off
# Checked in this order. A word matches whole ("intern" not in "international"); a leading "*"
# lets it end a compound word (Einkaufs*leiter*, Projekt*manager*). Titles are folded first.
_SENIORITY_PATTERNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("staff", ("assistant to", "assistant of", "assistenz der", "assistentin der")),
    ("c-level", (
        "ceo", "cfo", "cto", "coo", "cio", "cmo", "cso", "chief", "owner", "co-owner", "founder",
        "co-founder", "president", "managing director", "managing partner", "general manager",
        "geschaftsfuhrer", "geschaftsfuhrerin", "geschaeftsfuehrer", "inhaber", "inhaberin",
        "vorstand", "gerant", "gerante", "pdg", "directeur general", "director general",
        "directora general", "gerente general", "proprietor", "amministratore delegato",
        "eigenaar",
    )),
    ("manager", ("*teamleiter", "*teamleiterin", "*gruppenleiter", "*gruppenleiterin",
                 "*schichtleiter", "*schichtleiterin")),
    ("director", (
        "director", "directeur", "directrice", "directora", "head", "*leiter", "*leiterin",
        "*leitung", "vp", "vice president", "vice-president", "svp", "evp", "jefe", "jefa",
        "responsabile", "prokurist", "prokuristin",
    )),
    ("manager", (
        "*manager", "*managerin", "lead", "leader", "supervisor", "responsable", "foreman",
        "*meister", "*meisterin", "gerente", "superintendent", "chef", "cheffe",
    )),
    ("student", (
        "student", "students", "intern", "internship", "trainee", "apprentice", "*praktikant",
        "*praktikantin", "werkstudent", "werkstudentin", "azubi", "auszubildende",
        "auszubildender", "stagiaire", "alternant", "alternante", "estudiante", "becario",
        "becaria", "studentin", "doctoral", "phd",
    )),
    ("specialist", (
        "senior", "sr", "specialist", "*spezialist", "*spezialistin", "expert", "*experte",
        "*expertin", "*engineer", "*ingenieur", "*ingenieurin", "ingeniero", "ingeniera",
        "consultant", "*berater", "*beraterin", "analyst", "architect", "buyer", "*einkaufer",
        "*einkauferin", "purchaser", "planner", "*planer", "*planerin", "developer",
        "*entwickler", "*entwicklerin", "scientist", "principal", "*referent", "*referentin",
        "acheteur", "acheteuse", "comprador", "compradora", "ingegnere", "strategist", "officer",
    )),
    ("staff", (
        "assistant", "*assistent", "*assistentin", "assistante", "clerk", "technician",
        "*techniker", "*technikerin", "technicien", "technicienne", "*sachbearbeiter",
        "*sachbearbeiterin", "representative", "operator", "coordinator", "*koordinator",
        "*koordinatorin", "agent", "*mitarbeiter", "*mitarbeiterin", "employee", "secretary",
        "*sekretar", "*sekretarin", "receptionist", "worker", "employe", "tecnico", "tecnica",
        "administrativo", "administrativa", "associate", "*kaufmann", "*kauffrau",
        "administrator", "mechanic", "*mechaniker", "electrician", "*elektriker", "*bediener",
    )),
)

# country names and codes that mean the same country (folded); the first is the key
_COUNTRY_ALIASES: tuple[tuple[str, ...], ...] = (
    ("de", "germany", "deutschland", "allemagne", "alemania", "germania", "duitsland"),
    ("at", "austria", "osterreich", "autriche"),
    ("ch", "switzerland", "schweiz", "suisse", "svizzera", "suiza"),
    ("fr", "france", "frankreich", "francia"),
    ("gb", "uk", "united kingdom", "great britain", "england", "scotland", "wales",
     "grossbritannien", "royaume-uni", "reino unido"),
    ("us", "usa", "united states", "united states of america", "america", "vereinigte staaten",
     "etats-unis", "estados unidos"),
    ("nl", "netherlands", "the netherlands", "holland", "niederlande", "nederland", "pays-bas"),
    ("es", "spain", "spanien", "espana", "espagne"),
    ("it", "italy", "italien", "italia", "italie"),
    ("pl", "poland", "polen", "polska", "pologne"),
    ("se", "sweden", "schweden", "sverige", "suede"),
    ("tr", "turkey", "turkiye", "turkei", "turquie", "turquia"),
    ("gr", "greece", "griechenland", "ellada", "grece"),
    ("be", "belgium", "belgien", "belgique", "belgie"),
    ("dk", "denmark", "danemark", "danmark"),
    ("cz", "czechia", "czech republic", "tschechien", "cesko"),
)
# fmt: on
_COUNTRY_KEY = {alias: group[0] for group in _COUNTRY_ALIASES for alias in group}


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case- and accent-insensitive text for matching (Einkäufer ~ einkaufer; ß ~ ss)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@lru_cache(maxsize=8192)
def _word_start_pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    folded = [re.escape(fold(w)) for w in words if fold(w)]
    if not folded:
        return None
    return re.compile(r"(?<![\w])(?:" + "|".join(sorted(folded, key=len, reverse=True)) + ")")


@lru_cache(maxsize=65536)
def first_keyword(words: tuple[str, ...], text: str) -> str | None:
    """The first of ``words`` that starts a word of ``text`` ("purchas" in "Purchasing")."""
    pattern = _word_start_pattern(words)
    if pattern is None:
        return None
    m = pattern.search(fold(text))
    if m is None:
        return None
    hit = m.group(0)
    return next((w for w in words if fold(w) == hit), hit)


def _whole_word_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    parts = [
        (r"\w*" + re.escape(w[1:]) if w.startswith("*") else r"(?<!\w)" + re.escape(w)) + r"(?!\w)"
        for w in words
    ]
    return re.compile("|".join(parts))


_SENIORITY_REGEXES = tuple(
    (level, _whole_word_pattern(words)) for level, words in _SENIORITY_PATTERNS
)


@lru_cache(maxsize=16384)
def seniority_of(title: str | None) -> str | None:
    """The seniority level a job title suggests (``Head of purchasing`` -> ``director``)."""
    if not title or not title.strip():
        return None
    folded = fold(title)
    for level, pattern in _SENIORITY_REGEXES:
        if pattern.search(folded):
            return level
    return None


def country_key(country: str) -> str:
    """One key per country however it is written (DE, Germany, Deutschland -> ``de``)."""
    folded = fold(country).replace(".", "")
    return _COUNTRY_KEY.get(folded, folded)
