"""``id_in(column, ids)``: a column among many ids, sent as one value.

``column.in_(ids)`` sends one bound parameter per id: SQLAlchemy names and renders 10,000 of
them for a bulk move, in every statement that names the contacts (a tenth of the move's time
went there). Here the ids travel as one value: on SQLite a JSON array read by ``json_each``,
on PostgreSQL an array compared with ``= ANY``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Boolean, Integer, Text, TypeDecorator, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.type_api import TypeEngine
from sqlalchemy.sql.visitors import InternalTraversal


class _IdList(TypeDecorator[list[int]]):
    """The ids as the one value each database reads: a JSON array's text on SQLite (for
    ``json_each``), an integer array on PostgreSQL."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import ARRAY  # (loaded there: not on SQLite)

            return dialect.type_descriptor(ARRAY(Integer()))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: list[int] | None, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return json.dumps(value)


class _IdIn(ColumnElement[bool]):
    type = Boolean()
    # the ids are a bound value, not part of the statement: one compiled form for any ids
    # (compiling it each time was about a quarter of a one-card move's CPU on the writer)
    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_clauseelement),
    ]
    _is_implicitly_boolean = True  # a condition itself (no "= 1" added on SQLite)

    def __init__(self, column: ColumnElement[Any], ids: Iterable[int]) -> None:
        self.column = column
        self.values = bindparam(None, [int(i) for i in ids], type_=_IdList(), unique=True)


def id_in(column: Any, ids: Iterable[int]) -> ColumnElement[bool]:
    """``column`` is one of ``ids`` (any number of them: one parameter)."""
    return _IdIn(column, ids)


@compiles(_IdIn)
def _compile_json(element: _IdIn, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    values = compiler.process(element.values, **kw)
    return f"{column} IN (SELECT value FROM json_each({values}))"


@compiles(_IdIn, "postgresql")
def _compile_array(element: _IdIn, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    return f"{column} = ANY({compiler.process(element.values, **kw)})"
