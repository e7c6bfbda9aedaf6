"""`make bench`: runs every benchmark module in bench/ (each offers `async run()` returning
rows of figures) and prints one table per benchmark; exit 1 if any says something was lost."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    folder = Path(__file__).resolve().parent
    status = 0
    for info in sorted(pkgutil.iter_modules([str(folder)]), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        run = getattr(module, "run", None)
        if run is None:
            continue
        print(f"== {info.name}: {(module.__doc__ or '').strip().splitlines()[0]}")
        rows = asyncio.run(run())
        width = max(len(name) for name, _ in rows)
        for name, value in rows:
            print(f"  {name:<{width}}  {value}")
        print()
        if dict(rows).get("lost", "0") != "0":
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
