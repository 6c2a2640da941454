"""The models' partial indexes keep their PostgreSQL predicates without importing SQLAlchemy's
PostgreSQL dialect: importing the models (every command, every start) loads none of it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.schema import CreateIndex

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_models_loads_no_postgresql_dialect() -> None:
    probe = (
        "import sys, db.models, db.engine, app.store, app.metrics, app.stages; "
        "print(sorted(m for m in sys.modules if 'postgres' in m))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def _partial_indexes() -> list[Any]:
    from db.models import Base, Derived

    return [
        index
        for metadata in (Base.metadata, Derived.metadata)
        for table in metadata.tables.values()
        for index in table.indexes
        if "where" in index.dialect_options["sqlite"]._non_defaults
    ]


def test_every_partial_index_has_its_postgresql_predicate() -> None:
    from sqlalchemy.dialects import postgresql

    from db.models import PG_WHERE, Base, Derived, postgresql_options

    indexes = _partial_indexes()
    assert len(indexes) >= 9
    for metadata in (Base.metadata, Derived.metadata):
        postgresql_options(metadata)
        postgresql_options(metadata)  # idempotent
    for index in indexes:
        assert index.info.get(PG_WHERE), index.name
        ddl = str(CreateIndex(index).compile(dialect=postgresql.dialect()))
        assert ddl.endswith(f"WHERE {index.info[PG_WHERE]}"), ddl


CREATE_ALL = """
from sqlalchemy import create_mock_engine
from sqlalchemy.dialects import postgresql
from db.models import Base
statements = []
engine = create_mock_engine(
    "postgresql+psycopg://",
    lambda sql, *a, **k: statements.append(str(sql.compile(dialect=postgresql.dialect()))),
)
Base.metadata.create_all(engine, checkfirst=False)
print([s.strip() for s in statements if "ix_contacts_owner" in s])
"""


def test_create_all_on_postgresql_makes_the_partial_indexes() -> None:
    """In a fresh process: nothing gave the indexes their PostgreSQL options before."""
    out = subprocess.run(
        [sys.executable, "-c", CREATE_ALL], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    (owner,) = ast.literal_eval(out.stdout.strip())
    assert owner.endswith("WHERE owner IS NOT NULL"), owner
