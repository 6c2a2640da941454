"""The newest schema revision, read from the migration scripts' own text, without Alembic.

Every opening compares the database's ``alembic_version`` with the newest revision this Winnow
knows. Asking Alembic's ``ScriptDirectory`` costs importing Alembic (and Mako) — a fifth of a
second of ``winnow stats --json`` — for one string. The scripts name it themselves: each
declares ``revision = "…"`` and ``down_revision = …`` at its top level, and the head is the one
revision no other script revises. A new migration file is picked up with nothing else to change;
Alembic is imported only when a migration must run, or when the scripts are not one plain chain
(``None`` here: Alembic decides). tests/db/test_revisions.py holds the answer to Alembic's.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"

# ``revision = "0013"``, ``down_revision: str | None = "0012"``: a top-level assignment
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.MULTILINE)
_PLAIN = re.compile(r"\"([\w.-]+)\"|'([\w.-]+)'|None")


def _declared(text: str) -> tuple[str, tuple[str, ...]] | None:
    """(revision, the revisions it follows) as a script declares them; None if not plainly."""
    found: dict[str, object] = {}
    for name, value in _ASSIGNMENT.findall(text):
        if name in found:
            return None  # assigned twice: not the plain form
        plain = _PLAIN.fullmatch(value)  # the usual forms, without compiling an expression
        if plain:
            found[name] = None if plain.group() == "None" else plain.group(1) or plain.group(2)
            continue
        try:
            found[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return None
    revision, down = found.get("revision"), found.get("down_revision", ...)
    if not isinstance(revision, str) or down is ...:
        return None
    if down is None:
        return revision, ()
    if isinstance(down, str):
        return revision, (down,)
    if isinstance(down, tuple | list) and all(isinstance(d, str) for d in down):
        return revision, tuple(down)
    return None


_READ: dict[tuple[object, ...], dict[str, tuple[str, ...]] | None] = {}


def declared_revisions(folder: Path = VERSIONS) -> dict[str, tuple[str, ...]] | None:
    """Every script's revision and the revisions it follows, or None when a script does not
    declare them plainly (then ask Alembic). Read once per process while the scripts stay
    the same (their names, sizes and times)."""
    scripts = sorted(p for p in folder.glob("*.py") if not p.name.startswith("_"))  # not __init__
    key = (folder, *((p.name, *_size_and_time(p)) for p in scripts))
    if key not in _READ:
        _READ[key] = _read(scripts)
    found = _READ[key]
    return None if found is None else dict(found)


def _size_and_time(script: Path) -> tuple[int, int]:
    st = script.stat()
    return st.st_size, st.st_mtime_ns


def _read(scripts: list[Path]) -> dict[str, tuple[str, ...]] | None:
    declared: dict[str, tuple[str, ...]] = {}
    for script in scripts:
        found = _declared(script.read_text(encoding="utf-8"))
        if found is None or found[0] in declared:
            return None
        declared[found[0]] = found[1]
    return declared


def head_revision(folder: Path = VERSIONS) -> str | None:
    """The one revision that no script revises, or None when the scripts do not say it plainly
    (a script that cannot be read this way, none, or several heads): then ask Alembic."""
    declared = declared_revisions(folder)
    if declared is None:
        return None
    heads = set(declared).difference(*declared.values())
    return heads.pop() if len(heads) == 1 else None
