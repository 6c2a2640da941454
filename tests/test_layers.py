"""The core is Qt-free: app/ and db/ never import PySide6 (ARCHITECTURE.md)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_core_module_imports_qt_or_ui() -> None:
    offenders = []
    for package in ("app", "db"):
        for path in (ROOT / package).rglob("*.py"):
            bad = {n for n in _imports(path) if n.split(".")[0] in ("PySide6", "shiboken6")}
            # app/cli.py and app/commands may start the GUI lazily (inside a function)
            if package == "app" and path.parent.name in ("app", "commands"):
                tree = ast.parse(path.read_text(encoding="utf-8"))
                top = {n.module for n in tree.body if isinstance(n, ast.ImportFrom) and n.module}
                top |= {a.name for n in tree.body if isinstance(n, ast.Import) for a in n.names}
                bad |= {n for n in top if n.split(".")[0] == "ui"}
            if bad:
                offenders.append(f"{path.relative_to(ROOT)}: {sorted(bad)}")
    assert offenders == []


def test_importing_every_core_module_loads_no_qt() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        "import app, db\n"
        "for pkg in (app, db):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        if '.migrations' in m.name or m.name.endswith('__main__'): continue\n"
        "        importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == ""
