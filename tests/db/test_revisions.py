"""The schema revisions read from the migration scripts' text (``db.revisions``, no Alembic on
an opening) are exactly Alembic's: a new migration file changes both alike, and scripts this
reading cannot follow fall back to Alembic instead of answering wrong."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from alembic.script import ScriptDirectory

from db import engine, fileguard, revisions
from db.migrate import alembic_config

SCRIPT = '''"""{doc}

Revision ID: {rev}
"""

from __future__ import annotations

revision{annotation} = {rev!r}
down_revision{annotation} = {down!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass
'''


def _scripts(folder: Path, *chain: tuple[str, object], annotation: str = "") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "__init__.py").write_text("")
    for rev, down in chain:
        text = SCRIPT.format(doc=f"step {rev}", rev=rev, down=down, annotation=annotation)
        (folder / f"{rev}_step.py").write_text(text)
    return folder


def _parents(down: str | Sequence[str] | None) -> tuple[str, ...]:
    return () if down is None else (down,) if isinstance(down, str) else tuple(down)


def _alembic(folder: Path) -> ScriptDirectory:
    return ScriptDirectory(str(folder.parent), version_locations=[str(folder)])


def test_the_head_is_alembics() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    assert head is not None
    assert revisions.head_revision() == head, (
        "db/revisions.py reads another head from db/migrations/versions than Alembic: "
        "write the new migration's revision and down_revision as plain string assignments"
    )
    assert engine._head_revision() == head


def test_every_revision_and_its_parents_are_alembics() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    expected = {rev.revision: _parents(rev.down_revision) for rev in script.walk_revisions()}
    assert revisions.declared_revisions() == expected
    assert fileguard.known_revisions() == frozenset(expected)


def test_a_new_migration_file_is_the_new_head(tmp_path: Path) -> None:
    folder = _scripts(tmp_path / "versions", ("0001", None), ("0002", "0001"))
    assert revisions.head_revision(folder) == "0002" == _alembic(folder).get_current_head()
    _scripts(folder, ("0003", "0002"), annotation=": str | None")  # typed, as templates write
    assert revisions.head_revision(folder) == "0003" == _alembic(folder).get_current_head()
    assert set(revisions.declared_revisions(folder) or ()) == {"0001", "0002", "0003"}


def test_a_merge_names_both_parents(tmp_path: Path) -> None:
    folder = _scripts(
        tmp_path / "versions",
        ("0001", None),
        ("0002a", "0001"),
        ("0002b", "0001"),
        ("0003", ("0002a", "0002b")),
    )
    assert revisions.head_revision(folder) == "0003" == _alembic(folder).get_current_head()
    assert (revisions.declared_revisions(folder) or {})["0003"] == ("0002a", "0002b")


def test_what_it_cannot_follow_is_left_to_alembic(tmp_path: Path) -> None:
    two_heads = _scripts(tmp_path / "a", ("0001", None), ("0002a", "0001"), ("0002b", "0001"))
    assert revisions.head_revision(two_heads) is None
    assert len(_alembic(two_heads).get_heads()) == 2

    computed = _scripts(tmp_path / "b", ("0001", None))
    (computed / "0002_step.py").write_text(
        'PREFIX = "00"\nrevision = PREFIX + "02"\ndown_revision = "0001"\n'
    )
    assert revisions.declared_revisions(computed) is None
    assert revisions.head_revision(computed) is None

    no_parent = _scripts(tmp_path / "c", ("0001", None))
    (no_parent / "0002_step.py").write_text('revision = "0002"\n')
    assert revisions.head_revision(no_parent) is None

    twice = _scripts(tmp_path / "d", ("0001", None), ("0002", "0001"))
    (twice / "0002_again.py").write_text('revision = "0002"\ndown_revision = "0001"\n')
    assert revisions.head_revision(twice) is None


def test_an_edited_script_is_read_again(tmp_path: Path) -> None:
    folder = _scripts(tmp_path / "versions", ("0001", None), ("0002", "0001"))
    assert revisions.head_revision(folder) == "0002"
    (folder / "0002_step.py").write_text("revision = '0002'\ndown_revision = '0003'\n")
    _scripts(folder, ("0003", "0001"))
    assert revisions.head_revision(folder) == "0002" == _alembic(folder).get_current_head()
    (folder / "0002_step.py").write_text("revision = '0002'\ndown_revision = PARENT_ID\n")
    assert revisions.head_revision(folder) is None  # not a literal: Alembic decides
