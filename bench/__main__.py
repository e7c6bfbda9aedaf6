"""`make bench`: runs every benchmark module in bench/ and prints its figures, then one summary
table. A module offers `async run()` returning rows of figures (and, optionally, `HEADLINES`:
the names of the rows the summary repeats), or a `main()` that prints its own; exit 1 if any
says something was lost. The load average is printed at the start and end of each benchmark
(a figure from a busy machine is not a quiet one's), and each benchmark after the first waits,
for at most `BENCH_SETTLE_WITHIN` seconds (120), until the 1-minute load average is under
`BENCH_SETTLE` (1.0): the load one benchmark leaves must not fall on the next one's figures.
`BENCH_ONLY=ack,fanout` runs only those."""

from __future__ import annotations

import asyncio
import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path

from bench._machine import load, settle


def main() -> int:
    folder = Path(__file__).resolve().parent
    status = 0
    summary: list[tuple[str, str, str]] = []
    only = {n for n in os.environ.get("BENCH_ONLY", "").split(",") if n}
    below = float(os.environ.get("BENCH_SETTLE", "1.0"))
    within = float(os.environ.get("BENCH_SETTLE_WITHIN", "120"))
    print(f"== load average at the start: {load()} ({os.cpu_count()} cores)", flush=True)
    first = True
    for info in sorted(pkgutil.iter_modules([str(folder)]), key=lambda m: m.name):
        if info.name.startswith("_") or (only and info.name not in only):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        run, own_main = getattr(module, "run", None), getattr(module, "main", None)
        if run is None and own_main is None:
            continue
        print(f"== {info.name}: {(module.__doc__ or '').strip().splitlines()[0]}", flush=True)
        if not first:
            quiet, waited = settle(below, within)
            print(f"  waited {waited:.0f} s for the load average to fall under {below}"
                  + ("" if quiet else ": it did not (the figures below are a busy machine's)"),
                  flush=True)
        first = False
        print(f"  load average {load()}", flush=True)
        began = time.perf_counter()
        if run is None:
            own_main()
            took = time.perf_counter() - began
            summary.append((info.name, "(figures above)", f"{took:.0f} s"))
            print(f"  load average {load()}\n", flush=True)
            continue
        rows = asyncio.run(run())
        took = time.perf_counter() - began
        width = max(len(name) for name, _ in rows)
        for name, value in rows:
            print(f"  {name:<{width}}  {value}")
        print(f"  load average {load()}\n", flush=True)
        figures = dict(rows)
        headlines = getattr(module, "HEADLINES", None) or [name for name, _ in rows[:2]]
        for n, name in enumerate(headlines):
            summary.append((info.name if n == 0 else "", f"{name}: {figures.get(name, '?')}",
                            f"{took:.0f} s" if n == 0 else ""))
        if figures.get("lost", "0") != "0":
            status = 1
    print(f"== summary (load average at the end: {load()})")
    width = max([len("benchmark"), *(len(name) for name, _, _ in summary)])
    fig = max((len(f) for _, f, _ in summary), default=0)
    print(f"  {'benchmark':<{width}}  {'figure':<{fig}}  took")
    for name, figure, took in summary:
        print(f"  {name:<{width}}  {figure:<{fig}}  {took}")
    return status


if __name__ == "__main__":
    sys.exit(main())
