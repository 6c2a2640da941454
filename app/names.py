"""Names and e-mail addresses as Winnow stores them: display name, sort key, normalised e-mail."""

from __future__ import annotations

import unicodedata

# particles that belong to the last name ("Ludwig van Beethoven", "Charles de Gaulle")
_PARTICLES = {
    "van",
    "von",
    "de",
    "der",
    "den",
    "del",
    "della",
    "di",
    "da",
    "du",
    "la",
    "le",
    "ter",
    "zu",
}


def display_name(first: str | None, last: str | None, full: str | None = None) -> str:
    parts = [p.strip() for p in (first or "", last or "") if p and p.strip()]
    if parts:
        return " ".join(parts)
    return (full or "").strip()


def split_name(full: str) -> tuple[str, str]:
    """Split one "Name" column into first and last ("Müller, Jürgen" and "Jürgen Müller")."""
    text = " ".join(full.split())
    if not text:
        return "", ""
    if "," in text:
        last, _, first = text.partition(",")
        return first.strip(), last.strip()
    words = text.split(" ")
    if len(words) == 1:
        return words[0], ""
    # the last name starts at the first particle after the first word, else is the last word
    for i in range(1, len(words) - 1):
        if words[i].lower() in _PARTICLES:
            return " ".join(words[:i]), " ".join(words[i:])
    return " ".join(words[:-1]), words[-1]


def sort_key(name: str) -> str:
    """Case- and accent-insensitive key so "Émile" sorts beside "Emile"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


def normalize_email(email: str | None) -> str | None:
    """Trimmed and lower-cased address, the key duplicates are judged on; None when empty."""
    if not email:
        return None
    text = email.strip().strip("<>").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.lower() or None


def stored_normalized_email(email: str | None) -> str | None:
    """What ``contacts.email_normalized`` stores for an address: its normalised form where
    that differs from the address, else None (the column ``email_key`` reads the normalised
    form either way; migration 0021)."""
    norm = normalize_email(email)
    return None if norm == email else norm


def email_domain(email: str | None) -> str | None:
    norm = normalize_email(email)
    if not norm or "@" not in norm:
        return None
    domain = norm.rsplit("@", 1)[1].strip().rstrip(".")
    return domain or None
