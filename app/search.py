"""Search as you type, on each database: every typed word must start a word of the contact's
name, e-mail, company or title, accents folded ("jurg" finds Jürgen, "lefev" Lefèvre), an
address found by its parts ("gmail", "p1@firma").

- SQLite: the FTS5 table ``contacts_fts`` (migrations 0001, 0009), a prefix phrase per typed word.
- PostgreSQL: ``winnow_search_vector(…) @@ to_tsquery('winnow_search', …)`` over the GIN
  index of migration 0007 (unaccent + prefix matching; measured against ``pg_trgm``, see the
  README's performance table).
- Any other database: a substring match with LIKE.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, func, literal_column, or_, select, text

from db.models import Contact

_TOKEN_RE = re.compile(r"[\w@.\-+']+", re.UNICODE)
_PART_RE = re.compile(r"[^\W_]+", re.UNICODE)


def typed_words(search: str) -> list[str]:
    """The words typed, without the punctuation around them."""
    return [tok for tok in (t.strip(".-'+") for t in _TOKEN_RE.findall(search)) if tok]


def fts_query(search: str) -> str | None:
    """Turn typed text into an FTS5 prefix query: every word must match a word's start."""
    tokens = ['"' + tok.replace('"', "") + '"*' for tok in typed_words(search)]
    return " AND ".join(tokens) or None


def tsquery(search: str) -> str | None:
    """Turn typed text into a PostgreSQL ``to_tsquery`` text: each typed word is a phrase of
    its parts (``p1@firma`` → ``p1 <-> firma:*``), the last part a prefix; all must match.

    Only letters and digits reach ``to_tsquery``, so nothing typed is read as an operator."""
    terms = []
    for word in typed_words(search):
        parts = _PART_RE.findall(word)
        if parts:
            terms.append("(" + " <-> ".join(parts) + ":*)")
    return " & ".join(terms) or None


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_condition(search: str, dialect: str) -> ColumnElement[bool] | None:
    """The WHERE condition on ``contacts`` for typed text, or None when nothing was typed."""
    if not search.strip():
        return None
    if dialect == "sqlite":
        match = fts_query(search)
        if match is None:
            return None
        return Contact.id.in_(
            select(literal_column("rowid"))
            .select_from(text("contacts_fts"))
            .where(text("contacts_fts MATCH :fts").bindparams(fts=match))
        )
    if dialect == "postgresql":
        query = tsquery(search)
        if query is None:
            return None
        # every e-mail address, the primary and the others: written as the index's expression
        # (migration 0009) so that the planner uses the index
        emails: ColumnElement[str] = literal_column(
            "coalesce(contacts.email, '') || ' ' || coalesce(contacts.other_emails, '')"
        )
        vector = func.winnow_search_vector(Contact.name, emails, Contact.company, Contact.title)
        # the configuration as a constant (not a parameter), as the indexed function has it
        return vector.bool_op("@@")(
            func.to_tsquery(literal_column("'winnow_search'::regconfig"), query)
        )
    pattern = f"%{_like_escape(search.strip())}%"
    return or_(
        Contact.name.ilike(pattern, escape="\\"),
        Contact.email.ilike(pattern, escape="\\"),
        Contact.other_emails.ilike(pattern, escape="\\"),
        Contact.company.ilike(pattern, escape="\\"),
        Contact.title.ilike(pattern, escape="\\"),
    )
