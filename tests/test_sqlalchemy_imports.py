"""SQLAlchemy is imported after the window is usable, on the database's opening thread, while
the GUI thread and workers go on (issue 15). Python imports a submodule (``sqlalchemy.exc``)
without waiting for its package when another thread is still running the package's
``__init__``; the two threads then wait on each other's half-made modules and Python breaks
that by handing one of them a module without its names: the opening failed with "module
'sqlalchemy.util' has no attribute 'inject_docstring_text'" (app.store's first SQLAlchemy
import was ``from sqlalchemy.exc import DBAPIError``, beside a ``from sqlalchemy import …`` on
the GUI thread).

An import of the package itself (``import sqlalchemy``, ``from sqlalchemy import …``) waits for
another thread's ``__init__`` to finish, holding nothing the other needs. So everywhere in the
application the package is imported before any of its submodules: at module level earlier in
the file, or earlier in the same function for an import made when used. Imports only for type
checkers (``if TYPE_CHECKING:``) do not run and are not held to it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "db", "ui")
MIGRATIONS = ROOT / "db" / "migrations"  # run by Alembic on the opening's thread alone


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module]
    return []


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _blocks(node: ast.stmt) -> list[list[ast.stmt]]:
    """The statements nested in ``node`` (a class, if, loop, with, try, match), in order."""
    blocks = [getattr(node, name, None) for name in ("body", "orelse", "finalbody")]
    blocks += [handler.body for handler in getattr(node, "handlers", [])]
    blocks += [case.body for case in getattr(node, "cases", [])]
    return [block for block in blocks if isinstance(block, list)]


def _submodule_imports_before_package(tree: ast.Module) -> list[int]:
    """Lines importing a SQLAlchemy submodule with no import of the package before them, at
    module level or in the same function."""
    found: list[int] = []

    def walk(body: list[ast.stmt], package_seen: bool) -> bool:
        for node in body:
            names = _imported(node)
            if any(name.startswith("sqlalchemy.") for name in names) and not package_seen:
                found.append(node.lineno)
            if "sqlalchemy" in names:
                package_seen = True
            if isinstance(node, ast.If) and _type_checking(node):
                package_seen = walk(node.orelse, package_seen)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                walk(node.body, package_seen)  # its own imports, made when it runs
            else:
                for block in _blocks(node):
                    package_seen = walk(block, package_seen)
        return package_seen

    walk(tree.body, False)
    return found


def test_the_sqlalchemy_package_is_imported_before_its_submodules() -> None:
    offenders = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if MIGRATIONS in path.parents:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            offenders += [
                f"{path.relative_to(ROOT)}:{line}"
                for line in _submodule_imports_before_package(tree)
            ]
    assert offenders == [], (
        "import the sqlalchemy package (from sqlalchemy import …) before its submodules: "
        + ", ".join(offenders)
    )


def test_the_check_finds_a_submodule_imported_first() -> None:
    """The rule's own check: what it must find and what it must let through."""
    flagged = ast.parse(
        "from sqlalchemy.exc import DBAPIError\n"
        "def f():\n"
        "    from sqlalchemy.orm import Session\n"
        "try:\n"
        "    pass\n"
        "except ValueError:\n"
        "    import sqlalchemy.engine\n"
    )
    assert _submodule_imports_before_package(flagged) == [1, 3, 7]
    fine = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from sqlalchemy.orm import Session\n"
        "def f():\n"
        "    from sqlalchemy import exc\n"
        "    from sqlalchemy.orm import Session\n"
        "from sqlalchemy import text\n"
        "from sqlalchemy.exc import DBAPIError\n"
        "def g():\n"
        "    from sqlalchemy.orm import Session\n"
    )
    assert _submodule_imports_before_package(fine) == []
