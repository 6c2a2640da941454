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

from sqlalchemy import Boolean, Integer, Text, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement


class _IdIn(ColumnElement[bool]):
    type = Boolean()
    inherit_cache = False  # the ids are part of the statement: never cached
    _is_implicitly_boolean = True  # a condition itself (no "= 1" added on SQLite)

    def __init__(self, column: ColumnElement[Any], ids: Iterable[int]) -> None:
        self.column = column
        self.ids = [int(i) for i in ids]


def id_in(column: Any, ids: Iterable[int]) -> ColumnElement[bool]:
    """``column`` is one of ``ids`` (any number of them: one parameter)."""
    return _IdIn(column, ids)


@compiles(_IdIn)
def _compile_json(element: _IdIn, compiler: Any, **kw: Any) -> str:
    values = bindparam(None, json.dumps(element.ids), type_=Text(), unique=True)
    column = compiler.process(element.column, **kw)
    return f"{column} IN (SELECT value FROM json_each({compiler.process(values, **kw)}))"


@compiles(_IdIn, "postgresql")
def _compile_array(element: _IdIn, compiler: Any, **kw: Any) -> str:
    from sqlalchemy.dialects.postgresql import ARRAY  # (loaded there: not on SQLite)

    values = bindparam(None, element.ids, type_=ARRAY(Integer()), unique=True)
    column = compiler.process(element.column, **kw)
    return f"{column} = ANY({compiler.process(values, **kw)})"
