"""Command line start-up: ``winnow --help`` and usage errors as whole processes (target 0.3 s).

Each case is a fresh process, timed from start to exit (wall) and by the CPU it used (user +
system, which a busy machine does not inflate); ``python -c pass`` is timed the same way beside
them, so a busy machine shows in the baseline rather than hiding in the figures.
The modules the process loaded are listed for ``--help`` (SQLAlchemy, Qt and dnspython must
not be among them; tests/app/test_cli_imports.py holds that too).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import demo_database, summary

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    "help": ["--help"],
    "command_help": ["list", "--help"],
    "usage_error_unknown_command": ["frobnicate"],
    "usage_error_bad_option": ["list", "--bogus"],
    "usage_error_missing_argument": ["show"],
}
HEAVY = ("sqlalchemy", "PySide6", "dns", "alembic")
TARGET_S = 0.3


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as a user runs it: compiled modules cached
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def _time(argv: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of ``runs`` processes."""
    env = _env()
    wall, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, check=False)
        wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, cpu


def _case(argv: list[str], runs: int) -> dict[str, object]:
    wall, cpu = _time(argv, runs)
    return {**summary(wall), "cpu": summary(cpu)}


def _heavy_modules_for_help() -> list[str]:
    code = (
        "import sys\n"
        "from app.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"heavy = {HEAVY!r}\n"
        "import json\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(heavy))),"
        " file=sys.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=_env(), capture_output=True, text=True
    )
    return list(json.loads(out.stderr.strip().splitlines()[-1]))


def run(quick: bool = False) -> dict[str, object]:
    runs = 5 if quick else 20
    winnow = [sys.executable, "-m", "app"]
    _time([*winnow, "--help"], 2)  # warm the file cache and the compiled modules
    result: dict[str, object] = {"runs": runs}
    result["python_startup"] = _case([sys.executable, "-c", "pass"], runs)
    for name, args in CASES.items():
        result[name] = _case([*winnow, *args], runs)
    small = demo_database(1_000)
    _time([*winnow, "--db", str(small), "list", "--limit", "20"], 1)
    result["list_20_of_1000"] = _case([*winnow, "--db", str(small), "list", "--limit", "20"], runs)
    result["heavy_modules_loaded_for_help"] = _heavy_modules_for_help()
    result["targets"] = {name: TARGET_S for name in CASES}
    result["missed"] = [
        name
        for name in CASES
        if isinstance(result[name], dict) and result[name]["median_s"] > TARGET_S  # type: ignore[index]
    ]
    return result
