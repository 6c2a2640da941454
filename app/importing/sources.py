"""The one rule for an import's source label, used by the window and the command line alike."""

from __future__ import annotations

import os
import re
from pathlib import Path


def default_source(path: str | os.PathLike[str]) -> str:
    """A batch's source when none is given, from the file's name:
    ``hannover-messe_2026.csv`` -> "Hannover messe 2026"; the file name if nothing is left."""
    name = Path(path).name
    words = " ".join(re.sub(r"[_\-.]+", " ", Path(name).stem).split())
    return (words[:1].upper() + words[1:]) if words else name


def source_label(source: str | None, path: str | os.PathLike[str]) -> str:
    """The label a batch and its new contacts get: the one given, else ``default_source``."""
    given = " ".join((source or "").split())
    return given or default_source(path)
