"""The desktop window (PySide6): ``ui.application.run_gui`` starts it."""

from __future__ import annotations

import sys
from types import ModuleType


def _pyside_reads_module_bytes() -> None:
    """PySide6's import hook (``shibokensupport.feature``, PYSIDE-2029) asks of every module
    imported after Qt whether its source mentions "PySide6", with ``inspect.getsource``: each
    file decoded line by line and kept in ``linecache`` for the rest of the session. The
    window's start imports ~460 modules after Qt (SQLAlchemy's among them): 0.07-0.09 s of CPU
    and 10.7 MB of source text kept. The same question is answered here from the file's bytes;
    anything but a ``.py`` file is left to PySide6's own answer."""
    import PySide6  # noqa: F401  (its support modules, the hook among them)

    feature = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or original is None or getattr(original, "reads_bytes", False):
        return

    def uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return bool(original(module))
        try:
            with open(path, "rb") as source:
                return b"PySide6" in source.read()
        except OSError:
            return bool(original(module))

    uses_pyside.reads_bytes = True  # type: ignore[attr-defined]
    setattr(feature, "_mod_uses_pyside", uses_pyside)  # noqa: B010  (a module's private name)


_pyside_reads_module_bytes()
