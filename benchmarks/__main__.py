"""Run every benchmark module (benchmarks/bench_*.py) and print one JSON document.

``--size N`` runs them on an N-contact demo database (generated once, then cached by
``benchmarks.common.demo_database``; 100,000 by default): ``python -m benchmarks --size
1000000 export``."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
import time
import traceback
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("names", nargs="*", help="only these (e.g. spine import)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument(
        "--size",
        type=int,
        metavar="N",
        help="contacts in the demo database (default 100,000; generated once and cached)",
    )
    parser.add_argument(
        "--db",
        metavar="FILE",
        help="a demo database of that size to use instead of the cached one (only read by "
        "benchmarks that read; copied by those that write)",
    )
    args = parser.parse_args()
    if args.db:
        from benchmarks.common import DB_ENV

        os.environ[DB_ENV] = str(Path(args.db).resolve())
    if args.size is not None:
        if args.size < 1:
            parser.error("--size must be a whole number of contacts, 1 or more")
        from benchmarks.common import SIZE_ENV

        os.environ[SIZE_ENV] = str(args.size)  # read by benchmarks.common.bench_size
    import benchmarks
    from benchmarks.common import bench_size

    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    results: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "size": bench_size(args.quick),
        "load_average_before": load,
    }
    for mod in sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__)):
        if not mod.startswith("bench_"):
            continue
        name = mod.removeprefix("bench_")
        if args.names and name not in args.names:
            continue
        start = time.perf_counter()
        try:
            module = importlib.import_module(f"benchmarks.{mod}")
            results[name] = module.run(quick=args.quick)
        except Exception as exc:  # one broken case must not hide the others
            results[name] = {
                "error": f"{type(exc).__name__}: {exc}",
                "trace": traceback.format_exc(),
            }
        print(f"{name}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    json.dump(results, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
