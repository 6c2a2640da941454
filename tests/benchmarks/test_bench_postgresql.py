"""benchmarks.bench_postgresql: the import case's process runs as a user runs Winnow, its
compiled modules kept in the benchmark cache (as bench_spine and the stats case keep them)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from benchmarks import bench_import, bench_postgresql, common

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_case_keeps_compiled_modules_in_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``PYTHONDONTWRITEBYTECODE`` (set where the benchmarks run) is left out and
    ``PYTHONPYCACHEPREFIX`` points into the cache: the import's modules are compiled there by
    an untimed run into another new database, then the timed run imports the file."""
    monkeypatch.setattr(common, "CACHE", tmp_path / "cache")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    env = common.compiled_bytecode_env()
    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert env["PYTHONPYCACHEPREFIX"] == str(tmp_path / "cache" / "pycache")
    csv_path = tmp_path / "list.csv"
    bench_import.write_sample_csv(csv_path, 20)
    made: list[Path] = []

    def fresh() -> str:
        made.append(tmp_path / f"fresh-{len(made)}.sqlite")
        return str(made[-1])

    seconds = bench_postgresql._import(fresh, csv_path)
    assert seconds > 0 and len(made) == 2
    for path in made:  # the untimed run imported the file too
        con = sqlite3.connect(path)
        try:
            assert con.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 20
        finally:
            con.close()
    compiled = tmp_path / "cache" / "pycache" / ROOT.relative_to(ROOT.anchor)
    assert list((compiled / "app" / "importing").glob("service.*.pyc"))
