"""Run every benchmark module (benchmarks/bench_*.py) and print one JSON document."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
import time
import traceback

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("names", nargs="*", help="only these (e.g. spine import)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args()
    import benchmarks

    results: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
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
